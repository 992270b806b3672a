// http_request.hpp -- HTTP/1.1 without any I/O: the URL and the request to
// send, an incremental reader for the response, and the verdict. The health
// check engine owns its sockets and feeds the reader what it receives; the
// plugin manager's drain call uses the same request, and the collector's
// signal fetcher the same reader, keeping the whole body. No CAF, no threads,
// no clock.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "actors/tcp_connect.hpp"

namespace conductor {

/// At most this much of a body is read when a check looks for a substring.
constexpr size_t http_body_limit = 64 * 1024;

/// Response headers larger than this fail the check.
constexpr size_t http_header_limit = 16 * 1024;

/// Parses `url` (http:// only; host an IP literal or localhost; default port
/// 80) into the address to connect to and the whole HTTP/1.1 GET request with
/// `Connection: close`. "" on success, else the detail of the failed check,
/// e.g. "https is not supported". `method`: GET (health checks) or POST
/// (a drain call, with an empty body).
std::string prepare_http_request(std::string_view url, socket_address& addr,
                                 std::string& request, std::string_view method = "GET");

/// Reads one HTTP/1.x response as it arrives in pieces. It stops as early as
/// the verdict is known: after the headers when no body is needed (no needle
/// or a status that fails anyway), else once the body contains the needle, the
/// body ends (Content-Length, last chunk, end of stream) or `http_body_limit`
/// bytes of it were read. Chunked bodies are decoded before the search.
/// Buffers are kept across reset() so a reused reader stops allocating.
class http_response_reader {
public:
  enum class progress { more, done, failed };

  /// Starts a new response. `needle`: the substring the body must contain
  /// ("" = do not read the body); the body of a response whose status fails
  /// `expect_status` (see http_status_ok) is not read either. Both must
  /// outlive the response.
  void reset(std::string_view needle, const std::vector<int>* expect_status);

  /// Starts a new response whose body is kept whole, for a scrape (a plugin's
  /// signals): a 2xx body is read to its end or to `limit` bytes, whichever
  /// comes first, and body() has it; other statuses stop after the headers.
  void reset_for_body(size_t limit);

  /// Consumes received bytes.
  progress feed(std::string_view data);

  /// The peer closed the connection.
  progress end_of_stream();

  /// The status code, 0 before the status line.
  int status() const {
    return status_;
  }

  /// Whether the body contained the needle.
  bool body_found() const {
    return found_;
  }

  /// The body read (reset_for_body); after a needle search, what was searched.
  const std::string& body() const {
    return body_;
  }

  /// Whether body() lacks part of the body (reset_for_body): it passed the
  /// limit, or the connection closed before the length or last chunk said.
  bool body_truncated() const {
    return truncated_;
  }

  /// Why the response failed (progress::failed).
  const std::string& error() const {
    return error_;
  }

private:
  enum class phase { status_line, headers, body_length, body_eof, chunk_size, chunk_data,
                     chunk_end, done };

  progress fail(std::string why);
  progress on_line(std::string_view line);
  progress add_body(std::string_view data);
  progress consume(std::string_view& data);

  std::string_view needle_;
  const std::vector<int>* expect_status_ = nullptr;
  phase phase_ = phase::status_line;
  int status_ = 0;
  bool found_ = false;
  bool keep_body_ = false;
  bool truncated_ = false;
  size_t body_limit_ = http_body_limit;
  bool chunked_ = false;
  bool has_length_ = false;
  size_t remaining_ = 0;
  size_t head_bytes_ = 0;
  std::string line_;
  std::string body_;
  std::string error_;
};

/// Whether `status` passes: in `expect_status`, or 2xx when that is empty.
bool http_status_ok(int status, const std::vector<int>& expect_status);

/// The verdict on a complete response and its detail: "HTTP 200",
/// "HTTP 500", "HTTP 404 (expected 200, 204)", "HTTP 200 but the body lacks
/// \"ok\"".
bool judge_http(int status, const std::vector<int>& expect_status, std::string_view expect_body,
                bool body_found, std::string& detail);

} // namespace conductor

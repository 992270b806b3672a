// http_check.cpp -- see http_check.hpp.
#include "actors/http_request.hpp"

#include <algorithm>
#include <cctype>

namespace conductor {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x))
                     == std::tolower(static_cast<unsigned char>(y));
            });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

/// Decimal digits only; false on anything else or overflow past `limit`.
bool parse_size(std::string_view s, size_t& out, size_t limit) {
  if (s.empty())
    return false;
  size_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + static_cast<size_t>(c - '0');
    if (value > limit)
      return false;
  }
  out = value;
  return true;
}

bool parse_hex_size(std::string_view s, size_t& out) {
  s = trim(s.substr(0, s.find(';')));
  if (s.empty() || s.size() > 12)
    return false;
  size_t value = 0;
  for (char c : s) {
    int digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
      return false;
    value = value * 16 + static_cast<size_t>(digit);
  }
  out = value;
  return true;
}

} // namespace

std::string prepare_http_request(std::string_view url, socket_address& addr,
                                 std::string& request, std::string_view method) {
  if (istarts_with(url, "https://"))
    return "https is not supported";
  if (!istarts_with(url, "http://"))
    return "not an http:// URL: \"" + std::string{url} + "\"";
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return "bad URL (spaces or control characters): \"" + std::string{url} + "\"";
  auto rest = url.substr(7);
  rest = rest.substr(0, rest.find('#'));
  auto authority_end = rest.find_first_of("/?");
  auto authority = rest.substr(0, authority_end);
  std::string path{authority_end == std::string_view::npos ? std::string_view{}
                                                           : rest.substr(authority_end)};
  if (path.empty() || path.front() == '?')
    path.insert(0, "/");
  if (authority.find('@') != std::string_view::npos)
    return "user info in URLs is not supported";
  std::string_view host = authority;
  uint16_t port = 80;
  auto colon = authority.rfind(':');
  auto bracket = authority.rfind(']');
  if (colon != std::string_view::npos
      && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    auto port_text = authority.substr(colon + 1);
    if (!port_text.empty() && !parse_port(port_text, port))
      return "bad port in URL \"" + std::string{url} + "\"";
  }
  if (auto error = make_address(host, port, addr); !error.empty())
    return error;
  request.clear();
  request.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ");
  request.append(authority);
  request.append("\r\nUser-Agent: conductor\r\nAccept: */*\r\nConnection: close\r\n");
  // A body-less POST still says so, or some servers wait for one.
  request.append(method == "GET" ? "\r\n" : "Content-Length: 0\r\n\r\n");
  return {};
}

void http_response_reader::reset(std::string_view needle,
                                 const std::vector<int>* expect_status) {
  needle_ = needle;
  expect_status_ = expect_status;
  phase_ = phase::status_line;
  status_ = 0;
  found_ = false;
  keep_body_ = false;
  truncated_ = false;
  body_limit_ = http_body_limit;
  chunked_ = false;
  has_length_ = false;
  remaining_ = 0;
  head_bytes_ = 0;
  line_.clear();
  body_.clear();
  error_.clear();
}

void http_response_reader::reset_for_body(size_t limit) {
  reset({}, nullptr);
  keep_body_ = true;
  body_limit_ = limit;
}

http_response_reader::progress http_response_reader::fail(std::string why) {
  error_ = std::move(why);
  phase_ = phase::done;
  return progress::failed;
}

http_response_reader::progress http_response_reader::feed(std::string_view data) {
  if (phase_ == phase::done)
    return error_.empty() ? progress::done : progress::failed;
  while (!data.empty()) {
    auto p = consume(data);
    if (p != progress::more)
      return p;
  }
  return progress::more;
}

http_response_reader::progress http_response_reader::consume(std::string_view& data) {
  switch (phase_) {
    case phase::status_line:
    case phase::headers:
    case phase::chunk_size:
    case phase::chunk_end: {
      auto newline = data.find('\n');
      auto piece = data.substr(0, newline);
      bool in_head = phase_ == phase::status_line || phase_ == phase::headers;
      if (line_.size() + piece.size() + (in_head ? head_bytes_ : 0) > http_header_limit)
        return fail(in_head ? "response headers too large" : "bad chunk header");
      line_.append(piece);
      if (newline == std::string_view::npos) {
        data = {};
        return progress::more;
      }
      data.remove_prefix(newline + 1);
      if (!line_.empty() && line_.back() == '\r')
        line_.pop_back();
      if (in_head)
        head_bytes_ += line_.size() + 2;
      auto p = on_line(line_);
      line_.clear();
      return p;
    }
    case phase::body_length:
    case phase::chunk_data: {
      auto n = std::min(remaining_, data.size());
      auto piece = data.substr(0, n);
      data.remove_prefix(n);
      remaining_ -= n;
      auto p = add_body(piece);
      if (p != progress::more || remaining_ > 0)
        return p;
      if (phase_ == phase::body_length) {
        phase_ = phase::done;
        return progress::done;
      }
      phase_ = phase::chunk_end;
      return progress::more;
    }
    case phase::body_eof: {
      auto piece = data;
      data = {};
      return add_body(piece);
    }
    case phase::done:
      break;
  }
  data = {};
  return error_.empty() ? progress::done : progress::failed;
}

http_response_reader::progress http_response_reader::on_line(std::string_view line) {
  switch (phase_) {
    case phase::status_line: {
      // "HTTP/1.1 200 OK" (the reason phrase may be missing).
      if (!istarts_with(line, "HTTP/") || line.size() < 12 || line[8] != ' ')
        return fail("malformed HTTP response");
      int code = 0;
      for (size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9')
          return fail("malformed HTTP response");
        code = code * 10 + (line[i] - '0');
      }
      if (line.size() > 12 && line[12] != ' ')
        return fail("malformed HTTP response");
      status_ = code;
      phase_ = phase::headers;
      return progress::more;
    }
    case phase::headers: {
      if (line.empty()) {
        bool wants_body = keep_body_ ? status_ >= 200 && status_ <= 299 && status_ != 204
                                     : !needle_.empty() && expect_status_
                                         && http_status_ok(status_, *expect_status_)
                                         && status_ != 204 && status_ != 304 && status_ >= 200;
        if (!wants_body) {
          phase_ = phase::done;
          return progress::done;
        }
        if (chunked_) {
          phase_ = phase::chunk_size;
        } else if (has_length_) {
          if (remaining_ == 0) {
            phase_ = phase::done;
            return progress::done;
          }
          phase_ = phase::body_length;
        } else {
          phase_ = phase::body_eof;
        }
        return progress::more;
      }
      auto colon = line.find(':');
      if (colon == std::string_view::npos)
        return progress::more; // tolerate junk header lines
      auto name = trim(line.substr(0, colon));
      auto value = trim(line.substr(colon + 1));
      if (iequals(name, "content-length")) {
        if (!parse_size(value, remaining_, size_t{1} << 48))
          return fail("bad Content-Length");
        has_length_ = true;
      } else if (iequals(name, "transfer-encoding")) {
        auto v = std::string{value};
        std::transform(v.begin(), v.end(), v.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        chunked_ = v.find("chunked") != std::string::npos;
      }
      return progress::more;
    }
    case phase::chunk_size: {
      size_t size = 0;
      if (!parse_hex_size(line, size))
        return fail("bad chunk header");
      if (size == 0) {
        phase_ = phase::done; // trailers are not read
        return progress::done;
      }
      remaining_ = size;
      phase_ = phase::chunk_data;
      return progress::more;
    }
    case phase::chunk_end:
      if (!line.empty())
        return fail("bad chunk header");
      phase_ = phase::chunk_size;
      return progress::more;
    default:
      return progress::more;
  }
}

http_response_reader::progress http_response_reader::add_body(std::string_view data) {
  auto room = body_limit_ - body_.size();
  auto old = body_.size();
  body_.append(data.substr(0, std::min(room, data.size())));
  if (keep_body_) {
    // Whether the body ends here is the caller's to tell (length, chunks,
    // end of stream); only bytes past the limit end it early.
    if (data.size() <= room)
      return progress::more;
    truncated_ = true;
    phase_ = phase::done;
    return progress::done;
  }
  // Only the new bytes and the needle's length before them can hold a new match.
  auto from = old >= needle_.size() ? old - needle_.size() + 1 : 0;
  if (body_.find(needle_, from) != std::string::npos) {
    found_ = true;
    phase_ = phase::done;
    return progress::done;
  }
  if (body_.size() >= body_limit_) {
    phase_ = phase::done;
    return progress::done;
  }
  return progress::more;
}

http_response_reader::progress http_response_reader::end_of_stream() {
  switch (phase_) {
    case phase::status_line:
      if (line_.empty())
        return fail("connection closed before a response");
      return fail("connection closed in the response headers");
    case phase::headers:
      return fail("connection closed in the response headers");
    case phase::done:
      return error_.empty() ? progress::done : progress::failed;
    default:
      // A short body: judge what arrived. Only a body read to the end of
      // the stream may end there; a kept body missing its promised rest is cut.
      truncated_ = keep_body_ && phase_ != phase::body_eof;
      phase_ = phase::done;
      return progress::done;
  }
}

bool http_status_ok(int status, const std::vector<int>& expect_status) {
  if (expect_status.empty())
    return status >= 200 && status <= 299;
  return std::find(expect_status.begin(), expect_status.end(), status) != expect_status.end();
}

bool judge_http(int status, const std::vector<int>& expect_status, std::string_view expect_body,
                bool body_found, std::string& detail) {
  detail = "HTTP " + std::to_string(status);
  if (!http_status_ok(status, expect_status)) {
    if (!expect_status.empty()) {
      detail += " (expected ";
      for (size_t i = 0; i < expect_status.size(); ++i)
        detail.append(i ? ", " : "").append(std::to_string(expect_status[i]));
      detail += ")";
    }
    return false;
  }
  if (!expect_body.empty() && !body_found) {
    constexpr size_t shown = 60;
    detail += " but the body lacks \"";
    detail.append(expect_body.substr(0, shown));
    detail += expect_body.size() > shown ? "...\"" : "\"";
    return false;
  }
  return true;
}

} // namespace conductor

// http_get.hpp -- GETs a few http:// URLs at once and keeps their bodies.
//
// The signal fetcher's I/O: one round asks every plugin's metrics URL
// together over non-blocking sockets and one poll(), so a plugin that hangs
// costs the round its deadline, not the other plugins their answers. The
// call blocks its thread (never an actor's) until every answer, the deadline
// or a cancel. URLs are prepared once (prepare_http_request: IP literals and
// localhost only, since name lookups block). No CAF, no clock of its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "actors/tcp_connect.hpp"

namespace conductor {

/// A GET ready to send: where to and the request's bytes.
struct http_get_target {
  socket_address address;
  std::string request;
};

/// What one GET brought back.
struct http_get_result {
  /// A 2xx response was read.
  bool ok = false;
  /// ok: the body, at most the round's limit.
  std::string body;
  /// ok: the body is cut (past the limit, or the peer closed early).
  bool truncated = false;
  /// !ok: why, in the words of a health check's detail ("connection
  /// refused", "HTTP 404", "timeout (waiting for the response)").
  std::string error;
};

/// GETs every target at once; one result per target, in order. Returns when
/// each has answered or failed, at `deadline` (the rest fail with a timeout),
/// or as soon as `cancel_fd` (an eventfd; -1 = none) is readable: then
/// `cancelled` is set and the results are to be dropped. The eventfd is not
/// read, so whoever polls it next sees it too.
std::vector<http_get_result> http_get_all(const std::vector<http_get_target>& targets,
                                          std::chrono::steady_clock::time_point deadline,
                                          size_t body_limit, int cancel_fd, bool& cancelled);

} // namespace conductor

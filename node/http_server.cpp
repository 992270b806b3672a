#include "node/http_server.hpp"

#include <civetweb.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include <nlohmann/json.hpp>

#include "api/json_views.hpp"

namespace conductor {

namespace {

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < path.size()) {
    if (path[at] == '/') {
      ++at;
      continue;
    }
    auto end = path.find('/', at);
    if (end == std::string::npos)
      end = path.size();
    out.push_back(path.substr(at, end - at));
    at = end;
  }
  return out;
}

/// Whether `pattern` matches `path`; the {name} parts go to `params`.
bool matches(const std::string& pattern, const std::string& path,
             std::map<std::string, std::string>& params) {
  auto want = segments(pattern);
  auto got = segments(path);
  if (want.size() != got.size() || (path.size() > 1 && path.back() == '/'))
    return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    const auto& w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}')
      found[w.substr(1, w.size() - 2)] = got[i];
    else if (w != got[i])
      return false;
  }
  params = std::move(found);
  return true;
}

bool is_json(const std::string& content_type) {
  auto semicolon = content_type.find(';');
  auto type = content_type.substr(0, semicolon);
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  std::transform(type.begin(), type.end(), type.begin(), ::tolower);
  return type == "application/json";
}

void send(mg_connection* conn, const http_response& res, bool head) {
  mg_response_header_start(conn, res.status);
  mg_response_header_add(conn, "Content-Type", res.content_type.c_str(), -1);
  auto length = std::to_string(res.body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  for (const auto& [k, v] : res.headers)
    mg_response_header_add(conn, k.c_str(), v.c_str(), -1);
  mg_response_header_send(conn);
  if (!head)
    mg_write(conn, res.body.data(), res.body.size());
}

/// Reads the body, at most `limit` bytes; false when it is larger.
bool read_body(mg_connection* conn, const mg_request_info* info, uint64_t limit,
               std::string& body) {
  if (info->content_length > 0 && static_cast<uint64_t>(info->content_length) > limit)
    return false;
  char buf[8192];
  for (;;) {
    int n = mg_read(conn, buf, sizeof(buf));
    if (n <= 0)
      return true;
    if (body.size() + static_cast<size_t>(n) > limit)
      return false;
    body.append(buf, static_cast<size_t>(n));
  }
}

} // namespace

http_response json_error(int status, const std::string& message, const std::string& field) {
  nlohmann::json body{{"error", message}, {"field", field}};
  return {status, "application/json", api::to_text(body)};
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

bool split_host_port(const std::string& listen, std::string& host, uint16_t& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size())
    return false;
  host = listen.substr(0, colon);
  auto digits = listen.substr(colon + 1);
  unsigned value = 0;
  auto [ptr, err] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (err != std::errc{} || ptr != digits.data() + digits.size() || value > 65535)
    return false;
  port = static_cast<uint16_t>(value);
  return true;
}

std::unique_ptr<http_server> http_server::start(const std::string& listen,
                                                std::vector<http_route> routes,
                                                std::string& error,
                                                http_server_options options) {
  std::string host;
  uint16_t port = 0;
  if (!split_host_port(listen, host, port)) {
    error = "http.listen: expected host:port, got \"" + listen + "\"";
    return nullptr;
  }
  std::unique_ptr<http_server> server{new http_server};
  server->routes_ = std::move(routes);
  server->options_ = std::move(options);
  const auto& o = server->options_;
  auto threads = std::to_string(std::max(2, o.threads));
  auto request_timeout = std::to_string(std::max(100, o.request_timeout_ms));
  auto keep_alive_timeout = std::to_string(std::max(100, o.keep_alive_timeout_ms));
  // Accepted connections wait here for a free worker (civetweb's default is
  // 20; the kernel's backlog holds the rest), so a burst of connections
  // while every worker is busy is not refused.
  auto queue = std::to_string(std::max(20, o.threads));
  // civetweb takes "127.0.0.1:8888" and "[::1]:8888" as they are. A slow,
  // idle or half-open client holds one worker for at most the request
  // timeout (http_server.hpp says why these numbers).
  const char* opts[] = {"listening_ports",    listen.c_str(),
                        "num_threads",        threads.c_str(),
                        "connection_queue",   queue.c_str(),
                        "request_timeout_ms", request_timeout.c_str(),
                        "enable_keep_alive",  "yes",
                        "keep_alive_timeout_ms", keep_alive_timeout.c_str(),
                        // civetweb writes a response in several pieces: without
                        // this, Nagle and delayed ACKs hold each reply ~40 ms.
                        "tcp_nodelay", "1",
                        nullptr};
  mg_callbacks callbacks{};
  // civetweb prints errors to stderr unless told otherwise: keep our log format.
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = server.get();
  init.configuration_options = opts;
  char text[256] = {0};
  unsigned code = 0;
  mg_error_data err{};
  err.code = &code;
  err.text = text;
  err.text_buffer_size = sizeof(text);
  server->ctx_ = mg_start2(&init, &err);
  if (!server->ctx_) {
    error = "cannot listen on " + listen + ": " + (text[0] ? text : "unknown civetweb error");
    return nullptr;
  }
  mg_set_request_handler(server->ctx_, "/", &http_server::on_request, server.get());
  mg_server_port bound[4];
  auto n = mg_get_server_ports(server->ctx_, 4, bound);
  server->port_ = n > 0 ? static_cast<uint16_t>(bound[0].port) : port;
  return server;
}

http_server::~http_server() {
  if (ctx_)
    mg_stop(ctx_);
}

const http_route* http_server::find(http_request& req, http_response& miss) const {
  std::string allowed;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!matches(r.path, req.path, params))
      continue;
    // HEAD is GET without the body.
    if (r.method == req.method || (req.method == "HEAD" && r.method == "GET")) {
      req.params = std::move(params);
      return &r;
    }
    if (allowed.find(r.method) == std::string::npos)
      allowed += allowed.empty() ? r.method : ", " + r.method;
  }
  if (!allowed.empty()) {
    miss = json_error(405, "method " + req.method + " not allowed on " + req.path
                             + " (allowed: " + allowed + ")");
    miss.headers.emplace_back("Allow", allowed);
  } else {
    miss = json_error(404, "no such endpoint: " + req.path);
  }
  return nullptr;
}

bool http_server::authorized(const http_route& route, const std::string& authorization) const {
  if (!route.mutating || options_.token.empty())
    return true;
  const std::string scheme = "Bearer ";
  if (authorization.size() <= scheme.size()
      || strncasecmp(authorization.c_str(), scheme.c_str(), scheme.size()) != 0)
    return false;
  return constant_time_equal(authorization.substr(scheme.size()), options_.token);
}

http_response http_server::dispatch(http_request req, const std::string& authorization,
                                    const std::string& content_type) const {
  http_response miss;
  const auto* route = find(req, miss);
  if (!route)
    return miss;
  if (!authorized(*route, authorization)) {
    auto res = json_error(401, authorization.empty()
                                 ? "this endpoint needs a bearer token (Authorization: Bearer ...)"
                                 : "the bearer token is wrong");
    res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"conductor\"");
    return res;
  }
  if (!req.body.empty() && !is_json(content_type))
    return json_error(415, "the body must be JSON (Content-Type: application/json), not \""
                             + content_type + "\"");
  try {
    return route->handler(req);
  } catch (const std::exception& e) {
    // A handler bug must cost one request, never the server thread.
    return json_error(500, std::string{"internal error: "} + e.what());
  } catch (...) {
    return json_error(500, "internal error: unknown exception");
  }
}

int http_server::on_request(mg_connection* conn, void* self_ptr) {
  auto* self = static_cast<http_server*>(self_ptr);
  const auto* info = mg_get_request_info(conn);
  http_request req;
  req.method = info->request_method ? info->request_method : "";
  req.path = info->local_uri ? info->local_uri : "";
  req.query = info->query_string ? info->query_string : "";
  req.remote = info->remote_addr;
  bool head = req.method == "HEAD";
  const char* auth = mg_get_header(conn, "Authorization");
  const char* type = mg_get_header(conn, "Content-Type");
  if (!read_body(conn, info, self->options_.max_body, req.body)) {
    auto res = json_error(413, "the body is larger than http.max_body ("
                                 + std::to_string(self->options_.max_body) + " bytes)");
    res.headers.emplace_back("Connection", "close");
    send(conn, res, head);
    return 413;
  }
  http_response miss;
  const auto* route = self->find(req, miss);
  if (route && route->open_stream && self->authorized(*route, auth ? auth : "")) {
    http_response refusal;
    auto stream = route->open_stream(req, refusal);
    if (!stream) {
      send(conn, refusal, head);
      return refusal.status;
    }
    mg_response_header_start(conn, 200);
    mg_response_header_add(conn, "Content-Type", "text/event-stream", -1);
    mg_response_header_add(conn, "Cache-Control", "no-cache", -1);
    mg_response_header_add(conn, "Connection", "close", -1);
    mg_response_header_send(conn);
    std::string chunk;
    while (!head && stream->next(chunk))
      if (!chunk.empty() && mg_write(conn, chunk.data(), chunk.size()) <= 0)
        break; // the client went away
    return 200;
  }
  auto res = self->dispatch(std::move(req), auth ? auth : "", type ? type : "");
  send(conn, res, head);
  return res.status;
}

} // namespace conductor

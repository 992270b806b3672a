#include "node/http_server.hpp"

#include <civetweb.h>

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

namespace conductor {

http_response json_error(int status, const std::string& message) {
  nlohmann::json body{{"error", message}};
  return {status, "application/json", body.dump()};
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
                                                std::string& error) {
  std::string host;
  uint16_t port = 0;
  if (!split_host_port(listen, host, port)) {
    error = "http.listen: expected host:port, got \"" + listen + "\"";
    return nullptr;
  }
  std::unique_ptr<http_server> server{new http_server};
  server->routes_ = std::move(routes);
  // civetweb takes "127.0.0.1:8888" and "[::1]:8888" as they are.
  const char* options[] = {"listening_ports",    listen.c_str(),
                           "num_threads",        "4",
                           "request_timeout_ms", "10000",
                           "enable_keep_alive",  "yes",
                           nullptr};
  mg_callbacks callbacks{};
  // civetweb prints errors to stderr unless told otherwise: keep our log format.
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = server.get();
  init.configuration_options = options;
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

http_response http_server::dispatch(const http_request& req) const {
  std::string allowed;
  for (const auto& r : routes_) {
    if (r.path != req.path)
      continue;
    if (r.method == req.method)
      return r.handler(req);
    allowed += allowed.empty() ? r.method : ", " + r.method;
  }
  if (!allowed.empty())
    return json_error(405, "method " + req.method + " not allowed on " + req.path
                             + " (allowed: " + allowed + ")");
  return json_error(404, "no such endpoint: " + req.path);
}

int http_server::on_request(mg_connection* conn, void* self) {
  const auto* info = mg_get_request_info(conn);
  http_request req{info->request_method ? info->request_method : "",
                   info->local_uri ? info->local_uri : "",
                   info->query_string ? info->query_string : ""};
  http_response res;
  try {
    res = static_cast<http_server*>(self)->dispatch(req);
  } catch (const std::exception& e) {
    // A handler bug must cost one request, never the server thread.
    res = json_error(500, std::string{"internal error: "} + e.what());
  } catch (...) {
    res = json_error(500, "internal error: unknown exception");
  }
  mg_response_header_start(conn, res.status);
  mg_response_header_add(conn, "Content-Type", res.content_type.c_str(), -1);
  auto length = std::to_string(res.body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_send(conn);
  if (std::string_view{req.method} != "HEAD")
    mg_write(conn, res.body.data(), res.body.size());
  return res.status;
}

} // namespace conductor

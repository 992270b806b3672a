// http_server.hpp -- conductor's HTTP endpoint on civetweb: /metrics now, the
// JSON API as it lands.
//
// Routes are fixed at start, so civetweb's worker threads read them without a
// lock. Handlers run on those threads: they must be thread-safe (the metrics
// registry is) or ask an actor (the API does, later, through the inspector).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct mg_context;
struct mg_connection;

namespace conductor {

struct http_request {
  std::string method;
  std::string path;
  std::string query;
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

/// The JSON error body every endpoint answers with: {"error": message}.
http_response json_error(int status, const std::string& message);

struct http_route {
  std::string method;
  /// Exact path, e.g. "/metrics".
  std::string path;
  std::function<http_response(const http_request&)> handler;
};

class http_server {
public:
  /// Listens on `listen` ("host:port"; port 0 picks a free one) and serves
  /// `routes`. nullptr with `error` set when the address cannot be bound.
  static std::unique_ptr<http_server> start(const std::string& listen,
                                            std::vector<http_route> routes, std::string& error);

  /// Stops accepting, waits for running handlers, frees the port.
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The port actually bound (differs from the configured one for port 0).
  uint16_t port() const {
    return port_;
  }

  /// Answers one request from the route table (public for tests).
  http_response dispatch(const http_request& req) const;

private:
  http_server() = default;
  static int on_request(mg_connection* conn, void* self);

  std::vector<http_route> routes_;
  mg_context* ctx_ = nullptr;
  uint16_t port_ = 0;
};

/// Splits "host:port" (or "[v6]:port"); false if it is not that shape.
bool split_host_port(const std::string& listen, std::string& host, uint16_t& port);

} // namespace conductor

// http_server.hpp -- conductor's HTTP endpoint on civetweb: /metrics, the JSON
// API and its event stream.
//
// Routes are fixed at start, so civetweb's worker threads read them without a
// lock. Handlers run on those threads: they must be thread-safe (the metrics
// registry is) or ask an actor (the API does, through the inspector). The
// server itself enforces what every route needs: the bearer token on
// mutating routes (compared in constant time), the body limit (413) and JSON
// bodies (415), and turns a throwing handler into a 500.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct mg_context;
struct mg_connection;

namespace conductor {

struct http_request {
  std::string method;
  std::string path;
  std::string query;
  std::string body;
  /// The peer's address, e.g. "127.0.0.1".
  std::string remote;
  /// The {name} parts of the route's path, e.g. {"name": "chat"}.
  std::map<std::string, std::string> params;
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// More headers, e.g. WWW-Authenticate.
  std::vector<std::pair<std::string, std::string>> headers = {};
};

/// The JSON error body every endpoint answers with:
/// {"error": message, "field": field}.
http_response json_error(int status, const std::string& message, const std::string& field = "");

/// A response written as it happens (Server-Sent Events): next() blocks until
/// there is something to send, or a heartbeat is due, and returns false when
/// the stream ends (the server stops).
class http_stream {
public:
  virtual ~http_stream() = default;
  virtual bool next(std::string& chunk) = 0;
};

struct http_route {
  std::string method;
  /// The path: literal segments and {name} segments, e.g.
  /// "/api/plugins/{name}/{action}".
  std::string path;
  std::function<http_response(const http_request&)> handler;
  /// Changes something: needs the bearer token when one is configured.
  bool mutating = false;
  /// Instead of `handler`: opens a stream, or says why not in `refusal`.
  std::function<std::unique_ptr<http_stream>(const http_request&, http_response& refusal)>
    open_stream = nullptr;
};

struct http_server_options {
  /// The bearer token mutating routes need; empty: none needed.
  std::string token;
  /// Larger request bodies are refused with 413.
  uint64_t max_body = 64ull << 10;
  /// civetweb's worker threads. A worker belongs to one connection for its
  /// whole life, from the first byte of the request head to the close (an
  /// event stream included: http_api.cpp caps those at 8), so the workers
  /// not serving a request are what a flood of slow, idle or half-closed
  /// connections must take before it delays anyone else. 16 were taken by
  /// 16 slowloris connections, and /healthz then waited the whole request
  /// timeout behind them. 96 leave /healthz, /metrics and the API answering
  /// at once under 80 such connections; beyond that a request waits for one
  /// of them to time out, at most about request_timeout_ms, and is answered
  /// (tests/system/fault_http_test.cpp). An idle worker sleeps on a
  /// condition variable and costs about 15 KiB of resident memory (its stack
  /// pages and thread structures), so the 80 more cost about 1.2 MiB. civetweb
  /// has no cap per client, and one would not help here: every local client,
  /// the operator's included, is 127.0.0.1.
  int threads = 96;
  /// How long a client may take to send its request head (civetweb counts
  /// it from the connection's first read), and how long each later read of
  /// its body or write to it may block: a connection that dawdles holds its
  /// worker at most this long, then is closed. Loopback clients and
  /// Prometheus send a request head in one packet; 2 s is generous to them
  /// and a fifth of the 10 s a slowloris connection could hold before.
  int request_timeout_ms = 2000;
  /// How long a kept-alive connection may wait for its next request: it
  /// keeps its worker meanwhile, so this is short (a script's requests in a
  /// row still share one connection).
  int keep_alive_timeout_ms = 1000;
};

class http_server {
public:
  /// Listens on `listen` ("host:port"; port 0 picks a free one) and serves
  /// `routes`. nullptr with `error` set when the address cannot be bound.
  static std::unique_ptr<http_server> start(const std::string& listen,
                                            std::vector<http_route> routes, std::string& error,
                                            http_server_options options = {});

  /// Stops accepting, waits for running handlers, frees the port.
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The port actually bound (differs from the configured one for port 0).
  uint16_t port() const {
    return port_;
  }

  /// Answers one request from the route table, token and body checks
  /// included (public for tests). `authorization` is the header's value.
  http_response dispatch(http_request req, const std::string& authorization = "",
                         const std::string& content_type = "") const;

private:
  http_server() = default;
  static int on_request(mg_connection* conn, void* self);
  /// The route for `req` (params filled), or the error response in `miss`.
  const http_route* find(http_request& req, http_response& miss) const;
  /// 401 when the route needs the token and `authorization` lacks it.
  bool authorized(const http_route& route, const std::string& authorization) const;

  std::vector<http_route> routes_;
  http_server_options options_;
  mg_context* ctx_ = nullptr;
  uint16_t port_ = 0;
};

/// Splits "host:port" (or "[v6]:port"); false if it is not that shape.
bool split_host_port(const std::string& listen, std::string& host, uint16_t& port);

/// Compares in time that depends only on the lengths, never on where the
/// first difference is: a token cannot be guessed byte by byte.
bool constant_time_equal(const std::string& a, const std::string& b);

} // namespace conductor

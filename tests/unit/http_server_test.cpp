// conductor's HTTP endpoint (node/http_server.hpp): address parsing, and a
// real civetweb server on a loopback port queried with the tests' blocking
// HTTP/1.0 client (tests/http_client.hpp).
#define CAF_SUITE http_server

#include <caf/test/unit_test.hpp>

#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "node/http_server.hpp"
#include "tests/http_client.hpp"

using namespace conductor;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

using test::http_exchange;
using raw_response = test::http_reply;

http_request request(const std::string& method, const std::string& path) {
  http_request req;
  req.method = method;
  req.path = path;
  return req;
}

raw_response get(uint16_t port, const std::string& path) {
  return http_exchange(port, "GET " + path + " HTTP/1.0\r\n\r\n");
}

/// The routes every server test uses.
std::vector<http_route> test_routes() {
  std::vector<http_route> routes;
  routes.push_back({"GET", "/hello", [](const http_request&) {
                      return http_response{200, "text/plain", "hello, world\n"};
                    }});
  routes.push_back({"GET", "/echo", [](const http_request& req) {
                      nlohmann::json j{{"method", req.method},
                                       {"path", req.path},
                                       {"query", req.query}};
                      return http_response{200, "application/json", j.dump()};
                    }});
  routes.push_back({"GET", "/boom", [](const http_request&) -> http_response {
                      throw std::runtime_error("kaboom");
                    }});
  routes.push_back({"GET", "/boom-int", [](const http_request&) -> http_response {
                      throw 42;
                    }});
  routes.push_back({"POST", "/reload", [](const http_request&) {
                      return http_response{202, "application/json", "{}"};
                    }});
  return routes;
}

/// A server on a free loopback port.
struct server_fixture {
  std::unique_ptr<http_server> server;
  std::string error;
  server_fixture() {
    server = http_server::start("127.0.0.1:0", test_routes(), error);
  }
  uint16_t port() const {
    return server ? server->port() : 0;
  }
};

/// One server for the tests that only send requests, started on first use and
/// stopped at exit: after it has served a request, mg_stop waits for the
/// civetweb master thread's 2 s poll to time out, so one server per test
/// would cost 2 s each.
server_fixture& shared() {
  static server_fixture instance;
  return instance;
}

/// The "error" member of a JSON error body, or "" when it is not one.
std::string error_of(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("error") || !j["error"].is_string())
    return {};
  return j["error"].get<std::string>();
}

} // namespace

// -- split_host_port ----------------------------------------------------------

CAF_TEST(split host port accepts ipv4 and bracketed ipv6) {
  std::string host;
  uint16_t port = 0;
  CAF_CHECK(split_host_port("127.0.0.1:8888", host, port));
  CAF_CHECK_EQUAL(host, "127.0.0.1");
  CAF_CHECK_EQUAL(port, 8888u);
  CAF_CHECK(split_host_port("[::1]:80", host, port));
  CAF_CHECK_EQUAL(host, "[::1]");
  CAF_CHECK_EQUAL(port, 80u);
  CAF_CHECK(split_host_port("localhost:0", host, port));
  CAF_CHECK_EQUAL(host, "localhost");
  CAF_CHECK_EQUAL(port, 0u);
  CAF_CHECK(split_host_port("0.0.0.0:65535", host, port));
  CAF_CHECK_EQUAL(port, 65535u);
}

CAF_TEST(split host port rejects malformed addresses) {
  for (const char* bad : {"nohost", ":80", "host:", "host:99999", "host:8a", "host:65536",
                          "host:-1", "host: 80", "", ":"}) {
    std::string host = "untouched";
    uint16_t port = 4242;
    CAF_CHECK(!split_host_port(bad, host, port));
    CAF_MESSAGE("rejected \"" << bad << "\"");
  }
}

// -- dispatch without sockets -------------------------------------------------

CAF_TEST(dispatch routes by path and method) {
  auto& f = shared();
  CAF_REQUIRE(f.server != nullptr);
  auto ok = f.server->dispatch(request("GET", "/hello"));
  CAF_CHECK_EQUAL(ok.status, 200);
  CAF_CHECK_EQUAL(ok.body, "hello, world\n");
  auto missing = f.server->dispatch(request("GET", "/nope"));
  CAF_CHECK_EQUAL(missing.status, 404);
  CAF_CHECK(has(error_of(missing.body), "/nope"));
  auto wrong = f.server->dispatch(request("DELETE", "/hello"));
  CAF_CHECK_EQUAL(wrong.status, 405);
  CAF_CHECK(has(error_of(wrong.body), "GET"));
}

CAF_TEST(json error bodies are json) {
  auto e = json_error(418, "a \"quoted\" teapot");
  CAF_CHECK_EQUAL(e.status, 418);
  CAF_CHECK_EQUAL(e.content_type, "application/json");
  CAF_CHECK_EQUAL(error_of(e.body), "a \"quoted\" teapot");
}

// -- a real server ------------------------------------------------------------

CAF_TEST(a server on port zero binds a real port and answers get) {
  auto& f = shared();
  CAF_REQUIRE(f.server != nullptr);
  CAF_CHECK(f.error.empty());
  CAF_REQUIRE_NOT_EQUAL(f.port(), 0u);
  auto r = get(f.port(), "/hello");
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK_EQUAL(r.body, "hello, world\n");
  CAF_CHECK(has(r.headers, "Content-Type: text/plain"));
  CAF_CHECK(has(r.headers, "Content-Length: 13"));
}

CAF_TEST(the handler sees method path and query) {
  auto& f = shared();
  CAF_REQUIRE(f.server != nullptr);
  auto r = get(f.port(), "/echo?since=10&limit=5");
  CAF_REQUIRE_EQUAL(r.status, 200);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  CAF_REQUIRE(j.is_object());
  CAF_CHECK_EQUAL(j.value("method", ""), "GET");
  CAF_CHECK_EQUAL(j.value("path", ""), "/echo");
  CAF_CHECK_EQUAL(j.value("query", ""), "since=10&limit=5");
}

CAF_TEST(an unknown path answers 404 with a json error) {
  auto& f = shared();
  CAF_REQUIRE(f.server != nullptr);
  auto r = get(f.port(), "/does-not-exist");
  CAF_CHECK_EQUAL(r.status, 404);
  CAF_CHECK(has(r.headers, "application/json"));
  auto message = error_of(r.body);
  CAF_CHECK(!message.empty());
  CAF_CHECK(has(message, "/does-not-exist"));
}

CAF_TEST(a wrong method answers 405) {
  auto& f = shared();
  CAF_REQUIRE(f.server != nullptr);
  auto post = http_exchange(f.port(), "POST /hello HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
  CAF_CHECK_EQUAL(post.status, 405);
  CAF_CHECK(has(error_of(post.body), "POST"));
  auto get_on_post = get(f.port(), "/reload");
  CAF_CHECK_EQUAL(get_on_post.status, 405);
  // The route's own method still works.
  auto reload = http_exchange(f.port(), "POST /reload HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
  CAF_CHECK_EQUAL(reload.status, 202);
}

CAF_TEST(a throwing handler answers 500 with a json error and the server lives on) {
  auto& f = shared();
  CAF_REQUIRE(f.server != nullptr);
  auto r = get(f.port(), "/boom");
  CAF_CHECK_EQUAL(r.status, 500);
  auto message = error_of(r.body);
  CAF_CHECK(has(message, "kaboom"));
  auto after = get(f.port(), "/hello");
  CAF_CHECK_EQUAL(after.status, 200);
}

CAF_TEST(a handler throwing a non-exception answers 500 too) {
  auto& f = shared();
  CAF_REQUIRE(f.server != nullptr);
  auto r = get(f.port(), "/boom-int");
  CAF_CHECK_EQUAL(r.status, 500);
  CAF_CHECK(has(error_of(r.body), "internal error"));
  CAF_CHECK_EQUAL(get(f.port(), "/hello").status, 200);
}

CAF_TEST(head answers headers without a body) {
  auto& f = shared();
  CAF_REQUIRE(f.server != nullptr);
  auto r = http_exchange(f.port(), "HEAD /nope HTTP/1.0\r\n\r\n");
  CAF_CHECK_EQUAL(r.status, 404);
  CAF_CHECK(r.body.empty());
}

CAF_TEST(a second server on the same port fails naming the address) {
  auto& f = shared();
  CAF_REQUIRE(f.server != nullptr);
  auto listen = "127.0.0.1:" + std::to_string(f.port());
  std::string error;
  auto second = http_server::start(listen, test_routes(), error);
  CAF_CHECK(second == nullptr);
  CAF_CHECK(has(error, listen));
  // The first one is unaffected.
  auto still = get(f.port(), "/hello");
  CAF_CHECK_EQUAL(still.status, 200);
}

CAF_TEST(a malformed listen address fails naming it) {
  std::string error;
  auto server = http_server::start("localhost", test_routes(), error);
  CAF_CHECK(server == nullptr);
  CAF_CHECK(has(error, "localhost"));
}

CAF_TEST(stopping the server frees the port) {
  uint16_t port = 0;
  {
    server_fixture f;
    CAF_REQUIRE(f.server != nullptr);
    port = f.port();
  }
  // Nothing listens any more: the exchange fails.
  auto refused = get(port, "/hello");
  CAF_CHECK_EQUAL(refused.status, 0);
  std::string error;
  auto again = http_server::start("127.0.0.1:" + std::to_string(port), test_routes(), error);
  CAF_CHECK(again != nullptr);
}

// -- routes with parameters, tokens and bodies --------------------------------

namespace {

/// A server with a token, a mutating route with parameters and a small body
/// limit.
std::unique_ptr<http_server> guarded_server(std::string& error) {
  std::vector<http_route> routes;
  routes.push_back({"POST", "/things/{name}/{action}",
                    [](const http_request& req) {
                      nlohmann::json j{{"name", req.params.at("name")},
                                       {"action", req.params.at("action")},
                                       {"body", req.body}};
                      return http_response{200, "application/json", j.dump()};
                    },
                    true});
  routes.push_back({"GET", "/things/{name}", [](const http_request& req) {
                      return http_response{200, "text/plain", req.params.at("name")};
                    }});
  http_server_options options;
  options.token = "tok";
  options.max_body = 32;
  return http_server::start("127.0.0.1:0", std::move(routes), error, options);
}

} // namespace

CAF_TEST(path parameters are matched by segment) {
  std::string error;
  auto s = guarded_server(error);
  CAF_REQUIRE(s != nullptr);
  auto req = request("GET", "/things/chat");
  CAF_CHECK_EQUAL(s->dispatch(req).body, "chat");
  CAF_CHECK_EQUAL(s->dispatch(request("GET", "/things/chat/x")).status, 405);
  CAF_CHECK_EQUAL(s->dispatch(request("GET", "/things")).status, 404);
  CAF_CHECK_EQUAL(s->dispatch(request("GET", "/things/chat/")).status, 404);
  auto post = s->dispatch(request("POST", "/things/chat/enable"), "Bearer tok");
  CAF_CHECK_EQUAL(post.status, 200);
  auto j = nlohmann::json::parse(post.body);
  CAF_CHECK_EQUAL(j.value("name", ""), "chat");
  CAF_CHECK_EQUAL(j.value("action", ""), "enable");
}

CAF_TEST(mutating routes need the exact bearer token) {
  std::string error;
  auto s = guarded_server(error);
  CAF_REQUIRE(s != nullptr);
  auto req = request("POST", "/things/a/b");
  CAF_CHECK_EQUAL(s->dispatch(req).status, 401);
  CAF_CHECK_EQUAL(s->dispatch(req, "Bearer to").status, 401);
  CAF_CHECK_EQUAL(s->dispatch(req, "Bearer tokk").status, 401);
  CAF_CHECK_EQUAL(s->dispatch(req, "Basic tok").status, 401);
  CAF_CHECK_EQUAL(s->dispatch(req, "bearer tok").status, 200);
  auto refused = s->dispatch(req);
  bool challenge = false;
  for (const auto& [k, v] : refused.headers)
    challenge |= k == "WWW-Authenticate" && has(v, "Bearer");
  CAF_CHECK(challenge);
  // Reads need no token.
  CAF_CHECK_EQUAL(s->dispatch(request("GET", "/things/a")).status, 200);
}

CAF_TEST(constant time equal compares whole strings) {
  CAF_CHECK(constant_time_equal("abc", "abc"));
  CAF_CHECK(constant_time_equal("", ""));
  CAF_CHECK(!constant_time_equal("abc", "abd"));
  CAF_CHECK(!constant_time_equal("abc", "ab"));
  CAF_CHECK(!constant_time_equal("ab", "abc"));
  CAF_CHECK(!constant_time_equal("", "a"));
}

CAF_TEST(bodies must be json and within the limit) {
  std::string error;
  auto s = guarded_server(error);
  CAF_REQUIRE(s != nullptr);
  auto req = request("POST", "/things/a/b");
  req.body = "{}";
  CAF_CHECK_EQUAL(s->dispatch(req, "Bearer tok", "text/plain").status, 415);
  CAF_CHECK_EQUAL(s->dispatch(req, "Bearer tok", "application/json; charset=utf-8").status, 200);
  // Over a real socket: the limit is checked before the body is read whole.
  auto big = http_exchange(s->port(), "POST /things/a/b HTTP/1.0\r\nAuthorization: Bearer tok\r\n"
                                      "Content-Type: application/json\r\nContent-Length: 40\r\n\r\n"
                                        + std::string(40, ' '));
  CAF_CHECK_EQUAL(big.status, 413);
  CAF_CHECK(has(error_of(big.body), "max_body"));
  auto small = http_exchange(s->port(), "POST /things/a/b HTTP/1.0\r\nAuthorization: Bearer tok\r\n"
                                        "Content-Type: application/json\r\nContent-Length: 8\r\n\r\n"
                                        "{\"x\": 1}");
  CAF_CHECK_EQUAL(small.status, 200);
  CAF_CHECK(has(small.body, "{\\\"x\\\": 1}"));
}

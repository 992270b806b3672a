// The HTTP JSON API against a real node over real loopback sockets: every
// endpoint's answer and its error paths (malformed JSON, wrong types, unknown
// fields, oversized bodies, unknown paths and methods, missing and wrong
// tokens), the audit of each change with its origin, the event stream and a
// webhook delivered to a real receiver.
#define CAF_SUITE http_api

#include <caf/test/unit_test.hpp>

#include <poll.h>

#include <csignal>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/db_query.hpp"
#include "tests/system/hook_receiver.hpp"
#include "tests/system/node_fixture.hpp"

using namespace conductor::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string token = "s3cret-token";

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The fixture's config with one more key under http:.
std::string with_http_key(std::string cfg, const std::string& line) {
  auto at = cfg.find("\n", cfg.find("http:\n  listen:") + 7);
  return cfg.insert(at + 1, "  " + line + "\n");
}

/// One node for the suite: a plugin, a health target that fails, a token and
/// a webhook. Started on first use, stopped at exit.
struct api_node {
  node_fixture f;
  test_cgroup_root cgroups;
  hook_receiver hooks;
  std::optional<child_process> node;
  bool up = false;

  api_node() {
    auto cfg = with_http_key(cgroups.apply(f.config_text()), "token: " + token);
    cfg += "plugins:\n"
           "  - name: sleeper\n"
           "    priority: 5\n"
           "    command: [\"/bin/sleep\", \"3600\"]\n"
           "    limits: {memory_max: 512MiB, tasks_max: 64}\n"
           "    bounds:\n"
           "      memory_max: [64MiB, 1GiB]\n"
           "      tasks_max: [16, 256]\n"
           "prediction:\n  step: 1s\n"
           "health:\n  targets:\n    - name: down\n      type: tcp\n"
           "      address: 127.0.0.1:9\n"
           "notify:\n  webhooks:\n    - url: http://127.0.0.1:"
           + std::to_string(hooks.port()) + "/hook\n      events: [breaker]\n      timeout: 2s\n";
    write_file(f.config, cfg);
    // Built in place: a child_process is not moved.
    node.emplace(std::vector<std::string>{binary, "--config", f.config}, f.dir.file("out"),
                 f.dir.file("err"));
    up = f.scrape_shows("conductor_build_info")
         && eventually([&] { return has(get("/api/plugins").body, "\"running\""); });
    if (!up)
      CAF_MESSAGE("the node did not come up:\n" << node->err());
  }

  ~api_node() {
    if (std::getenv("HTTP_API_DEBUG"))
      std::cerr << node->err();
    node->signal(SIGTERM);
    node->wait(5s);
  }

  http_reply get(const std::string& path) {
    return http_exchange(f.port, "GET " + path + " HTTP/1.0\r\n\r\n");
  }

  /// A request with a body; `auth` "" sends no Authorization header.
  http_reply send(const std::string& method, const std::string& path, const std::string& body,
                  const std::string& auth = "Bearer " + token,
                  const std::string& type = "application/json") {
    std::string req = method + " " + path + " HTTP/1.0\r\n";
    if (!auth.empty())
      req += "Authorization: " + auth + "\r\n";
    if (!type.empty())
      req += "Content-Type: " + type + "\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return http_exchange(f.port, req);
  }
};

api_node& shared() {
  static api_node instance;
  return instance;
}

/// A GET of `path` left open (an event stream); the socket, or -1.
int open_stream(uint16_t port, const std::string& path) {
  int fd = connect_loopback(port);
  if (fd < 0)
    return -1;
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  return fd;
}

json body_of(const http_reply& r) {
  return json::parse(r.body, nullptr, false);
}

/// The error body's message and field.
std::pair<std::string, std::string> error_of(const http_reply& r) {
  auto j = body_of(r);
  if (!j.is_object())
    return {"(not JSON: " + r.body + ")", ""};
  return {j.value("error", ""), j.value("field", "")};
}

} // namespace

CAF_TEST(reads answer json) {
  auto& n = shared();
  CAF_REQUIRE(n.up);
  auto status = n.get("/api/autoscaler/status");
  CAF_CHECK_EQUAL(status.status, 200);
  CAF_CHECK(has(status.headers, "Content-Type: application/json"));
  auto st = body_of(status);
  CAF_CHECK_EQUAL(st.value("mode", ""), "manual");
  CAF_CHECK_EQUAL(st["actors"].size(), 7u);
  CAF_REQUIRE(eventually([&] {
    auto m = body_of(n.get("/api/autoscaler/metrics"));
    return m.is_object() && m["samples"].size() >= 2; // the host and the plugin
  }));
  CAF_REQUIRE(eventually([&] { return body_of(n.get("/api/autoscaler/prediction"))["forecasts"].size() > 0; }));
  // The configured limits reach the plugin's cgroup before its first start.
  if (n.cgroups.as_root)
    CAF_CHECK(eventually([&] {
      return query_int(n.f.dir.file("data/conductor.db"),
                       "SELECT COUNT(*) FROM autoscaler_history WHERE action = 'limits'"
                       " AND target = 'sleeper' AND status = 'applied'")
             == 1;
    }));
  auto plugins = body_of(n.get("/api/plugins"));
  CAF_CHECK_EQUAL(plugins["plugins"][0].value("plugin", ""), "sleeper");
  auto health = body_of(n.get("/api/health"));
  CAF_CHECK_EQUAL(health["targets"][0].value("target", ""), "down");
  auto config = body_of(n.get("/api/autoscaler/config"));
  CAF_CHECK_EQUAL(config["in_force"].value("mode", ""), "manual");
  CAF_CHECK_EQUAL(config["scaler"].value("evaluation_interval", ""), "200ms");
  CAF_CHECK_EQUAL(n.get("/healthz").status, 200);
  CAF_CHECK_EQUAL(n.get("/readyz").status, 200);
  auto metrics = n.get("/metrics");
  CAF_CHECK_EQUAL(metrics.status, 200);
  CAF_CHECK(has(metrics.body, "conductor_build_info"));
  // A range of one metric, downsampled in the database.
  CAF_REQUIRE(eventually([&] {
    auto r = body_of(n.get("/api/autoscaler/metrics?metric=memory_percent&points=5"));
    return r.is_object() && r.contains("points") && !r["points"].empty();
  }));
  auto history = n.get("/api/autoscaler/history?limit=5");
  CAF_CHECK_EQUAL(history.status, 200);
  CAF_CHECK(body_of(history)["decisions"].is_array());
  CAF_CHECK(eventually([&] {
    auto e = body_of(n.get("/api/autoscaler/explain"));
    return e.is_object() && !e["explanation"].empty();
  }));
  auto actors = body_of(n.get("/api/actors"));
  CAF_REQUIRE_EQUAL(actors["actors"].size(), 7u);
  CAF_CHECK(actors["actors"][0].contains("mailbox"));
  auto points = n.get("/api/autoscaler/metrics?metric=memory_percent&points=5000");
  CAF_CHECK_EQUAL(points.status, 400);
  CAF_CHECK_EQUAL(error_of(points).second, "points");
  CAF_CHECK_EQUAL(error_of(n.get("/api/autoscaler/metrics?metric=x&from=yesterday")).second,
                  "from");
}

CAF_TEST(unknown paths and methods answer json errors) {
  auto& n = shared();
  CAF_REQUIRE(n.up);
  auto missing = n.get("/api/nope");
  CAF_CHECK_EQUAL(missing.status, 404);
  CAF_CHECK(has(error_of(missing).first, "/api/nope"));
  auto wrong = n.send("DELETE", "/api/autoscaler/status", "");
  CAF_CHECK_EQUAL(wrong.status, 405);
  CAF_CHECK(has(wrong.headers, "Allow: GET"));
  CAF_CHECK_EQUAL(n.get("/api/autoscaler/mode").status, 405);
  CAF_CHECK_EQUAL(n.get("/api/autoscaler/history?limit=0").status, 400);
  CAF_CHECK_EQUAL(error_of(n.get("/api/autoscaler/history?limit=x")).second, "limit");
  CAF_CHECK_EQUAL(n.get("/api/decisions/abc").status, 400);
  auto none = n.get("/api/decisions/999999");
  CAF_CHECK_EQUAL(none.status, 404);
  CAF_CHECK(has(error_of(none).first, "999999"));
}

CAF_TEST(bytes that are not utf8 are quoted in the errors and never stop the node) {
  auto& n = shared();
  CAF_REQUIRE(n.up);
  // civetweb decodes %FF into the byte 0xFF; quoting it once made
  // nlohmann's dump() throw out of civetweb's callback: the node died.
  auto path = n.get("/%FF");
  CAF_CHECK_EQUAL(path.status, 404);
  CAF_CHECK(has(error_of(path).first, "/\xEF\xBF\xBD"));
  CAF_CHECK_EQUAL(n.send("POST", "/api/plugins/%FF/enable", "{}").status, 404);
  CAF_CHECK_EQUAL(n.send("POST", "/api/autoscaler/mode", "{\"mode\": \"\xFF", "Bearer " + token)
                    .status,
                  400);
  CAF_CHECK_EQUAL(n.send("POST", "/api/autoscaler/mode", "{}", "Bearer " + token, "text/\xFF")
                    .status,
                  415);
  CAF_CHECK_EQUAL(n.get("/healthz").status, 200);
}

CAF_TEST(changes need the bearer token) {
  auto& n = shared();
  CAF_REQUIRE(n.up);
  auto body = R"({"mode": "enabled"})";
  auto without = n.send("POST", "/api/autoscaler/mode", body, "");
  CAF_CHECK_EQUAL(without.status, 401);
  CAF_CHECK(has(without.headers, "WWW-Authenticate: Bearer"));
  CAF_CHECK(has(error_of(without).first, "bearer token"));
  auto wrong = n.send("POST", "/api/autoscaler/mode", body, "Bearer s3cret-tokex");
  CAF_CHECK_EQUAL(wrong.status, 401);
  CAF_CHECK(has(error_of(wrong).first, "wrong"));
  CAF_CHECK_EQUAL(n.send("POST", "/api/autoscaler/mode", body, "Basic abc").status, 401);
  // Nothing changed.
  CAF_CHECK_EQUAL(body_of(n.get("/api/autoscaler/status")).value("mode", ""), "manual");
  // Reads and preflight need none.
  CAF_CHECK_EQUAL(n.send("POST", "/api/preflight", R"({"memory": "1MiB"})", "").status, 200);
}

CAF_TEST(bad bodies are refused with the field) {
  auto& n = shared();
  CAF_REQUIRE(n.up);
  auto malformed = n.send("POST", "/api/autoscaler/mode", R"({"mode": )");
  CAF_CHECK_EQUAL(malformed.status, 400);
  CAF_CHECK(has(error_of(malformed).first, "malformed JSON"));
  auto type = n.send("POST", "/api/autoscaler/mode", R"({"mode": 3})");
  CAF_CHECK_EQUAL(type.status, 400);
  CAF_CHECK_EQUAL(error_of(type).second, "mode");
  auto unknown = n.send("POST", "/api/autoscaler/mode", R"({"mode": "manual", "x": 1})");
  CAF_CHECK_EQUAL(unknown.status, 400);
  CAF_CHECK_EQUAL(error_of(unknown).second, "x");
  auto value = n.send("POST", "/api/autoscaler/mode", R"({"mode": "turbo"})");
  CAF_CHECK_EQUAL(value.status, 400);
  CAF_CHECK(has(error_of(value).first, "turbo"));
  auto empty = n.send("POST", "/api/autoscaler/mode", "");
  CAF_CHECK_EQUAL(empty.status, 400);
  auto text = n.send("POST", "/api/autoscaler/mode", "mode=manual", "Bearer " + token,
                     "application/x-www-form-urlencoded");
  CAF_CHECK_EQUAL(text.status, 415);
  auto huge = n.send("POST", "/api/autoscaler/mode",
                     R"({"mode": ")" + std::string(70 * 1024, 'm') + R"("})");
  CAF_CHECK_EQUAL(huge.status, 413);
  CAF_CHECK(has(error_of(huge).first, "max_body"));
  auto size = n.send("POST", "/api/preflight", R"({"memory": "12XB"})");
  CAF_CHECK_EQUAL(size.status, 400);
  CAF_CHECK_EQUAL(error_of(size).second, "memory");
  // The server lives on.
  CAF_CHECK_EQUAL(n.get("/healthz").status, 200);
}

CAF_TEST(a mode change is audited with its origin and explained by id) {
  auto& n = shared();
  CAF_REQUIRE(n.up);
  auto r = n.send("POST", "/api/autoscaler/mode", R"({"mode": "disabled"})");
  CAF_REQUIRE_EQUAL(r.status, 200);
  CAF_CHECK_EQUAL(body_of(r).value("mode", ""), "disabled");
  auto rows = body_of(n.get("/api/autoscaler/history?limit=20"))["decisions"];
  json row;
  for (const auto& d : rows)
    if (d.value("action", "") == "mode" && has(d.value("reason", ""), "-> disabled"))
      row = d;
  CAF_REQUIRE(row.is_object());
  CAF_CHECK_EQUAL(row.value("origin", ""), "http:127.0.0.1");
  auto id = row.value("id", int64_t{0});
  CAF_REQUIRE(id > 0);
  auto one = n.get("/api/decisions/" + std::to_string(id));
  CAF_CHECK_EQUAL(one.status, 200);
  CAF_CHECK_EQUAL(body_of(one).value("id", int64_t{0}), id);
  CAF_CHECK_EQUAL(body_of(one).value("action", ""), "mode");
  CAF_CHECK_EQUAL(n.send("POST", "/api/autoscaler/mode", R"({"mode": "manual"})").status, 200);
}

CAF_TEST(policy and config changes are validated like the file) {
  auto& n = shared();
  CAF_REQUIRE(n.up);
  auto policy = n.send("POST", "/api/autoscaler/policy", R"({"policy": "conservative"})");
  CAF_CHECK_EQUAL(policy.status, 200);
  CAF_CHECK_EQUAL(body_of(policy).value("policy", ""), "conservative");
  auto bad_policy = n.send("POST", "/api/autoscaler/policy", R"({"policy": "yolo"})");
  CAF_CHECK_EQUAL(bad_policy.status, 400);
  CAF_CHECK_EQUAL(error_of(bad_policy).second, "policy");
  auto put = n.send("PUT", "/api/autoscaler/config", R"({"degrade": {"memory": 88}})");
  CAF_REQUIRE_EQUAL(put.status, 200);
  auto cfg = body_of(put);
  CAF_CHECK_EQUAL(cfg["in_force"]["degrade"].value("memory", 0.0), 88.0);
  CAF_CHECK_EQUAL(cfg["runtime_changes"]["degrade"].value("memory", 0.0), 88.0);
  CAF_CHECK_EQUAL(cfg["in_force"].value("policy", ""), "conservative");
  auto bad = n.send("PUT", "/api/autoscaler/config", R"({"degrade": {"memory": 500}})");
  CAF_CHECK_EQUAL(bad.status, 400);
  CAF_CHECK_EQUAL(error_of(bad).second, "scaler.degrade.memory");
  auto unknown = n.send("PUT", "/api/autoscaler/config", R"({"degrad": {"memory": 85}})");
  CAF_CHECK_EQUAL(unknown.status, 400);
  CAF_CHECK(has(error_of(unknown).first, "degrad"));
  // The refused ones changed nothing.
  CAF_CHECK_EQUAL(body_of(n.get("/api/autoscaler/config"))["in_force"]["degrade"].value("memory", 0.0),
                  88.0);
  auto rows = body_of(n.get("/api/autoscaler/history?limit=20"))["decisions"];
  int audited = 0;
  for (const auto& d : rows)
    if ((d.value("action", "") == "config" || d.value("action", "") == "policy")
        && d.value("origin", "") == "http:127.0.0.1")
      ++audited;
  CAF_CHECK_EQUAL(audited, 2);
}

CAF_TEST(a manual scale switches to manual and writes the limits) {
  auto& n = shared();
  CAF_REQUIRE(n.up);
  CAF_REQUIRE_EQUAL(n.send("POST", "/api/autoscaler/mode", R"({"mode": "enabled"})").status, 200);
  auto out = n.send("POST", "/api/autoscaler/scale",
                    R"({"plugin": "sleeper", "memory_max": "256MiB", "reason": "test"})");
  CAF_REQUIRE_EQUAL(out.status, 200);
  auto d = body_of(out);
  CAF_CHECK_EQUAL(d.value("action", ""), "resize");
  CAF_CHECK_EQUAL(d.value("status", ""), "decided");
  CAF_CHECK(d.value("id", int64_t{0}) > 0);
  CAF_CHECK_EQUAL(d["new_limits"].value("memory_max", uint64_t{0}), 256ull << 20);
  CAF_CHECK_EQUAL(body_of(n.get("/api/autoscaler/status")).value("mode", ""), "manual");
  // The plugin manager's outcome follows in the audit.
  CAF_CHECK(eventually([&] {
    auto history = body_of(n.get("/api/autoscaler/history?limit=10&plugin=sleeper"));
    for (const auto& row : history["decisions"])
      if (row.value("action", "") == "resize" && row.value("status", "") != "decided")
        return n.cgroups.as_root ? row.value("status", "") == "applied" : true;
    return false;
  }));
  auto outside = n.send("POST", "/api/autoscaler/scale",
                        R"({"plugin": "sleeper", "memory_max": "8GiB"})");
  CAF_CHECK_EQUAL(outside.status, 400);
  CAF_CHECK(has(error_of(outside).first, "above"));
  auto none = n.send("POST", "/api/autoscaler/scale", R"({"plugin": "sleeper"})");
  CAF_CHECK_EQUAL(none.status, 400);
  auto who = n.send("POST", "/api/autoscaler/scale", R"({"plugin": "nope", "tasks_max": 32})");
  CAF_CHECK_EQUAL(who.status, 404);
  auto negative = n.send("POST", "/api/autoscaler/scale", R"({"plugin": "sleeper", "cpu_quota": -5})");
  CAF_CHECK_EQUAL(negative.status, 400);
  CAF_CHECK_EQUAL(error_of(negative).second, "cpu_quota");
}

CAF_TEST(plugins are disabled enabled and restarted) {
  auto& n = shared();
  CAF_REQUIRE(n.up);
  auto state = [&] {
    auto j = body_of(n.get("/api/plugins"));
    return j.is_object() && j.contains("plugins") && !j["plugins"].empty() ? j["plugins"][0]
                                                                          : json::object();
  };
  auto pid = state().value("pid", 0);
  auto off = n.send("POST", "/api/plugins/sleeper/disable", "");
  CAF_CHECK_EQUAL(off.status, 202);
  CAF_CHECK(eventually([&] { return state().value("state", "") == "disabled"; }));
  CAF_CHECK_EQUAL(n.send("POST", "/api/plugins/sleeper/disable", "").status, 409);
  CAF_CHECK_EQUAL(n.send("POST", "/api/plugins/sleeper/enable", "").status, 202);
  CAF_CHECK(eventually([&] { return state().value("state", "") == "running"; }));
  CAF_CHECK_EQUAL(n.send("POST", "/api/plugins/sleeper/enable", "").status, 409);
  auto before = state().value("pid", 0);
  CAF_CHECK_NOT_EQUAL(before, pid);
  CAF_CHECK_EQUAL(n.send("POST", "/api/plugins/sleeper/restart", "").status, 202);
  CAF_CHECK(eventually([&] {
    auto s = state();
    return s.value("state", "") == "running" && s.value("pid", 0) != before;
  }));
  CAF_CHECK_EQUAL(n.send("POST", "/api/plugins/nope/enable", "").status, 404);
  CAF_CHECK_EQUAL(n.send("POST", "/api/plugins/sleeper/explode", "").status, 404);
  CAF_CHECK_EQUAL(n.send("POST", "/api/plugins/sleeper/disable", "", "").status, 401);
  // Each is audited with its origin.
  CAF_CHECK_EQUAL(query_int(n.f.dir.file("data/conductor.db"),
                            "SELECT COUNT(*) FROM autoscaler_history WHERE target = 'sleeper'"
                            " AND status = 'decided' AND origin = 'http:127.0.0.1'"
                            " AND action IN ('disable', 'enable', 'restart')"),
                  3);
}

CAF_TEST(breakers are steered and the change is streamed and posted) {
  auto& n = shared();
  CAF_REQUIRE(n.up);
  // An event stream, open before the change.
  int fd = open_stream(n.f.port, "/api/events?kinds=breaker");
  CAF_REQUIRE(fd >= 0);
  std::string stream;
  auto read_until = [&](const std::string& needle) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!has(stream, needle) && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        char buf[4096];
        auto got = ::recv(fd, buf, sizeof(buf), 0);
        if (got <= 0)
          break;
        stream.append(buf, static_cast<size_t>(got));
      }
    }
    return has(stream, needle);
  };
  CAF_REQUIRE(read_until("conductor events"));
  CAF_CHECK(has(stream, "Content-Type: text/event-stream"));
  // Forced closed first (its checks fail, so it may be open already), then
  // forced open: a transition with the operator's reason.
  CAF_CHECK_EQUAL(n.send("POST", "/api/health/down/close", "").status, 200);
  auto open = n.send("POST", "/api/health/down/open", R"({"reason": "maintenance"})");
  CAF_CHECK_EQUAL(open.status, 200);
  CAF_CHECK_EQUAL(body_of(open).value("breaker", ""), "open");
  CAF_CHECK(read_until("event: breaker"));
  CAF_CHECK(read_until("maintenance"));
  ::close(fd);
  // The webhook asked for breaker events: the receiver gets the same.
  CAF_CHECK(eventually([&] {
    for (const auto& b : n.hooks.bodies()) {
      auto j = json::parse(b, nullptr, false);
      if (j.is_object() && j.value("event", "") == "breaker"
          && has(j["data"].value("reason", ""), "maintenance"))
        return true;
    }
    return false;
  }));
  CAF_CHECK_EQUAL(n.send("POST", "/api/health/down/close", "").status, 200);
  CAF_CHECK_EQUAL(n.send("POST", "/api/health/down/reset", "").status, 200);
  CAF_CHECK_EQUAL(n.send("POST", "/api/health/nope/reset", "").status, 404);
  CAF_CHECK_EQUAL(n.send("POST", "/api/health/down/explode", "").status, 404);
}

CAF_TEST(event streams are capped and the api keeps answering) {
  auto& n = shared();
  CAF_REQUIRE(n.up);
  std::vector<int> streams;
  for (int i = 0; i < 8; ++i) {
    int fd = open_stream(n.f.port, "/api/events");
    CAF_REQUIRE(fd >= 0);
    // Wait for its greeting: the stream holds a worker now.
    char buf[256];
    pollfd p{fd, POLLIN, 0};
    CAF_REQUIRE(::poll(&p, 1, 5000) > 0 && ::recv(fd, buf, sizeof(buf), 0) > 0);
    streams.push_back(fd);
  }
  auto ninth = n.get("/api/events");
  CAF_CHECK_EQUAL(ninth.status, 503);
  CAF_CHECK(has(error_of(ninth).first, "too many event streams"));
  CAF_CHECK_EQUAL(n.get("/healthz").status, 200);
  CAF_CHECK_EQUAL(n.get("/api/autoscaler/status").status, 200);
  for (int fd : streams)
    ::close(fd);
}

CAF_TEST(a non loopback listen without a token is refused at start) {
  temp_dir dir;
  auto cfg = dir.file("node.yaml");
  write_file(cfg, "node:\n  data_dir: " + dir.file("data") + "\nhttp:\n  listen: 0.0.0.0:0\n");
  auto r = run_to_end({binary, "--config", cfg}, dir.path());
  CAF_CHECK_EQUAL(r.code, 2);
  CAF_CHECK(has(r.err, "http.listen"));
  CAF_CHECK(has(r.err, "token"));
}

CAF_TEST(an unreadable token file stops the start) {
  node_fixture f;
  write_file(f.config, with_http_key(f.config_text(), "token_file: " + f.dir.file("missing-token")));
  auto r = run_to_end({binary, "--config", f.config}, f.dir.path());
  CAF_CHECK_EQUAL(r.code, 1);
  CAF_CHECK(has(r.err, "cannot read http.token_file"));
}

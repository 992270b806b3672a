// The health schedule and its breakers driven by real checks: the check
// engine against real loopback HTTP and TCP servers that the test switches
// between healthy, failing (500), hanging past the timeout and refusing
// connections. The schedule's clock is injected (the test moves it a slot at
// a time); only the checks themselves take real time, and their results are
// awaited on a condition variable.
#define CAF_SUITE health_real

#include <caf/test/unit_test.hpp>

#include <memory>
#include <optional>

#include "actors/health/check_engine.hpp"
#include "actors/health/health_schedule.hpp"
#include "tests/system/loopback_server.hpp"

using namespace conductor;
using namespace conductor::health;
using namespace conductor::test;

namespace {

/// Runs the schedule's due checks on a real engine at the injected `now`.
struct driver {
  /// Before the schedule, which starts at it.
  duration now{0};
  result_sink results;
  check_engine engine{results.callback()};
  health_schedule schedule;

  explicit driver(std::vector<target_plan> targets) : schedule(std::move(targets), {}, now) {
  }

  /// Moves the clock to `at`, runs every check due by then and records its
  /// real result. Returns the details of the checks run, in order.
  std::vector<std::string> run_until(duration at) {
    std::vector<std::string> details;
    while (auto next = schedule.next_wakeup()) {
      if (*next > at)
        break;
      now = std::max(now, *next);
      for (auto& c : schedule.due(now)) {
        check_request req;
        req.id = c.id;
        req.target = schedule.plan(c.target).name;
        req.spec = schedule.plan(c.target).check;
        req.timeout = schedule.plan(c.target).timeout;
        engine.submit(req);
        auto r = results.wait_for(c.id);
        if (!r) {
          details.push_back("<no result>");
          continue;
        }
        details.push_back(r->detail);
        schedule.record(c.id, r->healthy, r->latency, now, r->detail);
      }
    }
    now = std::max(now, at);
    return details;
  }

  std::vector<std::string> transitions() {
    std::vector<std::string> out;
    for (auto& t : schedule.take_transitions())
      out.push_back(std::string{to_string(t.change.from)} + ">" + to_string(t.change.to));
    return out;
  }
};

target_plan plan(std::string name, std::string type, std::string where) {
  target_plan p;
  p.name = std::move(name);
  p.check.type = std::move(type);
  (p.check.type == "http" ? p.check.url : p.check.address) = std::move(where);
  p.interval = 5s;
  p.timeout = 300ms;
  return p;
}

} // namespace

CAF_TEST(an http target opens after exactly three failures and recovers through half open) {
  auto server = std::make_unique<test_http_server>();
  CAF_REQUIRE_NOT_EQUAL(server->port(), 0);
  auto port = server->port();
  driver d{{plan("web", "http", server->url())}};
  // Healthy twice.
  CAF_CHECK_EQUAL(d.run_until(5s), (std::vector<std::string>{"HTTP 200", "HTTP 200"}));
  CAF_CHECK_EQUAL(d.schedule.breaker(0).state(), breaker_state::closed);
  // Three different failures: 500, a hang past the timeout, refused.
  server->set_mode(server_mode::fail);
  CAF_CHECK_EQUAL(d.run_until(10s), std::vector<std::string>{"HTTP 500"});
  server->set_mode(server_mode::hang);
  auto hung = d.run_until(15s);
  CAF_REQUIRE_EQUAL(hung.size(), 1u);
  CAF_CHECK_EQUAL(hung[0].rfind("timeout", 0), 0u);
  CAF_CHECK_EQUAL(d.schedule.breaker(0).state(), breaker_state::closed);
  CAF_CHECK_EQUAL(d.schedule.breaker(0).consecutive_failures(), 2);
  server.reset();
  auto refused = d.run_until(20s);
  CAF_REQUIRE_EQUAL(refused.size(), 1u);
  CAF_CHECK_NOT_EQUAL(refused[0].find("refused"), std::string::npos);
  CAF_CHECK_EQUAL(d.transitions(), std::vector<std::string>{"closed>open"});
  CAF_CHECK_EQUAL(d.schedule.stats(0).failures, 3u);
  // Open: nothing runs for the reset timeout (30 s).
  CAF_CHECK(d.run_until(49s).empty());
  // The service is back on its port: the trial passes and closes the breaker.
  server = std::make_unique<test_http_server>(port);
  CAF_REQUIRE_EQUAL(server->port(), port);
  CAF_CHECK_EQUAL(d.run_until(50s), std::vector<std::string>{"HTTP 200"});
  CAF_CHECK_EQUAL(d.transitions(), (std::vector<std::string>{"open>half_open", "half_open>closed"}));
  CAF_CHECK_EQUAL(d.run_until(60s), (std::vector<std::string>{"HTTP 200", "HTTP 200"}));
}

CAF_TEST(a failed trial reopens for twice the reset timeout) {
  auto server = std::make_unique<test_http_server>();
  CAF_REQUIRE_NOT_EQUAL(server->port(), 0);
  server->set_mode(server_mode::fail);
  driver d{{plan("web", "http", server->url())}};
  CAF_CHECK_EQUAL(d.run_until(10s).size(), 3u);
  CAF_CHECK_EQUAL(d.transitions(), std::vector<std::string>{"closed>open"});
  CAF_CHECK_EQUAL(d.run_until(40s), std::vector<std::string>{"HTTP 500"});
  CAF_CHECK_EQUAL(d.transitions(), (std::vector<std::string>{"open>half_open", "half_open>open"}));
  CAF_CHECK_EQUAL(d.schedule.next_at(0).value_or(0s), 100s);
  server->set_mode(server_mode::ok);
  CAF_CHECK(d.run_until(99s).empty());
  CAF_CHECK_EQUAL(d.run_until(100s), std::vector<std::string>{"HTTP 200"});
  CAF_CHECK_EQUAL(d.schedule.breaker(0).state(), breaker_state::closed);
}

CAF_TEST(a tcp target opens while refused and closes once listening again) {
  auto server = std::make_unique<test_http_server>();
  CAF_REQUIRE_NOT_EQUAL(server->port(), 0);
  auto port = server->port();
  auto address = "127.0.0.1:" + std::to_string(port);
  driver d{{plan("db", "tcp", address)}};
  CAF_CHECK_EQUAL(d.run_until(0s), std::vector<std::string>{"connected"});
  server.reset();
  auto refused = d.run_until(15s);
  CAF_CHECK_EQUAL(refused.size(), 3u);
  CAF_CHECK_EQUAL(d.transitions(), std::vector<std::string>{"closed>open"});
  server = std::make_unique<test_http_server>(port);
  CAF_REQUIRE_EQUAL(server->port(), port);
  CAF_CHECK_EQUAL(d.run_until(45s), std::vector<std::string>{"connected"});
  CAF_CHECK_EQUAL(d.transitions(), (std::vector<std::string>{"open>half_open", "half_open>closed"}));
}

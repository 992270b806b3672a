// Faults, on the real conductor binary: a plugin that crash-loops (backoff
// between its restarts, then failed, its health breaker open, every state in
// the audit) and a health target that hangs (its check times out within its
// timeout, its breaker opens, the other targets' checks stay on schedule and
// the node keeps answering).
#define CAF_SUITE node_fault_plugin

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <csignal>
#include <sstream>

#include "tests/db_query.hpp"
#include "tests/system/loopback_server.hpp"
#include "tests/system/node_fixture.hpp"

using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

/// The numbers, one a line, in `text`.
std::vector<double> numbers(const std::string& text) {
  std::vector<double> out;
  std::istringstream in{text};
  for (double x; in >> x;)
    out.push_back(x);
  return out;
}

} // namespace

CAF_TEST(a crash looping plugin backs off then fails with its breaker open and every state audited) {
  node_fixture f;
  auto closed_port = free_port();
  // Each start writes the time it began to the plugin's log, then exits 3.
  write_file(f.config, f.config_text()
                         + "health:\n  breaker:\n    reset_timeout: 1m\n"
                           "plugins:\n  - name: crasher\n"
                           "    command: [sh, -c, \"date +%s.%N; exit 3\"]\n"
                           "    start_retries: 2\n"
                           "    health:\n      type: tcp\n      address: 127.0.0.1:"
                         + std::to_string(closed_port)
                         + "\n      interval: 200ms\n      timeout: 100ms\n");
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_plugin_state{plugin=\"crasher\",state=\"failed\"} 1", 15s));
  // Three starts (start_retries 2 restarts), then no more.
  CAF_CHECK_EQUAL(scrape_value(f.port, "conductor_plugin_starts_total{plugin=\"crasher\"}"), 3);
  auto starts = numbers(read_text(f.dir.file("data/plugins/crasher.log")));
  CAF_REQUIRE_EQUAL(starts.size(), 3u);
  // Backoff: 1 s before the first restart, 2 s before the second.
  auto first = starts[1] - starts[0];
  auto second = starts[2] - starts[1];
  CAF_MESSAGE("restarts after " << first << " s and " << second << " s");
  CAF_CHECK_GREATER_OR_EQUAL(first, 0.95);
  CAF_CHECK_LESS(first, 1.8);
  CAF_CHECK_GREATER_OR_EQUAL(second, 1.95);
  CAF_CHECK_LESS(second, 2.8);
  // Its health check never passes: the breaker opened after three failures
  // and stays open (reset timeout 1m).
  CAF_CHECK(f.scrape_shows("conductor_circuit_breaker_state{target=\"crasher\"} 1"));
  CAF_CHECK(f.scrape_shows("conductor_plugin_failure_total{plugin=\"crasher\"} 3\n"));
  auto db = f.dir.file("data/conductor.db");
  CAF_CHECK(eventually([&] {
    return query_int(db, "SELECT COUNT(*) FROM breaker_transitions WHERE target = 'crasher'"
                         " AND from_state = 'closed' AND to_state = 'open'")
           == 1;
  }));
  // Every state change is an audit row, in order, the last one saying why.
  auto states = query_texts(db, "SELECT state FROM plugin_states WHERE plugin = 'crasher'"
                                " ORDER BY id");
  CAF_MESSAGE("plugin_states: " << caf::deep_to_string(states));
  CAF_REQUIRE(!states.empty());
  CAF_CHECK_EQUAL(states.back(), "failed");
  CAF_CHECK_EQUAL(std::count(states.begin(), states.end(), "failed"), 1);
  // Started, then each exit waits its backoff in `starting` before the next run.
  CAF_CHECK_EQUAL(std::count(states.begin(), states.end(), "running"), 3);
  CAF_CHECK_EQUAL(std::count(states.begin(), states.end(), "starting"), 2);
  CAF_CHECK_EQUAL(query_int(db, "SELECT COUNT(*) FROM plugin_states WHERE plugin = 'crasher'"
                                " AND state = 'failed' AND reason LIKE '%exit code 3%'"
                                " AND reason LIKE '%failed after 3 exits in a row%'"),
                  1);
  // Failed stays failed: no fourth start, and the node serves on.
  CAF_CHECK_EQUAL(http_get(f.port, "/healthz").status, 200);
  CAF_CHECK_EQUAL(scrape_value(f.port, "conductor_plugin_starts_total{plugin=\"crasher\"}"), 3);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(a hung health target times out opens its breaker and delays no other check) {
  // Accepts the connection and never answers.
  test_http_server hung;
  CAF_REQUIRE_NOT_EQUAL(hung.port(), 0);
  hung.set_mode(server_mode::hang);
  node_fixture f;
  write_file(f.config, f.config_text()
                         + "health:\n  interval: 200ms\n  timeout: 200ms\n"
                           // A busy host must not stretch the intervals counted below.
                           "  pressure_backoff: 1\n"
                           "  breaker:\n    reset_timeout: 1m\n"
                           "  targets:\n"
                           "    - name: hung\n      type: http\n      url: "
                         + hung.url()
                         + "\n      interval: 500ms\n      timeout: 400ms\n"
                           "    - name: true\n      type: exec\n      command: [/bin/true]\n"
                           "    - name: port\n      type: tcp\n      address: 127.0.0.1:"
                         + std::to_string(f.port) + "\n");
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_health_check_total{result=\"success\",target=\"true\"}"));
  auto ok_before = scrape_value(f.port, "conductor_health_check_total{result=\"success\","
                                        "target=\"true\"}");
  auto started = std::chrono::steady_clock::now();
  // Three checks of 400 ms, 500 ms apart: open within about 1.5 s.
  CAF_REQUIRE(f.scrape_shows("conductor_circuit_breaker_state{target=\"hung\"} 1"));
  auto m = http_get(f.port, "/metrics").body;
  auto series = [&](const std::string& s) {
    auto at = m.find("\n" + s + " ");
    return at == std::string::npos ? -1.0 : std::strtod(m.c_str() + at + s.size() + 2, nullptr);
  };
  // Each of the three checks ended at its timeout: not sooner, and not much later.
  CAF_CHECK_EQUAL(series("conductor_health_check_total{result=\"failure\",target=\"hung\"}"), 3);
  CAF_CHECK_EQUAL(series("conductor_health_check_duration_seconds_count{target=\"hung\"}"), 3);
  const std::string bucket = "conductor_health_check_duration_seconds_bucket{target=\"hung\",le=";
  CAF_CHECK_EQUAL(series(bucket + "\"0.25\"}"), 0);
  CAF_CHECK_EQUAL(series(bucket + "\"0.5\"}"), 3);
  auto sum = series("conductor_health_check_duration_seconds_sum{target=\"hung\"}");
  CAF_CHECK_GREATER_OR_EQUAL(sum, 3 * 0.4);
  CAF_CHECK_LESS(sum, 3 * 0.5);
  // Meanwhile the others ran every 200 ms; had the hang held them up they
  // would have missed slots and started up to 400 ms late.
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto ok = series("conductor_health_check_total{result=\"success\",target=\"true\"}") - ok_before;
  CAF_MESSAGE(ok << " checks of true in " << elapsed << " s");
  CAF_CHECK_GREATER_OR_EQUAL(ok, (elapsed / 0.2) * 0.7);
  CAF_CHECK_EQUAL(series("conductor_health_up{target=\"port\"}"), 1);
  auto late = series("conductor_health_check_lateness_seconds_count");
  auto on_time = series("conductor_health_check_lateness_seconds_bucket{le=\"0.25\"}");
  CAF_CHECK_GREATER(late, 10);
  CAF_CHECK_EQUAL(on_time, late);
  // The node answers while the target hangs.
  auto asked = std::chrono::steady_clock::now();
  auto health = http_get(f.port, "/api/health");
  CAF_CHECK_EQUAL(health.status, 200);
  CAF_CHECK_NOT_EQUAL(health.body.find("\"open\""), std::string::npos);
  CAF_CHECK_LESS(std::chrono::steady_clock::now() - asked, 1s);
  CAF_CHECK(eventually([&] {
    return query_int(f.dir.file("data/conductor.db"),
                     "SELECT COUNT(*) FROM breaker_transitions WHERE target = 'hung'"
                     " AND to_state = 'open'")
           == 1;
  }));
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

// Faults, on the real conductor binary: an actor that throws. An operator's
// fault drill (conductorctl actors crash NAME) makes a supervised actor throw
// as a bug would; the supervisor restarts it and the node keeps serving and
// sampling. The deterministic version is in tests/actors/supervisor_test.cpp.
#define CAF_SUITE node_fault_actor

#include <caf/test/unit_test.hpp>

#include <csignal>

#include <nlohmann/json.hpp>

#include "tests/db_query.hpp"
#include "tests/system/node_fixture.hpp"

using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// `conductorctl --json actors`: the entry of `name`, or null.
nlohmann::json actor_entry(const node_fixture& f, const std::string& name) {
  auto r = run_conductorctl(f, {"--json", "actors"});
  auto all = nlohmann::json::parse(r.out, nullptr, false);
  if (r.code != 0 || !all.is_array())
    return nullptr;
  for (const auto& a : all)
    if (a.value("name", "") == name)
      return a;
  return nullptr;
}

/// /healthz answers 200 within a second.
bool serving(const node_fixture& f) {
  auto started = std::chrono::steady_clock::now();
  auto r = http_get(f.port, "/healthz");
  return r.status == 200 && std::chrono::steady_clock::now() - started < 1s;
}

} // namespace

CAF_TEST(a fault drill crashes the collector and the health actor and the supervisor restarts them) {
  node_fixture f;
  write_file(f.config, f.config_text()
                         + "health:\n  interval: 200ms\n  timeout: 200ms\n"
                           "  targets:\n    - name: true\n      type: exec\n"
                           "      command: [/bin/true]\n");
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_health_check_total{result=\"success\",target=\"true\"}"));
  CAF_REQUIRE(f.scrape_shows("conductor_collector_ticks_total "));
  auto db = f.dir.file("data/conductor.db");
  for (std::string name : {"collector", "health"}) {
    auto ticks = scrape_value(f.port, "conductor_collector_ticks_total");
    auto checks = scrape_value(f.port,
                               "conductor_health_check_total{result=\"success\",target=\"true\"}");
    auto crash = run_conductorctl(f, {"actors", "crash", name});
    CAF_CHECK_EQUAL(crash.code, 0);
    // Answered once the supervisor restarted it: the crash's cause, then the table.
    CAF_CHECK(has(crash.out, name + " crashed ("));
    CAF_CHECK(has(crash.out, "fault drill: " + name + " crashed on purpose, as asked by "
                               "conductorctl:"));
    CAF_CHECK(has(crash.out, "and was restarted"));
    CAF_CHECK(has(crash.out, "ACTOR  "));
    CAF_CHECK_EQUAL(crash.err, "");
    auto entry = actor_entry(f, name);
    CAF_REQUIRE(entry.is_object());
    CAF_CHECK_EQUAL(entry.value("running", false), true);
    CAF_CHECK_EQUAL(entry.value("restarts", 0), 1);
    CAF_CHECK(has(entry.value("last_exit", ""), "fault drill"));
    CAF_CHECK(f.scrape_shows("conductor_actor_restarts_total{actor=\"" + name + "\"} 1\n"));
    // The node kept serving and every actor runs again.
    CAF_CHECK(serving(f));
    CAF_CHECK_EQUAL(http_get(f.port, "/readyz").status, 200);
    // Samples and checks go on: the restarted actor took up its schedule.
    CAF_CHECK(eventually([&] {
      return scrape_value(f.port, "conductor_collector_ticks_total") >= ticks + 5;
    }));
    CAF_CHECK(eventually([&] {
      return scrape_value(f.port, "conductor_health_check_total{result=\"success\","
                                  "target=\"true\"}")
             >= checks + 5;
    }));
  }
  // The other actors were left alone.
  for (auto other : {"persistence", "metrics", "scaler", "predictor", "plugins"}) {
    auto entry = actor_entry(f, other);
    CAF_CHECK(entry.is_object() && entry.value("restarts", -1) == 0);
  }
  // New samples keep reaching the database after the collector's restart.
  auto rows = query_int(db, "SELECT COUNT(*) FROM autoscaler_metrics");
  CAF_CHECK(eventually(
    [&] { return query_int(db, "SELECT COUNT(*) FROM autoscaler_metrics") > rows; }));
  // Each drill is audited with who asked, and logged with the crash and the restart.
  CAF_CHECK_EQUAL(query_int(db, "SELECT COUNT(*) FROM autoscaler_history WHERE action ="
                                " 'fault_drill' AND origin LIKE 'conductorctl:%'"
                                " AND target IN ('collector', 'health')"),
                  2);
  auto err = node.err();
  CAF_CHECK(has(err, "fault drill: crashing collector as asked by conductorctl:"));
  CAF_CHECK(has(err, "collector stopped unexpectedly ("));
  CAF_CHECK(has(err, "health stopped unexpectedly ("));
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(a fault drill on the persistence actor keeps its own audit row) {
  node_fixture f;
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_persistence_available 1"));
  auto crash = run_conductorctl(f, {"--json", "actors", "crash", "persistence"});
  CAF_CHECK_EQUAL(crash.code, 0);
  CAF_CHECK(has(crash.out, "\"name\": \"persistence\""));
  CAF_CHECK(f.scrape_shows("conductor_actor_restarts_total{actor=\"persistence\"} 1\n"));
  // The restarted actor opened the database again and writes.
  CAF_CHECK(f.scrape_shows("conductor_persistence_available 1"));
  CAF_CHECK(eventually([&] {
    return query_int(f.dir.file("data/conductor.db"),
                     "SELECT COUNT(*) FROM autoscaler_history WHERE action = 'fault_drill'"
                     " AND target = 'persistence'")
           == 1;
  }));
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(a fault drill names an actor the supervisor knows) {
  node_fixture f;
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
  auto unknown = run_conductorctl(f, {"actors", "crash", "nope"});
  CAF_CHECK_EQUAL(unknown.code, 1);
  CAF_CHECK(has(unknown.err, "conductorctl: the node refused it: no actor nope (one of "
                             "persistence, metrics, scaler"));
  auto usage = run_conductorctl(f, {"actors", "crash"});
  CAF_CHECK_EQUAL(usage.code, 2);
  CAF_CHECK(has(usage.err, "actors crash: which actor?"));
  CAF_CHECK(has(usage.err, "actors crash NAME"));
  auto other = run_conductorctl(f, {"actors", "restart", "scaler"});
  CAF_CHECK_EQUAL(other.code, 2);
  // Nothing was crashed.
  CAF_CHECK_EQUAL(scrape_value(f.port, "conductor_actor_restarts_total{actor=\"scaler\"}"), -1);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

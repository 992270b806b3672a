// A plugin's own signals end to end: real loopback HTTP servers serve
// Prometheus text and JSON, the collector's node_probe (over a fixture cgroup
// tree, so the plugins have samples without root) runs the real fetcher
// thread, and the values show up in the plugins' samples; a server that goes
// away takes its values with it after three intervals. The tests wait on the
// fetcher's own round count with a deadline, never a blind sleep.
#define CAF_SUITE plugin_signals_real

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/collector/node_probe.hpp"
#include "messages/metric_names.hpp"
#include "messages/series.hpp"
#include "tests/require.hpp"
#include "tests/system/child_process.hpp"
#include "tests/system/loopback_server.hpp"
#include "tests/temp_dir.hpp"

using namespace conductor;
using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* prometheus_text = "# HELP queue_depth Jobs waiting.\n"
                                        "# TYPE queue_depth gauge\n"
                                        "queue_depth{shard=\"0\"} 2\n"
                                        "queue_depth{shard=\"1\"} 1\n"
                                        "active_jobs 4\n"
                                        "unrelated_total 99\n";

constexpr const char* json_text = R"({"queue_depth": 3, "active_jobs": 1, "paused": true})";

/// A v2 cgroup tree with the plugins' files under <root>/cg/conductor, so
/// node_probe finds them running.
cgroup_layout fixture_cgroups(const temp_dir& root, const std::vector<std::string>& plugins) {
  for (const auto& name : plugins) {
    auto dir = "cg/conductor/" + name + "/";
    root.write(dir + "cpu.stat", "usage_usec 1000\n");
    root.write(dir + "memory.current", "1048576\n");
    root.write(dir + "memory.max", "max\n");
    root.write(dir + "memory.events", "oom 1\noom_kill 1\n");
    root.write(dir + "pids.current", "2\n");
    root.write(dir + "pids.max", "max\n");
  }
  cgroup_layout l;
  auto mp = root.path() + "/cg";
  l.cpu = cgroup_place{cgroup_version::v2, mp};
  l.memory = cgroup_place{cgroup_version::v2, mp};
  l.pids = cgroup_place{cgroup_version::v2, mp};
  return l;
}

collector_settings signals_every(std::chrono::nanoseconds interval,
                                 std::vector<plugin_signals_settings> signals) {
  collector_settings s;
  s.interval = interval;
  for (const auto& t : signals)
    s.plugins.push_back(t.plugin);
  s.signals = std::move(signals);
  return s;
}

/// The plugin's reading of one tick (a copy).
std::optional<probe_reading> sample_of(node_probe& probe, const std::string& plugin) {
  for (auto& r : probe.read(std::chrono::steady_clock::now().time_since_epoch()))
    if (r.source == plugin)
      return r;
  return std::nullopt;
}

/// Waits (bounded) until the fetcher has completed `n` rounds.
bool rounds_reach(const node_probe& probe, uint64_t n) {
  return eventually([&] { return probe.signals() && probe.signals()->rounds() >= n; }, 2s);
}

std::string signal(const std::string& name) {
  return metric_name::signal_prefix + name;
}

double value_of(const probe_reading& r, const std::string& key) {
  auto i = r.values.find(key);
  return i == r.values.end() ? -1 : i->second;
}

/// Milliseconds, for checks that print readably.
double ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

size_t failures_in(const probe_reading& r) {
  return static_cast<size_t>(std::count(r.failed.begin(), r.failed.end(), signals_source));
}

} // namespace

CAF_TEST(signals served over loopback show up in the plugin samples in both formats) {
  test_http_server prom_server;
  test_http_server json_server;
  REQUIRE_OR_RETURN(prom_server.port() != 0 && json_server.port() != 0);
  prom_server.set_body("text/plain; version=0.0.4", prometheus_text);
  json_server.set_body("application/json", json_text);
  temp_dir root;
  node_probe probe{"/proc", {}, fixture_cgroups(root, {"prom", "json", "quiet"}), "conductor",
                   {"prom", "json", "quiet"}};
  CAF_CHECK(probe.signals() == nullptr);
  auto settings = signals_every(100ms, {{"prom", prom_server.url("/metrics"),
                                         {"queue_depth", "active_jobs", "missing"}},
                                        {"json", json_server.url("/stats"),
                                         {"queue_depth", "paused"}}});
  settings.plugins.push_back("quiet");
  probe.update(settings);
  REQUIRE_OR_RETURN(rounds_reach(probe, 1));

  auto prom = sample_of(probe, "prom");
  auto json = sample_of(probe, "json");
  auto quiet = sample_of(probe, "quiet");
  REQUIRE_OR_RETURN(prom && json && quiet);
  // Prometheus: the two label sets of queue_depth summed; a name not served
  // is simply absent.
  CAF_CHECK_EQUAL(value_of(*prom, signal("queue_depth")), 3.0);
  CAF_CHECK_EQUAL(value_of(*prom, signal("active_jobs")), 4.0);
  CAF_CHECK_EQUAL(prom->values.count(signal("missing")), 0u);
  CAF_CHECK_EQUAL(prom->values.count(signal("unrelated_total")), 0u);
  CAF_CHECK_EQUAL(failures_in(*prom), 0u);
  // JSON: only the names asked for, true as 1.
  CAF_CHECK_EQUAL(value_of(*json, signal("queue_depth")), 3.0);
  CAF_CHECK_EQUAL(value_of(*json, signal("paused")), 1.0);
  CAF_CHECK_EQUAL(json->values.count(signal("active_jobs")), 0u);
  // The same values as /metrics series; the cgroup values beside them.
  CAF_CHECK_EQUAL(prom->series[series_key(series::plugin_signal,
                                          {{"plugin", "prom"}, {"name", "queue_depth"}})],
                  3.0);
  CAF_CHECK_EQUAL(json->series[series_key(series::plugin_signal,
                                          {{"plugin", "json"}, {"name", "paused"}})],
                  1.0);
  CAF_CHECK_EQUAL(value_of(*prom, metric_name::oom_kills), 1.0);
  CAF_CHECK_EQUAL(prom->series[series_key(series::plugin_oom_kills, {{"plugin", "prom"}})],
                  1.0);
  // A plugin without a metrics URL has no signals.
  for (const auto& [key, value] : quiet->values)
    CAF_CHECK_EQUAL(key.rfind(metric_name::signal_prefix, 0), std::string::npos);
  // The request was a plain GET of the configured path.
  CAF_CHECK_EQUAL(prom_server.last_request().rfind("GET /metrics HTTP/1.1\r\n", 0), 0u);

  // A changed value arrives with a later round.
  json_server.set_body("application/json", R"({"queue_depth": 8, "paused": false})");
  auto seen = probe.signals()->rounds();
  REQUIRE_OR_RETURN(rounds_reach(probe, seen + 2));
  json = sample_of(probe, "json");
  REQUIRE_OR_RETURN(json);
  CAF_CHECK_EQUAL(value_of(*json, signal("queue_depth")), 8.0);
  CAF_CHECK_EQUAL(value_of(*json, signal("paused")), 0.0);

  // An update moves a plugin to the other server and drops the other one:
  // the fetcher is reconfigured, not restarted, and nothing of the old
  // configuration is reported.
  auto* fetcher = probe.signals();
  settings.signals = {{"json", prom_server.url("/metrics"), {"active_jobs"}}};
  probe.update(settings);
  CAF_CHECK(probe.signals() == fetcher);
  json = sample_of(probe, "json");
  prom = sample_of(probe, "prom");
  REQUIRE_OR_RETURN(json && prom);
  CAF_CHECK_EQUAL(json->values.count(signal("queue_depth")), 0u);
  CAF_CHECK_EQUAL(prom->values.count(signal("queue_depth")), 0u);
  seen = probe.signals()->rounds();
  REQUIRE_OR_RETURN(rounds_reach(probe, seen + 1));
  json = sample_of(probe, "json");
  REQUIRE_OR_RETURN(json);
  CAF_CHECK_EQUAL(value_of(*json, signal("active_jobs")), 4.0);
  // No signals left: no thread left.
  settings.signals.clear();
  probe.update(settings);
  CAF_CHECK(probe.signals() == nullptr);
}

CAF_TEST(a server that goes away takes its values with it after three intervals) {
  auto server = std::make_unique<test_http_server>();
  REQUIRE_OR_RETURN(server->port() != 0);
  server->set_body("text/plain", "queue_depth 5\n");
  temp_dir root;
  node_probe probe{"/proc", {}, fixture_cgroups(root, {"web"}), "conductor", {"web"}};
  constexpr auto interval = 250ms;
  probe.update(signals_every(interval, {{"web", server->url("/metrics"), {"queue_depth"}}}));
  REQUIRE_OR_RETURN(rounds_reach(probe, 1));
  auto before = sample_of(probe, "web");
  REQUIRE_OR_RETURN(before);
  CAF_CHECK_EQUAL(value_of(*before, signal("queue_depth")), 5.0);

  auto gone_at = std::chrono::steady_clock::now();
  server.reset();
  // Two rounds on, one started after the server went: a refused fetch,
  // counted as the collector's error, while the last values are still
  // fresh (one failed fetch must leave no gap).
  auto seen = probe.signals()->rounds();
  REQUIRE_OR_RETURN(rounds_reach(probe, seen + 2));
  auto failing = sample_of(probe, "web");
  REQUIRE_OR_RETURN(failing);
  CAF_CHECK_GREATER_OR_EQUAL(failures_in(*failing), 1u);
  CAF_CHECK_EQUAL(value_of(*failing, signal("queue_depth")), 5.0);
  // Then they go: no stale value is pinned by a dead endpoint.
  bool vanished = eventually(
    [&] {
      auto r = sample_of(probe, "web");
      return r && r->values.count(signal("queue_depth")) == 0;
    },
    2s);
  CAF_CHECK(vanished);
  auto after = std::chrono::steady_clock::now() - gone_at;
  CAF_MESSAGE("values vanished " << ms(after) << " ms after the server");
  // The last success was about an interval before the server went, so the
  // values lived on for about two more; one is the bound a slow host keeps.
  CAF_CHECK_GREATER_OR_EQUAL(ms(after), ms(interval));
}

CAF_TEST(a hung endpoint delays neither the tick nor the shutdown) {
  test_http_server hung;
  REQUIRE_OR_RETURN(hung.port() != 0);
  hung.set_mode(server_mode::hang);
  temp_dir root;
  auto probe = std::make_unique<node_probe>("/proc", std::vector<std::string>{},
                                            fixture_cgroups(root, {"web"}), "conductor",
                                            std::vector<std::string>{"web"});
  // A 10 s interval: each fetch may wait 2 s for the hung server.
  probe->update(signals_every(10s, {{"web", hung.url("/metrics"), {"queue_depth"}}}));
  REQUIRE_OR_RETURN(eventually([&] { return hung.accepted() >= 1; }, 2s));
  // The fetch is in flight: a tick does not wait for it.
  auto start = std::chrono::steady_clock::now();
  auto r = sample_of(*probe, "web");
  auto tick = std::chrono::steady_clock::now() - start;
  REQUIRE_OR_RETURN(r);
  CAF_CHECK_EQUAL(r->values.count(signal("queue_depth")), 0u);
  CAF_CHECK_LESS(ms(tick), 500.0);
  // Destroying the probe cancels the fetch rather than waiting it out.
  start = std::chrono::steady_clock::now();
  probe.reset();
  auto stop = std::chrono::steady_clock::now() - start;
  CAF_CHECK_LESS(ms(stop), 1000.0);
  CAF_MESSAGE("tick " << ms(tick) << " ms, stop " << ms(stop) << " ms");
}

// What-if on a real node's own history: the conductor binary runs a plugin
// in its own cgroup and resizes it; POST /api/whatif and conductorctl whatif
// answer while it runs; after it stopped, its database replayed with the
// same configuration reproduces its resize decisions.
#define CAF_SUITE node_whatif

#include <caf/test/unit_test.hpp>

#include <csignal>

#include <nlohmann/json.hpp>

#include "api/json_views.hpp"
#include "config/loader.hpp"
#include "replay/whatif.hpp"
#include "tests/db_query.hpp"
#include "tests/require.hpp"
#include "tests/system/node_fixture.hpp"

using namespace conductor;
using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A node that resizes one plugin a few times within seconds. The plugin
/// idles (sleep) under a CPU quota of 4 cores: every evaluation its use is
/// under scale_down, two in a row halve the quota (cooldown and probation
/// 1 s), down to its minimum: 400, 200, 100, 50, 25, 20. Going down on an
/// idle plugin is the one path whose steps depend on nothing the shared
/// test machine varies: a step up is capped by the host's free CPU at that
/// moment, and a step down of a busy plugin by its measured use. The host's
/// pressure never confirms (confirm_up 1000, forecasts never trusted), so
/// a busy machine does not start the cascade on either side.
std::string whatif_config(const node_fixture& f, const test_cgroup_root& cgroups) {
  auto cfg = "node:\n  data_dir: " + f.dir.file("data") + "\n"
             + "collector:\n  interval: 1s\n"
             + "scaler:\n"
               "  mode: enabled\n"
               "  policy: aggressive\n"
               "  evaluation_interval: 1s\n"
               "  confirm_up: 1000\n"
               "  confirm_down: 2\n"
               "  cooldown: 1s\n"
               "  down_factor: 0.5\n"
               "  min_step: {cpu_quota: 1}\n"
               "  flap_budget: 20\n"
               "  probation: 1s\n"
               "  reserves: {cpu_cores: 0, memory: 0}\n"
               "  degrade: {cpu: 100, memory: 99}\n"
               "  restore: {cpu: 99.9, memory: 98}\n"
               "  emergency: {memory: 99.5}\n"
               "prediction:\n  min_confidence: 1\n"
               "persistence:\n  batch: 100ms\n"
               "http:\n  listen: 127.0.0.1:"
             + std::to_string(f.port) + "\n"
             + "inspect:\n  listen: 127.0.0.1:" + std::to_string(f.inspect_port) + "\n"
             + "plugins:\n"
               "  - name: idle\n"
               "    command: [\"/bin/sleep\", \"300\"]\n"
               "    limits: {cpu_quota: 400}\n"
               "    bounds: {cpu_quota: [20, 400]}\n";
  return cgroups.apply(cfg);
}

http_reply post(const node_fixture& f, const std::string& path, const std::string& body) {
  return http_exchange(f.port, "POST " + path + " HTTP/1.0\r\nContent-Type: application/json\r\n"
                                 "Content-Length: "
                                 + std::to_string(body.size()) + "\r\n\r\n" + body);
}

/// A resize as compared: its action and the CPU quota before and after.
std::string resize_text(const decision& d) {
  return d.action + " " + std::to_string(d.old_limits.cpu_quota) + " -> "
         + std::to_string(d.new_limits.cpu_quota);
}

} // namespace

CAF_TEST(a node replays its own history and the replay decides as the node did) {
  node_fixture f;
  test_cgroup_root cgroups;
  if (!cgroups.as_root) {
    CAF_MESSAGE("skipped: needs root and a writable cgroup hierarchy (the plugin's CPU use)");
    return;
  }
  write_file(f.config, whatif_config(f, cgroups));
  auto node = f.start();
  auto db = f.dir.file("data/conductor.db");
  // Five resizes, each applied: 400 -> 200 -> 100 -> 50 -> 25 -> 20.
  auto applied = [&] {
    return query_int(db, "SELECT COUNT(*) FROM autoscaler_history WHERE action = 'resize'"
                         " AND target = 'idle' AND status = 'applied'");
  };
  bool resized = eventually([&] { return applied() >= 5; }, 60s);
  if (!resized)
    CAF_MESSAGE("the node's log:\n" << node.err());
  REQUIRE_OR_RETURN(resized);

  // -- POST /api/whatif on the running node -------------------------------------
  auto ok = post(f, "/api/whatif", R"({"plugin": "idle", "since": "1h"})");
  CAF_CHECK_EQUAL(ok.status, 200);
  auto report = nlohmann::json::parse(ok.body, nullptr, false);
  REQUIRE_OR_RETURN(report.is_object());
  CAF_CHECK_EQUAL(report.value("plugin", ""), "idle");
  CAF_CHECK_EQUAL(report.value("policy", ""), "aggressive");
  CAF_CHECK_GREATER(report.value("sample_rows", 0), 0);
  CAF_CHECK(report["would"]["decisions"].is_array());
  // The window ends at the newest sample: the audit rows written since (the
  // fifth resize, maybe) are not in it yet.
  CAF_CHECK_GREATER_OR_EQUAL(report["did"]["decisions"].size(), 5u);
  CAF_CHECK_GREATER(report["did"]["cpu"].value("rows", 0), 0);
  auto other = post(f, "/api/whatif", R"({"plugin": "idle", "policy": "conservative"})");
  CAF_CHECK_EQUAL(other.status, 200);
  CAF_CHECK(has(other.body, "\"policy\":\"conservative\""));
  auto unknown = post(f, "/api/whatif", R"({"plugin": "nope"})");
  CAF_CHECK_EQUAL(unknown.status, 400);
  auto error = nlohmann::json::parse(unknown.body, nullptr, false);
  CAF_CHECK(error.is_object() && has(error.value("error", ""), "unknown plugin \"nope\""));
  CAF_CHECK(error.is_object() && error.value("field", "") == "plugin");
  auto policy = post(f, "/api/whatif", R"({"plugin": "idle", "policy": "reckless"})");
  CAF_CHECK_EQUAL(policy.status, 400);
  CAF_CHECK(has(policy.body, "unknown policy \\\"reckless\\\""));
  auto window = post(f, "/api/whatif", R"({"plugin": "idle", "since": "48h"})");
  CAF_CHECK_EQUAL(window.status, 400);
  CAF_CHECK(has(window.body, "\"field\":\"since\""));

  // -- conductorctl whatif ----------------------------------------------------------
  auto ctl = run_conductorctl(f, {"whatif", "idle", "--since", "1h"}, 30s);
  CAF_CHECK_EQUAL(ctl.code, 0);
  CAF_MESSAGE("conductorctl whatif:\n" << ctl.out << ctl.err);
  CAF_CHECK(has(ctl.out, "what-if for idle under policy aggressive"));
  CAF_CHECK(has(ctl.out, "WOULD"));
  CAF_CHECK(has(ctl.out, "cpu limit changes"));
  CAF_CHECK(has(ctl.out, "cpu slack"));
  CAF_CHECK(has(ctl.out, "cpu throttled time"));
  CAF_CHECK(has(ctl.out, "cascade steps"));
  CAF_CHECK(has(ctl.out, "resize"));
  auto ctl_unknown = run_conductorctl(f, {"whatif", "nope"}, 30s);
  CAF_CHECK_EQUAL(ctl_unknown.code, 1);
  CAF_CHECK(has(ctl_unknown.err, "unknown plugin \"nope\""));

  // The replay's window ends at the newest sample: a decision the node took
  // after it would be missing from `did`. Stop the node only once a sample
  // of the plugin newer than its last resize is written.
  bool sampled_after = eventually(
    [&] {
      return query_int(db, "SELECT COUNT(*) FROM autoscaler_metrics WHERE source = 'idle'"
                           " AND timestamp > (SELECT MAX(timestamp) FROM autoscaler_history"
                           " WHERE action = 'resize' AND target = 'idle')")
             > 0;
    },
    30s);
  CAF_CHECK(sampled_after);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);

  // -- the database replayed with the same configuration ----------------------------
  auto loaded = config::load_config_file(f.config);
  REQUIRE_OR_RETURN(loaded.ok());
  replay::whatif_request req;
  req.db_path = db;
  req.plugin = "idle";
  req.since = 1h;
  req.config = loaded.config;
  replay::whatif_report r;
  std::string why;
  auto ran = replay::run_whatif(req, r, why);
  if (!ran)
    CAF_MESSAGE(why);
  REQUIRE_OR_RETURN(ran);
  CAF_CHECK(!r.truncated);
  // The node's resizes (its decisions, not their outcome rows) and the
  // replay's, in order. No tolerance: each step halves the quota in force,
  // so the same steps give the same limits, whenever they came.
  std::vector<std::string> did, would;
  for (const auto& d : r.did)
    if (d.action == "resize" && d.status == "decided")
      did.push_back(resize_text(d));
  for (const auto& d : r.would)
    would.push_back(resize_text(d));
  CAF_MESSAGE("did:   " << caf::deep_to_string(did));
  CAF_MESSAGE("would: " << caf::deep_to_string(would));
  REQUIRE_OR_RETURN(did.size() >= 5);
  // Nothing but resizes on either side.
  CAF_CHECK_EQUAL(would.size(), r.would.size());
  // The replay reaches the minimum as the node did: the same five steps.
  auto n = std::min(did.size(), would.size());
  CAF_CHECK_GREATER_OR_EQUAL(n, 5u);
  CAF_CHECK_EQUAL(std::vector<std::string>(did.begin(), did.begin() + n),
                  std::vector<std::string>(would.begin(), would.begin() + n));
  CAF_CHECK_EQUAL(would.back(), resize_text([] {
                    decision d;
                    d.action = "resize";
                    d.old_limits.cpu_quota = 25;
                    d.new_limits.cpu_quota = 20;
                    return d;
                  }()));
  // The same changes in force on both sides, at slightly different times.
  CAF_CHECK_EQUAL(r.would_cpu.changes, r.did_cpu.changes);
  CAF_CHECK_EQUAL(r.would_cascade_steps, 0u);
  CAF_CHECK_EQUAL(r.did_cascade_steps, 0u);
  // conductor-replay --from-db prints the same report.
  auto cli = run_to_end({CONDUCTOR_REPLAY_BINARY, "--from-db", db, "--plugin", "idle", "--since",
                         "1h", "--config", f.config, "--json"},
                        f.dir.path());
  CAF_CHECK_EQUAL(cli.code, 0);
  auto cli_report = nlohmann::json::parse(cli.out, nullptr, false);
  REQUIRE_OR_RETURN(cli_report.is_object());
  CAF_CHECK_EQUAL(cli_report["would"]["decisions"].size(), r.would.size());
  CAF_CHECK(has(cli.err, "replaying with the configuration " + f.config));
}

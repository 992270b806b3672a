// conductorctl against a real node over a real loopback socket (CAF's
// middleman): reads, audited commands, refusals, an unreachable node.
#define CAF_SUITE conductorctl

#include <caf/test/unit_test.hpp>

#include <csignal>

#include <nlohmann/json.hpp>

#include "tests/db_query.hpp"
#include "tests/require.hpp"
#include "tests/system/node_fixture.hpp"

using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

const std::string ctl = CONDUCTORCTL_BINARY;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// conductorctl against the fixture's node.
run_result run_ctl(const node_fixture& f, std::vector<std::string> args) {
  args.insert(args.begin(), {ctl, "--connect", "127.0.0.1:" + std::to_string(f.inspect_port)});
  return run_to_end(args, f.dir.path());
}

/// The id of the newest audit row (`history --json -n 1`), or 0.
/// The id of the newest audit row of `action` (the scaler may have written
/// its own rows since, on a slow machine), or 0.
int64_t newest_row_id(const node_fixture& f, const std::string& action) {
  auto r = run_ctl(f, {"--json", "history", "-n", "50"});
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (r.code != 0 || !j.is_array())
    return 0;
  for (const auto& row : j)
    if (row.value("action", "") == action && row.contains("id"))
      return row["id"].get<int64_t>();
  return 0;
}

/// A plugin to resize: limits and bounds set (percent of one core, bytes).
const std::string chat_plugin = "plugins:\n"
                                "  - name: chat\n"
                                "    command: [sleep, \"300\"]\n"
                                "    limits: {cpu_quota: 100, memory_max: 256MiB}\n"
                                "    bounds: {cpu_quota: [50, 400], memory_max: [64MiB, 1GiB]}\n";

} // namespace

CAF_TEST(conductorctl reads and steers a running node) {
  node_fixture f;
  write_file(f.config, f.config_text()
                         + "health:\n  targets:\n    - name: down\n      type: tcp\n"
                           "      address: 127.0.0.1:9\n");
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
  auto connect = "127.0.0.1:" + std::to_string(f.inspect_port);
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {ctl, "--connect", connect});
    return run_to_end(args, f.dir.path());
  };
  auto status = run({"status"});
  CAF_CHECK_EQUAL(status.code, 0);
  CAF_CHECK(has(status.out, "mode       manual"));
  CAF_CHECK(has(status.out, "actors     7 of 7 running"));
  auto actors = run({"--json", "actors"});
  CAF_CHECK_EQUAL(actors.code, 0);
  CAF_CHECK(has(actors.out, "\"name\": \"persistence\""));
  CAF_CHECK(has(actors.out, "\"mailbox\": "));
  auto actor_table = run({"actors"});
  CAF_CHECK_EQUAL(actor_table.code, 0);
  CAF_CHECK(has(actor_table.out, "ACTOR  "));
  CAF_CHECK(has(actor_table.out, "  MAILBOX  "));
  // A command is audited with who gave it, and reads back in the history.
  auto mode = run({"mode", "enabled"});
  CAF_CHECK_EQUAL(mode.code, 0);
  CAF_CHECK(has(mode.out, "mode       enabled"));
  // Not only the newest row: once enabled, the scaler writes its own rows,
  // and on a slow machine (under ThreadSanitizer) some come before this read.
  auto history = run({"history", "-n", "50"});
  CAF_CHECK_EQUAL(history.code, 0);
  CAF_CHECK(has(history.out, "mode manual -> enabled (by conductorctl:"));
  CAF_CHECK(has(history.out, "ID  TIME"));
  CAF_CHECK_EQUAL(query_int(f.dir.file("data/conductor.db"),
                            "SELECT COUNT(*) FROM autoscaler_history WHERE action = 'mode'"
                            " AND origin LIKE 'conductorctl:%'"),
                  1);
  auto opened = run({"breaker", "open", "down", "maintenance"});
  CAF_CHECK_EQUAL(opened.code, 0);
  CAF_CHECK(has(opened.out, "open (forced)"));
  // Refused by the node: its reason, exit 1.
  auto unknown = run({"breaker", "reset", "nope"});
  CAF_CHECK_EQUAL(unknown.code, 1);
  CAF_CHECK(has(unknown.err, "no health target nope"));
  auto pre = run({"--json", "preflight", "--memory", "1MiB"});
  CAF_CHECK_EQUAL(pre.code, 0);
  CAF_CHECK(has(pre.out, "\"allow\": true"));
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
  // The node gone: a clear message and exit 3.
  auto gone = run({"status"});
  CAF_CHECK_EQUAL(gone.code, 3);
  CAF_CHECK(has(gone.err, "cannot reach the node's inspector at " + connect));
}

CAF_TEST(a bad command line is a usage error) {
  temp_dir dir;
  auto bad = run_to_end({ctl, "bogus"}, dir.path());
  CAF_CHECK_EQUAL(bad.code, 2);
  CAF_CHECK(has(bad.err, "unknown command \"bogus\""));
  CAF_CHECK(has(bad.err, "usage: conductorctl"));
  auto mode = run_to_end({ctl, "mode", "on"}, dir.path());
  CAF_CHECK_EQUAL(mode.code, 2);
  CAF_CHECK(has(mode.err, "expected enabled, disabled or manual"));
}

CAF_TEST(an inspector port in use fails the node start with a clear message) {
  node_fixture f;
  auto first = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
  node_fixture g;
  auto cfg = g.config_text();
  cfg.replace(cfg.find("127.0.0.1:" + std::to_string(g.inspect_port)),
              10 + std::to_string(g.inspect_port).size(),
              "127.0.0.1:" + std::to_string(f.inspect_port));
  write_file(g.config, cfg);
  auto second = g.start();
  CAF_CHECK_EQUAL(second.wait(10s), 1);
  CAF_CHECK(has(second.err(),
                "cannot listen for conductorctl on 127.0.0.1:" + std::to_string(f.inspect_port)));
  first.signal(SIGTERM);
  CAF_CHECK_EQUAL(first.wait(5s), 0);
}

CAF_TEST(policy sets the scaler policy and refuses an unknown one) {
  node_fixture f;
  auto node = f.start();
  REQUIRE_OR_RETURN(f.scrape_shows("conductor_build_info"));
  auto set = run_ctl(f, {"policy", "conservative"});
  CAF_CHECK_EQUAL(set.code, 0);
  CAF_CHECK(has(set.out, "policy     conservative"));
  CAF_CHECK_EQUAL(set.err, "");
  auto status = run_ctl(f, {"--json", "status"});
  CAF_CHECK_EQUAL(status.code, 0);
  CAF_CHECK(has(status.out, "\"policy\": \"conservative\""));
  // Refused by the node, with its reason: exit 1, and the policy stays.
  auto unknown = run_ctl(f, {"policy", "reckless"});
  CAF_CHECK_EQUAL(unknown.code, 1);
  CAF_CHECK(has(unknown.err, "conductorctl: the node refused it: "));
  CAF_CHECK(has(unknown.err, "reckless"));
  CAF_CHECK(has(run_ctl(f, {"status"}).out, "policy     conservative"));
  auto usage = run_ctl(f, {"policy"});
  CAF_CHECK_EQUAL(usage.code, 2);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(explain with an id shows that audit row in full) {
  node_fixture f;
  auto node = f.start();
  REQUIRE_OR_RETURN(f.scrape_shows("conductor_build_info"));
  REQUIRE_EQUAL_OR_RETURN(run_ctl(f, {"mode", "enabled"}).code, 0);
  auto id = newest_row_id(f, "mode");
  REQUIRE_OR_RETURN(id > 0);
  auto text = run_ctl(f, {"explain", std::to_string(id)});
  CAF_CHECK_EQUAL(text.code, 0);
  CAF_CHECK(has(text.out, "id          " + std::to_string(id) + "\n"));
  CAF_CHECK(has(text.out, "action      mode\n"));
  CAF_CHECK(has(text.out, "origin      conductorctl:"));
  CAF_CHECK(has(text.out, "reason      mode manual -> enabled"));
  CAF_CHECK(has(text.out, "\ninputs\n"));
  auto json = run_ctl(f, {"--json", "explain", std::to_string(id)});
  CAF_CHECK_EQUAL(json.code, 0);
  auto j = nlohmann::json::parse(json.out, nullptr, false);
  CAF_CHECK(j.is_object());
  if (j.is_object())
    CAF_CHECK_EQUAL(j["id"].get<int64_t>(), id);
  // No such row: exit 1 and a pointer to history.
  auto missing = run_ctl(f, {"explain", std::to_string(id + 100000)});
  CAF_CHECK_EQUAL(missing.code, 1);
  CAF_CHECK(has(missing.err, "no audit row " + std::to_string(id + 100000)));
  // Without an id: still the last evaluation.
  CAF_CHECK_EQUAL(run_ctl(f, {"explain"}).code, 0);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(scale resizes a plugin and leaves the scaler in manual mode) {
  node_fixture f;
  write_file(f.config, f.config_text() + chat_plugin);
  auto node = f.start();
  REQUIRE_OR_RETURN(f.scrape_shows("conductor_plugin_state{plugin=\"chat\",state=\"running\"} 1"));
  REQUIRE_EQUAL_OR_RETURN(run_ctl(f, {"mode", "enabled"}).code, 0);
  auto scaled = run_ctl(f, {"scale", "chat", "--cpu", "1.5", "--memory", "512MiB", "--reason",
                            "load test"});
  CAF_CHECK_EQUAL(scaled.code, 0);
  CAF_CHECK(has(scaled.out, "decision "));
  CAF_CHECK(has(scaled.out, "cpu 150% (1.5 cores), memory 512MiB"));
  CAF_CHECK(has(scaled.out, "the scaler is in manual mode now"));
  CAF_CHECK(has(run_ctl(f, {"status"}).out, "mode       manual"));
  // The step is audited with its id, who asked and why.
  int64_t id = 0;
  auto at = scaled.out.find("decision ");
  if (at != std::string::npos)
    id = std::atoll(scaled.out.c_str() + at + 9);
  CAF_CHECK(id > 0);
  if (id > 0) {
    auto row = run_ctl(f, {"explain", std::to_string(id)});
    CAF_CHECK_EQUAL(row.code, 0);
    CAF_CHECK(has(row.out, "target      chat\n"));
    CAF_CHECK(has(row.out, "origin      conductorctl:"));
    CAF_CHECK(has(row.out, "load test"));
    CAF_CHECK(has(row.out, "-> 150% (1.5 cores)"));
    CAF_CHECK(has(row.out, "-> 512MiB"));
  }
  // Refusals: an unknown plugin, limits outside the plugin's bounds.
  auto unknown = run_ctl(f, {"scale", "nope", "--cpu", "1"});
  CAF_CHECK_EQUAL(unknown.code, 1);
  CAF_CHECK(has(unknown.err, "nope"));
  auto too_big = run_ctl(f, {"scale", "chat", "--memory", "8GiB"});
  CAF_CHECK_EQUAL(too_big.code, 1);
  CAF_CHECK(has(too_big.err, "conductorctl: the node refused it: "));
  // No limit at all never reaches the node.
  auto usage = run_ctl(f, {"scale", "chat"});
  CAF_CHECK_EQUAL(usage.code, 2);
  CAF_CHECK(has(usage.err, "say which limit to set"));
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

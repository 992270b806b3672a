// conductorctl against a real node over a real loopback socket (CAF's
// middleman): reads, audited commands, refusals, an unreachable node.
#define CAF_SUITE conductorctl

#include <caf/test/unit_test.hpp>

#include <csignal>

#include "tests/db_query.hpp"
#include "tests/system/node_fixture.hpp"

using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

const std::string ctl = CONDUCTORCTL_BINARY;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

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
  // A command is audited with who gave it, and reads back in the history.
  auto mode = run({"mode", "enabled"});
  CAF_CHECK_EQUAL(mode.code, 0);
  CAF_CHECK(has(mode.out, "mode       enabled"));
  auto history = run({"history", "-n", "1"});
  CAF_CHECK_EQUAL(history.code, 0);
  CAF_CHECK(has(history.out, "mode manual -> enabled (by conductorctl:"));
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

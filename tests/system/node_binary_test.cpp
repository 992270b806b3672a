// The conductor binary as an operator runs it: a real process, a real port on
// loopback, a real SQLite file, real signals.
#define CAF_SUITE node_binary

#include <caf/test/unit_test.hpp>

#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/db_query.hpp"
#include "tests/http_client.hpp"
#include "tests/system/loopback_server.hpp"
#include "tests/system/node_fixture.hpp"

using namespace conductor::test;
using namespace std::chrono_literals;

CAF_TEST(version and help) {
  temp_dir dir;
  auto v = run_to_end({binary, "--version"}, dir.path());
  CAF_CHECK_EQUAL(v.code, 0);
  CAF_CHECK_EQUAL(v.out, "conductor " CONDUCTOR_VERSION "\n");
  auto h = run_to_end({binary, "--help"}, dir.path());
  CAF_CHECK_EQUAL(h.code, 0);
  CAF_CHECK_NOT_EQUAL(h.out.find("--check-config FILE"), std::string::npos);
}

CAF_TEST(an unknown argument is a usage error) {
  temp_dir dir;
  auto r = run_to_end({binary, "--frobnicate"}, dir.path());
  CAF_CHECK_EQUAL(r.code, 2);
  CAF_CHECK_NOT_EQUAL(r.err.find("unknown argument: --frobnicate"), std::string::npos);
}

CAF_TEST(check config accepts the shipped default) {
  temp_dir dir;
  auto r = run_to_end({binary, "--check-config", source_dir + "/config/node.yaml"}, dir.path());
  CAF_CHECK_EQUAL(r.code, 0);
  CAF_CHECK_EQUAL(r.out, "ok\n");
}

CAF_TEST(check config points at the line of a typo) {
  temp_dir dir;
  auto file = dir.file("bad.yaml");
  write_file(file, "scaler:\n  mode: enabled\n  policy: agresive\n  polcy: balanced\n");
  auto r = run_to_end({binary, "--check-config", file}, dir.path());
  CAF_CHECK_EQUAL(r.code, 2);
  CAF_CHECK_EQUAL(r.out, "");
  CAF_CHECK_NOT_EQUAL(r.err.find(file + ":3:11: scaler.policy: unknown value \"agresive\" "
                                        "(expected conservative|balanced|aggressive|predictive)"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(r.err.find(file + ":4:3: scaler: unknown key \"polcy\" (did you mean \"policy\"?)"), std::string::npos);
}

CAF_TEST(a config or token file others can write stops the start) {
  node_fixture f;
  ::chmod(f.config.c_str(), 0664);
  auto group = run_to_end({binary, "--config", f.config}, f.dir.path());
  CAF_CHECK_EQUAL(group.code, 1);
  CAF_CHECK(group.err.find("the config file " + f.config + " is writable by its group (mode 0664)")
            != std::string::npos);
  ::chmod(f.config.c_str(), 0600);
  auto token = f.dir.file("token");
  write_file(token, "s3cret\n");
  ::chmod(token.c_str(), 0606);
  auto cfg = f.config_text();
  cfg.insert(cfg.find("inspect:"), "  token_file: " + token + "\n");
  write_file(f.config, cfg);
  auto anyone = run_to_end({binary, "--config", f.config}, f.dir.path());
  CAF_CHECK_EQUAL(anyone.code, 1);
  CAF_CHECK(anyone.err.find("http.token_file " + token + " is writable by anyone")
            != std::string::npos);
  CAF_CHECK(!std::filesystem::exists(f.dir.file("data/conductor.db")));
}

CAF_TEST(a node starts serves metrics writes its database and stops on the term signal) {
  node_fixture f;
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_decisions_total{action=\"hold\"} 1"));
  auto m = http_get(f.port, "/metrics");
  CAF_CHECK_NOT_EQUAL(m.headers.find("Content-Type: text/plain; version=0.0.4"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(m.body.find("conductor_build_info{version=\"" CONDUCTOR_VERSION "\"} 1"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(m.body.find("conductor_host_memory_usage_ratio "), std::string::npos);
  CAF_CHECK_NOT_EQUAL(m.body.find("conductor_host_filesystem_usage_ratio{mountpoint=\"/\"}"),
                      std::string::npos);
  CAF_CHECK(f.scrape_shows("conductor_host_cpu_usage_ratio "));
  m = http_get(f.port, "/metrics");
  for (const char* series : {"conductor_host_cpu_ratio{cpu=\"all\",mode=\"user\"}",
                             "conductor_host_cpu_ratio{cpu=\"0\",mode=\"idle\"}",
                             "conductor_host_memory_total_bytes ",
                             "conductor_host_filesystem_size_bytes{mountpoint=\"/\"}",
                             "conductor_host_load1 ", "process_resident_memory_bytes ",
                             "process_cpu_seconds_total "})
    CAF_CHECK_NOT_EQUAL(m.body.find(series), std::string::npos);
  CAF_CHECK_EQUAL(http_get(f.port, "/nope").status, 404);
  auto started = std::chrono::steady_clock::now();
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
  CAF_CHECK_LESS(std::chrono::steady_clock::now() - started, 5s);
  auto db = f.dir.file("data/conductor.db");
  CAF_CHECK_GREATER(query_int(db, "SELECT COUNT(*) FROM autoscaler_metrics"), 0);
  // The first evaluation records the mode it runs in (manual in these tests).
  CAF_CHECK_GREATER_OR_EQUAL(query_int(db, "SELECT COUNT(*) FROM autoscaler_history"), 1);
  CAF_CHECK_EQUAL(query_int(db, "SELECT COUNT(*) FROM autoscaler_history WHERE id = 1"
                                " AND action = 'hold' AND trigger = 'config'"),
                  1);
  // The port is free again.
  CAF_CHECK_EQUAL(http_get(f.port, "/metrics").status, 0);
}

CAF_TEST(a failing health target opens its breaker on metrics and in the audit) {
  test_http_server server;
  CAF_REQUIRE_NOT_EQUAL(server.port(), 0);
  server.set_mode(server_mode::fail);
  node_fixture f;
  write_file(f.config, f.config_text()
                         + "health:\n  interval: 200ms\n  timeout: 100ms\n"
                           "  breaker:\n    reset_timeout: 1m\n"
                           "  targets:\n"
                           "    - name: web\n      type: http\n      url: "
                         + server.url()
                         + "\n"
                           "    - name: true\n      type: exec\n      command: [/bin/true]\n");
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_circuit_breaker_state{target=\"web\"} 1"));
  auto m = http_get(f.port, "/metrics").body;
  // Exactly three failures opened it; the open breaker stops the checks.
  for (const char* line :
       {"conductor_health_check_total{result=\"failure\",target=\"web\"} 3\n",
        "conductor_circuit_breaker_transitions_total{from=\"closed\",target=\"web\","
        "to=\"open\"} 1\n",
        "conductor_health_check_duration_seconds_count{target=\"web\"} 3\n",
        "conductor_health_up{target=\"web\"} 0\n",
        "# TYPE conductor_health_check_lateness_seconds histogram\n"})
    CAF_CHECK_NOT_EQUAL(m.find(line), std::string::npos);
  CAF_CHECK(f.scrape_shows("conductor_health_check_total{result=\"success\",target=\"true\"}"));
  CAF_CHECK(f.scrape_shows("conductor_circuit_breaker_state{target=\"true\"} 0"));
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
  auto db = f.dir.file("data/conductor.db");
  CAF_CHECK_EQUAL(query_int(db, "SELECT COUNT(*) FROM breaker_transitions WHERE target = 'web'"
                                " AND from_state = 'closed' AND to_state = 'open'"
                                " AND reason = '3 consecutive failures'"),
                  1);
  CAF_CHECK_NOT_EQUAL(node.err().find("breaker web: closed -> open (3 consecutive failures)"),
                      std::string::npos);
}

CAF_TEST(plugins run as real processes restart when they crash and stop with the node) {
  node_fixture f;
  test_cgroup_root cgroups;
  const auto& root = cgroups.root;
  const auto& layout = cgroups.layout;
  bool as_root = cgroups.as_root;
  auto cfg = cgroups.apply(f.config_text());
  cfg += "plugins:\n"
         "  - name: sleeper\n"
         "    priority: 5\n"
         "    command: [sleep, \"300\"]\n"
         "  - name: crasher\n"
         "    command: [sh, -c, \"echo crashing; exit 3\"]\n"
         "    start_retries: 1\n";
  write_file(f.config, cfg);
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_plugin_state{plugin=\"sleeper\",state=\"running\"} 1"));
  // The crasher exits, is restarted once after 1 s, exits again: failed.
  CAF_CHECK(f.scrape_shows("conductor_plugin_state{plugin=\"crasher\",state=\"failed\"} 1"));
  CAF_CHECK(f.scrape_shows("conductor_plugin_starts_total{plugin=\"crasher\"} 2"));
  CAF_CHECK_EQUAL(read_text(f.dir.file("data/plugins/crasher.log")), "crashing\ncrashing\n");
  // The sleeper: the one child of the node still running.
  pid_t sleeper = child_named(node.pid(), "sleep");
  CAF_REQUIRE_GREATER(sleeper, 0);
  if (as_root)
    CAF_CHECK_NOT_EQUAL(read_text("/proc/" + std::to_string(sleeper) + "/cgroup")
                          .find(root + "/sleeper"),
                        std::string::npos);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
  // Nothing is left: the process and its cgroup are gone.
  CAF_CHECK(eventually([&] { return ::kill(sleeper, 0) != 0; }));
  if (as_root)
    CAF_CHECK(!std::filesystem::exists(layout.memory->mount_point + "/" + root + "/sleeper"));
}

CAF_TEST(host memory pressure steps plugins down lowest priority first and restores them in reverse) {
  node_fixture f;
  // Thresholds just above where the host is now: the hog's 2 GiB crosses
  // degrade, and once it is stopped the host falls back under restore.
  // Forecasts are never trusted here (min_confidence 1), so measurements
  // alone drive the cascade; CPU never does (100 %).
  auto base = host_memory_percent();
  auto percent = [](double x) { return std::to_string(std::min(x, 98.0)); };
  auto cfg = f.config_text();
  cfg.replace(cfg.find("scaler:\n  mode: manual\n"), 23,
              "prediction:\n  min_confidence: 1\n"
              "scaler:\n  confirm_up: 1\n  stabilization: 1s\n"
              "  degrade: {cpu: 100, memory: " + percent(base + 4) + "}\n"
              "  restore: {cpu: 99.9, memory: " + percent(base + 2) + "}\n"
              "  emergency: {memory: 99.5}\n");
  cfg += "plugins:\n"
         "  - name: batch\n    priority: 1\n    command: [sleep, \"300\"]\n"
         "  - name: chat\n    priority: 5\n    command: [sleep, \"300\"]\n"
         "    variants:\n"
         "      - name: large\n        command: [sleep, \"301\"]\n"
         "      - name: small\n        command: [sleep, \"302\"]\n"
         "  - name: hog\n    priority: 10\n    command: [" MEMORY_HOG_BINARY ", \"2048\"]\n"
         "    drain: {signal: SIGUSR1, grace: 2s}\n";
  write_file(f.config, cfg);
  auto node = f.start();
  for (auto p : {"batch", "chat", "hog"})
    CAF_REQUIRE(f.scrape_shows("conductor_plugin_state{plugin=\"" + std::string{p}
                               + "\",state=\"running\"} 1"));
  auto hog = child_named(node.pid(), "memory_hog");
  CAF_REQUIRE_GREATER(hog, 0);
  ::kill(hog, SIGUSR2);
  auto db = f.dir.file("data/conductor.db");
  auto applied = [&] {
    return query_texts(db, "SELECT action || ' ' || target || CASE variant WHEN '' THEN ''"
                           " ELSE ' ' || variant END FROM autoscaler_history"
                           " WHERE status = 'applied' AND action NOT IN ('limits')"
                           " ORDER BY id");
  };
  const std::vector<std::string> expected{
    // Down, lowest priority first, a step at a time; chat through its variant.
    "disable batch", "variant chat small", "disable chat", "disable hog",
    // Up in reverse, once the hog's memory is gone.
    "enable hog", "enable chat small", "variant chat large", "enable batch"};
  CAF_CHECK(eventually([&] { return applied().size() >= expected.size(); }, 60s));
  CAF_CHECK_EQUAL(applied(), expected);
  // Each step was decided before it was applied, with its reason.
  CAF_CHECK_EQUAL(query_int(db, "SELECT COUNT(*) FROM autoscaler_history WHERE status = 'decided'"
                                " AND target != '' AND reason != ''"),
                  8);
  CAF_CHECK_EQUAL(query_int(db, "SELECT COUNT(*) FROM autoscaler_history WHERE action = 'degrade'"
                                " AND trigger = 'measured'"),
                  1);
  CAF_CHECK(f.scrape_shows("conductor_plugin_state{plugin=\"batch\",state=\"running\"} 1"));
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(a variant whose limits the kernel refuses is rolled back and three failures suspend the scaler) {
  node_fixture f;
  test_cgroup_root cgroups;
  if (!cgroups.as_root) {
    CAF_MESSAGE("skipped: needs root and a writable cgroup hierarchy");
    return;
  }
  // The host is always "under pressure" (degrade memory 1 %), chat is the only
  // plugin, and its small variant asks for a CPU quota under the kernel's 1 ms
  // minimum even per second (0.05 % of a core): memory_max is written first,
  // then the quota is refused.
  auto cfg = cgroups.apply(f.config_text());
  cfg.replace(cfg.find("scaler:\n  mode: manual\n"), 23,
              "scaler:\n  confirm_up: 1\n"
              "  degrade: {memory: 1}\n  restore: {memory: 0.5}\n  emergency: {memory: 99.9}\n");
  cfg += "plugins:\n"
         "  - name: chat\n    priority: 5\n    command: [sleep, \"300\"]\n"
         "    variants:\n"
         "      - name: large\n        command: [sleep, \"301\"]\n"
         "      - name: small\n        command: [sleep, \"302\"]\n"
         "        limits: {memory_max: 512MiB, cpu_quota: 0.05}\n";
  write_file(f.config, cfg);
  auto node = f.start();
  auto db = f.dir.file("data/conductor.db");
  CAF_REQUIRE(eventually(
    [&] {
      return query_int(db, "SELECT COUNT(*) FROM autoscaler_history WHERE action = 'suspend'") == 1;
    },
    20s));
  CAF_CHECK_EQUAL(query_int(db, "SELECT COUNT(*) FROM autoscaler_history WHERE action = 'variant'"
                                " AND status = 'failed' AND error LIKE '%rolled back%'"),
                  3);
  // Rolled back: the memory limit is what it was before (unlimited), and the
  // large variant runs again.
  auto memory = cgroups.layout.memory->mount_point + "/" + cgroups.root + "/chat/"
                + (cgroups.layout.memory->version == conductor::cgroup_version::v2 ? "memory.max" : "memory.limit_in_bytes");
  auto limit = read_text(memory);
  CAF_CHECK(limit == "max\n" || std::stoull(limit) > (1ull << 40));
  CAF_CHECK(eventually([&] {
    auto pid = child_named(node.pid(), "sleep");
    return pid > 0 && read_text("/proc/" + std::to_string(pid) + "/cmdline").find("301")
                        != std::string::npos;
  }));
  // Suspended: the scaler takes no more steps, and /metrics says so.
  CAF_CHECK(f.scrape_shows("conductor_scaler_suspended 1"));
  CAF_CHECK(f.scrape_shows("conductor_plugin_state{plugin=\"chat\",state=\"running\"} 1"));
  CAF_CHECK_EQUAL(query_int(db, "SELECT COUNT(*) FROM autoscaler_history WHERE action = 'variant'"
                                " AND status = 'decided'"),
                  3);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(the interrupt signal stops the node like the term signal) {
  node_fixture f;
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
  node.signal(SIGINT);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
  CAF_CHECK_NOT_EQUAL(node.err().find("node: stopped"), std::string::npos);
}

CAF_TEST(a hangup signal with a broken file keeps the running config) {
  node_fixture f;
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
  write_file(f.config, "collector:\n  interval: fast\nscaler:\n  mode: sometimes\n");
  node.signal(SIGHUP);
  CAF_REQUIRE(eventually([&] { return node.err().find("reload rejected") != std::string::npos; }));
  auto err = node.err();
  CAF_CHECK_NOT_EQUAL(err.find(f.config + ":2:13: collector.interval"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(err.find(f.config + ":4:9: scaler.mode"), std::string::npos);
  CAF_CHECK(node.running());
  CAF_CHECK_EQUAL(http_get(f.port, "/metrics").status, 200);
  // A valid file is applied.
  write_file(f.config, f.config_text("300ms"));
  node.signal(SIGHUP);
  CAF_CHECK(eventually(
    [&] { return node.err().find("configuration reloaded") != std::string::npos; }));
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(an invalid config refuses to start) {
  node_fixture f;
  write_file(f.config, "http:\n  listen: 0.0.0.0:8888\n");
  auto node = f.start();
  CAF_CHECK_EQUAL(node.wait(5s), 2);
  CAF_CHECK_NOT_EQUAL(node.err().find("http.listen"), std::string::npos);
}

CAF_TEST(a port in use fails the start with a clear message) {
  node_fixture f;
  auto first = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
  temp_dir other;
  write_file(other.file("node.yaml"), "node:\n  data_dir: " + other.file("data")
                                        + "\nhttp:\n  listen: 127.0.0.1:"
                                        + std::to_string(f.port) + "\n");
  child_process second{{binary, "--config", other.file("node.yaml")}, other.file("out"),
                       other.file("err")};
  CAF_CHECK_EQUAL(second.wait(5s), 1);
  CAF_CHECK_NOT_EQUAL(second.err().find("cannot listen on 127.0.0.1:" + std::to_string(f.port)),
                      std::string::npos);
  first.signal(SIGTERM);
  CAF_CHECK_EQUAL(first.wait(5s), 0);
}

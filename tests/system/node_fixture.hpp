// node_fixture.hpp -- what the suites that run the conductor binary share: a
// node on a temporary data dir and a free port, and helpers to look at it.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "actors/cgroup_layout.hpp"
#include "actors/plugins/plugin_cgroup.hpp"
#include "tests/http_client.hpp"
#include "tests/system/child_process.hpp"
#include "tests/temp_dir.hpp"

namespace conductor::test {

using namespace std::chrono_literals;

inline const std::string binary = CONDUCTOR_BINARY;
inline const std::string source_dir = CONDUCTOR_SOURCE_DIR;

inline std::string read_text(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::trunc};
  out << text;
}

/// The pid of a child of `parent` whose command is `comm`, or 0.
inline pid_t child_named(pid_t parent, const std::string& comm) {
  for (auto& entry : std::filesystem::directory_iterator("/proc")) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    auto stat = read_text(entry.path().string() + "/stat");
    auto after_name = stat.rfind(") ");
    if (after_name == std::string::npos)
      continue;
    // Fields after the name: state, then the parent's pid.
    auto ppid = std::atoi(stat.c_str() + after_name + 4);
    if (ppid == parent && stat.find("(" + comm + ")") != std::string::npos)
      return std::atoi(name.c_str());
  }
  return 0;
}

/// Host memory in use, percent, as the collector computes it.
inline double host_memory_percent() {
  std::ifstream in{"/proc/meminfo"};
  std::string key;
  double value = 0, total = 0, available = 0;
  std::string unit;
  while (in >> key >> value) {
    if (key == "MemTotal:")
      total = value;
    else if (key == "MemAvailable:")
      available = value;
    std::getline(in, unit);
  }
  return total > 0 ? (total - available) / total * 100 : 0;
}

/// The value of one series on the node's /metrics, written as the registry
/// renders it (`name` or `name{a="x",b="y"}`: labels in name order, a
/// histogram bucket's `le` last), or -1 when /metrics does not answer or
/// lacks the series.
inline double scrape_value(uint16_t port, const std::string& series) {
  auto r = http_get(port, "/metrics");
  if (r.status != 200)
    return -1;
  auto at = r.body.find("\n" + series + " ");
  if (at == std::string::npos)
    return -1;
  return std::strtod(r.body.c_str() + at + series.size() + 2, nullptr);
}

/// A node on a temp data dir and a free port, ticking fast.
struct node_fixture {
  temp_dir dir;
  uint16_t port = free_port();
  uint16_t inspect_port = free_port();
  std::string config = dir.file("node.yaml");

  node_fixture() {
    write_file(config, config_text());
  }

  std::string config_text(const std::string& collector_interval = "100ms") const {
    return "node:\n  data_dir: " + dir.file("data") + "\n"
           + "collector:\n  interval: " + collector_interval + "\n"
           // Manual: the other tests' plugins must not be stepped down when a busy
           // CI host crosses a CPU threshold; the cascade's tests enable it.
           + "scaler:\n  mode: manual\n  evaluation_interval: 200ms\n"
           + "persistence:\n  batch: 100ms\n"
           + "http:\n  listen: 127.0.0.1:" + std::to_string(port) + "\n"
           + "inspect:\n  listen: 127.0.0.1:" + std::to_string(inspect_port) + "\n";
  }

  child_process start() {
    return child_process{{binary, "--config", config}, dir.file("out"), dir.file("err")};
  }

  /// Waits (up to `limit`) until /metrics answers and shows `needle`.
  bool scrape_shows(const std::string& needle,
                    std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    return eventually(
      [&] {
        auto r = http_get(port, "/metrics");
        return r.status == 200 && r.body.find(needle) != std::string::npos;
      },
      limit);
  }
};

/// conductorctl against `f`'s node; `limit`: how long it may take (it must
/// end by itself well within; a run that does not is killed: code -1).
inline run_result run_conductorctl(const node_fixture& f, std::vector<std::string> args,
                                   std::chrono::milliseconds limit = std::chrono::seconds(15)) {
  args.insert(args.begin(), {CONDUCTORCTL_BINARY, "--connect",
                             "127.0.0.1:" + std::to_string(f.inspect_port)});
  child_process p{std::move(args), f.dir.file("ctl.out"), f.dir.file("ctl.err")};
  auto code = p.wait(limit);
  return {code, p.out(), p.err()};
}

/// As root, plugins get their own cgroups under a root of the test's, removed
/// when it ends; otherwise they run without.
struct test_cgroup_root {
  std::string root = "conductor-node-test-" + std::to_string(::getpid());
  conductor::cgroup_layout layout = conductor::detect_cgroup_layout();
  bool as_root = ::geteuid() == 0 && layout.memory
                 && ::access(layout.memory->mount_point.c_str(), W_OK) == 0;

  /// The config with collector.cgroup_root set, when running as root.
  std::string apply(std::string cfg) const {
    if (as_root)
      cfg.insert(cfg.find("scaler:"),
                 "  cgroup_root: " + layout.memory->mount_point + "/" + root + "\n");
    return cfg;
  }

  ~test_cgroup_root() {
    std::error_code ec;
    if (as_root)
      for (const auto& mp : conductor::plugin_cgroup_mounts(layout))
        std::filesystem::remove(mp + "/" + root, ec);
  }
};

} // namespace conductor::test

// cgroup_reader.hpp -- reads one plugin's cgroup, v1 or v2 per controller.
//
// The plugin manager creates <mount>/<relative root>/<plugin> in every
// hierarchy; this reads what each controller's hierarchy has there. A cgroup
// that does not exist (the plugin is stopped, or not started yet) is not an
// error: the reading says so and carries nothing.
//
// Its files are kept open between reads (a plugin's 5-7 files, every tick,
// were a quarter of an idle node's CPU as open/close through kernfs); a
// cgroup removed and created again is picked up, since a kept descriptor of
// a removed cgroup fails with ENODEV and is then reopened.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/cgroup_layout.hpp"
#include "actors/proc_file.hpp"
#include "actors/collector/proc_parsers.hpp"

namespace conductor {

struct cgroup_reading {
  /// False when the cgroup directory exists in no hierarchy.
  bool exists = false;
  /// Cumulative CPU time of the cgroup, nanoseconds (v1 cpuacct.usage;
  /// v2 usage_usec of cpu.stat x 1000).
  std::optional<uint64_t> cpu_ns;
  std::optional<uint64_t> memory_bytes;
  /// nullopt: unlimited ("max" in v2; in v1 a value >= 2^62, the kernel's
  /// page-rounded LONG_MAX) or unreadable.
  std::optional<uint64_t> memory_limit_bytes;
  std::optional<uint64_t> pids;
  /// nullopt: "max" or unreadable.
  std::optional<uint64_t> pids_limit;
  /// memory.pressure of the cgroup (v2 only: the cgroup2 mount has it even
  /// when it serves no controller, as on hosts with v1 controllers).
  std::optional<psi_reading> memory_pressure;
  /// Tasks the OOM killer killed in the cgroup, cumulative: the oom_kill line
  /// of memory.events (v2, the cgroup and its descendants) or of
  /// memory.oom_control (v1, the cgroup itself; plugins have no sub-cgroups).
  /// nullopt when unreadable, and on v1 kernels before 4.13, which lack the
  /// line: an unknown count is never reported as 0.
  std::optional<uint64_t> oom_kills;
  /// Files that exist but could not be read or parsed, as
  /// "cgroup:<file name>" (e.g. "cgroup:memory.current"), for
  /// conductor_collector_errors_total{source}. A missing cgroup directory is
  /// not listed.
  std::vector<std::string> failed;
};

class cgroup_reader {
public:
  /// Reads `<place.mount_point>/<relative_path>/...` per controller, and
  /// `<layout.unified>/<relative_path>/memory.pressure`.
  cgroup_reader(cgroup_layout layout, std::string relative_path);

  cgroup_reading read();

  const std::string& relative_path() const {
    return relative_path_;
  }

private:
  /// One file of the cgroup, kept open.
  struct file {
    file(const std::string& dir, const char* name);
    std::string dir;
    const char* name;
    proc_file handle;
  };

  /// Which file parses how: v1 and v2 differ for CPU and memory.
  bool cpu_v1_ = false;
  bool memory_v1_ = false;
  std::string relative_path_;
  std::optional<file> cpu_;
  std::optional<file> memory_;
  std::optional<file> memory_limit_;
  std::optional<file> memory_events_;
  std::optional<file> pids_;
  std::optional<file> pids_limit_;
  std::optional<file> pressure_;
};

// -- the cgroup files' text ------------------------------------------------------
// Pure functions over a file's contents, so they are tested and fuzzed without a
// cgroup (fuzz/proc_fuzz.cpp); white space around a number is ignored.

/// A counter file (memory.current, pids.current, cpuacct.usage, ...): one whole
/// number; nullopt when it is anything else.
std::optional<uint64_t> parse_cgroup_counter(std::string_view text);

/// A limit file (memory.max, pids.max, memory.limit_in_bytes): outer nullopt
/// when unparsable, inner nullopt when unlimited ("max", or a number of at
/// least `unlimited_from`).
std::optional<std::optional<uint64_t>> parse_cgroup_limit(std::string_view text,
                                                          uint64_t unlimited_from);

/// The number after `key` on its own line of a flat keyed file ("usage_usec
/// 123\nuser_usec 100\n..." in cpu.stat, "oom_kill 2" in memory.events).
/// Outer nullopt: no such line; inner nullopt: the line's number is bad.
std::optional<std::optional<uint64_t>> parse_cgroup_keyed(std::string_view text,
                                                          std::string_view key);

/// The directory of `relative_path` in the hierarchy at `place`.
std::string cgroup_dir(const cgroup_place& place, const std::string& relative_path);

} // namespace conductor

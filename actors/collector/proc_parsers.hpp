// proc_parsers.hpp -- parsers for the text files the collector reads.
//
// Pure functions over the files' contents, so they are tested on fixed text
// and fuzzed without touching /proc. A malformed input yields nullopt, never a
// crash or a made-up value.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace conductor {

/// The aggregate "cpu" line of /proc/stat, in clock ticks since boot.
struct cpu_times {
  uint64_t user = 0;
  uint64_t nice = 0;
  uint64_t system = 0;
  uint64_t idle = 0;
  uint64_t iowait = 0;
  uint64_t irq = 0;
  uint64_t softirq = 0;
  uint64_t steal = 0;

  /// Ticks spent on anything.
  uint64_t total() const {
    return user + nice + system + idle + iowait + irq + softirq + steal;
  }

  /// Ticks spent idle or waiting for I/O (the CPU could have run work).
  uint64_t idle_all() const {
    return idle + iowait;
  }
};

/// Parses the first line of /proc/stat ("cpu  user nice system idle ...").
/// Kernels before 2.6.11 lack steal; missing trailing fields count as 0.
std::optional<cpu_times> parse_proc_stat(std::string_view text);

/// Busy share of the CPUs between two readings, in percent [0, 100].
/// nullopt when no time passed or the counters went backwards (a reset).
std::optional<double> cpu_busy_percent(const cpu_times& before, const cpu_times& after);

/// The two /proc/meminfo lines the memory percentage needs, in KiB.
struct meminfo {
  uint64_t total_kib = 0;
  uint64_t available_kib = 0;
};

/// Parses MemTotal and MemAvailable from /proc/meminfo; nullopt when either is
/// missing (MemAvailable exists since Linux 3.14) or MemTotal is 0.
std::optional<meminfo> parse_meminfo(std::string_view text);

/// Memory in use, as the kernel estimates it: (total - available) / total.
double memory_used_percent(const meminfo& m);

/// Used share of a filesystem the way df computes it: blocks used over the
/// blocks an unprivileged user could have (root's reserve excluded).
std::optional<double> filesystem_used_percent(uint64_t blocks, uint64_t blocks_free,
                                              uint64_t blocks_available);

} // namespace conductor

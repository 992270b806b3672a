// proc_parsers.hpp -- parsers for the text files the collector reads.
//
// Pure functions over the files' contents, so they are tested on fixed text
// and fuzzed without touching /proc. A malformed input yields nullopt, never a
// crash or a made-up value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

/// The /proc/meminfo lines the collector needs, in KiB.
struct meminfo {
  uint64_t total_kib = 0;
  uint64_t available_kib = 0;
  /// 0 on a host without swap (SwapTotal 0 or absent).
  uint64_t swap_total_kib = 0;
  uint64_t swap_free_kib = 0;
};

/// Parses MemTotal, MemAvailable, SwapTotal and SwapFree from /proc/meminfo,
/// stopping once it has all four; nullopt when MemTotal or MemAvailable is
/// missing (MemAvailable exists since Linux 3.14) or MemTotal is 0. Missing
/// swap lines leave swap at 0.
std::optional<meminfo> parse_meminfo(std::string_view text);

/// Swap in use over swap total, percent; nullopt without swap.
std::optional<double> swap_used_percent(const meminfo& m);

/// Memory in use, as the kernel estimates it: (total - available) / total.
double memory_used_percent(const meminfo& m);

/// Used share of a filesystem the way df computes it: blocks used over the
/// blocks an unprivileged user could have (root's reserve excluded).
std::optional<double> filesystem_used_percent(uint64_t blocks, uint64_t blocks_free,
                                              uint64_t blocks_available);

/// One "cpu" or "cpuN" line of /proc/stat.
struct cpu_line {
  /// -1 for the aggregate "cpu" line, else N of "cpuN".
  int core = -1;
  cpu_times times;
};

/// Parses every cpu line of /proc/stat into `out` (cleared first, its capacity
/// reused, so steady-state calls allocate nothing). False when the aggregate
/// line is missing or malformed; a malformed per-core line is skipped.
bool parse_proc_stat_all(std::string_view text, std::vector<cpu_line>& out);

/// Share of each mode between two readings of one line, ratios in [0, 1]
/// that sum to 1; nullopt when no time passed or a counter went backwards.
struct cpu_mode_ratios {
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
         steal = 0;
};
std::optional<cpu_mode_ratios> cpu_ratios(const cpu_times& before, const cpu_times& after);

/// One whole-disk line of /proc/diskstats.
struct disk_counters {
  std::string device;
  uint64_t sectors_read = 0;
  uint64_t sectors_written = 0;
  /// Milliseconds spent doing I/O (field 10 of the stats, "io_ticks").
  uint64_t io_ms = 0;
};

/// True for devices the collector reports: whole disks, not partitions, and
/// not loop, ram, zram or fd devices (node_exporter's default exclusions,
/// plus zram). "sda", "vda", "nvme0n1", "dm-0", "md0", "mmcblk0" are kept;
/// "sda1", "nvme0n1p1", "mmcblk0p1", "loop0", "ram0" are not.
bool is_reported_disk(std::string_view device);

/// Parses /proc/diskstats into `out` (cleared first, capacity reused), only the
/// devices is_reported_disk() keeps. False when nothing parsable was found and
/// the text is not empty; a malformed line is skipped.
bool parse_diskstats(std::string_view text, std::vector<disk_counters>& out);

/// Bytes per second read and written and the busy ratio [0, 1] of one device
/// between two readings `seconds` apart; nullopt when seconds <= 0 or a
/// counter went backwards. Sectors are 512 bytes whatever the device's
/// sector size (the kernel's unit for these fields).
struct disk_rates {
  double read_bytes_per_second = 0;
  double written_bytes_per_second = 0;
  double busy_ratio = 0;
};
std::optional<disk_rates> disk_rates_between(const disk_counters& before,
                                             const disk_counters& after, double seconds);

/// /proc/loadavg's first three fields.
struct load_average {
  double load1 = 0, load5 = 0, load15 = 0;
};
std::optional<load_average> parse_loadavg(std::string_view text);

/// One line of a pressure file: avg10/avg60/avg300 in percent, total in us.
struct psi_line {
  double avg10 = 0, avg60 = 0, avg300 = 0;
  uint64_t total_us = 0;
};

/// A pressure file (/proc/pressure/{cpu,memory,io}, or a cgroup's
/// memory.pressure): "some" and, where the kernel reports it, "full". Linux
/// 5.13+ writes a "full" line for cpu too (all zeros at the system level).
struct psi_reading {
  std::optional<psi_line> some;
  std::optional<psi_line> full;
};

/// nullopt when neither line parses.
std::optional<psi_reading> parse_psi(std::string_view text);

/// conductor's own use, from /proc/self/stat.
struct process_usage {
  /// utime + stime, in clock ticks (sysconf(_SC_CLK_TCK)).
  uint64_t cpu_ticks = 0;
  /// Resident set size, in pages (sysconf(_SC_PAGESIZE)).
  uint64_t rss_pages = 0;
};

/// Parses /proc/<pid>/stat. The command name (field 2) may hold spaces and
/// parentheses: fields are counted from the last ')'.
std::optional<process_usage> parse_process_stat(std::string_view text);

} // namespace conductor

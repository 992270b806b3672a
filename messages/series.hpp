// series.hpp -- the Prometheus series the collector puts in a sample's
// `series` map, shared by the collector (writes them) and the metrics actor
// (exports them).
//
// A series is keyed by its exposition text, `family{label="value",...}`, so
// the collector names a value once and the metrics actor needs no table per
// metric: it parses a key the first time it sees it and caches the result.
// Every family is listed in series_catalog(); a key whose family is not there
// is a bug, reported once and otherwise ignored.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conductor {

/// A family of sample series: its name, its help text and its type. Counters
/// (`_total`) carry the kernel's cumulative value; the metrics actor turns
/// it into increments.
struct series_family {
  const char* name;
  const char* help;
  bool counter;
};

/// Every family a sample may carry.
const std::vector<series_family>& series_catalog();

/// The label pairs of a series, in the order written.
using series_labels = std::vector<std::pair<std::string, std::string>>;

/// `family{a="x",b="y"}`, or `family` without labels. Label values must not
/// contain `"`, `\` or newlines (device names, mount points and plugin names
/// here do not; a mount point that does is skipped by the collector).
std::string series_key(std::string_view family,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> labels
                       = {});

/// The same with labels chosen at run time (some present, some not).
using label_views = std::vector<std::pair<std::string_view, std::string_view>>;
std::string series_key(std::string_view family, const label_views& labels);

/// The inverse of series_key: family name and labels; nullopt when malformed.
std::optional<std::pair<std::string, series_labels>> parse_series_key(std::string_view key);

/// True when series_key can carry `value` as a label value.
bool is_label_safe(std::string_view value);

namespace series {

// Host: CPU, from /proc/stat deltas.
constexpr const char* host_cpu_usage = "conductor_host_cpu_usage_ratio";
constexpr const char* host_cpu_mode = "conductor_host_cpu_ratio";
// Host: memory, from /proc/meminfo.
constexpr const char* host_memory_total = "conductor_host_memory_total_bytes";
constexpr const char* host_memory_available = "conductor_host_memory_available_bytes";
constexpr const char* host_memory_usage = "conductor_host_memory_usage_ratio";
constexpr const char* host_swap_total = "conductor_host_swap_total_bytes";
constexpr const char* host_swap_usage = "conductor_host_swap_usage_ratio";
// Host: filesystems, from statvfs.
constexpr const char* host_fs_size = "conductor_host_filesystem_size_bytes";
constexpr const char* host_fs_free = "conductor_host_filesystem_free_bytes";
constexpr const char* host_fs_avail = "conductor_host_filesystem_avail_bytes";
constexpr const char* host_fs_usage = "conductor_host_filesystem_usage_ratio";
constexpr const char* host_fs_inodes_usage = "conductor_host_filesystem_inodes_usage_ratio";
// Host: block devices, from /proc/diskstats.
constexpr const char* host_disk_read_rate = "conductor_host_disk_read_bytes_per_second";
constexpr const char* host_disk_write_rate = "conductor_host_disk_written_bytes_per_second";
constexpr const char* host_disk_busy = "conductor_host_disk_busy_ratio";
constexpr const char* host_disk_read_total = "conductor_host_disk_read_bytes_total";
constexpr const char* host_disk_write_total = "conductor_host_disk_written_bytes_total";
constexpr const char* host_disk_io_time_total = "conductor_host_disk_io_time_seconds_total";
// Host: load and pressure stall information.
constexpr const char* host_load1 = "conductor_host_load1";
constexpr const char* host_load5 = "conductor_host_load5";
constexpr const char* host_load15 = "conductor_host_load15";
constexpr const char* host_pressure = "conductor_host_pressure_ratio";
constexpr const char* host_pressure_stalled = "conductor_host_pressure_stalled_seconds_total";
// conductor itself, under the names every Prometheus client library uses.
constexpr const char* process_cpu = "process_cpu_seconds_total";
constexpr const char* process_rss = "process_resident_memory_bytes";
// Plugins, from their cgroups.
constexpr const char* plugin_cpu_usage = "conductor_plugin_cpu_usage_cores";
constexpr const char* plugin_cpu_total = "conductor_plugin_cpu_seconds_total";
constexpr const char* plugin_memory = "conductor_plugin_memory_bytes";
constexpr const char* plugin_memory_limit = "conductor_plugin_memory_limit_bytes";
constexpr const char* plugin_memory_usage = "conductor_plugin_memory_usage_ratio";
constexpr const char* plugin_pids = "conductor_plugin_pids";
constexpr const char* plugin_pids_limit = "conductor_plugin_pids_limit";
constexpr const char* plugin_oom_kills = "conductor_plugin_oom_kills_total";
constexpr const char* plugin_signal = "conductor_plugin_signal";
constexpr const char* plugin_pressure = "conductor_plugin_pressure_ratio";
constexpr const char* plugin_pressure_stalled = "conductor_plugin_pressure_stalled_seconds_total";

} // namespace series

} // namespace conductor

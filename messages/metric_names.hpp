// metric_names.hpp -- the names of the values in a resource_sample: the
// collector writes them, the predictor, scaler and metrics actor read them.
#pragma once

namespace conductor::metric_name {

/// Busy share of all CPUs over the last interval, percent.
constexpr const char* cpu_percent = "cpu_percent";
/// (MemTotal - MemAvailable) / MemTotal, percent.
constexpr const char* memory_percent = "memory_percent";
/// Followed by the mount point: "filesystem_percent:/", percent as df shows it.
constexpr const char* filesystem_prefix = "filesystem_percent:";
/// SwapUsed / SwapTotal, percent; absent on a host without swap.
constexpr const char* swap_percent = "swap_percent";
/// Load average over one minute.
constexpr const char* load1 = "load1";
/// Pressure stall information, "some" over 10 s, percent; absent without PSI.
constexpr const char* cpu_pressure_percent = "cpu_pressure_percent";
constexpr const char* memory_pressure_percent = "memory_pressure_percent";
constexpr const char* io_pressure_percent = "io_pressure_percent";

// A plugin's sample (source = the plugin's name), from its cgroup.

/// CPU cores used over the last interval (1.5 = one and a half cores).
constexpr const char* cpu_cores = "cpu_cores";
/// Memory in use, bytes.
constexpr const char* memory_bytes = "memory_bytes";
/// Tasks in the cgroup.
constexpr const char* pids = "pids";
/// Tasks over the limit, percent; absent when unlimited.
constexpr const char* pids_percent = "pids_percent";
/// Tasks the kernel OOM-killed in the cgroup, cumulative (memory.events or,
/// on v1, memory.oom_control); absent when unknown, never 0 for unknown.
constexpr const char* oom_kills = "oom_kills";
/// Followed by a value's name: "signal:queue_depth", a value the plugin serves
/// itself at its metrics URL (plugins[].metrics); absent when not fresh.
constexpr const char* signal_prefix = "signal:";
// memory_percent (of the cgroup's limit; absent when unlimited) and
// memory_pressure_percent keep their host names.

} // namespace conductor::metric_name

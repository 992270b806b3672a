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

} // namespace conductor::metric_name

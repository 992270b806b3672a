// host_probe.hpp -- reads the host's CPU, memory and filesystem use.
//
// No CAF here: the collector actor owns a sample_probe and calls read() once
// per tick, so tests can hand the actor a scripted probe and this class is
// tested against real /proc and a fake proc root alike.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/collector/proc_parsers.hpp"
#include "messages/metric_names.hpp"

namespace conductor {

/// What one read produced: the values it could read and what it could not.
struct probe_reading {
  std::map<std::string, double> values;
  /// One entry per failed source ("proc_stat", "meminfo", "statvfs:/"), for
  /// conductor_collector_errors_total{source}.
  std::vector<std::string> failed;
};

/// Something that produces readings; the collector does not care what.
class sample_probe {
public:
  virtual ~sample_probe() = default;
  /// Reads every metric once. Never throws; failures are listed in the result.
  virtual probe_reading read() = 0;
};

/// The real host: `proc_root` is "/proc" outside tests.
class host_probe final : public sample_probe {
public:
  host_probe(std::string proc_root, std::vector<std::string> filesystems);

  probe_reading read() override;

private:
  std::string proc_root_;
  std::vector<std::string> filesystems_;
  /// The previous /proc/stat reading: CPU use is a delta between two.
  std::optional<cpu_times> last_cpu_;
};

/// Reads a whole small file (a /proc or cgroup file); nullopt if it cannot.
std::optional<std::string> read_small_file(const std::string& path);

} // namespace conductor

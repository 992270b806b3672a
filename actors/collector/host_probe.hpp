// host_probe.hpp -- reads the host: CPU, memory, filesystems, block devices,
// load, pressure stall information, and conductor's own use.
//
// No CAF here: the collector actor owns a sample_probe and calls read() once
// per tick, so tests can hand the actor a scripted probe and this class is
// tested against real /proc and a fake proc root alike. Files are kept open
// (proc_file) and the previous counters kept, since CPU and disk figures are
// deltas between two reads.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/proc_file.hpp"
#include "actors/collector/proc_parsers.hpp"
#include "messages/metric_names.hpp"

namespace conductor {

struct collector_settings;

/// What one read of one source produced: the values it could read and what
/// it could not.
struct probe_reading {
  /// "host" or a plugin's name.
  std::string source = "host";
  /// Headline metrics (messages/metric_names.hpp).
  std::map<std::string, double> values;
  /// Prometheus series (messages/series.hpp).
  std::map<std::string, double> series;
  /// One entry per failed source ("proc_stat", "meminfo", "statvfs:/", ...),
  /// for conductor_collector_errors_total{source}.
  std::vector<std::string> failed;
};

/// Something that produces a tick's readings; the collector does not care what.
class sample_probe {
public:
  virtual ~sample_probe() = default;
  /// Reads every source once at monotonic time `now` (rates need the time
  /// between reads). Never throws; failures are listed in the readings.
  virtual std::vector<probe_reading> read(std::chrono::nanoseconds now) = 0;
  /// Settings that keep the probe (the interval, the plugins' signals) reach
  /// it here, so a changed metrics URL does not cost the plugins' CPU deltas
  /// and open files. Never throws. Probes that need none of them ignore it.
  virtual void update(const collector_settings&) {
  }
};

/// Puts one line of a pressure file as series: its avg10/60/300 as shares
/// under `ratio_family` and its stall total in seconds under `total_family`,
/// labelled plugin (when not empty), resource and kind (and window).
void put_pressure(probe_reading& out, const char* ratio_family, const char* total_family,
                  std::string_view plugin, std::string_view resource, std::string_view kind,
                  const psi_line& line);

/// The real host: `proc_root` is "/proc" outside tests.
class host_probe {
public:
  host_probe(std::string proc_root, std::vector<std::string> filesystems);

  /// One reading of the host at monotonic time `now`.
  probe_reading read(std::chrono::nanoseconds now);

private:
  void read_cpu(probe_reading& out);
  /// The series keys of one CPU's modes ("all" for core -1), made once.
  const std::array<std::string, 8>& cpu_keys(int core);
  void read_memory(probe_reading& out);
  void read_filesystems(probe_reading& out);
  void read_disks(probe_reading& out, std::chrono::nanoseconds now);
  void read_load(probe_reading& out);
  void read_pressure(probe_reading& out);
  void read_self(probe_reading& out);

  std::vector<std::string> filesystems_;
  proc_file stat_;
  proc_file meminfo_;
  proc_file diskstats_;
  proc_file loadavg_;
  proc_file self_stat_;
  /// /proc/pressure/{cpu,memory,io}; absent files (no PSI) are not errors.
  std::vector<std::pair<std::string, proc_file>> pressure_;
  /// The previous and current /proc/stat lines: CPU use is a delta.
  std::vector<cpu_line> last_cpu_;
  std::vector<cpu_line> cpu_;
  std::vector<std::array<std::string, 8>> cpu_keys_;
  /// The previous and current /proc/diskstats and when they were read.
  std::vector<disk_counters> last_disks_;
  std::vector<disk_counters> disks_;
  std::optional<std::chrono::nanoseconds> last_disks_at_;
  double clock_ticks_per_second_;
  double page_size_;
};

} // namespace conductor

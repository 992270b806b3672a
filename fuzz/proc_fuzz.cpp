// proc_fuzz.cpp -- the parsers of kernel text: /proc/stat, /proc/meminfo,
// /proc/diskstats, /proc/loadavg, /proc/pressure/* and a cgroup's
// memory.pressure, /proc/<pid>/stat (actors/collector/proc_parsers.hpp); a
// cgroup's counter, limit and keyed files (cgroup_reader.hpp);
// /proc/self/mountinfo and cgroup.controllers (actors/cgroup_layout.hpp); and
// a plugin's own metrics body, Prometheus text or JSON (plugin_signals.hpp).
//
// Input: the text of one file. Every parser reads the whole input, so a seed
// of one kind (a real /proc/stat) also tries the others. Invariants, the
// headers' contracts:
// - no crash, hang, sanitizer report or exception;
// - derived figures are what they claim: percentages in [0, 100], ratios in
//   [0, 1] (the CPU mode ratios summing to 1), rates finite and >= 0, loads
//   and pressure averages finite and >= 0;
// - parse_diskstats keeps only devices is_reported_disk() keeps;
// - plugin signals are only the wanted names.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/cgroup_layout.hpp"
#include "actors/collector/cgroup_reader.hpp"
#include "actors/collector/plugin_signals.hpp"
#include "actors/collector/proc_parsers.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

using namespace conductor;

bool percent(double x) {
  return std::isfinite(x) && x >= 0 && x <= 100;
}

bool ratio(double x) {
  return std::isfinite(x) && x >= 0 && x <= 1;
}

void check_ratios(const cpu_times& before, const cpu_times& after) {
  if (auto busy = cpu_busy_percent(before, after))
    FUZZ_CHECK(percent(*busy), "cpu_busy_percent in [0, 100]");
  if (auto r = cpu_ratios(before, after)) {
    double sum = 0;
    for (double x : {r->user, r->nice, r->system, r->idle, r->iowait, r->irq, r->softirq,
                     r->steal}) {
      FUZZ_CHECK(ratio(x), "a cpu mode ratio in [0, 1]");
      sum += x;
    }
    FUZZ_CHECK(std::fabs(sum - 1) < 1e-9, "the cpu mode ratios sum to 1");
  }
}

void check_psi(const psi_line& p) {
  for (double x : {p.avg10, p.avg60, p.avg300})
    FUZZ_CHECK(std::isfinite(x) && x >= 0, "a pressure average is finite and >= 0");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};

  // /proc/stat: the aggregate line, then every cpu line; ratios between any
  // two readings (the aggregate, the cores) stay ratios.
  auto stat = parse_proc_stat(text);
  std::vector<cpu_line> cpus;
  bool all = parse_proc_stat_all(text, cpus);
  FUZZ_CHECK(all == stat.has_value(), "parse_proc_stat_all needs the aggregate line");
  if (all) {
    FUZZ_CHECK(!cpus.empty() && cpus.front().core == -1, "the aggregate line comes first");
    cpu_times zero;
    for (size_t i = 0; i < cpus.size() && i < 8; ++i) {
      check_ratios(zero, cpus[i].times);
      check_ratios(cpus[i].times, cpus[0].times);
      check_ratios(cpus[0].times, cpus[i].times);
      FUZZ_CHECK(i == 0 || cpus[i].core >= 0, "a core line has its number");
    }
  }

  // /proc/meminfo.
  if (auto m = parse_meminfo(text)) {
    FUZZ_CHECK(m->total_kib > 0, "MemTotal 0 is no reading");
    FUZZ_CHECK(percent(memory_used_percent(*m)), "memory_used_percent in [0, 100]");
    if (auto s = swap_used_percent(*m))
      FUZZ_CHECK(percent(*s), "swap_used_percent in [0, 100]");
  }

  // /proc/diskstats: only reported disks; rates between any two of them.
  std::vector<disk_counters> disks;
  parse_diskstats(text, disks);
  for (size_t i = 0; i < disks.size(); ++i) {
    FUZZ_CHECK(is_reported_disk(disks[i].device), "only reported disks are kept");
    if (i >= 8)
      continue;
    for (double seconds : {0.001, 1.0, 5.0})
      if (auto r = disk_rates_between(disks[0], disks[i], seconds)) {
        FUZZ_CHECK(std::isfinite(r->read_bytes_per_second) && r->read_bytes_per_second >= 0,
                   "read rate finite and >= 0");
        FUZZ_CHECK(std::isfinite(r->written_bytes_per_second)
                     && r->written_bytes_per_second >= 0,
                   "write rate finite and >= 0");
        FUZZ_CHECK(ratio(r->busy_ratio), "busy ratio in [0, 1]");
      }
  }

  // /proc/loadavg.
  if (auto l = parse_loadavg(text))
    for (double x : {l->load1, l->load5, l->load15})
      FUZZ_CHECK(std::isfinite(x) && x >= 0, "a load average is finite and >= 0");

  // /proc/pressure/* and memory.pressure.
  if (auto p = parse_psi(text)) {
    FUZZ_CHECK(p->some || p->full, "a reading has a line");
    if (p->some)
      check_psi(*p->some);
    if (p->full)
      check_psi(*p->full);
  }

  // /proc/<pid>/stat.
  parse_process_stat(text);

  // A cgroup's files.
  parse_cgroup_counter(text);
  for (uint64_t unlimited_from : {uint64_t{1} << 62, UINT64_MAX})
    if (auto l = parse_cgroup_limit(text, unlimited_from); l && *l)
      FUZZ_CHECK(**l < unlimited_from, "a limit below the unlimited mark");
  parse_cgroup_keyed(text, "usage_usec");
  parse_cgroup_keyed(text, "oom_kill");

  // /proc/self/mountinfo, with the input as every cgroup.controllers too.
  for (const auto& m : parse_cgroup_mounts(text)) {
    FUZZ_CHECK(!m.mount_point.empty(), "a mount has its mount point");
    FUZZ_CHECK(m.version == cgroup_version::v1 || m.controllers.empty(),
               "v2 controllers come from cgroup.controllers");
  }
  auto layout = make_cgroup_layout(text, "/fuzz", [&](const std::string&) {
    return std::optional<std::string>{std::string{text}};
  });
  layout.describe();
  std::string error;
  relative_cgroup_root(layout, "auto", error);
  relative_cgroup_root(layout, "/fuzz/sys/fs/cgroup/conductor", error);
  relative_cgroup_root(layout, std::string{text.substr(0, text.find('\n'))}, error);

  // A plugin's metrics body.
  const std::vector<std::string> wanted{"queue_depth", "active_jobs", "a", ""};
  for (const auto& [name, value] : parse_plugin_signals(text, wanted)) {
    (void)value;
    FUZZ_CHECK(name == "queue_depth" || name == "active_jobs" || name == "a" || name.empty(),
               "only wanted names");
  }
  return 0;
}

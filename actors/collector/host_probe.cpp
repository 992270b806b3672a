#include "actors/collector/host_probe.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include "messages/series.hpp"

namespace conductor {

namespace {

constexpr const char* cpu_mode_names[] = {"user", "nice",    "system", "idle",
                                          "iowait", "irq", "softirq", "steal"};

void put_cpu_modes(probe_reading& out, const std::array<std::string, 8>& keys,
                   const cpu_mode_ratios& r) {
  const double values[] = {r.user, r.nice, r.system, r.idle, r.iowait, r.irq, r.softirq, r.steal};
  for (size_t i = 0; i < 8; ++i)
    out.series[keys[i]] = values[i];
}

const cpu_line* find_core(const std::vector<cpu_line>& lines, int core) {
  for (const auto& l : lines)
    if (l.core == core)
      return &l;
  return nullptr;
}

const disk_counters* find_disk(const std::vector<disk_counters>& disks, const std::string& dev) {
  for (const auto& d : disks)
    if (d.device == dev)
      return &d;
  return nullptr;
}

} // namespace

void put_pressure(probe_reading& out, const char* ratio_family, const char* total_family,
                  std::string_view plugin, std::string_view resource, std::string_view kind,
                  const psi_line& line) {
  label_views labels;
  if (!plugin.empty())
    labels.emplace_back("plugin", plugin);
  labels.emplace_back("resource", resource);
  labels.emplace_back("kind", kind);
  out.series[series_key(total_family, labels)] = static_cast<double>(line.total_us) / 1e6;
  labels.emplace_back("window", "");
  const std::pair<const char*, double> windows[] = {
    {"10s", line.avg10}, {"60s", line.avg60}, {"300s", line.avg300}};
  for (const auto& [window, avg] : windows) {
    labels.back().second = window;
    out.series[series_key(ratio_family, labels)] = avg / 100.0;
  }
}

host_probe::host_probe(std::string proc_root, std::vector<std::string> filesystems)
  : filesystems_(std::move(filesystems)),
    stat_(proc_root + "/stat"),
    meminfo_(proc_root + "/meminfo"),
    diskstats_(proc_root + "/diskstats"),
    loadavg_(proc_root + "/loadavg"),
    self_stat_(proc_root + "/self/stat"),
    clock_ticks_per_second_(static_cast<double>(::sysconf(_SC_CLK_TCK))),
    page_size_(static_cast<double>(::sysconf(_SC_PAGESIZE))) {
  // PSI exists since Linux 4.20 and only when enabled (psi=1); a kernel
  // without it is not an error, so only files present now are read.
  for (const char* resource : {"cpu", "memory", "io"}) {
    auto path = proc_root + "/pressure/" + resource;
    if (::access(path.c_str(), R_OK) == 0)
      pressure_.emplace_back(resource, proc_file{path});
  }
  // Prime the counters so the first tick already has deltas to report.
  if (auto text = stat_.read())
    parse_proc_stat_all(*text, last_cpu_);
}

probe_reading host_probe::read(std::chrono::nanoseconds now) {
  probe_reading out;
  read_cpu(out);
  read_memory(out);
  read_filesystems(out);
  read_disks(out, now);
  read_load(out);
  read_pressure(out);
  read_self(out);
  return out;
}

void host_probe::read_cpu(probe_reading& out) {
  auto text = stat_.read();
  if (!text || !parse_proc_stat_all(*text, cpu_)) {
    out.failed.emplace_back("proc_stat");
    return;
  }
  for (const auto& now : cpu_) {
    const auto* before = find_core(last_cpu_, now.core);
    if (!before)
      continue;
    auto ratios = cpu_ratios(before->times, now.times);
    if (!ratios)
      continue;
    if (now.core < 0) {
      auto busy = 1.0 - ratios->idle - ratios->iowait;
      out.values[metric_name::cpu_percent] = busy * 100.0;
      out.series[series::host_cpu_usage] = busy;
    }
    put_cpu_modes(out, cpu_keys(now.core), *ratios);
  }
  std::swap(last_cpu_, cpu_);
}

const std::array<std::string, 8>& host_probe::cpu_keys(int core) {
  // Index 0 is the aggregate (core -1). Built once per core: formatting 8
  // keys per core every tick was a third of a sample's user-space work.
  auto index = static_cast<size_t>(core + 1);
  if (index >= cpu_keys_.size())
    cpu_keys_.resize(index + 1);
  auto& keys = cpu_keys_[index];
  if (keys[0].empty()) {
    auto cpu = core < 0 ? std::string{"all"} : std::to_string(core);
    for (size_t i = 0; i < 8; ++i)
      keys[i] = series_key(series::host_cpu_mode, {{"cpu", cpu}, {"mode", cpu_mode_names[i]}});
  }
  return keys;
}

void host_probe::read_memory(probe_reading& out) {
  auto text = meminfo_.read();
  auto mem = text ? parse_meminfo(*text) : std::nullopt;
  if (!mem) {
    out.failed.emplace_back("meminfo");
    return;
  }
  auto used = memory_used_percent(*mem);
  out.values[metric_name::memory_percent] = used;
  out.series[series::host_memory_total] = static_cast<double>(mem->total_kib) * 1024;
  out.series[series::host_memory_available] = static_cast<double>(mem->available_kib) * 1024;
  out.series[series::host_memory_usage] = used / 100.0;
  out.series[series::host_swap_total] = static_cast<double>(mem->swap_total_kib) * 1024;
  if (auto swap = swap_used_percent(*mem)) {
    out.values[metric_name::swap_percent] = *swap;
    out.series[series::host_swap_usage] = *swap / 100.0;
  }
}

void host_probe::read_filesystems(probe_reading& out) {
  for (const auto& mount : filesystems_) {
    struct statvfs fs {};
    std::optional<double> used;
    if (::statvfs(mount.c_str(), &fs) == 0)
      used = filesystem_used_percent(fs.f_blocks, fs.f_bfree, fs.f_bavail);
    if (!used || !is_label_safe(mount)) {
      out.failed.push_back("statvfs:" + mount);
      continue;
    }
    out.values[metric_name::filesystem_prefix + mount] = *used;
    auto frsize = static_cast<double>(fs.f_frsize);
    out.series[series_key(series::host_fs_size, {{"mountpoint", mount}})]
      = static_cast<double>(fs.f_blocks) * frsize;
    out.series[series_key(series::host_fs_free, {{"mountpoint", mount}})]
      = static_cast<double>(fs.f_bfree) * frsize;
    out.series[series_key(series::host_fs_avail, {{"mountpoint", mount}})]
      = static_cast<double>(fs.f_bavail) * frsize;
    out.series[series_key(series::host_fs_usage, {{"mountpoint", mount}})] = *used / 100.0;
    // Some filesystems (btrfs, vfat) report no inodes: nothing to say then.
    if (fs.f_files > 0 && fs.f_ffree <= fs.f_files)
      out.series[series_key(series::host_fs_inodes_usage, {{"mountpoint", mount}})]
        = static_cast<double>(fs.f_files - fs.f_ffree) / static_cast<double>(fs.f_files);
  }
}

void host_probe::read_disks(probe_reading& out, std::chrono::nanoseconds now) {
  auto text = diskstats_.read();
  if (!text || !parse_diskstats(*text, disks_)) {
    out.failed.emplace_back("diskstats");
    return;
  }
  double seconds = last_disks_at_ ? std::chrono::duration<double>(now - *last_disks_at_).count()
                                  : 0.0;
  for (const auto& d : disks_) {
    if (!is_label_safe(d.device))
      continue;
    out.series[series_key(series::host_disk_read_total, {{"device", d.device}})]
      = static_cast<double>(d.sectors_read) * 512;
    out.series[series_key(series::host_disk_write_total, {{"device", d.device}})]
      = static_cast<double>(d.sectors_written) * 512;
    out.series[series_key(series::host_disk_io_time_total, {{"device", d.device}})]
      = static_cast<double>(d.io_ms) / 1000;
    const auto* before = find_disk(last_disks_, d.device);
    auto rates = before ? disk_rates_between(*before, d, seconds) : std::nullopt;
    if (!rates)
      continue;
    out.series[series_key(series::host_disk_read_rate, {{"device", d.device}})]
      = rates->read_bytes_per_second;
    out.series[series_key(series::host_disk_write_rate, {{"device", d.device}})]
      = rates->written_bytes_per_second;
    out.series[series_key(series::host_disk_busy, {{"device", d.device}})] = rates->busy_ratio;
  }
  std::swap(last_disks_, disks_);
  last_disks_at_ = now;
}

void host_probe::read_load(probe_reading& out) {
  auto text = loadavg_.read();
  auto load = text ? parse_loadavg(*text) : std::nullopt;
  if (!load) {
    out.failed.emplace_back("loadavg");
    return;
  }
  out.values[metric_name::load1] = load->load1;
  out.series[series::host_load1] = load->load1;
  out.series[series::host_load5] = load->load5;
  out.series[series::host_load15] = load->load15;
}

void host_probe::read_pressure(probe_reading& out) {
  for (auto& [resource, file] : pressure_) {
    auto text = file.read();
    auto psi = text ? parse_psi(*text) : std::nullopt;
    if (!psi) {
      out.failed.push_back("pressure:" + resource);
      continue;
    }
    if (psi->some) {
      put_pressure(out, series::host_pressure, series::host_pressure_stalled, "", resource,
                   "some", *psi->some);
      const char* headline = resource == "cpu"      ? metric_name::cpu_pressure_percent
                             : resource == "memory" ? metric_name::memory_pressure_percent
                                                    : metric_name::io_pressure_percent;
      out.values[headline] = psi->some->avg10;
    }
    if (psi->full)
      put_pressure(out, series::host_pressure, series::host_pressure_stalled, "", resource,
                   "full", *psi->full);
  }
}

void host_probe::read_self(probe_reading& out) {
  auto text = self_stat_.read();
  auto self = text ? parse_process_stat(*text) : std::nullopt;
  if (!self) {
    out.failed.emplace_back("self_stat");
    return;
  }
  out.series[series::process_cpu] = static_cast<double>(self->cpu_ticks) / clock_ticks_per_second_;
  out.series[series::process_rss] = static_cast<double>(self->rss_pages) * page_size_;
}

} // namespace conductor

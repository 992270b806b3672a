// host_probe (actors/collector/host_probe.hpp) against a fake proc root in a
// temporary directory -- a kernel with PSI and one without -- and once
// against the real /proc.
#define CAF_SUITE host_probe

#include <caf/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "actors/collector/host_probe.hpp"
#include "messages/metric_names.hpp"
#include "messages/series.hpp"
#include "tests/require.hpp"
#include "tests/temp_dir.hpp"

using namespace conductor;
using namespace std::chrono_literals;

namespace {

using test::temp_dir;

// Two cores. Between the two texts the aggregate moves +100 user, +50
// system, +40 idle, +10 iowait: 150 of 200 ticks busy. cpu0 +60/+30/+10 idle;
// cpu1 +40/+20/+30 idle/+10 iowait.
constexpr const char* stat_before = "cpu  100 0 50 800 50 0 0 0 0 0\n"
                                    "cpu0 60 0 30 400 10 0 0 0 0 0\n"
                                    "cpu1 40 0 20 400 40 0 0 0 0 0\n"
                                    "intr 12345 0 0\n";
constexpr const char* stat_after = "cpu  200 0 100 840 60 0 0 0 0 0\n"
                                   "cpu0 120 0 60 410 10 0 0 0 0 0\n"
                                   "cpu1 80 0 40 430 50 0 0 0 0 0\n"
                                   "intr 12399 0 0\n";
constexpr const char* meminfo_text = "MemTotal:           1000 kB\n"
                                     "MemFree:             100 kB\n"
                                     "MemAvailable:        250 kB\n"
                                     "Buffers:              10 kB\n"
                                     "SwapTotal:           400 kB\n"
                                     "SwapFree:            300 kB\n";
// sda moves +4000 sectors read, +8000 written, +500 ms busy between the two;
// its partition and the loop device are not reported.
constexpr const char* disks_before
  = "   8       0 sda 100 0 2000 50 200 0 4000 80 0 300 130 0 0 0 0 0 0\n"
    "   8       1 sda1 90 0 1900 40 190 0 3900 70 0 290 120 0 0 0 0 0 0\n"
    "   7       0 loop0 5 0 10 1 0 0 0 0 0 1 1 0 0 0 0 0 0\n";
constexpr const char* disks_after
  = "   8       0 sda 300 0 6000 90 600 0 12000 160 0 800 250 0 0 0 0 0 0\n"
    "   8       1 sda1 290 0 5900 80 590 0 11900 150 0 790 240 0 0 0 0 0 0\n"
    "   7       0 loop0 5 0 10 1 0 0 0 0 0 1 1 0 0 0 0 0 0\n";
constexpr const char* loadavg_text = "0.50 0.40 0.30 1/123 4567\n";
// A 5.x kernel: no "full" line for cpu.
constexpr const char* psi_cpu = "some avg10=1.50 avg60=1.00 avg300=0.50 total=123456\n";
constexpr const char* psi_memory = "some avg10=2.00 avg60=1.00 avg300=0.50 total=1000000\n"
                                   "full avg10=1.00 avg60=0.50 avg300=0.25 total=500000\n";
constexpr const char* psi_io = "some avg10=4.00 avg60=3.00 avg300=2.00 total=2000000\n"
                               "full avg10=3.00 avg60=2.00 avg300=1.00 total=1500000\n";
// utime 150 + stime 50 ticks, rss 2500 pages; the name holds a space and ')'.
constexpr const char* self_stat = "1234 (cond uctor)) S 1 1234 1234 0 -1 4194304 100 0 0 0 "
                                  "150 50 0 0 20 0 14 0 100 123456789 2500 "
                                  "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0\n";

/// A complete fake proc root; `with_psi` false is a kernel without PSI.
void write_proc(const temp_dir& dir, bool with_psi) {
  dir.write("stat", stat_before);
  dir.write("meminfo", meminfo_text);
  dir.write("diskstats", disks_before);
  dir.write("loadavg", loadavg_text);
  dir.write("self/stat", self_stat);
  if (with_psi) {
    dir.write("pressure/cpu", psi_cpu);
    dir.write("pressure/memory", psi_memory);
    dir.write("pressure/io", psi_io);
  }
}

bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

/// The value of `key`, or NaN when the map lacks it.
double at(const std::map<std::string, double>& m, const std::string& key) {
  auto i = m.find(key);
  return i == m.end() ? std::nan("") : i->second;
}

bool near(double x, double y) {
  return std::abs(x - y) < 1e-9;
}

std::string cpu_mode(const char* cpu, const char* mode) {
  return series_key(series::host_cpu_mode, {{"cpu", cpu}, {"mode", mode}});
}

const std::string cpu_key = metric_name::cpu_percent;
const std::string mem_key = metric_name::memory_percent;
const std::string root_fs_key = std::string{metric_name::filesystem_prefix} + "/";

} // namespace

CAF_TEST(a full fake proc root gives exact values) {
  temp_dir dir;
  write_proc(dir, true);
  host_probe probe{dir.path(), {"/"}};
  probe.read(1s);
  dir.write("stat", stat_after);
  dir.write("diskstats", disks_after);
  auto r = probe.read(3s);
  CAF_CHECK_EQUAL(r.source, "host");
  CAF_CHECK(r.failed.empty());
  // Headline values.
  CAF_CHECK(near(at(r.values, cpu_key), 75.0));
  CAF_CHECK(near(at(r.values, mem_key), 75.0));
  CAF_CHECK(near(at(r.values, metric_name::swap_percent), 25.0));
  CAF_CHECK(near(at(r.values, metric_name::load1), 0.5));
  CAF_CHECK(near(at(r.values, metric_name::cpu_pressure_percent), 1.5));
  CAF_CHECK(near(at(r.values, metric_name::memory_pressure_percent), 2.0));
  CAF_CHECK(near(at(r.values, metric_name::io_pressure_percent), 4.0));
  CAF_CHECK_EQUAL(r.values.count(root_fs_key), 1u);
  // CPU per mode, all CPUs and per core.
  CAF_CHECK(near(at(r.series, series::host_cpu_usage), 0.75));
  CAF_CHECK(near(at(r.series, cpu_mode("all", "user")), 0.5));
  CAF_CHECK(near(at(r.series, cpu_mode("all", "system")), 0.25));
  CAF_CHECK(near(at(r.series, cpu_mode("all", "idle")), 0.2));
  CAF_CHECK(near(at(r.series, cpu_mode("all", "iowait")), 0.05));
  CAF_CHECK(near(at(r.series, cpu_mode("all", "steal")), 0.0));
  CAF_CHECK(near(at(r.series, cpu_mode("0", "user")), 0.6));
  CAF_CHECK(near(at(r.series, cpu_mode("0", "idle")), 0.1));
  CAF_CHECK(near(at(r.series, cpu_mode("1", "idle")), 0.3));
  CAF_CHECK(near(at(r.series, cpu_mode("1", "iowait")), 0.1));
  // Memory and swap in bytes.
  CAF_CHECK(near(at(r.series, series::host_memory_total), 1000.0 * 1024));
  CAF_CHECK(near(at(r.series, series::host_memory_available), 250.0 * 1024));
  CAF_CHECK(near(at(r.series, series::host_memory_usage), 0.75));
  CAF_CHECK(near(at(r.series, series::host_swap_total), 400.0 * 1024));
  CAF_CHECK(near(at(r.series, series::host_swap_usage), 0.25));
  // Disks: only the whole disk; rates over the 2 s between the reads.
  auto sda = [](const char* family) { return series_key(family, {{"device", "sda"}}); };
  CAF_CHECK(near(at(r.series, sda(series::host_disk_read_rate)), 4000.0 * 512 / 2));
  CAF_CHECK(near(at(r.series, sda(series::host_disk_write_rate)), 8000.0 * 512 / 2));
  CAF_CHECK(near(at(r.series, sda(series::host_disk_busy)), 0.25));
  CAF_CHECK(near(at(r.series, sda(series::host_disk_read_total)), 6000.0 * 512));
  CAF_CHECK(near(at(r.series, sda(series::host_disk_io_time_total)), 0.8));
  for (const auto& [key, value] : r.series) {
    CAF_CHECK_EQUAL(key.find("sda1"), std::string::npos);
    CAF_CHECK_EQUAL(key.find("loop0"), std::string::npos);
  }
  // Load and pressure.
  CAF_CHECK(near(at(r.series, series::host_load15), 0.3));
  CAF_CHECK(near(at(r.series, series_key(series::host_pressure, {{"resource", "memory"},
                                                                 {"kind", "full"},
                                                                 {"window", "60s"}})),
                 0.005));
  CAF_CHECK(near(at(r.series, series_key(series::host_pressure_stalled,
                                         {{"resource", "io"}, {"kind", "some"}})),
                 2.0));
  // No "full" line for cpu on this kernel: no such series.
  CAF_CHECK_EQUAL(r.series.count(series_key(series::host_pressure_stalled,
                                            {{"resource", "cpu"}, {"kind", "full"}})),
                  0u);
  // conductor's own use.
  auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  auto page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  CAF_CHECK(near(at(r.series, series::process_cpu), 200 / ticks));
  CAF_CHECK(near(at(r.series, series::process_rss), 2500 * page));
  // Every key names a family of the catalog.
  for (const auto& [key, value] : r.series) {
    auto parsed = parse_series_key(key);
    REQUIRE_OR_RETURN(parsed.has_value());
    auto known = std::any_of(series_catalog().begin(), series_catalog().end(),
                             [&](const series_family& f) { return parsed->first == f.name; });
    CAF_CHECK(known);
  }
}

CAF_TEST(a kernel without psi is not an error) {
  temp_dir dir;
  write_proc(dir, false);
  host_probe probe{dir.path(), {"/"}};
  dir.write("stat", stat_after);
  auto r = probe.read(1s);
  CAF_CHECK(r.failed.empty());
  CAF_CHECK_EQUAL(r.values.count(metric_name::memory_pressure_percent), 0u);
  for (const auto& [key, value] : r.series)
    CAF_CHECK_EQUAL(key.find("pressure"), std::string::npos);
  CAF_CHECK(near(at(r.values, cpu_key), 75.0));
}

CAF_TEST(cpu is a delta between consecutive reads) {
  temp_dir dir;
  write_proc(dir, false);
  host_probe probe{dir.path(), {}};
  // Nothing moved since the constructor primed the counters: no CPU value,
  // and that is not a failure either.
  auto first = probe.read(1s);
  CAF_CHECK_EQUAL(first.values.count(cpu_key), 0u);
  CAF_CHECK(first.failed.empty());
  dir.write("stat", stat_after);
  auto second = probe.read(2s);
  CAF_CHECK(near(at(second.values, cpu_key), 75.0));
  // The next delta starts from stat_after: +100 idle only, 0% busy.
  dir.write("stat", "cpu  200 0 100 940 60 0 0 0\n");
  auto third = probe.read(3s);
  CAF_CHECK_EQUAL(at(third.values, cpu_key), 0.0);
}

CAF_TEST(no disk rates before a second read and none for a vanished device) {
  temp_dir dir;
  write_proc(dir, false);
  host_probe probe{dir.path(), {}};
  auto first = probe.read(1s);
  auto rate = series_key(series::host_disk_read_rate, {{"device", "sda"}});
  CAF_CHECK_EQUAL(first.series.count(rate), 0u);
  CAF_CHECK_EQUAL(first.series.count(series_key(series::host_disk_read_total,
                                                {{"device", "sda"}})),
                  1u);
  dir.write("diskstats", "   7       0 loop0 5 0 10 1 0 0 0 0 0 1 1 0 0 0 0 0 0\n");
  auto second = probe.read(2s);
  CAF_CHECK(second.failed.empty());
  for (const auto& [key, value] : second.series)
    CAF_CHECK_EQUAL(key.find("sda"), std::string::npos);
}

CAF_TEST(missing meminfo is listed as failed and only its metrics are absent) {
  temp_dir dir;
  write_proc(dir, false);
  std::filesystem::remove(dir.file("meminfo"));
  host_probe probe{dir.path(), {"/"}};
  dir.write("stat", stat_after);
  auto r = probe.read(1s);
  CAF_CHECK_EQUAL(r.values.count(mem_key), 0u);
  CAF_CHECK_EQUAL(r.series.count(series::host_memory_total), 0u);
  CAF_CHECK(contains(r.failed, "meminfo"));
  CAF_CHECK_EQUAL(r.failed.size(), 1u);
  // The other sources still report.
  CAF_CHECK(near(at(r.values, cpu_key), 75.0));
  CAF_CHECK_EQUAL(r.values.count(root_fs_key), 1u);
  CAF_CHECK_EQUAL(r.values.count(metric_name::load1), 1u);
}

CAF_TEST(unparsable files are listed as failed) {
  temp_dir dir;
  write_proc(dir, true);
  dir.write("meminfo", "MemTotal: 1000 kB\nMemFree: 100 kB\n");
  dir.write("loadavg", "garbage\n");
  dir.write("pressure/io", "nothing here\n");
  host_probe probe{dir.path(), {}};
  auto r = probe.read(1s);
  CAF_CHECK(contains(r.failed, "meminfo"));
  CAF_CHECK(contains(r.failed, "loadavg"));
  CAF_CHECK(contains(r.failed, "pressure:io"));
  CAF_CHECK_EQUAL(r.failed.size(), 3u);
  CAF_CHECK_EQUAL(r.values.count(metric_name::io_pressure_percent), 0u);
  CAF_CHECK_EQUAL(r.values.count(metric_name::memory_pressure_percent), 1u);
}

CAF_TEST(missing or broken stat is listed as proc_stat) {
  temp_dir dir;
  write_proc(dir, false);
  std::filesystem::remove(dir.file("stat"));
  host_probe probe{dir.path(), {}};
  auto r = probe.read(1s);
  CAF_CHECK(contains(r.failed, "proc_stat"));
  CAF_CHECK_EQUAL(r.values.count(cpu_key), 0u);
  CAF_CHECK(near(at(r.values, mem_key), 75.0));
  dir.write("stat", "cpu0 1 2 3 4\n");
  auto broken = probe.read(2s);
  CAF_CHECK(contains(broken.failed, "proc_stat"));
}

CAF_TEST(a nonexistent filesystem is listed as statvfs with its path) {
  temp_dir dir;
  write_proc(dir, false);
  auto missing = dir.path() + "/no-such-mount";
  host_probe probe{dir.path(), {"/", missing}};
  auto r = probe.read(1s);
  CAF_CHECK(contains(r.failed, "statvfs:" + missing));
  CAF_CHECK_EQUAL(r.failed.size(), 1u);
  CAF_CHECK_EQUAL(r.values.count(std::string{metric_name::filesystem_prefix} + missing), 0u);
  CAF_CHECK_EQUAL(r.values.count(root_fs_key), 1u);
  CAF_CHECK_EQUAL(r.series.count(series_key(series::host_fs_size, {{"mountpoint", "/"}})), 1u);
}

CAF_TEST(real proc gives values within range) {
  // CPU needs at least one clock tick between two readings, on every core.
  // Read until one has passed (a busy loop, bounded at two seconds) rather
  // than sleeping; the counters keep running between reads, so the busy loop
  // moves them.
  auto cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  auto all_cores = [&](const probe_reading& r) {
    for (long i = 0; i < cores; ++i)
      if (r.series.count(cpu_mode(std::to_string(i).c_str(), "user")) == 0)
        return false;
    return r.values.count(cpu_key) == 1;
  };
  probe_reading r;
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::seconds(2);
  do {
    // Stay on the first reading's counters until a tick passed everywhere.
    host_probe fresh{"/proc", {"/"}};
    auto spin_until = std::chrono::steady_clock::now() + 50ms;
    while (std::chrono::steady_clock::now() < spin_until) {
    }
    r = fresh.read(std::chrono::steady_clock::now() - start + 1s);
  } while (!all_cores(r) && std::chrono::steady_clock::now() < deadline);
  for (const auto& source : r.failed)
    CAF_MESSAGE("could not read " << source);
  CAF_CHECK(r.failed.empty());
  for (const auto& key : {cpu_key, mem_key, root_fs_key}) {
    REQUIRE_EQUAL_OR_RETURN(r.values.count(key), 1u);
    auto v = at(r.values, key);
    CAF_CHECK_GREATER_OR_EQUAL(v, 0.0);
    CAF_CHECK_LESS_OR_EQUAL(v, 100.0);
  }
  // Every core of this machine has its modes.
  for (long i = 0; i < cores; ++i)
    CAF_CHECK_EQUAL(r.series.count(cpu_mode(std::to_string(i).c_str(), "user")), 1u);
  CAF_CHECK_GREATER(at(r.series, series::process_rss), 0.0);
  CAF_CHECK_GREATER(at(r.series, series::host_memory_total), 0.0);
}

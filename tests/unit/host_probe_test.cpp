// host_probe (actors/collector/host_probe.hpp) against a fake proc root in a
// temporary directory, and once against the real /proc.
#define CAF_SUITE host_probe

#include <caf/test/unit_test.hpp>

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "actors/collector/host_probe.hpp"
#include "messages/metric_names.hpp"
#include "tests/require.hpp"
#include "tests/temp_dir.hpp"

using namespace conductor;

namespace {

using test::temp_dir;

constexpr const char* stat_before = "cpu  100 0 50 800 50 0 0 0 0 0\n"
                                    "cpu0 100 0 50 800 50 0 0 0 0 0\n"
                                    "intr 12345 0 0\n";
// +100 user, +50 system, +40 idle, +10 iowait: 150 of 200 ticks busy.
constexpr const char* stat_after = "cpu  200 0 100 840 60 0 0 0 0 0\n"
                                   "cpu0 200 0 100 840 60 0 0 0 0 0\n"
                                   "intr 12399 0 0\n";
constexpr const char* meminfo_text = "MemTotal:           1000 kB\n"
                                     "MemFree:             100 kB\n"
                                     "MemAvailable:        250 kB\n"
                                     "Buffers:              10 kB\n";

bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

/// The value of `key`, or NaN when the reading lacks it.
double value_of(const probe_reading& r, const std::string& key) {
  auto i = r.values.find(key);
  return i == r.values.end() ? std::nan("") : i->second;
}

const std::string cpu_key = metric_name::cpu_percent;
const std::string mem_key = metric_name::memory_percent;
const std::string root_fs_key = std::string{metric_name::filesystem_prefix} + "/";

} // namespace

CAF_TEST(fake proc root gives exact cpu and memory values) {
  temp_dir dir;
  dir.write("stat", stat_before);
  dir.write("meminfo", meminfo_text);
  host_probe probe{dir.path(), {"/"}};
  dir.write("stat", stat_after);
  auto r = probe.read();
  CAF_CHECK(r.failed.empty());
  REQUIRE_EQUAL_OR_RETURN(r.values.count(cpu_key), 1u);
  CAF_CHECK(std::abs(value_of(r, cpu_key) - 75.0) < 1e-9);
  REQUIRE_EQUAL_OR_RETURN(r.values.count(mem_key), 1u);
  CAF_CHECK(std::abs(value_of(r, mem_key) - 75.0) < 1e-9);
  REQUIRE_EQUAL_OR_RETURN(r.values.count(root_fs_key), 1u);
  auto fs = value_of(r, root_fs_key);
  CAF_CHECK_GREATER(fs, 0.0);
  CAF_CHECK_LESS_OR_EQUAL(fs, 100.0);
  CAF_CHECK_EQUAL(r.values.size(), 3u);
}

CAF_TEST(cpu is a delta between consecutive reads) {
  temp_dir dir;
  dir.write("stat", stat_before);
  dir.write("meminfo", meminfo_text);
  host_probe probe{dir.path(), {}};
  // Nothing moved since the constructor primed the counters: no CPU value,
  // and that is not a failure either.
  auto first = probe.read();
  CAF_CHECK_EQUAL(first.values.count(cpu_key), 0u);
  CAF_CHECK(first.failed.empty());
  dir.write("stat", stat_after);
  auto second = probe.read();
  CAF_CHECK(std::abs(value_of(second, cpu_key) - 75.0) < 1e-9);
  // The next delta starts from stat_after: +100 idle only, 0% busy.
  dir.write("stat", "cpu  200 0 100 940 60 0 0 0\n");
  auto third = probe.read();
  CAF_CHECK_EQUAL(value_of(third, cpu_key), 0.0);
}

CAF_TEST(missing meminfo is listed as failed and its metric is absent) {
  temp_dir dir;
  dir.write("stat", stat_before);
  host_probe probe{dir.path(), {"/"}};
  dir.write("stat", stat_after);
  auto r = probe.read();
  CAF_CHECK_EQUAL(r.values.count(mem_key), 0u);
  CAF_CHECK(contains(r.failed, "meminfo"));
  CAF_CHECK_EQUAL(r.failed.size(), 1u);
  // The other sources still report.
  CAF_CHECK(std::abs(value_of(r, cpu_key) - 75.0) < 1e-9);
  CAF_CHECK_EQUAL(r.values.count(root_fs_key), 1u);
}

CAF_TEST(unparsable meminfo is listed as failed) {
  temp_dir dir;
  dir.write("stat", stat_before);
  dir.write("meminfo", "MemTotal: 1000 kB\nMemFree: 100 kB\n");
  host_probe probe{dir.path(), {}};
  auto r = probe.read();
  CAF_CHECK_EQUAL(r.values.count(mem_key), 0u);
  CAF_CHECK(contains(r.failed, "meminfo"));
}

CAF_TEST(missing or broken stat is listed as proc_stat) {
  temp_dir dir;
  dir.write("meminfo", meminfo_text);
  host_probe probe{dir.path(), {}};
  auto r = probe.read();
  CAF_CHECK(contains(r.failed, "proc_stat"));
  CAF_CHECK_EQUAL(r.values.count(cpu_key), 0u);
  CAF_CHECK(std::abs(value_of(r, mem_key) - 75.0) < 1e-9);
  dir.write("stat", "cpu0 1 2 3 4\n");
  auto broken = probe.read();
  CAF_CHECK(contains(broken.failed, "proc_stat"));
}

CAF_TEST(a nonexistent filesystem is listed as statvfs with its path) {
  temp_dir dir;
  dir.write("stat", stat_before);
  dir.write("meminfo", meminfo_text);
  auto missing = dir.path() + "/no-such-mount";
  host_probe probe{dir.path(), {"/", missing}};
  auto r = probe.read();
  CAF_CHECK(contains(r.failed, "statvfs:" + missing));
  CAF_CHECK_EQUAL(r.failed.size(), 1u);
  CAF_CHECK_EQUAL(r.values.count(std::string{metric_name::filesystem_prefix} + missing), 0u);
  CAF_CHECK_EQUAL(r.values.count(root_fs_key), 1u);
}

CAF_TEST(real proc gives values within range) {
  host_probe probe{"/proc", {"/"}};
  // CPU needs at least one clock tick between two readings. Read until one
  // has passed (a busy loop, bounded at two seconds) rather than sleeping.
  probe_reading r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  do {
    r = probe.read();
  } while (r.values.count(cpu_key) == 0 && std::chrono::steady_clock::now() < deadline);
  CAF_CHECK(r.failed.empty());
  for (const auto& key : {cpu_key, mem_key, root_fs_key}) {
    REQUIRE_EQUAL_OR_RETURN(r.values.count(key), 1u);
    auto v = value_of(r, key);
    CAF_CHECK_GREATER_OR_EQUAL(v, 0.0);
    CAF_CHECK_LESS_OR_EQUAL(v, 100.0);
  }
}

CAF_TEST(read small file reads whole files and reports missing ones) {
  temp_dir dir;
  // Larger than the 4 KiB read buffer, to cover the loop.
  std::string big(10000, 'x');
  big += "end";
  dir.write("big", big);
  auto text = read_small_file(dir.path() + "/big");
  REQUIRE_OR_RETURN(text);
  CAF_CHECK_EQUAL(text->size(), big.size());
  CAF_CHECK(*text == big);
  CAF_CHECK(!read_small_file(dir.path() + "/absent"));
  dir.write("empty", "");
  auto empty = read_small_file(dir.path() + "/empty");
  REQUIRE_OR_RETURN(empty);
  CAF_CHECK(empty->empty());
}

// The /proc text parsers and the percentages built on them
// (actors/collector/proc_parsers.hpp): fixed text, no file system.
#define CAF_SUITE proc_parsers

#include <caf/test/unit_test.hpp>

#include <cmath>

#include "actors/collector/proc_parsers.hpp"

using namespace conductor;

namespace {

/// Two lines of a 5.x kernel's /proc/stat: all ten columns, guest included.
constexpr const char* stat_with_guest
  = "cpu  10132153 290696 3084719 46828483 16683 0 25195 7 175628 11\n"
    "cpu0 1393280 32966 572056 13343292 6130 0 17875 0 23933 0\n"
    "intr 199292 0 0 0\n"
    "ctxt 41452\n";

/// Builds cpu_times field by field (aggregate order: user nice system idle
/// iowait irq softirq steal).
cpu_times ticks(uint64_t user, uint64_t nice, uint64_t system, uint64_t idle,
                uint64_t iowait = 0, uint64_t irq = 0, uint64_t softirq = 0,
                uint64_t steal = 0) {
  cpu_times t;
  t.user = user;
  t.nice = nice;
  t.system = system;
  t.idle = idle;
  t.iowait = iowait;
  t.irq = irq;
  t.softirq = softirq;
  t.steal = steal;
  return t;
}

/// A real-looking /proc/meminfo (trimmed).
constexpr const char* meminfo_text = "MemTotal:       16303428 kB\n"
                                     "MemFree:         1187328 kB\n"
                                     "MemAvailable:   12227520 kB\n"
                                     "Buffers:          802484 kB\n"
                                     "Cached:         10120364 kB\n"
                                     "SwapTotal:       2097148 kB\n";

} // namespace

// -- parse_proc_stat ----------------------------------------------------------

CAF_TEST(proc stat with steal and guest columns reads the first eight) {
  auto t = parse_proc_stat(stat_with_guest);
  CAF_REQUIRE(t);
  CAF_CHECK_EQUAL(t->user, 10132153u);
  CAF_CHECK_EQUAL(t->nice, 290696u);
  CAF_CHECK_EQUAL(t->system, 3084719u);
  CAF_CHECK_EQUAL(t->idle, 46828483u);
  CAF_CHECK_EQUAL(t->iowait, 16683u);
  CAF_CHECK_EQUAL(t->irq, 0u);
  CAF_CHECK_EQUAL(t->softirq, 25195u);
  CAF_CHECK_EQUAL(t->steal, 7u);
  // guest and guest_nice are already counted in user and nice: not in total.
  CAF_CHECK_EQUAL(t->total(), 10132153u + 290696u + 3084719u + 46828483u + 16683u + 0u
                                + 25195u + 7u);
  CAF_CHECK_EQUAL(t->idle_all(), 46828483u + 16683u);
}

CAF_TEST(proc stat without steal column counts steal as zero) {
  // A 2.6.10 kernel: seven columns.
  auto t = parse_proc_stat("cpu  100 2 30 400 5 6 7\ncpu0 100 2 30 400 5 6 7\n");
  CAF_REQUIRE(t);
  CAF_CHECK_EQUAL(t->user, 100u);
  CAF_CHECK_EQUAL(t->softirq, 7u);
  CAF_CHECK_EQUAL(t->steal, 0u);
  CAF_CHECK_EQUAL(t->total(), 550u);
}

CAF_TEST(proc stat with exactly four fields and no newline is accepted) {
  auto t = parse_proc_stat("cpu 1 2 3 4");
  CAF_REQUIRE(t);
  CAF_CHECK_EQUAL(t->user, 1u);
  CAF_CHECK_EQUAL(t->nice, 2u);
  CAF_CHECK_EQUAL(t->system, 3u);
  CAF_CHECK_EQUAL(t->idle, 4u);
  CAF_CHECK_EQUAL(t->iowait, 0u);
  CAF_CHECK_EQUAL(t->total(), 10u);
}

CAF_TEST(proc stat accepts tabs between numbers but needs cpu and a space) {
  auto t = parse_proc_stat("cpu\t5\t6\t7\t8\n");
  // "cpu\t" is not "cpu ": the aggregate line always has a space.
  CAF_CHECK(!t);
  auto u = parse_proc_stat("cpu \t5\t6\t7\t8\n");
  CAF_REQUIRE(u);
  CAF_CHECK_EQUAL(u->idle, 8u);
}

CAF_TEST(proc stat whose first line is a core is rejected) {
  CAF_CHECK(!parse_proc_stat("cpu0 1393280 32966 572056 13343292 6130 0 17875 0 0 0\n"
                             "cpu  10132153 290696 3084719 46828483 16683 0 25195 0 0 0\n"));
}

CAF_TEST(proc stat with fewer than four fields is rejected) {
  CAF_CHECK(!parse_proc_stat("cpu  1 2 3\n"));
  CAF_CHECK(!parse_proc_stat("cpu  1 2 3\ncpu0 4 5 6 7\n"));
  CAF_CHECK(!parse_proc_stat("cpu \n"));
}

CAF_TEST(garbage and empty proc stat are rejected) {
  CAF_CHECK(!parse_proc_stat(""));
  CAF_CHECK(!parse_proc_stat("\n"));
  CAF_CHECK(!parse_proc_stat("cpu"));
  CAF_CHECK(!parse_proc_stat("hello world\n"));
  CAF_CHECK(!parse_proc_stat("cpu  a b c d e\n"));
  CAF_CHECK(!parse_proc_stat("cpu  1 2 -3 4\n"));
  CAF_CHECK(!parse_proc_stat("intr 1 2 3 4\ncpu  1 2 3 4\n"));
  // A count beyond uint64_t is not a made-up number.
  CAF_CHECK(!parse_proc_stat("cpu  99999999999999999999 2 3 4\n"));
}

// -- cpu_busy_percent ---------------------------------------------------------

CAF_TEST(cpu busy percent is busy ticks over all ticks) {
  auto before = ticks(100, 0, 50, 800, 50);
  // +100 user, +50 system, +40 idle, +10 iowait: 200 ticks, 50 of them idle.
  auto after = ticks(200, 0, 100, 840, 60);
  auto busy = cpu_busy_percent(before, after);
  CAF_REQUIRE(busy);
  CAF_CHECK_EQUAL(*busy, 75.0);
  CAF_CHECK(std::abs(*busy - 75.0) < 1e-12);
}

CAF_TEST(cpu busy percent counts irq softirq steal and nice as busy) {
  auto before = ticks(0, 0, 0, 0);
  // 10 each of nice, irq, softirq and steal, 60 idle: 40 of 100 busy.
  auto after = ticks(0, 10, 0, 60, 0, 10, 10, 10);
  auto busy = cpu_busy_percent(before, after);
  CAF_REQUIRE(busy);
  CAF_CHECK(std::abs(*busy - 40.0) < 1e-12);
}

CAF_TEST(cpu busy percent spans zero to one hundred) {
  auto before = ticks(10, 10, 10, 10, 10);
  auto idle_only = cpu_busy_percent(before, ticks(10, 10, 10, 110, 10));
  CAF_REQUIRE(idle_only);
  CAF_CHECK_EQUAL(*idle_only, 0.0);
  auto busy_only = cpu_busy_percent(before, ticks(60, 10, 60, 10, 10));
  CAF_REQUIRE(busy_only);
  CAF_CHECK(std::abs(*busy_only - 100.0) < 1e-12);
}

CAF_TEST(cpu busy percent is nullopt when no time passed) {
  auto t = ticks(100, 0, 50, 800, 50);
  CAF_CHECK(!cpu_busy_percent(t, t));
}

CAF_TEST(cpu busy percent is nullopt when counters went backwards) {
  auto before = ticks(200, 0, 100, 840, 60);
  auto after = ticks(100, 0, 50, 800, 50);
  CAF_CHECK(!cpu_busy_percent(before, after));
  // Total grew but the idle counters went back: also a reset, not 100% busy.
  CAF_CHECK(!cpu_busy_percent(ticks(0, 0, 0, 500, 0), ticks(1000, 0, 0, 100, 0)));
}

// -- parse_meminfo and memory_used_percent ------------------------------------

CAF_TEST(meminfo reads total and available) {
  auto m = parse_meminfo(meminfo_text);
  CAF_REQUIRE(m);
  CAF_CHECK_EQUAL(m->total_kib, 16303428u);
  CAF_CHECK_EQUAL(m->available_kib, 12227520u);
  auto used = memory_used_percent(*m);
  auto expected = (16303428.0 - 12227520.0) / 16303428.0 * 100.0;
  CAF_CHECK(std::abs(used - expected) < 1e-9);
}

CAF_TEST(meminfo in any order and without a final newline) {
  auto m = parse_meminfo("MemAvailable: 250 kB\nMemFree: 1 kB\nMemTotal: 1000 kB");
  CAF_REQUIRE(m);
  CAF_CHECK_EQUAL(m->total_kib, 1000u);
  CAF_CHECK_EQUAL(m->available_kib, 250u);
}

CAF_TEST(meminfo without memavailable is nullopt) {
  // A pre-3.14 kernel.
  CAF_CHECK(!parse_meminfo("MemTotal:       16303428 kB\n"
                           "MemFree:         1187328 kB\n"
                           "Buffers:          802484 kB\n"));
}

CAF_TEST(meminfo without memtotal or with memtotal zero is nullopt) {
  CAF_CHECK(!parse_meminfo("MemAvailable:   12227520 kB\n"));
  CAF_CHECK(!parse_meminfo("MemTotal: 0 kB\nMemAvailable: 0 kB\n"));
  CAF_CHECK(!parse_meminfo("MemTotal: lots kB\nMemAvailable: 10 kB\n"));
  CAF_CHECK(!parse_meminfo(""));
  CAF_CHECK(!parse_meminfo("garbage\nmore garbage\n"));
}

CAF_TEST(meminfo keys must match exactly) {
  // "SwapTotal" and "HugeMemTotal"-like keys must not stand in for MemTotal.
  CAF_CHECK(!parse_meminfo("SwapTotal: 1000 kB\nMemAvailable: 10 kB\n"));
  CAF_CHECK(!parse_meminfo("XMemTotal: 1000 kB\nMemAvailable: 10 kB\n"));
}

CAF_TEST(memory used percent) {
  meminfo m;
  m.total_kib = 1000;
  m.available_kib = 250;
  CAF_CHECK(std::abs(memory_used_percent(m) - 75.0) < 1e-12);
  m.available_kib = 1000;
  CAF_CHECK_EQUAL(memory_used_percent(m), 0.0);
  m.available_kib = 0;
  CAF_CHECK(std::abs(memory_used_percent(m) - 100.0) < 1e-12);
  // The kernel's estimate can exceed the total briefly: clamp, never negative.
  m.available_kib = 1200;
  CAF_CHECK_EQUAL(memory_used_percent(m), 0.0);
}

// -- filesystem_used_percent --------------------------------------------------

CAF_TEST(filesystem used percent excludes the root reserve like df) {
  // 700 used; an unprivileged user could use 250 more (50 are reserved).
  auto used = filesystem_used_percent(1000, 300, 250);
  CAF_REQUIRE(used);
  CAF_CHECK(std::abs(*used - 700.0 / 950.0 * 100.0) < 1e-9);
  // Not the naive used / blocks.
  CAF_CHECK(std::abs(*used - 70.0) > 1.0);
}

CAF_TEST(filesystem used percent extremes) {
  auto empty = filesystem_used_percent(1000, 1000, 1000);
  CAF_REQUIRE(empty);
  CAF_CHECK_EQUAL(*empty, 0.0);
  auto full = filesystem_used_percent(1000, 0, 0);
  CAF_REQUIRE(full);
  CAF_CHECK(std::abs(*full - 100.0) < 1e-12);
  // Only the root reserve left: 100% for users, as df shows.
  auto reserve_only = filesystem_used_percent(1000, 50, 0);
  CAF_REQUIRE(reserve_only);
  CAF_CHECK(std::abs(*reserve_only - 100.0) < 1e-12);
}

CAF_TEST(filesystem used percent rejects impossible combinations) {
  CAF_CHECK(!filesystem_used_percent(0, 0, 0));
  CAF_CHECK(!filesystem_used_percent(1000, 1001, 0));
  CAF_CHECK(!filesystem_used_percent(1000, 300, 301));
  // Nothing used and nothing available: no meaningful share.
  CAF_CHECK(!filesystem_used_percent(1000, 1000, 0));
}

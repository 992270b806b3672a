// The /proc text parsers and the percentages built on them
// (actors/collector/proc_parsers.hpp): fixed text, no file system.
#define CAF_SUITE proc_parsers

#include <caf/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "actors/collector/proc_parsers.hpp"
#include "tests/require.hpp"

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

// -- parse_meminfo: swap, and swap_used_percent -------------------------------

namespace {

/// A 6.x /proc/meminfo, head and the lines after the swap pair (trimmed).
constexpr const char* meminfo_with_swap = "MemTotal:       32651980 kB\n"
                                          "MemFree:         9321548 kB\n"
                                          "MemAvailable:   21470920 kB\n"
                                          "Buffers:          981232 kB\n"
                                          "Cached:         11562812 kB\n"
                                          "SwapCached:        31460 kB\n"
                                          "Active:          8640816 kB\n"
                                          "Inactive:       12179932 kB\n"
                                          "Unevictable:       84200 kB\n"
                                          "Mlocked:              48 kB\n"
                                          "SwapTotal:       8388604 kB\n"
                                          "SwapFree:        6291452 kB\n"
                                          "Zswap:                 0 kB\n"
                                          "Dirty:              1436 kB\n"
                                          "HugePages_Total:       0\n"
                                          "Hugepagesize:       2048 kB\n";

/// The same host booted without swap: the kernel still writes both lines.
constexpr const char* meminfo_swap_zero = "MemTotal:       32651980 kB\n"
                                          "MemFree:         9321548 kB\n"
                                          "MemAvailable:   21470920 kB\n"
                                          "SwapCached:            0 kB\n"
                                          "SwapTotal:             0 kB\n"
                                          "SwapFree:              0 kB\n";

} // namespace

CAF_TEST(meminfo reads swap total and free) {
  auto m = parse_meminfo(meminfo_with_swap);
  REQUIRE_OR_RETURN(m);
  CAF_CHECK_EQUAL(m->total_kib, 32651980u);
  CAF_CHECK_EQUAL(m->available_kib, 21470920u);
  CAF_CHECK_EQUAL(m->swap_total_kib, 8388604u);
  CAF_CHECK_EQUAL(m->swap_free_kib, 6291452u);
  auto swap = swap_used_percent(*m);
  REQUIRE_OR_RETURN(swap);
  CAF_CHECK(std::abs(*swap - (8388604.0 - 6291452.0) / 8388604.0 * 100.0) < 1e-9);
}

CAF_TEST(meminfo without swap lines leaves swap at zero) {
  auto m = parse_meminfo("MemTotal: 1000 kB\nMemFree: 10 kB\nMemAvailable: 250 kB\n");
  REQUIRE_OR_RETURN(m);
  CAF_CHECK_EQUAL(m->total_kib, 1000u);
  CAF_CHECK_EQUAL(m->available_kib, 250u);
  CAF_CHECK_EQUAL(m->swap_total_kib, 0u);
  CAF_CHECK_EQUAL(m->swap_free_kib, 0u);
  CAF_CHECK(!swap_used_percent(*m));
  // The old fixture has SwapTotal but no SwapFree: half a pair is no swap.
  auto half = parse_meminfo(meminfo_text);
  REQUIRE_OR_RETURN(half);
  CAF_CHECK_EQUAL(half->swap_total_kib, 0u);
  CAF_CHECK_EQUAL(half->swap_free_kib, 0u);
  CAF_CHECK(!swap_used_percent(*half));
}

CAF_TEST(meminfo with swap total zero has no swap percent) {
  auto m = parse_meminfo(meminfo_swap_zero);
  REQUIRE_OR_RETURN(m);
  CAF_CHECK_EQUAL(m->total_kib, 32651980u);
  CAF_CHECK_EQUAL(m->swap_total_kib, 0u);
  CAF_CHECK_EQUAL(m->swap_free_kib, 0u);
  CAF_CHECK(!swap_used_percent(*m));
}

CAF_TEST(meminfo swap lines do not replace the memory lines) {
  // Swap without MemAvailable is still a failure.
  CAF_CHECK(!parse_meminfo("MemTotal: 1000 kB\nSwapTotal: 10 kB\nSwapFree: 5 kB\n"));
  // Swap first, in any order; a later duplicate does not override the first.
  auto m = parse_meminfo("SwapFree: 5 kB\nSwapTotal: 10 kB\nMemAvailable: 250 kB\n"
                         "MemTotal: 1000 kB\nMemTotal: 7 kB\nSwapTotal: 99 kB\n");
  REQUIRE_OR_RETURN(m);
  CAF_CHECK_EQUAL(m->total_kib, 1000u);
  CAF_CHECK_EQUAL(m->available_kib, 250u);
  CAF_CHECK_EQUAL(m->swap_total_kib, 10u);
  CAF_CHECK_EQUAL(m->swap_free_kib, 5u);
  // A malformed swap value is not a made-up 0 for one half of the pair.
  auto bad = parse_meminfo("MemTotal: 1000 kB\nMemAvailable: 250 kB\n"
                           "SwapTotal: 10 kB\nSwapFree: x kB\n");
  REQUIRE_OR_RETURN(bad);
  CAF_CHECK_EQUAL(bad->swap_total_kib, 0u);
  CAF_CHECK(!swap_used_percent(*bad));
}

CAF_TEST(swap used percent) {
  meminfo m;
  m.total_kib = 1000;
  m.available_kib = 500;
  CAF_CHECK(!swap_used_percent(m));
  m.swap_total_kib = 400;
  m.swap_free_kib = 100;
  auto used = swap_used_percent(m);
  REQUIRE_OR_RETURN(used);
  CAF_CHECK(std::abs(*used - 75.0) < 1e-12);
  m.swap_free_kib = 400;
  CAF_CHECK_EQUAL(swap_used_percent(m), 0.0);
  m.swap_free_kib = 0;
  CAF_CHECK_EQUAL(swap_used_percent(m), 100.0);
  // More free than total is no share at all.
  m.swap_free_kib = 401;
  CAF_CHECK(!swap_used_percent(m));
}

// -- parse_proc_stat_all ------------------------------------------------------

namespace {

/// A four-core 6.x /proc/stat; the aggregate is the sum of the cores.
constexpr const char* stat_four_cores
  = "cpu  4600 100 860 366000 1400 0 260 6 0 0\n"
    "cpu0 1000 10 200 90000 500 0 50 3 0 0\n"
    "cpu1 1100 20 210 91000 400 0 60 2 0 0\n"
    "cpu2 1200 30 220 92000 300 0 70 1 0 0\n"
    "cpu3 1300 40 230 93000 200 0 80 0 0 0\n"
    "intr 1562365 9 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    "ctxt 2736431\n"
    "btime 1718000000\n"
    "processes 23190\n"
    "procs_running 2\n"
    "procs_blocked 0\n"
    "softirq 712369 2 146412 8 43075 21549 0 2190 263145 0 235988\n";

} // namespace

CAF_TEST(proc stat all reads the aggregate and every core) {
  std::vector<cpu_line> out;
  REQUIRE_OR_RETURN(parse_proc_stat_all(stat_four_cores, out));
  REQUIRE_EQUAL_OR_RETURN(out.size(), 5u);
  CAF_CHECK_EQUAL(out[0].core, -1);
  CAF_CHECK_EQUAL(out[0].times.user, 4600u);
  CAF_CHECK_EQUAL(out[0].times.nice, 100u);
  CAF_CHECK_EQUAL(out[0].times.system, 860u);
  CAF_CHECK_EQUAL(out[0].times.idle, 366000u);
  CAF_CHECK_EQUAL(out[0].times.iowait, 1400u);
  CAF_CHECK_EQUAL(out[0].times.irq, 0u);
  CAF_CHECK_EQUAL(out[0].times.softirq, 260u);
  CAF_CHECK_EQUAL(out[0].times.steal, 6u);
  for (int i = 0; i < 4; ++i)
    CAF_CHECK_EQUAL(out[static_cast<size_t>(i) + 1].core, i);
  const auto& c2 = out[3].times;
  CAF_CHECK_EQUAL(c2.user, 1200u);
  CAF_CHECK_EQUAL(c2.nice, 30u);
  CAF_CHECK_EQUAL(c2.system, 220u);
  CAF_CHECK_EQUAL(c2.idle, 92000u);
  CAF_CHECK_EQUAL(c2.iowait, 300u);
  CAF_CHECK_EQUAL(c2.softirq, 70u);
  CAF_CHECK_EQUAL(c2.steal, 1u);
  CAF_CHECK_EQUAL(out[4].times.user, 1300u);
  CAF_CHECK_EQUAL(out[4].times.steal, 0u);
  uint64_t sum = 0;
  for (size_t i = 1; i < out.size(); ++i)
    sum += out[i].times.total();
  CAF_CHECK_EQUAL(sum, out[0].times.total());
  // The aggregate agrees with parse_proc_stat.
  auto first = parse_proc_stat(stat_four_cores);
  REQUIRE_OR_RETURN(first);
  CAF_CHECK_EQUAL(first->total(), out[0].times.total());
}

CAF_TEST(proc stat all reuses the vector) {
  std::vector<cpu_line> out;
  REQUIRE_OR_RETURN(parse_proc_stat_all(stat_four_cores, out));
  auto* data = out.data();
  auto capacity = out.capacity();
  // Stale entries from a previous call must go: one core only this time.
  REQUIRE_OR_RETURN(parse_proc_stat_all("cpu  1 2 3 4\ncpu0 1 2 3 4\n", out));
  CAF_CHECK_EQUAL(out.size(), 2u);
  REQUIRE_OR_RETURN(parse_proc_stat_all(stat_four_cores, out));
  CAF_CHECK_EQUAL(out.size(), 5u);
  CAF_CHECK(out.data() == data);
  CAF_CHECK_EQUAL(out.capacity(), capacity);
}

CAF_TEST(proc stat all skips a malformed core line) {
  std::vector<cpu_line> out;
  REQUIRE_OR_RETURN(parse_proc_stat_all("cpu  10 0 10 80 0 0 0 0 0 0\n"
                                        "cpu0 5 0 5 40 0 0 0 0 0 0\n"
                                        "cpu1 5 0 5\n"       // too few fields
                                        "cpuX 5 0 5 40\n"    // no core number
                                        "cpu2x 5 0 5 40\n"   // junk after it
                                        "cpu-3 5 0 5 40\n"   // negative
                                        "cpu4 a b c d\n"     // not numbers
                                        "cpu5 5 0 5 40 0 0 0 0 0 0\n"
                                        "intr 1 2 3\n",
                                        out));
  REQUIRE_EQUAL_OR_RETURN(out.size(), 3u);
  CAF_CHECK_EQUAL(out[0].core, -1);
  CAF_CHECK_EQUAL(out[1].core, 0);
  CAF_CHECK_EQUAL(out[2].core, 5);
  CAF_CHECK_EQUAL(out[2].times.idle, 40u);
}

CAF_TEST(proc stat all fails without a good aggregate line) {
  std::vector<cpu_line> out;
  out.push_back(cpu_line{});
  CAF_CHECK(!parse_proc_stat_all("", out));
  CAF_CHECK(out.empty());
  out.push_back(cpu_line{});
  CAF_CHECK(!parse_proc_stat_all("cpu0 1 2 3 4\ncpu1 1 2 3 4\n", out));
  CAF_CHECK(out.empty());
  CAF_CHECK(!parse_proc_stat_all("cpu  1 2 3\ncpu0 1 2 3 4\n", out));
  CAF_CHECK(out.empty());
  CAF_CHECK(!parse_proc_stat_all("intr 1 2 3\n", out));
  CAF_CHECK(!parse_proc_stat_all("cpu  99999999999999999999 2 3 4\n", out));
  // The aggregate alone (a kernel listing no core) is fine.
  CAF_CHECK(parse_proc_stat_all("cpu 1 2 3 4", out));
  CAF_CHECK_EQUAL(out.size(), 1u);
}

// -- cpu_ratios ---------------------------------------------------------------

CAF_TEST(cpu ratios are each mode over all ticks) {
  auto before = ticks(100, 0, 50, 800, 50);
  // +100 user, +50 system, +40 idle, +10 iowait: 200 ticks.
  auto r = cpu_ratios(before, ticks(200, 0, 100, 840, 60));
  REQUIRE_OR_RETURN(r);
  CAF_CHECK_EQUAL(r->user, 0.5);
  CAF_CHECK_EQUAL(r->nice, 0.0);
  CAF_CHECK_EQUAL(r->system, 0.25);
  CAF_CHECK_EQUAL(r->idle, 0.2);
  CAF_CHECK_EQUAL(r->iowait, 0.05);
  CAF_CHECK_EQUAL(r->irq, 0.0);
  CAF_CHECK_EQUAL(r->softirq, 0.0);
  CAF_CHECK_EQUAL(r->steal, 0.0);
}

CAF_TEST(cpu ratios cover all eight modes and sum to one) {
  auto before = ticks(1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000);
  // Deltas 1..8: 36 ticks.
  auto r = cpu_ratios(before, ticks(1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008));
  REQUIRE_OR_RETURN(r);
  CAF_CHECK(std::abs(r->user - 1.0 / 36) < 1e-15);
  CAF_CHECK(std::abs(r->nice - 2.0 / 36) < 1e-15);
  CAF_CHECK(std::abs(r->system - 3.0 / 36) < 1e-15);
  CAF_CHECK(std::abs(r->idle - 4.0 / 36) < 1e-15);
  CAF_CHECK(std::abs(r->iowait - 5.0 / 36) < 1e-15);
  CAF_CHECK(std::abs(r->irq - 6.0 / 36) < 1e-15);
  CAF_CHECK(std::abs(r->softirq - 7.0 / 36) < 1e-15);
  CAF_CHECK(std::abs(r->steal - 8.0 / 36) < 1e-15);
  auto sum = r->user + r->nice + r->system + r->idle + r->iowait + r->irq + r->softirq
             + r->steal;
  CAF_CHECK(std::abs(sum - 1.0) < 1e-12);
}

CAF_TEST(cpu ratios agree with cpu busy percent) {
  std::vector<cpu_line> a;
  std::vector<cpu_line> b;
  REQUIRE_OR_RETURN(parse_proc_stat_all("cpu  100 0 50 800 50 0 0 0\n", a));
  REQUIRE_OR_RETURN(parse_proc_stat_all("cpu  200 0 100 840 60 0 0 0\n", b));
  auto r = cpu_ratios(a[0].times, b[0].times);
  auto busy = cpu_busy_percent(a[0].times, b[0].times);
  REQUIRE_OR_RETURN(r && busy);
  CAF_CHECK(std::abs((1.0 - r->idle - r->iowait) * 100.0 - *busy) < 1e-9);
}

CAF_TEST(cpu ratios are nullopt without elapsed time or on a reset) {
  auto t = ticks(100, 1, 50, 800, 50, 2, 3, 4);
  CAF_CHECK(!cpu_ratios(t, t));
  CAF_CHECK(!cpu_ratios(cpu_times{}, cpu_times{}));
  CAF_CHECK(!cpu_ratios(ticks(200, 0, 100, 840, 60), ticks(100, 0, 50, 800, 50)));
  // One counter back while the total grew is a reset, whichever it is --
  // except iowait (index 4), which the kernel may lower.
  for (int i = 0; i < 8; ++i) {
    if (i == 4)
      continue;
    auto before = ticks(10, 10, 10, 10, 10, 10, 10, 10);
    auto after = ticks(100, 100, 100, 100, 100, 100, 100, 100);
    uint64_t* fields[] = {&after.user,   &after.nice, &after.system,  &after.idle,
                          &after.iowait, &after.irq,  &after.softirq, &after.steal};
    *fields[i] = 9;
    CAF_CHECK(!cpu_ratios(before, after));
  }
}

CAF_TEST(an iowait dip counts as no iowait and keeps the tick) {
  // +60 user, +40 idle; iowait 50 -> 45.
  auto r = cpu_ratios(ticks(100, 0, 50, 800, 50), ticks(160, 0, 50, 840, 45));
  REQUIRE_OR_RETURN(r.has_value());
  CAF_CHECK(std::abs(r->user - 0.6) < 1e-12);
  CAF_CHECK(std::abs(r->idle - 0.4) < 1e-12);
  CAF_CHECK_EQUAL(r->iowait, 0.0);
}

// -- is_reported_disk ---------------------------------------------------------

CAF_TEST(reported disks are whole disks) {
  for (const char* name : {"sda", "sdb", "sdaa", "vda", "xvda", "hda", "nvme0n1", "nvme12n3",
                           "dm-0", "dm-12", "md0", "md127", "mmcblk0", "sr0", "nbd0"})
    CAF_CHECK_EQUAL(std::make_pair(std::string{name}, is_reported_disk(name)),
                    std::make_pair(std::string{name}, true));
}

CAF_TEST(partitions and virtual devices are not reported) {
  for (const char* name : {"sda1", "sdb15", "sdaa2", "vda1", "xvda1", "hda3", "nvme0n1p1",
                           "nvme12n3p14", "mmcblk0p1", "md0p1", "nbd0p2", "loop0", "loop12",
                           "ram0", "ram15", "zram0", "fd0", ""})
    CAF_CHECK_EQUAL(std::make_pair(std::string{name}, is_reported_disk(name)),
                    std::make_pair(std::string{name}, false));
}

// -- parse_diskstats ----------------------------------------------------------

namespace {

/// A 5.5+ kernel: 20 columns (11 stats, 4 discard, 2 flush).
constexpr const char* diskstats_5x
  = "   7       0 loop0 58 0 2168 16 0 0 0 0 0 40 16 0 0 0 0 0 0\n"
    "   8       0 sda 184233 40567 11243610 53711 264316 241090 20593434 230853 0 287880 "
    "296920 0 0 0 0 5821 12354\n"
    "   8       1 sda1 183900 40567 11232218 53600 264316 241090 20593434 230853 0 287800 "
    "284453 0 0 0 0 0 0\n"
    "   8      16 sdb 1 2 3\n"
    "this is not a diskstats line\n"
    " 259       0 nvme0n1 312345 1023 25678902 98765 456789 12345 87654321 456789 0 345678 "
    "567890 1234 0 56789 123 9876 543\n"
    " 259       1 nvme0n1p1 310000 1023 25600000 98000 456000 12345 87600000 456000 0 345000 "
    "560000 1234 0 56789 123 0 0\n"
    " 253       0 dm-0 250000 0 20000000 80000 700000 0 100000000 900000 0 330000 980000 0 "
    "0 0 0 0 0\n";

/// A 4.x kernel (before 4.18): 14 columns.
constexpr const char* diskstats_4x
  = "   8       0 sda 184233 40567 11243610 53711 264316 241090 20593434 230853 0 287880 "
    "296920\n"
    "   8       1 sda1 183900 40567 11232218 53600 264316 241090 20593434 230853 0 287800 "
    "284453\n";

/// 4.18 to 5.4: 18 columns (discard counters, no flush).
constexpr const char* diskstats_418
  = "   8       0 sda 184233 40567 11243610 53711 264316 241090 20593434 230853 0 287880 "
    "296920 0 0 0 0\n";

disk_counters disk(const char* name, uint64_t read, uint64_t written, uint64_t io_ms) {
  disk_counters d;
  d.device = name;
  d.sectors_read = read;
  d.sectors_written = written;
  d.io_ms = io_ms;
  return d;
}

} // namespace

CAF_TEST(diskstats keeps whole disks with exact counters) {
  std::vector<disk_counters> out;
  REQUIRE_OR_RETURN(parse_diskstats(diskstats_5x, out));
  REQUIRE_EQUAL_OR_RETURN(out.size(), 3u);
  CAF_CHECK_EQUAL(out[0].device, "sda");
  CAF_CHECK_EQUAL(out[0].sectors_read, 11243610u);
  CAF_CHECK_EQUAL(out[0].sectors_written, 20593434u);
  CAF_CHECK_EQUAL(out[0].io_ms, 287880u);
  CAF_CHECK_EQUAL(out[1].device, "nvme0n1");
  CAF_CHECK_EQUAL(out[1].sectors_read, 25678902u);
  CAF_CHECK_EQUAL(out[1].sectors_written, 87654321u);
  CAF_CHECK_EQUAL(out[1].io_ms, 345678u);
  CAF_CHECK_EQUAL(out[2].device, "dm-0");
  CAF_CHECK_EQUAL(out[2].sectors_read, 20000000u);
  CAF_CHECK_EQUAL(out[2].sectors_written, 100000000u);
  CAF_CHECK_EQUAL(out[2].io_ms, 330000u);
}

CAF_TEST(diskstats of every kernel layout read the same fields) {
  for (const char* text : {diskstats_4x, diskstats_418}) {
    std::vector<disk_counters> out;
    REQUIRE_OR_RETURN(parse_diskstats(text, out));
    REQUIRE_EQUAL_OR_RETURN(out.size(), 1u);
    CAF_CHECK_EQUAL(out[0].device, "sda");
    CAF_CHECK_EQUAL(out[0].sectors_read, 11243610u);
    CAF_CHECK_EQUAL(out[0].sectors_written, 20593434u);
    CAF_CHECK_EQUAL(out[0].io_ms, 287880u);
  }
  // No final newline, tabs for spaces.
  std::vector<disk_counters> out;
  REQUIRE_OR_RETURN(parse_diskstats("8\t0\tvda\t1 2 3 4 5 6 7 8 9 10 11", out));
  REQUIRE_EQUAL_OR_RETURN(out.size(), 1u);
  CAF_CHECK_EQUAL(out[0].device, "vda");
  CAF_CHECK_EQUAL(out[0].sectors_read, 3u);
  CAF_CHECK_EQUAL(out[0].sectors_written, 7u);
  CAF_CHECK_EQUAL(out[0].io_ms, 10u);
}

CAF_TEST(diskstats skips malformed lines) {
  std::vector<disk_counters> out;
  REQUIRE_OR_RETURN(parse_diskstats("   8 0 sda 1 2 3 4 5 6 7 8 9 10\n"        // 10 stats
                                    "   8 16 sdb 1 2 3 4 5 6 7 8 9 x 11\n"      // not a number
                                    "   8 32 sdc 1 2 3 4 5 6 7 8 9 10x 11\n"    // junk in one
                                    "   8 48 sdd -1 2 3 4 5 6 7 8 9 10 11\n"    // negative
                                    "   x 64 sde 1 2 3 4 5 6 7 8 9 10 11\n"     // bad major
                                    "   8 80\n"                                  // no name
                                    "   8 96 sdg 1 2 99999999999999999999 4 5 6 7 8 9 10 11\n"
                                    "\n"
                                    "   8 112 sdh 1 2 3 4 5 6 7 8 9 10 11\n",
                                    out));
  REQUIRE_EQUAL_OR_RETURN(out.size(), 1u);
  CAF_CHECK_EQUAL(out[0].device, "sdh");
}

CAF_TEST(diskstats with nothing parsable fails and empty text does not) {
  std::vector<disk_counters> out{disk("stale", 1, 2, 3)};
  CAF_CHECK(!parse_diskstats("garbage\nmore garbage\n", out));
  CAF_CHECK(out.empty());
  out.push_back(disk("stale", 1, 2, 3));
  CAF_CHECK(!parse_diskstats("\n", out));
  CAF_CHECK(out.empty());
  out.push_back(disk("stale", 1, 2, 3));
  CAF_CHECK(parse_diskstats("", out));
  CAF_CHECK(out.empty());
  // Only loop devices: parsable, nothing to report.
  out.push_back(disk("stale", 1, 2, 3));
  CAF_CHECK(parse_diskstats("   7 0 loop0 58 0 2168 16 0 0 0 0 0 40 16 0 0 0 0 0 0\n"
                            "   7 1 loop1 58 0 2168 16 0 0 0 0 0 40 16 0 0 0 0 0 0\n",
                            out));
  CAF_CHECK(out.empty());
}

CAF_TEST(diskstats reuses the vector and the device strings) {
  // Longer than the small-string buffer, so the name lives on the heap.
  const std::string long_name = "verylongdevicename0a";
  const std::string line = " 253 0 " + long_name + " 1 2 3 4 5 6 7 8 9 10 11\n";
  std::vector<disk_counters> out;
  REQUIRE_OR_RETURN(parse_diskstats(line + diskstats_5x, out));
  REQUIRE_EQUAL_OR_RETURN(out.size(), 4u);
  CAF_CHECK_EQUAL(out[0].device, long_name);
  auto* data = out.data();
  auto* name_data = out[0].device.data();
  auto name_capacity = out[0].device.capacity();
  // Fewer devices, then as many again: still the same storage.
  REQUIRE_OR_RETURN(parse_diskstats(diskstats_4x, out));
  REQUIRE_EQUAL_OR_RETURN(out.size(), 1u);
  CAF_CHECK_EQUAL(out[0].device, "sda");
  REQUIRE_OR_RETURN(parse_diskstats(line + diskstats_5x, out));
  REQUIRE_EQUAL_OR_RETURN(out.size(), 4u);
  CAF_CHECK(out.data() == data);
  CAF_CHECK_EQUAL(out[0].device, long_name);
  CAF_CHECK(out[0].device.data() == name_data);
  CAF_CHECK_EQUAL(out[0].device.capacity(), name_capacity);
  CAF_CHECK_EQUAL(out[1].device, "sda");
  CAF_CHECK_EQUAL(out[3].device, "dm-0");
}

// -- disk_rates_between -------------------------------------------------------

CAF_TEST(disk rates are bytes per second and busy share) {
  auto r = disk_rates_between(disk("sda", 1000, 2000, 500), disk("sda", 3000, 6000, 1000), 2.0);
  REQUIRE_OR_RETURN(r);
  // 2000 sectors of 512 bytes in 2 s; 4000 sectors; 500 ms busy of 2000.
  CAF_CHECK_EQUAL(r->read_bytes_per_second, 512000.0);
  CAF_CHECK_EQUAL(r->written_bytes_per_second, 1024000.0);
  CAF_CHECK_EQUAL(r->busy_ratio, 0.25);
  auto idle = disk_rates_between(disk("sda", 7, 8, 9), disk("sda", 7, 8, 9), 1.0);
  REQUIRE_OR_RETURN(idle);
  CAF_CHECK_EQUAL(idle->read_bytes_per_second, 0.0);
  CAF_CHECK_EQUAL(idle->written_bytes_per_second, 0.0);
  CAF_CHECK_EQUAL(idle->busy_ratio, 0.0);
}

CAF_TEST(disk busy ratio is capped at one) {
  // io_ticks advance in jiffies: 1010 ms in a 1 s window happens.
  auto r = disk_rates_between(disk("sda", 0, 0, 0), disk("sda", 0, 0, 1010), 1.0);
  REQUIRE_OR_RETURN(r);
  CAF_CHECK_EQUAL(r->busy_ratio, 1.0);
}

CAF_TEST(disk rates are nullopt without elapsed time or on a reset) {
  auto before = disk("sda", 1000, 2000, 500);
  auto after = disk("sda", 3000, 6000, 1000);
  CAF_CHECK(!disk_rates_between(before, after, 0.0));
  CAF_CHECK(!disk_rates_between(before, after, -1.0));
  CAF_CHECK(!disk_rates_between(before, after, std::nan("")));
  CAF_CHECK(!disk_rates_between(before, after, std::numeric_limits<double>::infinity()));
  CAF_CHECK(!disk_rates_between(after, before, 1.0));
  CAF_CHECK(!disk_rates_between(before, disk("sda", 999, 6000, 1000), 1.0));
  CAF_CHECK(!disk_rates_between(before, disk("sda", 3000, 1999, 1000), 1.0));
  CAF_CHECK(!disk_rates_between(before, disk("sda", 3000, 6000, 499), 1.0));
}

// -- parse_loadavg ------------------------------------------------------------

CAF_TEST(loadavg reads the first three fields) {
  auto l = parse_loadavg("0.52 0.58 0.59 2/1187 31337\n");
  REQUIRE_OR_RETURN(l);
  CAF_CHECK_EQUAL(l->load1, 0.52);
  CAF_CHECK_EQUAL(l->load5, 0.58);
  CAF_CHECK_EQUAL(l->load15, 0.59);
  auto busy = parse_loadavg("123.45 67.00 8.10 130/2004 1\n");
  REQUIRE_OR_RETURN(busy);
  CAF_CHECK_EQUAL(busy->load1, 123.45);
  CAF_CHECK_EQUAL(busy->load5, 67.0);
  CAF_CHECK_EQUAL(busy->load15, 8.1);
  auto idle = parse_loadavg("0.00 0.00 0.00");
  REQUIRE_OR_RETURN(idle);
  CAF_CHECK_EQUAL(idle->load1, 0.0);
}

CAF_TEST(malformed loadavg is nullopt) {
  CAF_CHECK(!parse_loadavg(""));
  CAF_CHECK(!parse_loadavg("\n"));
  CAF_CHECK(!parse_loadavg("0.52 0.58\n"));
  CAF_CHECK(!parse_loadavg("0.52\n0.58 0.59\n"));
  CAF_CHECK(!parse_loadavg("a b c 1/2 3\n"));
  CAF_CHECK(!parse_loadavg("0.52x 0.58 0.59 2/1187 31337\n"));
  CAF_CHECK(!parse_loadavg("-0.52 0.58 0.59 2/1187 31337\n"));
  CAF_CHECK(!parse_loadavg("+0.52 0.58 0.59 2/1187 31337\n"));
  CAF_CHECK(!parse_loadavg("nan 0.58 0.59 2/1187 31337\n"));
  CAF_CHECK(!parse_loadavg("inf 0.58 0.59 2/1187 31337\n"));
  CAF_CHECK(!parse_loadavg("1e999 0.58 0.59 2/1187 31337\n"));
  CAF_CHECK(!parse_loadavg(".5 0.58 0.59 2/1187 31337\n"));
}

// -- parse_psi ----------------------------------------------------------------

CAF_TEST(psi cpu with a full line) {
  // Linux 5.13+: "full" for cpu, zero at the system level.
  auto p = parse_psi("some avg10=1.53 avg60=0.87 avg300=0.40 total=28165349\n"
                     "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
  REQUIRE_OR_RETURN(p);
  REQUIRE_OR_RETURN(p->some);
  CAF_CHECK_EQUAL(p->some->avg10, 1.53);
  CAF_CHECK_EQUAL(p->some->avg60, 0.87);
  CAF_CHECK_EQUAL(p->some->avg300, 0.40);
  CAF_CHECK_EQUAL(p->some->total_us, 28165349u);
  REQUIRE_OR_RETURN(p->full);
  CAF_CHECK_EQUAL(p->full->avg10, 0.0);
  CAF_CHECK_EQUAL(p->full->avg60, 0.0);
  CAF_CHECK_EQUAL(p->full->avg300, 0.0);
  CAF_CHECK_EQUAL(p->full->total_us, 0u);
}

CAF_TEST(psi cpu without a full line) {
  // Before 5.13 the cpu file has "some" only.
  auto p = parse_psi("some avg10=12.50 avg60=8.01 avg300=2.97 total=4096000123\n");
  REQUIRE_OR_RETURN(p);
  REQUIRE_OR_RETURN(p->some);
  CAF_CHECK_EQUAL(p->some->avg10, 12.5);
  CAF_CHECK_EQUAL(p->some->avg60, 8.01);
  CAF_CHECK_EQUAL(p->some->avg300, 2.97);
  CAF_CHECK_EQUAL(p->some->total_us, 4096000123u);
  CAF_CHECK(!p->full);
}

CAF_TEST(psi memory reads some and full) {
  auto p = parse_psi("some avg10=3.21 avg60=1.10 avg300=0.25 total=987654\n"
                     "full avg10=100.00 avg60=45.60 avg300=9.99 total=123456");
  REQUIRE_OR_RETURN(p);
  REQUIRE_OR_RETURN(p->some && p->full);
  CAF_CHECK_EQUAL(p->some->avg10, 3.21);
  CAF_CHECK_EQUAL(p->some->total_us, 987654u);
  CAF_CHECK_EQUAL(p->full->avg10, 100.0);
  CAF_CHECK_EQUAL(p->full->avg60, 45.6);
  CAF_CHECK_EQUAL(p->full->avg300, 9.99);
  CAF_CHECK_EQUAL(p->full->total_us, 123456u);
}

CAF_TEST(psi keeps the line that parses) {
  auto only_full = parse_psi("some avg10=x avg60=0.00 avg300=0.00 total=0\n"
                             "full avg10=1.00 avg60=2.00 avg300=3.00 total=4\n");
  REQUIRE_OR_RETURN(only_full);
  CAF_CHECK(!only_full->some);
  REQUIRE_OR_RETURN(only_full->full);
  CAF_CHECK_EQUAL(only_full->full->avg300, 3.0);
  auto only_some = parse_psi("some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n"
                             "full avg10=1.00 avg60=2.00 total=4\n");
  REQUIRE_OR_RETURN(only_some);
  CAF_CHECK(only_some->some);
  CAF_CHECK(!only_some->full);
}

CAF_TEST(malformed psi is nullopt) {
  CAF_CHECK(!parse_psi(""));
  CAF_CHECK(!parse_psi("\n"));
  CAF_CHECK(!parse_psi("garbage\n"));
  CAF_CHECK(!parse_psi("some\n"));
  CAF_CHECK(!parse_psi("some avg10=1.00 avg60=2.00 avg300=3.00\n"));
  CAF_CHECK(!parse_psi("some avg10=1.00 avg60=2.00 avg300=3.00 total=-4\n"));
  CAF_CHECK(!parse_psi("some avg10=-1.00 avg60=2.00 avg300=3.00 total=4\n"));
  CAF_CHECK(!parse_psi("some avg10=nan avg60=2.00 avg300=3.00 total=4\n"));
  CAF_CHECK(!parse_psi("some avg60=2.00 avg10=1.00 avg300=3.00 total=4\n"));
  CAF_CHECK(!parse_psi("somex avg10=1.00 avg60=2.00 avg300=3.00 total=4\n"));
  CAF_CHECK(!parse_psi("part avg10=1.00 avg60=2.00 avg300=3.00 total=4\n"));
}

// -- parse_process_stat -------------------------------------------------------

CAF_TEST(process stat counts fields from the last parenthesis) {
  // comm "a) b": spaces and a ')' inside; tpgid -1 and nice -5 on the way.
  auto u = parse_process_stat("4242 (a) b) S 1 4242 4242 0 -1 4194560 2201 0 0 0 153 47 0 0 "
                              "25 -5 7 0 123456 1234567168 3456 18446744073709551615 1 1 0 0 0 "
                              "0 0 4096 0 0 0 0 17 3 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  REQUIRE_OR_RETURN(u);
  CAF_CHECK_EQUAL(u->cpu_ticks, 200u);
  CAF_CHECK_EQUAL(u->rss_pages, 3456u);
  // Numbers in the name must not shift the fields.
  auto v = parse_process_stat("7 (1 2 3 (4) 5 6 7 8 9 10 11 12) R 1 7 7 0 -1 0 0 0 0 0 9 1 0 0 "
                              "20 0 1 0 99 4096 12 0\n");
  REQUIRE_OR_RETURN(v);
  CAF_CHECK_EQUAL(v->cpu_ticks, 10u);
  CAF_CHECK_EQUAL(v->rss_pages, 12u);
}

CAF_TEST(process stat of a kernel thread) {
  auto u = parse_process_stat("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 31 0 0 20 0 1 0 2 "
                              "0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 0 1 0 0 "
                              "0 0 0 0 0 0 0 0 0 0 0");
  REQUIRE_OR_RETURN(u);
  CAF_CHECK_EQUAL(u->cpu_ticks, 31u);
  CAF_CHECK_EQUAL(u->rss_pages, 0u);
}

CAF_TEST(malformed process stat is nullopt) {
  CAF_CHECK(!parse_process_stat(""));
  CAF_CHECK(!parse_process_stat("\n"));
  CAF_CHECK(!parse_process_stat("4242 cat S 1 2 3"));
  CAF_CHECK(!parse_process_stat("4242 (cat S 1 4242 4242 0 -1 0 0 0 0 0 153 47 0 0 20 0 1 0 1 "
                                "2 3\n"));
  CAF_CHECK(!parse_process_stat("x (cat) S 1 4242 4242 0 -1 0 0 0 0 0 153 47 0 0 20 0 1 0 1 2 "
                                "3\n"));
  // Truncated before rss (field 24).
  CAF_CHECK(!parse_process_stat("4242 (cat) S 1 4242 4242 0 -1 0 0 0 0 0 153 47 0 0 20 0 1 0 1 "
                                "2\n"));
  // utime not a count.
  CAF_CHECK(!parse_process_stat("4242 (cat) S 1 4242 4242 0 -1 0 0 0 0 0 -153 47 0 0 20 0 1 0 "
                                "1 2 3\n"));
  CAF_CHECK(!parse_process_stat("4242 (cat) S 1 4242 4242 0 -1 0 0 0 0 0 1x 47 0 0 20 0 1 0 "
                                "1 2 3\n"));
  // utime + stime beyond uint64_t is not a made-up sum.
  CAF_CHECK(!parse_process_stat("4242 (cat) S 1 4242 4242 0 -1 0 0 0 0 0 18446744073709551615 "
                                "1 0 0 20 0 1 0 1 2 3\n"));
}

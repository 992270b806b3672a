// demand_memory (actors/scaler/demand_memory.hpp): peaks per 5-minute bucket,
// the recent peak, the same time on earlier days, and a ring that forgets
// what is older than it keeps.
#define CAF_SUITE demand_memory

#include <caf/test/unit_test.hpp>

#include <limits>
#include <vector>

#include "actors/scaler/demand_memory.hpp"

using namespace conductor;
using namespace std::chrono_literals;

CAF_TEST(the recent peak covers the window in whole buckets) {
  demand_memory m{1h, 0, 0s};
  m.record(0s, 5);
  m.record(10min, 9);
  m.record(11min, 3); // same bucket as 10 min: the peak stays 9
  m.record(50min, 2);
  CAF_CHECK_EQUAL(m.recent_peak(50min, 1h), 9);
  CAF_CHECK_EQUAL(m.recent_peak(50min, 30min), 2);
  // An hour on, 10 min has left the window.
  CAF_CHECK_EQUAL(m.recent_peak(75min, 1h), 2);
  CAF_CHECK_EQUAL(m.recent_peak(3h, 1h), 0);
}

CAF_TEST(the seasonal peak looks at the same time on earlier days) {
  demand_memory m{1h, 3, 40min};
  auto day = std::chrono::nanoseconds{24h};
  // A daily spike at 06:00 on day 0; nothing else but a floor.
  for (auto t = 0min; t < 24h; t += 5min)
    m.record(t, t == 6h ? 50 : 1);
  // The next day, an hour before and within 40 minutes of 06:00.
  CAF_CHECK_EQUAL(m.seasonal_peak(day + 5h, 3, 40min), 1);
  CAF_CHECK_EQUAL(m.seasonal_peak(day + 5h + 30min, 3, 40min), 50);
  CAF_CHECK_EQUAL(m.seasonal_peak(day + 6h + 40min, 3, 40min), 50);
  CAF_CHECK_EQUAL(m.seasonal_peak(day + 6h + 50min, 3, 40min), 1);
  // Three days later it is still remembered, four days later no more.
  CAF_CHECK_EQUAL(m.seasonal_peak(3 * day + 6h, 3, 40min), 50);
  CAF_CHECK_EQUAL(m.seasonal_peak(4 * day + 6h, 3, 40min), 0);
  // Without days there is no seasonal peak.
  CAF_CHECK_EQUAL(m.seasonal_peak(day + 6h, 0, 40min), 0);
}

CAF_TEST(the ring forgets what it cannot keep without mixing it up) {
  demand_memory m{1h, 1, 10min};
  auto day = std::chrono::nanoseconds{24h};
  m.record(6h, 70);
  // Two days later the slot holds a different bucket: not 70.
  m.record(2 * day + 6h, 4);
  CAF_CHECK_EQUAL(m.seasonal_peak(3 * day + 6h, 1, 10min), 4);
  CAF_CHECK_EQUAL(m.recent_peak(2 * day + 6h, 1h), 4);
}

CAF_TEST(peaks read out and restored on another clock keep their time of day) {
  demand_memory m{1h, 2, 20min};
  auto day = std::chrono::nanoseconds{24h};
  // A spike at 06:00 and a floor, then the reading at 23:00.
  for (auto t = 0min; t < 23h; t += 5min)
    m.record(day + t, t == 6h ? 40 : 2);
  auto peaks = m.peaks(day + 23h);
  CAF_REQUIRE_EQUAL(peaks.size(), 23u * 12 + 1); // back to the first bucket seen
  CAF_CHECK_EQUAL(peaks[0], demand_memory::unseen); // 23:00 itself not yet
  CAF_CHECK_EQUAL(peaks[1], 2.f);
  CAF_CHECK_EQUAL(peaks[17 * 12], 40.f); // 17 hours before 23:00
  // After a reboot the clock starts near 0: the reading was 2 hours ago,
  // so 06:00 was 19 hours ago, before the clock's zero (and not on a
  // bucket's edge: buckets before zero round down too).
  demand_memory r{1h, 2, 20min};
  r.record(32min, 1);
  r.restore(32min - 2h, peaks);
  // 06:00 the next day (24h after the spike, 5 hours from now) sees it.
  auto six = 32min + 5h;
  CAF_CHECK_EQUAL(r.seasonal_peak(six, 2, 20min), 40);
  CAF_CHECK_EQUAL(r.seasonal_peak(six - 1h, 2, 20min), 2);
  // The recent hour: what was recorded since, and before it the reading.
  CAF_CHECK_EQUAL(r.recent_peak(32min, 1h), 1);
  CAF_CHECK_EQUAL(r.recent_peak(32min, 3h), 2);
  // Read out again, the same peaks come back, shifted by the 2 hours.
  auto again = r.peaks(32min);
  CAF_REQUIRE(again.size() > 24u + 17 * 12);
  CAF_CHECK_EQUAL(again[24 + 17 * 12], 40.f);
}

CAF_TEST(restored peaks never replace newer use and skip what is not a peak) {
  demand_memory m{1h, 1, 10min};
  m.record(10h, 7);
  // A reading whose newest bucket is 10h: 3 there, less than 7 kept.
  m.restore(10h, {3, 9, demand_memory::unseen, -5, std::numeric_limits<float>::infinity()});
  CAF_CHECK_EQUAL(m.recent_peak(10h, 1min), 7);
  CAF_CHECK_EQUAL(m.recent_peak(10h, 10min), 9);
  auto peaks = m.peaks(10h);
  CAF_REQUIRE_EQUAL(peaks.size(), 2u);
  CAF_CHECK_EQUAL(peaks[1], 9.f);
  // More peaks than the ring holds: the oldest are dropped, not wrapped
  // onto newer buckets.
  demand_memory small{10min, 0, 0s};
  small.restore(1h, std::vector<float>(50, 8));
  small.record(1h + 5min, 1);
  CAF_CHECK_EQUAL(small.recent_peak(1h + 5min, 5min), 1);
  CAF_CHECK_EQUAL(small.recent_peak(1h + 5min, 10min), 8);
}

// demand_memory (actors/scaler/demand_memory.hpp): peaks per 5-minute bucket,
// the recent peak, the same time on earlier days, and a ring that forgets
// what is older than it keeps.
#define CAF_SUITE demand_memory

#include <caf/test/unit_test.hpp>

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

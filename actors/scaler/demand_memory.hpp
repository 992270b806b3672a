// demand_memory.hpp -- the peaks of one resource's use over the last days, so
// that target sizing (policy_profile::sizing) can size a limit for the peak
// that is coming: the highest use of the last hour, and of the same time of
// day on each of the last days (daily jobs, backups, the morning rush).
//
// Use is kept as the peak per 5-minute bucket of monotonic time in a ring of
// seasonal_days days and a window: 288 buckets a day, 7 KiB for 3 days. A day is a
// whole number of buckets, so "the same time yesterday" is a fixed distance in
// buckets. Plain C++: time is the caller's monotonic `now`.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace conductor {

class demand_memory {
public:
  using duration = std::chrono::nanoseconds;

  static constexpr duration bucket = std::chrono::minutes{5};

  /// Keeps enough for recent_peak() over `peak_window` and seasonal_peak()
  /// over `days` days back with `seasonal_window` either side.
  demand_memory(duration peak_window, int days, duration seasonal_window);

  /// The use seen at `now`.
  void record(duration now, double used);

  /// The highest use recorded within (now - window, now]: whole buckets, so
  /// up to one bucket more.
  double recent_peak(duration now, duration window) const;

  /// The highest use recorded within `window` either side of the same time
  /// on each of the last `days` days; 0 when none of them was seen yet.
  double seasonal_peak(duration now, int days, duration window) const;

private:
  struct slot {
    /// The bucket's number (monotonic time / bucket, 20 000 years in 31
    /// bits); -1 when never used. With the float, 8 bytes a bucket.
    int32_t index = -1;
    float peak = 0;
  };

  double peak_over(int64_t first, int64_t last) const;

  std::vector<slot> ring_;
};

} // namespace conductor

// demand_memory.hpp -- the peaks of one resource's use over the last days, so
// that target sizing (policy_profile::sizing) can size a limit for the peak
// that is coming: the highest use of the last hour, and of the same time of
// day on each of the last days (daily jobs, backups, the morning rush).
//
// Use is kept as the peak per 5-minute bucket of monotonic time in a ring of
// seasonal_days days and a window: 288 buckets a day, 7 KiB for 3 days. A day is a
// whole number of buckets, so "the same time yesterday" is a fixed distance in
// buckets. Plain C++: time is the caller's monotonic `now`; it may be
// negative for peaks restored from before the clock's zero (a reboot).
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

  /// What to keep across a restart: the peaks, newest first, from the bucket
  /// of `now` back as far as the ring reaches; `unseen` (-1) for a bucket
  /// with no use recorded. Unseen buckets at the end are left out.
  std::vector<float> peaks(duration now) const;

  /// Takes back peaks() read at `then` (on this memory's clock): each lands
  /// in the bucket as far before `then` as it was before the reading. A
  /// bucket recorded since keeps the larger peak; one the ring no longer
  /// holds, or an unseen one, is skipped.
  void restore(duration then, const std::vector<float>& saved);

  static constexpr float unseen = -1;

private:
  struct slot {
    /// The bucket's number (monotonic time / bucket, +-20 000 years in 32
    /// bits); never_used when empty. With the float, 8 bytes a bucket.
    int32_t index = never_used;
    float peak = 0;
  };
  static constexpr int32_t never_used = INT32_MIN;

  slot& slot_of(int64_t index);
  const slot& slot_of(int64_t index) const;

  double peak_over(int64_t first, int64_t last) const;

  std::vector<slot> ring_;
};

} // namespace conductor

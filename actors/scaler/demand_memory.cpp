#include "actors/scaler/demand_memory.hpp"

#include <algorithm>

namespace conductor {

namespace {

constexpr int64_t buckets_per_day = std::chrono::hours{24} / demand_memory::bucket;

int64_t index_of(demand_memory::duration t) {
  return t / demand_memory::bucket;
}

/// Whole buckets covering `window`, at least one.
int64_t buckets_in(demand_memory::duration window) {
  return std::max<int64_t>(1, (window + demand_memory::bucket - demand_memory::duration{1})
                                / demand_memory::bucket);
}

} // namespace

demand_memory::demand_memory(duration peak_window, int days, duration seasonal_window)
  : ring_(static_cast<size_t>(std::max(buckets_in(peak_window),
                                       std::max(0, days) * buckets_per_day
                                         + buckets_in(seasonal_window) + 1))) {
}

void demand_memory::record(duration now, double used) {
  auto i = index_of(now);
  auto& s = ring_[static_cast<size_t>(i % static_cast<int64_t>(ring_.size()))];
  if (s.index != i)
    s = slot{static_cast<int32_t>(i), static_cast<float>(used)};
  else
    s.peak = std::max(s.peak, static_cast<float>(used));
}

double demand_memory::peak_over(int64_t first, int64_t last) const {
  auto size = static_cast<int64_t>(ring_.size());
  double peak = 0;
  for (auto i = std::max<int64_t>(first, 0); i <= last; ++i) {
    const auto& s = ring_[static_cast<size_t>(i % size)];
    if (s.index == i)
      peak = std::max(peak, static_cast<double>(s.peak));
  }
  return peak;
}

double demand_memory::recent_peak(duration now, duration window) const {
  auto last = index_of(now);
  return peak_over(last - buckets_in(window) + 1, last);
}

double demand_memory::seasonal_peak(duration now, int days, duration window) const {
  auto centre = index_of(now);
  auto half = buckets_in(window);
  double peak = 0;
  for (int d = 1; d <= days; ++d) {
    auto c = centre - d * buckets_per_day;
    peak = std::max(peak, peak_over(c - half, c + half));
  }
  return peak;
}

} // namespace conductor

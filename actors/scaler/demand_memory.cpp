#include "actors/scaler/demand_memory.hpp"

#include <algorithm>
#include <cmath>

namespace conductor {

namespace {

constexpr int64_t buckets_per_day = std::chrono::hours{24} / demand_memory::bucket;

/// The bucket of `t`, rounded down also before the clock's zero.
int64_t index_of(demand_memory::duration t) {
  auto i = t / demand_memory::bucket;
  bool before_zero = t < demand_memory::duration::zero();
  return before_zero && t % demand_memory::bucket != demand_memory::duration::zero() ? i - 1 : i;
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

demand_memory::slot& demand_memory::slot_of(int64_t index) {
  auto size = static_cast<int64_t>(ring_.size());
  return ring_[static_cast<size_t>((index % size + size) % size)];
}

const demand_memory::slot& demand_memory::slot_of(int64_t index) const {
  return const_cast<demand_memory*>(this)->slot_of(index);
}

void demand_memory::record(duration now, double used) {
  auto i = index_of(now);
  auto& s = slot_of(i);
  if (s.index != i)
    s = slot{static_cast<int32_t>(i), static_cast<float>(used)};
  else
    s.peak = std::max(s.peak, static_cast<float>(used));
}

double demand_memory::peak_over(int64_t first, int64_t last) const {
  double peak = 0;
  for (auto i = first; i <= last; ++i) {
    const auto& s = slot_of(i);
    if (s.index == i)
      peak = std::max(peak, static_cast<double>(s.peak));
  }
  return peak;
}

std::vector<float> demand_memory::peaks(duration now) const {
  auto newest = index_of(now);
  std::vector<float> out;
  out.reserve(ring_.size());
  for (int64_t age = 0; age < static_cast<int64_t>(ring_.size()); ++age) {
    const auto& s = slot_of(newest - age);
    out.push_back(s.index == newest - age ? s.peak : unseen);
  }
  while (!out.empty() && out.back() == unseen)
    out.pop_back();
  return out;
}

void demand_memory::restore(duration then, const std::vector<float>& saved) {
  auto newest = index_of(then);
  auto ages = std::min(saved.size(), ring_.size());
  for (size_t age = 0; age < ages; ++age) {
    auto i = newest - static_cast<int64_t>(age);
    if (!std::isfinite(saved[age]) || saved[age] < 0 || i <= never_used || i > INT32_MAX)
      continue;
    auto& s = slot_of(i);
    if (s.index < i)
      s = slot{static_cast<int32_t>(i), saved[age]};
    else if (s.index == i)
      s.peak = std::max(s.peak, saved[age]);
  }
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

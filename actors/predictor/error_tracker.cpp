#include "actors/predictor/error_tracker.hpp"

#include <algorithm>
#include <cmath>

namespace conductor {

error_tracker::error_tracker(size_t horizon, size_t depth, bool with_quantiles)
  : horizon_(horizon), past_(horizon * horizon, 0.0), depth_(depth > 0 ? depth : 1),
    with_quantiles_(with_quantiles), errors_(horizon, value_ring{depth_}),
    abs_sums_(horizon, 0.0), since_fresh_sum_(horizon, 0),
    sorted_(with_quantiles ? horizon * depth_ : 0, 0.0), sorting_(with_quantiles ? horizon : 0) {
}

void error_tracker::observe(double actual) {
  auto reach = std::min(horizon_, recorded_);
  // The forecast for k steps ahead was recorded k records ago: walk the slots
  // backwards from the next one, wrapping by hand (no division per horizon:
  // this runs for four trackers a step).
  size_t slot = next_slot_;
  for (size_t k = 1; k <= reach; ++k) {
    slot = slot == 0 ? horizon_ - 1 : slot - 1;
    double error = actual - past_[slot * horizon_ + k - 1];
    if (!std::isfinite(error))
      continue;
    auto& ring = errors_[k - 1];
    bool full = ring.full();
    double evicted = full ? ring[0] : 0.0;
    ring.push(error);
    auto& sum = abs_sums_[k - 1];
    if (++since_fresh_sum_[k - 1] >= depth_) {
      sum = 0;
      for (size_t i = 0; i < ring.size(); ++i)
        sum += std::abs(ring[i]);
      since_fresh_sum_[k - 1] = 0;
    } else {
      sum = std::max(0.0, sum + std::abs(error) - std::abs(evicted));
    }
    if (with_quantiles_)
      sorting_[k - 1] = {full ? sort_step::replace : sort_step::insert, error, evicted, 0};
  }
  if (with_quantiles_)
    update_sorted(reach);
}

void error_tracker::update_sorted(size_t reach) {
  // All the bisections first, then all the walks. A bisection is a chain of
  // dependent loads, and a walk ends in a mispredicted branch, after which
  // nothing runs ahead: in this order the horizons' bisections overlap,
  // instead of each waiting for the walk before it (5 % of a replay).
  for (size_t k = 1; k <= reach; ++k) {
    auto& s = sorting_[k - 1];
    if (s.what == sort_step::replace)
      s.at = sorted_replace_from(sorted_.data() + (k - 1) * depth_, depth_, s.evicted, s.error);
  }
  for (size_t k = 1; k <= reach; ++k) {
    auto& s = sorting_[k - 1];
    double* first = sorted_.data() + (k - 1) * depth_;
    if (s.what == sort_step::replace)
      sorted_replace_at(first, depth_, s.at, s.error);
    else if (s.what == sort_step::insert)
      // The ring holds the new error already.
      sorted_insert(first, errors_[k - 1].size() - 1, s.error);
    s.what = sort_step::none;
  }
}

void error_tracker::record(const std::vector<double>& forecast) {
  auto offset = static_cast<std::ptrdiff_t>(next_slot_ * horizon_);
  std::copy_n(forecast.begin(), horizon_, past_.begin() + offset);
  ++recorded_;
  next_slot_ = next_slot_ + 1 == horizon_ ? 0 : next_slot_ + 1;
}

std::pair<double, double> error_tracker::quantiles(size_t k, double p_low, double p_high) {
  if (!with_quantiles_ || errors_[k - 1].empty())
    return {0.0, 0.0};
  return {quantile(k, std::min(p_low, p_high)), quantile(k, std::max(p_low, p_high))};
}

double error_tracker::quantile(size_t k, double p) const {
  // Position p * (n + 1) counted from 1, clamped to the sample's ends, and
  // interpolated between the order statistics either side of it.
  auto n = errors_[k - 1].size();
  const double* sorted = sorted_.data() + (k - 1) * depth_;
  double pos = std::clamp(p * static_cast<double>(n + 1) - 1, 0.0, static_cast<double>(n - 1));
  auto below = static_cast<size_t>(pos);
  auto above = std::min(below + 1, n - 1);
  double frac = pos - static_cast<double>(below);
  return sorted[below] + frac * (sorted[above] - sorted[below]);
}

} // namespace conductor

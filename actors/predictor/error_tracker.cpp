#include "actors/predictor/error_tracker.hpp"

#include <algorithm>
#include <cmath>

namespace conductor {

error_tracker::error_tracker(size_t horizon, size_t depth, bool with_quantiles)
  : horizon_(horizon), past_(horizon * horizon, 0.0), depth_(depth > 0 ? depth : 1),
    with_quantiles_(with_quantiles), errors_(horizon, value_ring{depth_}),
    abs_sums_(horizon, 0.0), since_fresh_sum_(horizon, 0),
    sorted_(with_quantiles ? horizon * depth_ : 0, 0.0) {
}

void error_tracker::observe(double actual) {
  auto reach = std::min(horizon_, recorded_);
  for (size_t k = 1; k <= reach; ++k) {
    auto slot = (recorded_ - k) % horizon_;
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
      insert_sorted(k, error, full, evicted);
  }
}

void error_tracker::insert_sorted(size_t k, double error, bool full, double evicted) {
  auto first = sorted_.begin() + static_cast<std::ptrdiff_t>((k - 1) * depth_);
  // The errors kept before this one, sorted.
  auto n = static_cast<std::ptrdiff_t>(errors_[k - 1].size() - (full ? 0 : 1));
  auto last = first + n;
  if (full) {
    // The evicted error is in [first, last), found by bisection; the new one
    // takes its place, sliding only the values between the two by one (one
    // short move instead of a removal and an insertion).
    auto gone = std::lower_bound(first, last, evicted);
    auto at = std::upper_bound(first, last, error);
    if (at > gone) {
      std::move(gone + 1, at, gone);
      *(at - 1) = error;
    } else {
      std::move_backward(at, gone, gone + 1);
      *at = error;
    }
    return;
  }
  auto at = std::upper_bound(first, last, error);
  std::move_backward(at, last, last + 1);
  *at = error;
}

void error_tracker::record(const std::vector<double>& forecast) {
  auto slot = recorded_ % horizon_;
  auto offset = static_cast<std::ptrdiff_t>(slot * horizon_);
  std::copy_n(forecast.begin(), horizon_, past_.begin() + offset);
  ++recorded_;
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

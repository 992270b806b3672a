// error_tracker.hpp -- the realized errors of one forecaster, per horizon.
//
// It remembers the forecasts made at the last `horizon` steps (horizon x
// horizon values) and, when a step arrives, realizes the error of each
// forecast that targeted it: for horizon k, actual - the forecast made k steps
// earlier. The newest `depth` errors per horizon are kept, for their mean
// absolute value and their empirical quantiles.
//
// Plain C++: all storage is allocated by the constructor. Each horizon's
// errors are also kept sorted (if quantiles are wanted), updated by bisection
// and a walk over at most depth values (see sorted_replace_from() in
// value_ring.hpp), and their absolute sum is kept running (summed afresh
// every depth errors, so rounding cannot accumulate). observe() costs
// O(horizon x depth) at most, record() O(horizon), mean_abs() and
// quantiles() O(1).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "actors/predictor/value_ring.hpp"

namespace conductor {

class error_tracker {
public:
  /// Keeps `depth` errors per horizon; without `with_quantiles`,
  /// quantiles() is not available (returns zeros) and costs nothing.
  error_tracker(size_t horizon, size_t depth, bool with_quantiles = true);

  /// A step arrived with `actual`: realizes the errors of the forecasts
  /// recorded 1..horizon steps ago. Call once per step, before record().
  void observe(double actual);

  /// The forecasts made at this step: forecast[k - 1] for k steps ahead.
  void record(const std::vector<double>& forecast);

  /// Errors kept for horizon k (1-based).
  size_t count(size_t k) const {
    return errors_[k - 1].size();
  }

  /// Mean |error| over the errors kept for horizon k; 0 without any.
  double mean_abs(size_t k) const {
    auto n = errors_[k - 1].size();
    return n == 0 ? 0.0 : abs_sums_[k - 1] / static_cast<double>(n);
  }

  /// The p_low and p_high quantiles of the errors kept for horizon k (both 0
  /// without any), with the plotting positions p * (n + 1) (Weibull): an
  /// interval between them covers p_high - p_low of a further error from the
  /// same distribution, on average, even for few errors.
  std::pair<double, double> quantiles(size_t k, double p_low, double p_high);

private:
  /// Applies sorting_[0, reach) to the sorted errors.
  void update_sorted(size_t reach);

  /// The quantile at plotting position p of horizon k's sorted errors.
  double quantile(size_t k, double p) const;

  size_t horizon_;
  /// past_[slot * horizon_ + k - 1]: the forecast for k steps ahead recorded
  /// at the step whose record number modulo horizon_ is slot.
  std::vector<double> past_;
  size_t recorded_ = 0;
  /// recorded_ % horizon_: the slot the next record() fills.
  size_t next_slot_ = 0;
  size_t depth_;
  bool with_quantiles_;
  /// Per horizon, the newest `depth_` errors in arrival order...
  std::vector<value_ring> errors_;
  /// ...the sum of their absolute values...
  std::vector<double> abs_sums_;
  /// ...errors pushed since that sum was last computed afresh...
  std::vector<size_t> since_fresh_sum_;
  /// ...and the same errors sorted: sorted_[(k - 1) * depth_ + i].
  std::vector<double> sorted_;
  /// Per horizon, what observe() has left for update_sorted() to do.
  struct sort_step {
    enum { none, insert, replace } what = none;
    double error = 0;
    /// The error leaving the ring (replace only)...
    double evicted = 0;
    /// ...and its index in the sorted errors, once found.
    size_t at = 0;
  };
  std::vector<sort_step> sorting_;
};

} // namespace conductor

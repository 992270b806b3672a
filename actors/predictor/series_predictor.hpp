// series_predictor.hpp -- everything the predictor knows about one series,
// one step at a time: trend statistics over the window, an anomaly score, and
// a forecast for every step up to the horizon with prediction-interval bounds
// and a confidence earned by recent accuracy.
//
// Plain C++, no clock: the predictor actor feeds it completed steps (see
// step_aggregator.hpp), conductor-replay feeds it a trace's rows. The same
// code runs in both, so replay results are what the node would have done.
// Steady-state add_step() allocates nothing (buffers are sized at
// construction) and costs O(window) at most.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "actors/predictor/anomaly_detector.hpp"
#include "actors/predictor/error_tracker.hpp"
#include "actors/predictor/forecast_models.hpp"
#include "actors/predictor/value_ring.hpp"

namespace conductor {

struct prediction_params {
  /// Steps kept for statistics and the models that use a window.
  size_t window_steps = 60;
  /// Steps ahead forecast: forecast()[k - 1] is the value k steps ahead.
  size_t horizon_steps = 10;
  /// Coverage of the bounds, in (0, 1).
  double interval = 0.9;
  /// "auto" (the default model: see series_predictor.cpp for why), "ols"
  /// (the old design: least squares over the window, EMA 0.7), "naive"
  /// (the last value), "damped" (damped-trend exponential smoothing).
  std::string model = "auto";
};

/// The models `prediction_params::model` accepts.
const std::vector<std::string>& prediction_models();

/// Trend statistics over the window.
struct trend_stats {
  double mean = 0;
  double min = 0;
  double max = 0;
  /// Change per step of a least-squares line through the window.
  double slope_per_step = 0;
};

class series_predictor {
public:
  /// Throws std::invalid_argument on an unknown model or a zero window or
  /// horizon (configuration is validated before it gets here).
  explicit series_predictor(prediction_params params);

  /// One completed step. NaN or infinite values are ignored (no state change).
  void add_step(double value);

  /// Steps added so far.
  size_t steps() const;

  /// The newest step's value.
  double last() const;

  /// The anomaly score of the newest step, in [0, 1].
  double anomaly() const;

  /// Forecasts, lower and upper bounds, horizon_steps each; meaningful once
  /// steps() >= 1 (the last value until a model has more to go on).
  const std::vector<double>& forecast() const;
  const std::vector<double>& lower() const;
  const std::vector<double>& upper() const;

  /// In [0, 1]: how well forecasts of this series matched what followed,
  /// recently. 0 until there is a track record.
  double confidence() const;

  trend_stats stats() const;

  const prediction_params& params() const;

private:
  enum class model_kind { automatic, ols, naive, damped };

  /// Runs the configured model(s) on the window, which holds the new step.
  void push_to_window(double value);
  void update_models(double value);
  /// "auto": per horizon, the candidate with the least recent error.
  void choose_forecast();
  void update_bounds();
  void update_confidence();
  /// Replaces anything non-finite by the last value and orders the bounds.
  void sanitize();

  prediction_params params_;
  model_kind kind_;
  /// The newest window_steps values...
  value_ring window_;
  /// ...their sum and sum of squares, kept running for an O(1) spread
  /// (summed afresh every window_steps pushes, so rounding cannot drift).
  double window_sum_ = 0;
  double window_sum_squares_ = 0;
  size_t pushes_since_fresh_sum_ = 0;
  size_t steps_ = 0;
  anomaly_detector detector_;
  double anomaly_ = 0;
  double confidence_ = 0;
  /// The standard normal quantile of (1 + interval) / 2, for bounds before
  /// there are errors enough to take quantiles of.
  double z_;
  naive_forecaster naive_;
  median_forecaster median_;
  damped_trend_forecaster damped_;
  ols_ema_forecaster ols_;
  /// "auto" only: the realized errors of each candidate (naive, median,
  /// damped), to choose between them per horizon...
  std::vector<error_tracker> candidate_errors_;
  /// ...and the candidate chosen for each horizon.
  std::vector<size_t> chosen_;
  /// The realized errors of the published forecast: bounds and confidence.
  error_tracker errors_;
  std::vector<double> forecast_;
  std::vector<double> lower_;
  std::vector<double> upper_;
};

} // namespace conductor

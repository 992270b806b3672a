// forecast_models.hpp -- the point forecasters series_predictor chooses from.
// Each learns one step at a time and keeps a forecast for steps 1..horizon
// ahead; intervals, confidence and model choice are series_predictor's.
//
// Plain C++: all storage is allocated by the constructors, so update() never
// allocates; update() costs O(horizon) or O(window).
#pragma once

#include <cstddef>
#include <vector>

#include "actors/predictor/value_ring.hpp"

namespace conductor {

/// A least-squares line through a window, x = 0 for the oldest value.
struct line_fit {
  double mean = 0;
  double slope = 0;
  /// The mean of x, (size - 1) / 2: the line passes through (x_mean, mean).
  double x_mean = 0;
};

/// Fits the line through the values of `window` (slope 0 for fewer than two
/// values). Centred sums keep it exact on constant and huge values.
line_fit fit_line(const value_ring& window);

/// What every forecaster shares: forecast()[k - 1] is the value k steps after
/// the newest step learned.
class point_forecaster {
public:
  const std::vector<double>& forecast() const {
    return forecast_;
  }

protected:
  explicit point_forecaster(size_t horizon) : forecast_(horizon, 0.0) {
  }

  void fill(double value);

  std::vector<double> forecast_;
};

/// Persistence: every step ahead is the newest value.
class naive_forecaster : public point_forecaster {
public:
  explicit naive_forecaster(size_t horizon) : point_forecaster(horizon) {
  }

  /// Learns the newest step, `window.back()`.
  void update(const value_ring& window);
};

/// A robust level: the median of the newest `span` values (fewer until
/// `span` have been learned), flat over the horizon. CPU utilisation is
/// mostly noise around a level, often quantised, with spikes: the median
/// ignores spikes and lands on the level.
class median_forecaster : public point_forecaster {
public:
  median_forecaster(size_t horizon, size_t span);

  /// Learns the newest step. O(span) at most: the values are kept sorted,
  /// one in and one out per step, rather than selected afresh.
  void update(double value);

private:
  /// The newest `span` values in arrival order...
  value_ring recent_;
  /// ...and the same sorted (the first recent_.size() entries).
  std::vector<double> sorted_;
};

/// Damped-trend exponential smoothing (Gardner & McKenzie):
///   level_t = alpha * y_t + (1 - alpha) * (level_{t-1} + phi * trend_{t-1})
///   trend_t = beta * (level_t - level_{t-1}) + (1 - beta) * phi * trend_{t-1}
///   forecast(k) = level_t + (phi + phi^2 + ... + phi^k) * trend_t
/// started with level = y_1, trend = y_2 - y_1. The trend's effect fades
/// with the horizon, so a short run up is not extrapolated for ever.
class damped_trend_forecaster : public point_forecaster {
public:
  damped_trend_forecaster(size_t horizon, double alpha, double beta, double phi);

  void update(double value);

private:
  double alpha_;
  double beta_;
  double phi_;
  double level_ = 0;
  double trend_ = 0;
  size_t steps_ = 0;
};

/// The old design: a least-squares line through the window extrapolated k
/// steps past the newest value, each horizon's forecast smoothed by an EMA:
///   ema_k = smoothing * line_k + (1 - smoothing) * previous ema_k.
/// Fewer than three values give no line: the newest value stands in.
class ols_ema_forecaster : public point_forecaster {
public:
  ols_ema_forecaster(size_t horizon, double smoothing);

  void update(const value_ring& window);

private:
  double smoothing_;
  bool started_ = false;
};

} // namespace conductor

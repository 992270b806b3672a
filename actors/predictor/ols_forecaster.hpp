// ols_forecaster.hpp -- a sliding window per metric and a least-squares line
// through it: the old design's forecaster, kept as the baseline model.
//
// Plain C++ with time as a parameter: the predictor actor feeds it, tests and
// conductor-replay drive it with their own clocks.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>

namespace conductor {

/// One forecast of one metric.
struct forecast_result {
  double predicted = 0;
  double lower = 0;
  double upper = 0;
  /// In [0, 1]; see ols_forecaster::forecast for how it is made.
  double confidence = 0;
};

/// The standard normal quantile: z such that P(Z <= z) = p, for p in (0, 1).
double normal_quantile(double p);

class ols_forecaster {
public:
  using duration = std::chrono::nanoseconds;

  /// Keeps the points of the last `window`.
  explicit ols_forecaster(duration window);

  /// Adds a point at monotonic time `t` and drops those older than the window.
  /// Points must come in time order; an older point is ignored.
  void add(duration t, double value);

  /// Changes the window length; points beyond it are dropped at the next add.
  void set_window(duration window);

  /// Points in the window.
  size_t size() const {
    return points_.size();
  }

  /// The newest value, if any.
  std::optional<double> last() const;

  /// Forecast `horizon` after the newest point, with bounds covering
  /// `coverage` of the outcomes if the residuals are normal. Fewer than three
  /// points give no line: the forecast is the last value with confidence 0.
  std::optional<forecast_result> forecast(duration horizon, double coverage) const;

private:
  struct point {
    duration t;
    double value;
  };
  duration window_;
  std::deque<point> points_;
};

} // namespace conductor

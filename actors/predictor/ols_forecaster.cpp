#include "actors/predictor/ols_forecaster.hpp"

#include <algorithm>
#include <cmath>

namespace conductor {

namespace {

/// Below this many points the line is not trusted fully (confidence ramps up).
constexpr double full_trust_points = 10;

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

} // namespace

double normal_quantile(double p) {
  // Bisection on the CDF: exact to double precision in 100 steps, and this is
  // computed once per settings change, not per sample.
  p = std::clamp(p, 1e-12, 1 - 1e-12);
  double lo = -40;
  double hi = 40;
  for (int i = 0; i < 100; ++i) {
    double mid = (lo + hi) / 2;
    double cdf = 0.5 * std::erfc(-mid / std::sqrt(2.0));
    if (cdf < p)
      lo = mid;
    else
      hi = mid;
  }
  return (lo + hi) / 2;
}

ols_forecaster::ols_forecaster(duration window) : window_(window) {
}

void ols_forecaster::add(duration t, double value) {
  if (!points_.empty() && t < points_.back().t)
    return;
  points_.push_back({t, value});
  while (!points_.empty() && t - points_.front().t > window_)
    points_.pop_front();
}

void ols_forecaster::set_window(duration window) {
  window_ = window;
}

std::optional<double> ols_forecaster::last() const {
  if (points_.empty())
    return std::nullopt;
  return points_.back().value;
}

std::optional<forecast_result> ols_forecaster::forecast(duration horizon,
                                                        double coverage) const {
  if (points_.empty())
    return std::nullopt;
  auto n = static_cast<double>(points_.size());
  if (points_.size() < 3) {
    auto v = points_.back().value;
    return forecast_result{v, v, v, 0.0};
  }
  // x in seconds relative to the newest point keeps the sums well conditioned.
  auto t0 = points_.back().t;
  double sx = 0;
  double sy = 0;
  for (const auto& p : points_) {
    sx += seconds(p.t - t0);
    sy += p.value;
  }
  double mx = sx / n;
  double my = sy / n;
  double sxx = 0;
  double sxy = 0;
  for (const auto& p : points_) {
    double dx = seconds(p.t - t0) - mx;
    sxx += dx * dx;
    sxy += dx * (p.value - my);
  }
  double slope = sxx > 0 ? sxy / sxx : 0;
  double intercept = my - slope * mx;
  double ssr = 0;
  for (const auto& p : points_) {
    double r = p.value - (intercept + slope * seconds(p.t - t0));
    ssr += r * r;
  }
  double sd = std::sqrt(ssr / (n - 2));
  double h = seconds(horizon);
  double predicted = intercept + slope * h;
  // The prediction interval of a least-squares line: wider the further the
  // horizon lies from the centre of the window.
  double leverage = sxx > 0 ? (h - mx) * (h - mx) / sxx : 0;
  double half = normal_quantile(0.5 + coverage / 2) * sd * std::sqrt(1 + 1 / n + leverage);
  // Confidence: how much evidence there is (enough points, and a window at
  // least as long as the horizon: three seconds of data say little about the
  // next five minutes), times how narrow the interval is relative to the value
  // (a forecast of 50 +- 50 deserves little trust).
  double span = seconds(points_.back().t - points_.front().t);
  double fill = std::min(1.0, n / full_trust_points) * std::min(1.0, h > 0 ? span / h : 1.0);
  double precision = 1 / (1 + half / std::max(1.0, std::abs(predicted)));
  return forecast_result{predicted, predicted - half, predicted + half, fill * precision};
}

} // namespace conductor

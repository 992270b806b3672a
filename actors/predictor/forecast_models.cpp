#include "actors/predictor/forecast_models.hpp"

#include <algorithm>
#include <cmath>

namespace conductor {

line_fit fit_line(const value_ring& window) {
  line_fit fit;
  auto n = window.size();
  if (n == 0)
    return fit;
  double sum = 0;
  for (size_t i = 0; i < n; ++i)
    sum += window[i];
  fit.mean = sum / static_cast<double>(n);
  fit.x_mean = static_cast<double>(n - 1) / 2;
  if (n < 2)
    return fit;
  double sxx = 0;
  double sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    double dx = static_cast<double>(i) - fit.x_mean;
    sxx += dx * dx;
    sxy += dx * (window[i] - fit.mean);
  }
  fit.slope = sxy / sxx;
  return fit;
}

void point_forecaster::fill(double value) {
  std::fill(forecast_.begin(), forecast_.end(), value);
}

void naive_forecaster::update(const value_ring& window) {
  fill(window.back());
}

median_forecaster::median_forecaster(size_t horizon, size_t span)
  : point_forecaster(horizon), recent_(span), sorted_(recent_.capacity(), 0.0) {
}

void median_forecaster::update(double value) {
  auto m = recent_.size();
  if (recent_.full()) {
    sorted_replace(sorted_.data(), m, recent_[0], value);
  } else {
    sorted_insert(sorted_.data(), m, value);
    ++m;
  }
  recent_.push(value);
  double median = sorted_[m / 2];
  if (m % 2 == 0) {
    // The mean of the two middle values, taken halfway from the lower one.
    double lower = sorted_[m / 2 - 1];
    median = lower + (median - lower) / 2;
  }
  fill(median);
}

damped_trend_forecaster::damped_trend_forecaster(size_t horizon, double alpha, double beta,
                                                 double phi)
  : point_forecaster(horizon), alpha_(alpha), beta_(beta), phi_(phi) {
}

void damped_trend_forecaster::update(double value) {
  if (steps_ == 0) {
    level_ = value;
    trend_ = 0;
  } else if (steps_ == 1) {
    trend_ = value - level_;
    level_ = value;
  } else {
    double previous = level_;
    level_ = alpha_ * value + (1 - alpha_) * (level_ + phi_ * trend_);
    trend_ = beta_ * (level_ - previous) + (1 - beta_) * phi_ * trend_;
  }
  if (!std::isfinite(level_) || !std::isfinite(trend_)) {
    // Only reachable near the limits of double: start again from this value.
    level_ = value;
    trend_ = 0;
  }
  ++steps_;
  double damping = 0;
  double power = 1;
  for (auto& f : forecast_) {
    power *= phi_;
    damping += power;
    f = level_ + damping * trend_;
  }
}

ols_ema_forecaster::ols_ema_forecaster(size_t horizon, double smoothing)
  : point_forecaster(horizon), smoothing_(smoothing) {
}

void ols_ema_forecaster::update(const value_ring& window) {
  auto n = window.size();
  line_fit fit;
  bool line = n >= 3;
  if (line)
    fit = fit_line(window);
  for (size_t k = 1; k <= forecast_.size(); ++k) {
    double x = static_cast<double>(n - 1 + k);
    double fresh = line ? fit.mean + fit.slope * (x - fit.x_mean) : window.back();
    auto& ema = forecast_[k - 1];
    ema = started_ ? smoothing_ * fresh + (1 - smoothing_) * ema : fresh;
  }
  started_ = true;
}

} // namespace conductor

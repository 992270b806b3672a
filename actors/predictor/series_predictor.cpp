#include "actors/predictor/series_predictor.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "actors/predictor/normal_quantile.hpp"

namespace conductor {

// Why "auto" is what it is -- measured with ../shared/eval/forecast_eval.py
// on the 7 NAB CPU series (realAWSCloudwatch/*cpu*, 5-minute rows; this class
// fed row by row, window_steps 60, horizon_steps 3, interval 0.9). MAE as a
// ratio of naive persistence's MAE, geometric mean over the series (lower is
// better; targets for auto: <= 0.95 at h1, <= 0.90 at h3), and the share of
// actual values inside the 90 % bounds:
//
//   model    ratio h1  ratio h3  coverage h1  coverage h3
//   auto       0.687     0.724      91.3 %       90.7 %
//   ols        0.991     0.949      88.8 %       87.7 %   (the old design)
//   naive      1.000     1.000      91.5 %       91.5 %
//   damped     0.941     0.976      90.0 %       89.4 %
//
// Per series, auto's h1/h3 ratios are 0.51/0.64, 0.63/0.63, 1.04/0.99 (77c1ca:
// bursts where persistence is hard to beat), 0.92/0.85, 0.70/0.81, 0.52/0.60
// and 0.65/0.64; per-series coverage is 88.0-95.2 % (95.2 % at h1 on c6585a,
// whose values are quantised, so errors tie at the quantiles).
//
// Alternatives measured the same way (a prototype of each, geometric-mean
// ratios at h1/h3): median of the last 10 steps alone 0.78/0.75 (but 2.3 on
// 77c1ca); simple exponential smoothing (alpha 0.3) 0.88/0.86; 0.3 x last +
// 0.7 x median-of-10 0.83/0.80; inverse-recent-MAE weighting of naive,
// median, SES, damped and mean-of-10 0.84/0.83 (0.76/0.79 with weights
// MAE^-4); choosing the best of those five by recent MAE 0.68/0.72; choosing
// from naive, median and damped only 0.69/0.72 (kept: fewer parts, same
// result); an exponentially weighted error record or a margin in favour of
// naive changed the ratios by less than 0.01. Error records of 30 or 120 steps
// instead of 60 also changed them by less than 0.01.
//
// CPU utilisation is mostly noise around a level, often quantised to a few
// values, with spikes and level shifts: a line fitted to it chases the noise
// (the old OLS+EMA), and persistence repeats every spike. A median of the last
// few steps finds the level and ignores spikes, but is slow after a shift and
// wrong on a trend; persistence and the damped trend are right there. So
// "auto" runs three candidates -- naive, the median of the last 10 steps, the
// damped trend -- and, per horizon, publishes the one whose forecasts for that
// horizon had the least mean absolute error over its last
// max(window_steps, min_track_depth) realized errors (ties go to naive). A
// horizon whose candidates have too few errors yet takes the choice of the
// longest horizon that has them (naive when none has): a clean ramp is
// followed within a few steps, not only once the farthest horizon has a
// record.
// Weighting the candidates by inverse error did worse than choosing: the best
// candidate is usually much better than the rest.
//
// Bounds: per horizon k, the empirical (1 - interval) / 2 and (1 + interval)
// / 2 quantiles of as many realized errors of the published
// forecast (actual - the forecast made k steps earlier), added to the
// forecast; before min_errors_for_quantiles errors exist, +- z * the RMS step
// change over the window * sqrt(k). Bounds always contain the forecast.

namespace {

/// Candidates of "auto", in tie-break order.
enum candidate : size_t { naive_candidate, median_candidate, damped_candidate, candidates };

/// Values the median candidate looks at.
constexpr size_t median_span = 10;

/// The damped trend (also the "damped" model): responsive enough to follow a
/// ramp, damped enough not to extrapolate a short run up for ever. Inside
/// "auto" the CPU ratios move by 0.001 at most across the settings tried
/// (beta 0.1-0.2, phi 0.98-0.99), so they are chosen for ramps: nine steps
/// into a clean ramp, the forecast six steps ahead holds 0.91 of the climb
/// (0.83 with phi 0.98). Slower settings (alpha 0.3, beta 0.05, phi 0.9)
/// score better alone on the CPU series (0.89/0.87) but forecast a clean ramp
/// below its last value.
constexpr double damped_alpha = 0.5;
constexpr double damped_beta = 0.1;
constexpr double damped_phi = 0.99;

/// The old design's EMA weight of the newest line forecast.
constexpr double ols_smoothing = 0.7;

/// Realized errors kept per horizon: at least this many, else window_steps.
constexpr size_t min_track_depth = 30;

/// Realized errors a candidate needs before "auto" trusts its record.
constexpr size_t min_errors_for_choice = 5;

/// Realized errors needed before bounds come from their quantiles.
constexpr size_t min_errors_for_quantiles = 10;

/// Realized one-step errors needed before confidence() is above 0.
constexpr size_t min_errors_for_confidence = 5;

/// Realized errors kept per horizon.
size_t track_depth(const prediction_params& params) {
  return std::max(params.window_steps, min_track_depth);
}

/// Throws on what the header promises to throw on. An interval outside
/// [0, 1] is clamped (0: bounds at the median error; 1: at the extremes), a
/// NaN one is taken as the default.
prediction_params validated(prediction_params params) {
  if (params.window_steps == 0)
    throw std::invalid_argument("series_predictor: window_steps must be positive");
  if (params.horizon_steps == 0)
    throw std::invalid_argument("series_predictor: horizon_steps must be positive");
  const auto& models = prediction_models();
  if (std::find(models.begin(), models.end(), params.model) == models.end())
    throw std::invalid_argument("series_predictor: unknown model '" + params.model
                                + "' (auto, ols, naive, damped)");
  params.interval = std::isnan(params.interval) ? prediction_params{}.interval
                                                : std::clamp(params.interval, 0.0, 1.0);
  return params;
}

} // namespace

const std::vector<std::string>& prediction_models() {
  static const std::vector<std::string> models{"auto", "ols", "naive", "damped"};
  return models;
}

series_predictor::series_predictor(prediction_params params)
  : params_(validated(std::move(params))),
    kind_(params_.model == "ols"     ? model_kind::ols
          : params_.model == "naive" ? model_kind::naive
          : params_.model == "damped" ? model_kind::damped
                                      : model_kind::automatic),
    window_(params_.window_steps),
    z_(normal_quantile((1 + params_.interval) / 2)),
    naive_(params_.horizon_steps),
    median_(params_.horizon_steps, std::min(median_span, params_.window_steps)),
    damped_(params_.horizon_steps, damped_alpha, damped_beta, damped_phi),
    ols_(params_.horizon_steps, ols_smoothing),
    errors_(params_.horizon_steps, track_depth(params_)),
    forecast_(params_.horizon_steps, 0.0),
    lower_(params_.horizon_steps, 0.0),
    upper_(params_.horizon_steps, 0.0) {
  if (kind_ == model_kind::automatic) {
    candidate_errors_.assign(candidates,
                             error_tracker{params_.horizon_steps, track_depth(params_), false});
    chosen_.assign(params_.horizon_steps, naive_candidate);
  }
}

void series_predictor::add_step(double value) {
  if (!std::isfinite(value))
    return;
  anomaly_ = std::clamp(detector_.update(value), 0.0, 1.0);
  push_to_window(value);
  ++steps_;
  errors_.observe(value);
  for (auto& errors : candidate_errors_)
    errors.observe(value);
  update_models(value);
  sanitize();
  errors_.record(forecast_);
  update_bounds();
  sanitize();
  update_confidence();
}

void series_predictor::push_to_window(double value) {
  if (window_.full()) {
    auto evicted = window_[0];
    window_sum_ -= evicted;
    window_sum_squares_ -= evicted * evicted;
  }
  window_.push(value);
  window_sum_ += value;
  window_sum_squares_ += value * value;
  if (++pushes_since_fresh_sum_ >= window_.capacity()) {
    pushes_since_fresh_sum_ = 0;
    window_sum_ = 0;
    window_sum_squares_ = 0;
    for (size_t i = 0; i < window_.size(); ++i) {
      window_sum_ += window_[i];
      window_sum_squares_ += window_[i] * window_[i];
    }
  }
}

void series_predictor::update_models(double value) {
  switch (kind_) {
    case model_kind::naive:
      naive_.update(window_);
      forecast_ = naive_.forecast();
      break;
    case model_kind::damped:
      damped_.update(value);
      forecast_ = damped_.forecast();
      break;
    case model_kind::ols:
      ols_.update(window_);
      forecast_ = ols_.forecast();
      break;
    case model_kind::automatic:
      naive_.update(window_);
      median_.update(value);
      damped_.update(value);
      candidate_errors_[naive_candidate].record(naive_.forecast());
      candidate_errors_[median_candidate].record(median_.forecast());
      candidate_errors_[damped_candidate].record(damped_.forecast());
      choose_forecast();
      break;
  }
}

void series_predictor::choose_forecast() {
  const std::vector<double>* forecasts[candidates]
    = {&naive_.forecast(), &median_.forecast(), &damped_.forecast()};
  // Records only get shorter with the horizon (an error for k steps ahead
  // takes k steps to realize): once one horizon lacks them, all longer ones
  // do, and take the choice made last.
  size_t best = naive_candidate;
  for (size_t k = 1; k <= params_.horizon_steps; ++k) {
    bool known = true;
    for (const auto& errors : candidate_errors_)
      known = known && errors.count(k) >= min_errors_for_choice;
    if (known) {
      best = naive_candidate;
      double best_error = candidate_errors_[naive_candidate].mean_abs(k);
      for (size_t c = naive_candidate + 1; c < candidates; ++c) {
        double error = candidate_errors_[c].mean_abs(k);
        if (error < best_error) {
          best = c;
          best_error = error;
        }
      }
    }
    chosen_[k - 1] = best;
    forecast_[k - 1] = (*forecasts[best])[k - 1];
  }
}

void series_predictor::update_bounds() {
  double p_low = (1 - params_.interval) / 2;
  double p_high = (1 + params_.interval) / 2;
  double step_rms = -1; // computed when first needed
  for (size_t k = 1; k <= params_.horizon_steps; ++k) {
    double f = forecast_[k - 1];
    double low = f;
    double high = f;
    if (errors_.count(k) >= min_errors_for_quantiles) {
      auto [q_low, q_high] = errors_.quantiles(k, p_low, p_high);
      low = f + q_low;
      high = f + q_high;
    } else {
      if (step_rms < 0) {
        double sum = 0;
        for (size_t i = 1; i < window_.size(); ++i) {
          double d = window_[i] - window_[i - 1];
          sum += d * d;
        }
        step_rms = window_.size() > 1
                     ? std::sqrt(sum / static_cast<double>(window_.size() - 1))
                     : 0.0;
      }
      double half = z_ * step_rms * std::sqrt(static_cast<double>(k));
      low = f - half;
      high = f + half;
    }
    lower_[k - 1] = std::min(low, f);
    upper_[k - 1] = std::max(high, f);
  }
}

void series_predictor::update_confidence() {
  // confidence = spread / (spread + error), where error is the mean absolute
  // realized error, over the kept errors, of the forecasts now published
  // (for "auto": of the candidate chosen for each horizon; else the model's),
  // averaged over the horizons that have any, and spread is the window's
  // standard deviation times sqrt(2 / pi) -- the mean absolute deviation of
  // normal noise, from running sums in O(1) where a true mean absolute
  // deviation costs a pass over the window (a fifth of a replay's time) --
  // at least 1e-9 of the mean's magnitude (so rounding errors on a flat
  // series do not count as misses).
  // 1: errors negligible against how much the series moves; 0.5: errors as
  // large as that spread (as good as guessing the mean of white noise);
  // towards 0 as errors dwarf it. 0 until min_errors_for_confidence one-step
  // errors have been realized.
  auto record = [this](size_t k) -> const error_tracker& {
    return kind_ == model_kind::automatic ? candidate_errors_[chosen_[k - 1]] : errors_;
  };
  if (record(1).count(1) < min_errors_for_confidence) {
    confidence_ = 0;
    return;
  }
  double error = 0;
  size_t horizons = 0;
  for (size_t k = 1; k <= params_.horizon_steps; ++k) {
    if (record(k).count(k) > 0) {
      error += record(k).mean_abs(k);
      ++horizons;
    }
  }
  error /= static_cast<double>(horizons);
  auto n = static_cast<double>(window_.size());
  double mean = window_sum_ / n;
  double variance = std::max(0.0, window_sum_squares_ / n - mean * mean);
  // Below the rounding of the sums, a flat window has no spread at all.
  if (variance <= 1e-12 * mean * mean)
    variance = 0;
  double spread = std::max(std::sqrt(variance) * std::sqrt(2 / M_PI), 1e-9 * std::abs(mean));
  if (error == 0)
    confidence_ = 1;
  else if (std::isfinite(error) && std::isfinite(spread))
    confidence_ = std::clamp(spread / (spread + error), 0.0, 1.0);
  else
    confidence_ = 0;
}

void series_predictor::sanitize() {
  double last = window_.back();
  for (size_t k = 0; k < params_.horizon_steps; ++k) {
    auto& f = forecast_[k];
    if (!std::isfinite(f))
      f = last;
    if (!std::isfinite(lower_[k]) || lower_[k] > f)
      lower_[k] = f;
    if (!std::isfinite(upper_[k]) || upper_[k] < f)
      upper_[k] = f;
  }
}

size_t series_predictor::steps() const {
  return steps_;
}

double series_predictor::last() const {
  return window_.empty() ? 0.0 : window_.back();
}

double series_predictor::anomaly() const {
  return anomaly_;
}

const std::vector<double>& series_predictor::forecast() const {
  return forecast_;
}

const std::vector<double>& series_predictor::lower() const {
  return lower_;
}

const std::vector<double>& series_predictor::upper() const {
  return upper_;
}

double series_predictor::confidence() const {
  return confidence_;
}

trend_stats series_predictor::stats() const {
  trend_stats stats;
  if (window_.empty())
    return stats;
  auto fit = fit_line(window_);
  stats.mean = fit.mean;
  stats.slope_per_step = fit.slope;
  stats.min = stats.max = window_[0];
  for (size_t i = 1; i < window_.size(); ++i) {
    stats.min = std::min(stats.min, window_[i]);
    stats.max = std::max(stats.max, window_[i]);
  }
  if (!std::isfinite(stats.mean))
    stats.mean = window_.back();
  if (!std::isfinite(stats.slope_per_step))
    stats.slope_per_step = 0;
  return stats;
}

const prediction_params& series_predictor::params() const {
  return params_;
}

} // namespace conductor

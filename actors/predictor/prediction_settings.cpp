#include "actors/predictor/prediction_settings.hpp"

#include <algorithm>

namespace conductor {

std::chrono::nanoseconds effective_step(const predictor_settings& s) {
  return s.step.count() > 0 ? s.step : s.horizon;
}

prediction_params make_prediction_params(const predictor_settings& s) {
  auto step = effective_step(s);
  prediction_params p;
  // The loader guarantees step <= horizon <= window.
  p.horizon_steps = std::max<size_t>(1, static_cast<size_t>(s.horizon / step));
  p.window_steps = std::max<size_t>(2, static_cast<size_t>(s.window / step));
  p.interval = s.interval;
  p.model = s.model;
  return p;
}

} // namespace conductor

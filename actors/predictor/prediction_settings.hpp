// prediction_settings.hpp -- the predictor's settings (durations, from the
// config) as series_predictor parameters (steps). Shared by the predictor
// actor and conductor-replay, so both run the same predictor.
#pragma once

#include <chrono>

#include "actors/predictor/series_predictor.hpp"
#include "messages/settings.hpp"

namespace conductor {

/// The step samples are aggregated into: prediction.step, or the horizon when
/// no step is set (settings built by hand in tests).
std::chrono::nanoseconds effective_step(const predictor_settings& s);

/// Window and horizon in steps (at least 2 and 1), interval and model.
prediction_params make_prediction_params(const predictor_settings& s);

} // namespace conductor

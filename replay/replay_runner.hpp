// replay_runner.hpp -- runs a trace through the node's own predictor and
// scaler code on a virtual clock driven by the trace's timestamps.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "actors/predictor/series_predictor.hpp"
#include "messages/settings.hpp"
#include "replay/csv_trace.hpp"

namespace conductor::replay {

struct replay_options {
  /// Window, horizon (in steps), interval and model of the predictor.
  prediction_params prediction;
  /// The step rows are aggregated into; the trace's spacing makes every
  /// row its own step.
  std::chrono::nanoseconds step{};
  /// The scaler's settings (mode, thresholds, confirmation, stabilization,
  /// evaluation interval, min_confidence).
  scaler_settings scaler;
  /// Which host metric the values stand for in the scaler's eyes:
  /// "cpu_percent" or "memory_percent".
  std::string as_metric = "cpu_percent";
};

/// Writes the result CSV to `out`: one row per trace row,
/// `timestamp,value,anomaly_score,forecast_h1..hN,lower_h1..hN,upper_h1..hN,
/// confidence,decision`. Cells are empty until the predictor has a step.
/// `decision` is the scaler's action when it decided on that row, else empty.
/// Returns false and sets `error` when writing fails.
bool run_replay(const trace& t, const replay_options& o, std::FILE* out, std::string& error);

} // namespace conductor::replay

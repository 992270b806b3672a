// predictor_actor.hpp -- the predictor's actor shell: per (source, metric),
// samples aggregated into steps and a series_predictor fed each completed
// step; a forecast is published per completed step.
#pragma once

#include <map>
#include <string>
#include <utility>

#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/predictor/prediction_settings.hpp"
#include "actors/predictor/series_predictor.hpp"
#include "actors/predictor/step_aggregator.hpp"
#include "actors/sink_set.hpp"

namespace conductor {

/// One series: its steps and what the predictor learned from them.
struct tracked_series {
  step_aggregator steps;
  series_predictor predictor;
};

struct predictor_state {
  predictor_settings settings;
  /// (source, metric) -> its series.
  std::map<std::pair<std::string, std::string>, tracked_series> series;
  sink_set<forecast_sink> sinks;
  static inline const char* name = "predictor";
};

/// Whether a metric is a percentage (bounded to [0, 100]) by its name.
bool is_percent(const std::string& metric);

/// The forecast message of a series after a step, as the node publishes it
/// (bounded to [0, 100] for percentages).
forecast make_forecast(const std::string& source, const std::string& metric,
                       caf::timestamp wall, const series_predictor& p,
                       std::chrono::nanoseconds step);

predictor_actor::behavior_type predictor(predictor_actor::stateful_pointer<predictor_state> self,
                                         predictor_settings settings);

} // namespace conductor

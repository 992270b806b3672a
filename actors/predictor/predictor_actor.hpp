// predictor_actor.hpp -- the predictor's actor shell: one forecaster per
// (source, metric), a forecast published per metric and sample.
#pragma once

#include <map>
#include <string>
#include <utility>

#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/predictor/ols_forecaster.hpp"
#include "actors/sink_set.hpp"

namespace conductor {

struct predictor_state {
  predictor_settings settings;
  /// (source, metric) -> its window.
  std::map<std::pair<std::string, std::string>, ols_forecaster> series;
  sink_set<forecast_sink> sinks;
  static inline const char* name = "predictor";
};

/// Whether a metric is a percentage (bounded to [0, 100]) by its name.
bool is_percent(const std::string& metric);

predictor_actor::behavior_type predictor(predictor_actor::stateful_pointer<predictor_state> self,
                                         predictor_settings settings);

} // namespace conductor

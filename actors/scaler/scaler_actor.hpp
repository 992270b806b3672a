// scaler_actor.hpp -- the scaler's actor shell: feeds samples, forecasts,
// health, plugin states and outcomes into the scaler engine, evaluates on a
// plan, and publishes its decisions (the plugin manager carries out the
// plugin steps among them).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/scaler/scaler_engine.hpp"
#include "actors/sink_set.hpp"

namespace conductor {

struct scaler_state {
  scaler_settings settings;
  scaler_engine engine{scaler_settings{}};
  sink_set<decision_sink> sinks;
  /// Who keeps the runtime state (persistence, the supervisor), and the last
  /// state they were sent (its `saved` left 0, for comparison).
  sink_set<state_sink> keepers;
  /// The durable audit log, for operators' commands.
  single_sink<audit_log> durable;
  runtime_state shared;
  /// Target sizing's memory of use, read once per 5-minute bucket (it is
  /// large, and changes with every evaluation), when (Unix seconds), and
  /// whether the keepers have it.
  std::vector<demand_peaks> demand;
  double demand_saved = 0;
  int64_t demand_bucket = INT64_MIN;
  bool demand_shared = true;
  /// What was resumed from a saved state, published with the first
  /// evaluation (when the sinks are there to hear it).
  std::optional<decision> resumed;
  /// The newest forecast per (source, metric) and sample per source, for
  /// operators (the API's prediction and metrics).
  std::map<std::pair<std::string, std::string>, forecast> forecasts;
  std::map<std::string, resource_sample> samples;
  /// The last decision published, for tests.
  decision last;
  /// When the next evaluation is due (planned, not measured).
  caf::actor_clock::time_point next_evaluation{};
  static inline const char* name = "scaler";
};

/// A scaler on `settings`, resuming `restored` (empty: a first start).
scaler_actor::behavior_type scaler(scaler_actor::stateful_pointer<scaler_state> self,
                                   scaler_settings settings, runtime_state restored);

} // namespace conductor

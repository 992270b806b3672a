// scaler_actor.hpp -- the scaler's actor shell: feeds samples and forecasts of
// the host into the pressure policy, evaluates on a plan, publishes decisions.
#pragma once

#include <map>
#include <string>

#include <caf/actor_clock.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/scaler/pressure_policy.hpp"
#include "actors/sink_set.hpp"

namespace conductor {

struct scaler_state {
  scaler_settings settings;
  pressure_policy policy;
  sink_set<decision_sink> sinks;
  /// When the next evaluation is due (planned, not measured).
  caf::actor_clock::time_point next_evaluation{};
  /// The last decision published, for status and tests.
  decision last;
  uint64_t decisions = 0;
  /// Per health target, its latest result (with failure rate and latency
  /// quantiles) and breaker state: what plugin decisions weigh.
  std::map<std::string, health_event> health;
  static inline const char* name = "scaler";
};

scaler_actor::behavior_type scaler(scaler_actor::stateful_pointer<scaler_state> self,
                                   scaler_settings settings);

} // namespace conductor

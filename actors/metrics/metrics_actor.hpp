// metrics_actor.hpp -- turns the events of the other actors into Prometheus
// gauges and counters. The registry outlives this actor (the node owns it),
// so a restart of this actor loses no series.
#pragma once

#include <map>
#include <string>

#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/metric_families.hpp"

namespace conductor {

struct metrics_state {
  metric_families* families = nullptr;
  /// Per plugin, the conductor_plugin_state series of its current state (the
  /// one set to 1; the previous state's series is removed).
  std::map<std::string, metric_series*> plugin_state;
  static inline const char* name = "metrics";
};

metrics_actor::behavior_type metrics(metrics_actor::stateful_pointer<metrics_state> self,
                                     metric_families* families);


/// A horizon as a label value: "300s".
std::string horizon_label(caf::timespan horizon);

} // namespace conductor

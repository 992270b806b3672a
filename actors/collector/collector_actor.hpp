// collector_actor.hpp -- the collector's actor shell: ticks on a plan, asks its
// probe for a reading and publishes it as a resource_sample.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <caf/actor_clock.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/collector/host_probe.hpp"
#include "actors/interfaces.hpp"
#include "actors/metric_families.hpp"
#include "actors/sink_set.hpp"

namespace conductor {

/// Makes the probe for a set of settings: the real host in the node, a
/// scripted one in tests. Called again when the filesystems, the plugins or
/// the cgroup root change.
using probe_factory = std::function<std::unique_ptr<sample_probe>(const collector_settings&)>;

struct collector_state {
  collector_settings settings;
  probe_factory make_probe;
  std::unique_ptr<sample_probe> probe;
  sink_set<sample_sink> sinks;
  metric_families* metrics = nullptr;
  /// When the next tick is due: planned from the schedule, never from when
  /// the last tick finished, so the ticks do not drift.
  caf::actor_clock::time_point next_tick{};
  /// Ticks taken and ticks skipped because a tick ran later than a whole interval.
  uint64_t ticks = 0;
  uint64_t skipped = 0;
  static inline const char* name = "collector";
};

/// Spawns the collector; the first tick is one interval after the start.
collector_actor::behavior_type collector(collector_actor::stateful_pointer<collector_state> self,
                                         collector_settings settings, probe_factory make_probe,
                                         metric_families* metrics);

} // namespace conductor

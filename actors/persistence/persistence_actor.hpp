// persistence_actor.hpp -- the persistence actor: the one owner of the SQLite
// connection. Samples are buffered and written in batches; decisions and
// breaker transitions are written at once.
//
// SQLite blocks, so the node spawns this actor detached (its own thread);
// tests spawn it on the deterministic scheduler.
#pragma once

#include <memory>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/metric_families.hpp"
#include "actors/persistence/sqlite_store.hpp"

namespace conductor {

struct persistence_state {
  persistence_settings settings;
  std::unique_ptr<sqlite_store> store;
  metric_families* metrics = nullptr;
  /// Samples waiting for the next batch write.
  std::vector<metric_row> pending;
  /// Whether a flush timer is armed (armed only while samples wait, so an
  /// idle actor has no timer at all).
  bool flush_armed = false;
  /// Monotonic time of the last prune of old metrics.
  caf::actor_clock::time_point last_prune{};
  static inline const char* name = "persistence";
};

/// Buffered rows beyond this are written at once, without waiting for the timer.
constexpr size_t persistence_max_batch = 1000;

persistence_actor::behavior_type
persistence(persistence_actor::stateful_pointer<persistence_state> self,
            persistence_settings settings, metric_families* metrics);

} // namespace conductor

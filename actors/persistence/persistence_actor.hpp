// persistence_actor.hpp -- the persistence actor: the one owner of the SQLite
// connection while the node runs.
//
// Samples are buffered and written in batches (write_queue: coalesced on a
// slow disk, the oldest dropped beyond a bound). Decisions, breaker
// transitions, plugin state changes and the runtime state are written at
// once with synchronous=FULL; `atom::audit` requests are answered with the
// row's id only after that commit. When the database cannot take a row (disk
// full, read-only, locked, corrupt, or it could not be opened at all) the
// actor says so once, clearly, keeps running, and retries with a growing
// delay; audit rows wait in order meanwhile.
//
// SQLite blocks, so the node spawns this actor detached (its own thread);
// tests spawn it on the deterministic scheduler.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <caf/actor_clock.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/metric_families.hpp"
#include "actors/persistence/sqlite_store.hpp"
#include "actors/persistence/write_queue.hpp"

namespace conductor {

struct persistence_state {
  persistence_settings settings;
  /// Null while the database cannot be opened.
  std::unique_ptr<sqlite_store> store;
  metric_families* metrics = nullptr;
  write_queue queue;
  /// The newest runtime state not yet saved.
  std::optional<runtime_state> unsaved_state;
  /// Whether a flush timer is armed (armed only while samples wait, so an
  /// idle actor has no timer at all).
  bool flush_armed = false;
  bool retry_armed = false;
  /// Why the database is unavailable; empty while it works. Logged when it
  /// changes, not on every failed write.
  std::string unavailable;
  /// Monotonic time of the last prune of old metrics; whether the last one
  /// found more than one batch (then the next flush prunes again).
  caf::actor_clock::time_point last_prune{};
  bool prune_more = false;
  static inline const char* name = "persistence";
};

persistence_actor::behavior_type
persistence(persistence_actor::stateful_pointer<persistence_state> self,
            persistence_settings settings, metric_families* metrics,
            write_queue::limits limits);

/// The runtime state kept in the database at `path`, read once at start
/// before the actors run. A missing database gives an empty state. Fails
/// (false, `error` says why, `why` the kind) when it cannot be read; a newer
/// schema among those failures means this conductor must not run on it.
bool load_runtime_state(const std::string& path, runtime_state& out, std::string& error,
                        store_failure& why);

} // namespace conductor

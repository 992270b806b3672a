// supervisor_actor.hpp -- spawns the node's actors, monitors them, restarts a
// crashed one (one-for-one) and re-wires every subscription after a restart.
//
// The supervisor is the composition root: the one place that includes other
// actors' headers, because it is the one that spawns them.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/cgroup_layout.hpp"
#include "actors/collector/collector_actor.hpp"
#include "actors/health/check_runner.hpp"
#include "actors/plugins/process_runner.hpp"
#include "actors/interfaces.hpp"
#include "actors/metric_families.hpp"
#include "actors/supervisor/restart_intensity.hpp"

namespace conductor {

/// What the supervisor needs besides settings. Not a message: given at spawn.
struct supervisor_deps {
  /// The registry every actor reports into; outlives the actors.
  std::shared_ptr<metrics_hub> metrics;
  /// Makes the collector's probe (the real host in the node).
  probe_factory make_probe;
  /// Runs the health checks (the check engine in the node).
  health::check_runner_factory make_check_runner = health::make_engine_runner;
  /// The host's cgroups, where plugins run; none: plugins run without.
  std::optional<cgroup_layout> cgroups;
  /// Starts, signals and reaps plugin processes (real ones in the node).
  process_runner_factory make_process_runner = conductor::make_process_runner;
  /// Spawn the blocking actors (persistence) on their own threads. Tests say
  /// false so that every actor runs on the deterministic test scheduler.
  bool detach_blocking = true;
  /// The scaler's runtime state from the database (node start): the scaler
  /// and the plugin manager start where the last run left off.
  runtime_state restored;
  /// Hears every event (the HTTP API's stream); none: nobody outside does.
  event_sink events;
  /// More than this many restarts of one child within restart_window ends the node.
  int max_restarts = 5;
  std::chrono::nanoseconds restart_window = std::chrono::seconds(60);
};

struct supervisor_state {
  node_settings settings;
  supervisor_deps deps;
  collector_actor collector;
  predictor_actor predictor;
  scaler_actor scaler;
  persistence_actor persistence;
  metrics_actor metrics;
  health_actor health;
  plugin_manager_actor plugins;
  /// The newest runtime state (restored at start, then the scaler's): a
  /// restarted scaler or plugin manager starts from it.
  runtime_state runtime;
  /// Per child, in start order.
  std::vector<child_info> children;
  std::map<std::string, restart_intensity> intensity;
  /// Operators' fault drills waiting for their child to be restarted, per child.
  std::map<std::string, std::vector<caf::typed_response_promise<child_info>>> drills;
  /// Set once the supervisor is stopping: downs are then expected.
  bool stopping = false;
  /// What the supervisor quits with once every child is down.
  caf::error stop_reason;
  static inline const char* name = "supervisor";
};

/// The children, in the order they start. Sinks start before their publishers
/// so that no sample is published before someone listens.
const std::vector<std::string>& supervised_children();

supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self, node_settings settings,
           supervisor_deps deps);

} // namespace conductor

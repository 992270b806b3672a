// plugin_manager_actor.hpp -- the plugin manager's actor shell: owns the
// configured plugins' processes.
//
// On atom::start, for each plugin (most important first): its cgroup is made in
// every hierarchy, anything a previous node left in it is killed, its
// configured limits are applied (cgroup_limits: all or nothing, the outcome
// audited as a `limits` decision), and its process is started there. Each
// plugin's plugin_lifecycle then decides: restarts with backoff after an
// unexpected exit, failed after start_retries. Every state change is a
// plugin_event to the sinks (health, metrics). When the node stops, every
// plugin gets SIGTERM and, after `stop_limit`, SIGKILL; the actor quits once
// all have exited, so none is left behind.
//
// The scaler's plugin steps arrive as decisions (status "decided"); each
// outcome goes back to the audit sinks (the scaler among them) as the same
// decision with status "applied" or "failed", once the durable audit log (if
// subscribed) has committed it:
//   variant  drain the running variant (its work completes), then start the
//            new one with its limits; if those cannot be applied the old
//            variant starts again and the step failed
//   disable  drain and stop; applied once disabled
//   stop     the emergency: SIGKILL, no drain; applied once disabled
//   enable   start again (on the variant named); applied once running
//   resize, revert  write the new limits (all or nothing); applied at once
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/cgroup_layout.hpp"
#include "actors/interfaces.hpp"
#include "actors/plugins/plugin_lifecycle.hpp"
#include "actors/plugins/process_runner.hpp"
#include "actors/sink_set.hpp"
#include "actors/wakeup_timer.hpp"

namespace conductor {

/// How long the node's stop gives plugins between SIGTERM and SIGKILL: the
/// node exits within 5 s whatever happens, and the plugins must be gone by then.
constexpr std::chrono::nanoseconds plugin_stop_limit = std::chrono::seconds(3);

struct managed_plugin {
  managed_plugin(plugin_settings s, plugin_lifecycle l)
    : settings(std::move(s)), lifecycle(std::move(l)) {
  }
  plugin_settings settings;
  plugin_lifecycle lifecycle;
  pid_t pid = 0;
  /// "<cgroup root>/<name>", or empty without cgroups.
  std::string cgroup;
  /// The variant it runs (0 without variants).
  size_t variant = 0;
  /// The limits in force (0 = left as the cgroup had them).
  limit_values limits;
  /// A step of the scaler under way, reported once its end state is reached.
  std::optional<decision> step;
  /// A variant switch: the variant to start once the old process is gone.
  std::optional<size_t> next_variant;
};

struct plugin_manager_state {
  plugins_settings settings;
  /// The host's cgroups; none: plugins run without (no layout was found, or
  /// the cgroup root lies outside it).
  std::optional<cgroup_layout> layout;
  /// Made by the factory given at spawn, when there are plugins.
  std::unique_ptr<process_runner> runner;
  std::vector<managed_plugin> plugins;
  sink_set<plugin_sink> sinks;
  sink_set<decision_sink> audit;
  /// The durable audit log; each outcome is committed there first.
  single_sink<audit_log> durable;
  /// Where the scaler had left the plugins before a restart: they start there.
  runtime_state restored;
  /// The tick for the earliest lifecycle deadline.
  wakeup_timer timer;
  /// Plugins are started by atom::start, which the supervisor sends once the
  /// sinks are subscribed (so the first events and audit rows reach them).
  bool started = false;
  /// Set when the node stops: the actor quits with this once all exited.
  std::optional<caf::error> stop_reason;
  static inline const char* name = "plugins";
};

/// `restored`: the scaler's runtime state from before a restart; a plugin it
/// had disabled stays disabled, one it had switched starts on that variant,
/// with the limits it had set.
plugin_manager_actor::behavior_type
plugin_manager(plugin_manager_actor::stateful_pointer<plugin_manager_state> self,
               plugins_settings settings, std::optional<cgroup_layout> layout,
               process_runner_factory make_runner, runtime_state restored);

} // namespace conductor

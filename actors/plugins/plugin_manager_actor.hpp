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
// Decisions of the scaler (variants, disable, restore, resize) come with the
// scaler's issue.
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
  plugin_settings settings;
  plugin_lifecycle lifecycle;
  pid_t pid = 0;
  /// "<cgroup root>/<name>", or empty without cgroups.
  std::string cgroup;
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
  /// The tick for the earliest lifecycle deadline.
  wakeup_timer timer;
  /// Plugins are started by atom::start, which the supervisor sends once the
  /// sinks are subscribed (so the first events and audit rows reach them).
  bool started = false;
  /// Set when the node stops: the actor quits with this once all exited.
  std::optional<caf::error> stop_reason;
  static inline const char* name = "plugins";
};

plugin_manager_actor::behavior_type
plugin_manager(plugin_manager_actor::stateful_pointer<plugin_manager_state> self,
               plugins_settings settings, std::optional<cgroup_layout> layout,
               process_runner_factory make_runner);

} // namespace conductor

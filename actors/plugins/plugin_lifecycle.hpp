// plugin_lifecycle.hpp -- the states of one managed plugin and what to do to
// its process in each.
//
//   stopped  --start-->  starting  --spawned-->  running
//   running  --stop-->   draining (a drain is configured) or stopping
//   draining --exit or grace over-->  stopping (SIGTERM sent)
//   stopping --exit-->   stopped (or disabled, when the stop was a disable)
//   stopping --grace over-->  SIGKILL, still stopping until the exit
//   running/starting --unexpected exit-->  starting again after a backoff of
//            1 s doubling up to 60 s; after `start_retries` exits in a row the
//            plugin is failed (a start() tries again from scratch)
//   any      --disable-->  stopped like a stop, then disabled; enable() -> stopped
//   any      --kill-->  SIGKILL at once, no drain, then stopped
//   any      --kill_and_disable (emergency)-->  the same, then disabled
//   any      --terminate (the node stops)-->  SIGTERM, SIGKILL after a limit
//
// A plugin that has run for the longest backoff (60 s) without exiting has
// recovered: its exits-in-a-row count and backoff start over.
//
// Plain C++: time is the caller's monotonic `now`, and each call returns the
// actions for the process (spawn, send a signal, call the drain URL) that the
// plugin manager's actor carries out; `deadline()` says when to call tick().
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace conductor {

enum class plugin_state { stopped, starting, running, draining, stopping, failed, disabled };

/// stopped | starting | running | draining | stopping | failed | disabled
const char* to_string(plugin_state x);

/// Something to do to the plugin's process.
struct plugin_action {
  enum kind_t { spawn, signal, call_drain_url } kind = spawn;
  /// signal: the signal number (SIGTERM, SIGKILL or the drain signal).
  int signo = 0;
};

struct lifecycle_settings {
  /// Exits in a row (start failures included) before the plugin is failed.
  int start_retries = 5;
  /// The drain signal (0 = none) or URL (empty = none); with either, a stop
  /// drains first and waits up to `grace` for the process to finish its work.
  int drain_signal = 0;
  std::string drain_url;
  /// How long a drain, and then SIGTERM, may take before the next step.
  std::chrono::nanoseconds grace = std::chrono::seconds(10);
};

class plugin_lifecycle {
public:
  using duration = std::chrono::nanoseconds;

  static constexpr duration first_backoff = std::chrono::seconds(1);
  static constexpr duration max_backoff = std::chrono::seconds(60);

  explicit plugin_lifecycle(lifecycle_settings settings);

  // -- operator and scaler commands ------------------------------------------

  /// stopped or failed: spawn now. Other states: nothing.
  std::vector<plugin_action> start(duration now);
  /// running or starting: drain or SIGTERM; the exit ends in stopped.
  std::vector<plugin_action> stop(duration now);
  /// Like stop, ending in disabled; a disabled plugin does not start.
  std::vector<plugin_action> disable(duration now);
  /// disabled -> stopped (start() then starts it).
  void enable();
  /// SIGKILL at once, no drain; ends in stopped.
  std::vector<plugin_action> kill(duration now);
  /// Emergency: SIGKILL at once, no drain; ends in disabled (at once when
  /// there is no process).
  std::vector<plugin_action> kill_and_disable(duration now);
  /// The node stops: SIGTERM now (no drain), SIGKILL after `limit` (not the
  /// plugin's grace: the node must be gone in time); ends in stopped.
  std::vector<plugin_action> terminate(duration now, duration limit);

  // -- what the process did ----------------------------------------------------

  /// The spawn asked for succeeded: running.
  void spawned(duration now);
  /// The spawn failed (e.g. no such program): counts as an exit.
  std::vector<plugin_action> spawn_failed(duration now, std::string why);
  /// The process exited (with its wait status as text, for the reason).
  std::vector<plugin_action> exited(duration now, std::string status);

  /// Deadlines (backoff over, grace over): the actions due at `now`.
  std::vector<plugin_action> tick(duration now);

  // -- inspection --------------------------------------------------------------

  plugin_state state() const {
    return state_;
  }
  /// When tick() has something to do; empty when nothing is pending.
  std::optional<duration> deadline() const {
    return deadline_;
  }
  /// Unexpected exits in a row.
  int exits_in_a_row() const {
    return exits_in_a_row_;
  }
  /// The backoff before the next restart.
  duration backoff() const {
    return backoff_;
  }
  /// Why the plugin last left running, or why it failed.
  const std::string& reason() const {
    return reason_;
  }

private:
  std::vector<plugin_action> begin_stop(duration now, plugin_state end_state);
  /// The process goes now, no drain (kill, terminate): `signo`, then
  /// tick() at `next_step` (SIGKILL after SIGTERM); ends in `end_state`.
  std::vector<plugin_action> end_now(plugin_state end_state, int signo,
                                     std::optional<duration> next_step);
  std::vector<plugin_action> unexpected_exit(duration now, std::string why);
  std::vector<plugin_action> spawn_now();

  lifecycle_settings settings_;
  plugin_state state_ = plugin_state::stopped;
  /// Where a stop ends: stopped or disabled.
  plugin_state after_stop_ = plugin_state::stopped;
  std::optional<duration> deadline_;
  /// When the process last became running.
  std::optional<duration> running_since_;
  int exits_in_a_row_ = 0;
  duration backoff_ = first_backoff;
  bool killed_ = false;
  std::string reason_;
};

} // namespace conductor

#include "actors/plugins/plugin_lifecycle.hpp"

#include <signal.h>

#include <algorithm>

namespace conductor {

const char* to_string(plugin_state x) {
  switch (x) {
    case plugin_state::stopped:
      return "stopped";
    case plugin_state::starting:
      return "starting";
    case plugin_state::running:
      return "running";
    case plugin_state::draining:
      return "draining";
    case plugin_state::stopping:
      return "stopping";
    case plugin_state::failed:
      return "failed";
    case plugin_state::disabled:
      return "disabled";
  }
  return "unknown";
}

plugin_lifecycle::plugin_lifecycle(lifecycle_settings settings) : settings_(std::move(settings)) {
}

std::vector<plugin_action> plugin_lifecycle::spawn_now() {
  state_ = plugin_state::starting;
  deadline_.reset();
  killed_ = false;
  return {{plugin_action::spawn, 0}};
}

std::vector<plugin_action> plugin_lifecycle::start(duration) {
  if (state_ == plugin_state::failed) {
    exits_in_a_row_ = 0;
    backoff_ = first_backoff;
  } else if (state_ != plugin_state::stopped) {
    return {};
  }
  return spawn_now();
}

std::vector<plugin_action> plugin_lifecycle::begin_stop(duration now, plugin_state end_state) {
  switch (state_) {
    case plugin_state::running:
      after_stop_ = end_state;
      running_since_.reset();
      deadline_ = now + settings_.grace;
      if (settings_.drain_signal != 0 || !settings_.drain_url.empty()) {
        state_ = plugin_state::draining;
        if (settings_.drain_signal != 0)
          return {{plugin_action::signal, settings_.drain_signal}};
        return {{plugin_action::call_drain_url, 0}};
      }
      state_ = plugin_state::stopping;
      return {{plugin_action::signal, SIGTERM}};
    case plugin_state::draining:
    case plugin_state::stopping:
      // Already on the way out: only where it ends may change.
      after_stop_ = end_state;
      return {};
    case plugin_state::starting:
    case plugin_state::stopped:
    case plugin_state::failed:
      // No process (a restart waiting for its backoff, or none at all).
      state_ = end_state;
      deadline_.reset();
      return {};
    case plugin_state::disabled:
      return {};
  }
  return {};
}

std::vector<plugin_action> plugin_lifecycle::stop(duration now) {
  return begin_stop(now, plugin_state::stopped);
}

std::vector<plugin_action> plugin_lifecycle::disable(duration now) {
  return begin_stop(now, plugin_state::disabled);
}

void plugin_lifecycle::enable() {
  if (state_ == plugin_state::disabled)
    state_ = plugin_state::stopped;
  else if (state_ == plugin_state::draining || state_ == plugin_state::stopping)
    after_stop_ = plugin_state::stopped;
}

std::vector<plugin_action> plugin_lifecycle::end_now(plugin_state end_state, int signo,
                                                     std::optional<duration> next_step) {
  switch (state_) {
    case plugin_state::running:
    case plugin_state::draining:
    case plugin_state::stopping:
      after_stop_ = end_state;
      running_since_.reset();
      if (signo != SIGKILL && killed_)
        return {}; // SIGKILL is already on its way
      state_ = plugin_state::stopping;
      deadline_ = next_step;
      killed_ = killed_ || signo == SIGKILL;
      return {{plugin_action::signal, signo}};
    case plugin_state::starting:
      // A restart waiting for its backoff: no process to end.
      state_ = plugin_state::stopped;
      deadline_.reset();
      return {};
    default:
      return {};
  }
}

std::vector<plugin_action> plugin_lifecycle::kill(duration) {
  // A disable under way still ends in disabled.
  return end_now(after_stop_ == plugin_state::disabled ? plugin_state::disabled
                                                       : plugin_state::stopped,
                 SIGKILL, std::nullopt);
}

std::vector<plugin_action> plugin_lifecycle::kill_and_disable(duration now) {
  switch (state_) {
    case plugin_state::running:
    case plugin_state::draining:
    case plugin_state::stopping:
      return end_now(plugin_state::disabled, SIGKILL, std::nullopt);
    default:
      return begin_stop(now, plugin_state::disabled); // no process: disabled now
  }
}

std::vector<plugin_action> plugin_lifecycle::terminate(duration now, duration limit) {
  return end_now(plugin_state::stopped, SIGTERM, now + limit);
}

void plugin_lifecycle::spawned(duration now) {
  if (state_ != plugin_state::starting)
    return;
  state_ = plugin_state::running;
  running_since_ = now;
}

std::vector<plugin_action> plugin_lifecycle::spawn_failed(duration now, std::string why) {
  if (state_ != plugin_state::starting)
    return {};
  return unexpected_exit(now, "could not start: " + why);
}

std::vector<plugin_action> plugin_lifecycle::exited(duration now, std::string status) {
  switch (state_) {
    case plugin_state::draining:
    case plugin_state::stopping:
      state_ = after_stop_;
      after_stop_ = plugin_state::stopped;
      deadline_.reset();
      reason_ = "stopped (" + status + ")";
      return {};
    case plugin_state::running:
    case plugin_state::starting:
      return unexpected_exit(now, "exited unexpectedly (" + status + ")");
    default:
      return {};
  }
}

std::vector<plugin_action> plugin_lifecycle::unexpected_exit(duration now, std::string why) {
  // Up long enough to count as recovered: this exit starts a new series.
  if (running_since_ && now - *running_since_ >= max_backoff) {
    exits_in_a_row_ = 0;
    backoff_ = first_backoff;
  }
  running_since_.reset();
  ++exits_in_a_row_;
  if (exits_in_a_row_ > settings_.start_retries) {
    state_ = plugin_state::failed;
    deadline_.reset();
    reason_ = why + "; failed after " + std::to_string(exits_in_a_row_) + " exits in a row";
    return {};
  }
  reason_ = std::move(why);
  state_ = plugin_state::starting;
  deadline_ = now + backoff_;
  backoff_ = std::min(backoff_ * 2, max_backoff);
  return {};
}

std::vector<plugin_action> plugin_lifecycle::tick(duration now) {
  if (!deadline_ || now < *deadline_)
    return {};
  deadline_.reset();
  switch (state_) {
    case plugin_state::starting:
      return spawn_now();
    case plugin_state::draining:
      // The work had its time: on to SIGTERM, with the grace again.
      state_ = plugin_state::stopping;
      deadline_ = now + settings_.grace;
      return {{plugin_action::signal, SIGTERM}};
    case plugin_state::stopping:
      if (killed_)
        return {};
      killed_ = true;
      return {{plugin_action::signal, SIGKILL}};
    default:
      return {};
  }
}

} // namespace conductor

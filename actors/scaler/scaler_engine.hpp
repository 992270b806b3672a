// scaler_engine.hpp -- every decision of the scaler, in plain C++.
//
// Each evaluation, in this order:
//   1. the host's pressure state (pressure_policy): hysteresis, confirmation,
//      trusted forecasts (the upper bound within the horizon);
//   2. probation: a resize whose plugin then opened its breaker, was
//      OOM-killed, or saw its memory pressure pass the threshold is reverted;
//   3. the degradation cascade, one step per evaluation: in an emergency the
//      lowest-priority plugin still running is stopped at once; under
//      pressure, while the host is over a degrade threshold, the next plugin
//      steps down (smaller variant, then disabled) once the step before it has
//      been carried out; after the pressure stayed below restore for the
//      stabilization period (counted again after each step), the newest step
//      is undone, if that plugin has no active work and its flap budget allows;
//   4. resizing: each running plugin's limits follow its use (limit_resizer),
//      never up while its breaker is open or the host is under pressure, never
//      down while it has active work.
// Steps for plugins are decisions with status "decided"; the plugin manager
// reports each outcome back (outcome()). Consecutive failures suspend the
// scaler (mode manual) until an operator sets the mode again. In manual mode
// nothing is done, but the explanation says what would have been.
//
// Plain C++: time is the caller's monotonic `now`; the actor shell
// (scaler_actor) stamps and sends what this returns.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/scaler/degradation_cascade.hpp"
#include "actors/scaler/limit_resizer.hpp"
#include "actors/scaler/pressure_policy.hpp"
#include "messages/types.hpp"

namespace conductor {

class scaler_engine {
public:
  using duration = std::chrono::nanoseconds;

  explicit scaler_engine(scaler_settings settings);

  /// New settings (SIGHUP, or an operator's run-time override). The state is
  /// kept: degraded plugins stay degraded, a suspension stays until
  /// set_mode() lifts it, and an operator's mode stays unless the settings'
  /// own mode changed.
  void update_settings(scaler_settings settings);

  // -- inputs ------------------------------------------------------------------

  void observe(const resource_sample& sample);
  void observe(const forecast& fc);
  void observe(const health_event& e);
  void observe(const breaker_transition& t);
  void observe(const plugin_event& e);

  /// An outcome from the plugin manager (status applied or failed). Returns
  /// the decisions it leads to (a suspension).
  std::vector<decision> outcome(const decision& d, duration now);

  // -- decisions ---------------------------------------------------------------

  /// One evaluation: the decisions to publish.
  std::vector<decision> evaluate(duration now);

  /// An operator sets the mode (enabled | disabled | manual); lifts a
  /// suspension. Returns the decision recording it.
  decision set_mode(const std::string& mode, const std::string& origin);

  /// What an operator's manual resize leads to: the decisions (a switch to
  /// manual mode if needed, then the resize for the plugin manager), or why
  /// it is refused.
  struct manual_scale_result {
    enum refusal { none, unknown_plugin, bad_limits, busy };
    refusal refused = none;
    std::string error;
    std::vector<decision> decisions;
  };

  /// An operator's resize: within the plugin's bounds, at least one limit,
  /// none of its steps under way. The scaler goes to manual mode so that it
  /// does not undo the operator's limits; the resize is not on probation.
  manual_scale_result manual_scale(const scale_request& req, duration now);

  // -- runtime state ---------------------------------------------------------

  /// What must survive a restart: the mode and who set it, the cascade's
  /// steps in effect and why, the limits resizes set (`saved` left 0).
  runtime_state runtime() const;

  /// Resumes from a state saved before a restart: the steps are in effect
  /// again (their plugins start degraded, runtime_state's placement), so
  /// restoring them waits a full stabilization from `now`, one at a time; the
  /// mode comes back unless the configuration's mode changed since; target
  /// sizing's memory of use, read `demand_age` ago, is taken back for the
  /// plugins and resources target sized now. Returns the audit row saying
  /// what was resumed, or nothing for an empty state.
  std::optional<decision> restore(const runtime_state& state, duration now,
                                  duration demand_age);

  /// Target sizing's memory of use as of `now`, for the runtime state
  /// (runtime() leaves it out: it changes with every evaluation).
  std::vector<demand_peaks> demand(duration now) const {
    return resizer_.demand(now);
  }

  /// The last evaluation, explained: what was done and, for the host and
  /// each plugin, why nothing else was (status "none").
  const std::vector<decision>& explanation() const {
    return explanation_;
  }

  /// Can work needing this much start now?
  preflight_answer preflight(const preflight_request& req) const;

  scaler_status status() const;

  /// The mode in force (a suspension makes it manual).
  const std::string& mode() const {
    return mode_;
  }

private:
  struct probation_t {
    duration until{};
    /// The limits before, of the resources the resize changed (others 0).
    limit_values previous;
    /// The cgroup's OOM kill count when the resize was applied.
    std::optional<double> oom_kills_before;
  };

  struct pending_t {
    decision d;
    duration since{};
    /// Cascade steps: the step and the variant the plugin ran before.
    std::optional<cascade_step> step;
    size_t from_variant = 0;
    bool up = false;
  };

  struct plugin_view {
    plugin_settings settings;
    /// From plugin events: stopped | starting | running | ... ; "" before any.
    std::string state;
    size_t variant = 0;
    limit_values limits;
    std::map<std::string, double> values;
    std::string breaker = "closed";
    std::optional<pending_t> pending;
    std::optional<probation_t> probation;
  };

  /// Puts `mode` in force, for the engine and its pressure policy.
  void apply_mode(std::string mode);
  plugin_view* find(const std::string& name);
  const plugin_view* find(const std::string& name) const;
  std::vector<cascade_plugin> cascade_view() const;
  bool busy(const plugin_view& p) const;
  bool running(const plugin_view& p) const;

  decision make(const std::string& action, const std::string& target, const std::string& trigger,
                std::string reason) const;
  void explain(const std::string& target, std::string why);

  std::optional<decision> check_probation(plugin_view& p, duration now);
  std::optional<decision> cascade(duration now, bool act);
  std::optional<decision> resize(plugin_view& p, duration now, bool act);
  /// The plugin's step times within the flap window, older ones dropped.
  std::vector<duration>& recent_steps(const std::string& plugin, duration now);
  decision step_decision(const cascade_step& step, const std::string& trigger, bool emergency,
                         double confidence);
  std::vector<decision> failed(const std::string& why);
  void expire_pending(duration now, std::vector<decision>& out);

  scaler_settings settings_;
  std::string mode_;
  std::string suspended_reason_;
  /// config | operator | suspension: who put mode_ in force.
  std::string mode_origin_ = "config";
  pressure_policy policy_;
  degradation_cascade cascade_;
  limit_resizer resizer_;
  std::vector<plugin_view> plugins_;
  /// The host's newest measured cpu and memory percent.
  std::optional<double> host_cpu_, host_memory_;
  /// Trusted-or-not forecast upper bounds within the horizon, with confidence.
  std::optional<std::pair<double, double>> forecast_cpu_, forecast_memory_;
  /// When the cascade last took (or undid) a step.
  std::optional<duration> last_step_;
  /// Per plugin, the times of its cascade steps and resizes within the last
  /// hour (the flap budget's window); read and grown through recent_steps().
  std::map<std::string, std::vector<duration>> step_times_;
  int consecutive_failures_ = 0;
  uint64_t decisions_ = 0;
  std::vector<decision> explanation_;
  /// The host's inputs as JSON during an evaluation; empty outside one.
  std::string inputs_;
};

} // namespace conductor

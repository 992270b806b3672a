// types.hpp -- every message that travels between conductor's actors.
//
// Aggregates with an inspect() overload, so each one is serializable (it may
// cross the network to conductorctl), printable in logs and test output, and
// comparable in the test DSL's `.with(...)`. Field order is the wire order.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>
#include <caf/timestamp.hpp>

#include "messages/settings.hpp"

namespace conductor {

/// The sample of one source ("host" or a plugin) at one collector tick.
struct resource_sample {
  /// "host" or a plugin's name.
  std::string source;
  /// Monotonic time of the tick (the actor clock): orders samples, never jumps.
  caf::timespan mono{};
  /// Wall-clock time of the tick: what people and the database read.
  caf::timestamp wall{};
  /// The headline metrics the predictor forecasts, the scaler decides on and
  /// persistence keeps: name -> value, e.g. "cpu_percent" -> 12.5 (names in
  /// messages/metric_names.hpp). A metric that could not be read this tick is
  /// absent, never zero.
  std::map<std::string, double> values;
  /// Everything the collector read, for /metrics only: Prometheus series
  /// text -> value, e.g. `conductor_host_cpu_ratio{cpu="0",mode="user"}` ->
  /// 0.12. Family names follow Prometheus conventions (base units, _bytes,
  /// _seconds, _ratio, _total); absent when not read, as above.
  std::map<std::string, double> series;
};

/// The predictor's view of one metric: where it is heading within the horizon.
struct forecast {
  std::string source;
  std::string metric;
  /// Wall time of the newest sample the forecast used.
  caf::timestamp wall{};
  /// How far ahead `predicted` looks.
  caf::timespan horizon{};
  /// The newest measured value.
  double current = 0;
  double predicted = 0;
  /// Bounds of the prediction interval (settings: predictor.interval).
  double lower = 0;
  double upper = 0;
  /// In [0, 1]: how well this series' forecasts matched what followed,
  /// recently (0 until there is a track record).
  double confidence = 0;
  /// Steps seen so far.
  uint32_t samples = 0;
  /// The step the forecast is made in; path[k - 1] is k steps ahead.
  caf::timespan step{};
  std::vector<double> path;
  std::vector<double> path_lower;
  std::vector<double> path_upper;
  /// How unusual the newest step was, in [0, 1].
  double anomaly = 0;
  /// Trend over the window: mean, min, max, change per minute.
  double mean = 0;
  double min = 0;
  double max = 0;
  double rate_per_minute = 0;
};

/// A decision of the scaler (or an action of the plugin manager), with everything
/// needed to explain it later.
struct decision {
  caf::timestamp at{};
  /// hold | degrade | restore | emergency (the scaler, host level); limits |
  /// limits_failed (the plugin manager, applying a plugin's configured limits).
  std::string action;
  /// The plugin acted on; empty for a host-level decision.
  std::string target;
  /// measured | forecast | config: what set the decision off.
  std::string trigger;
  /// One human sentence: the why.
  std::string reason;
  /// The inputs the decision saw, as a JSON object.
  std::string inputs;
  /// The policy in force.
  std::string policy;
  /// The forecast confidence the decision relied on (1 for measured triggers).
  double confidence = 1;
  /// decided (the scaler chose it; a plugin step is then carried out by the
  /// plugin manager) | applied | failed (the plugin manager's outcome of it)
  /// | none (an explanation of no action, on request).
  std::string status;
  /// Why it failed (status failed).
  std::string error;
  /// variant: the variant switched to; enable: the variant restored.
  std::string variant;
  /// resize, revert, variant: the limits before and after.
  limit_values old_limits;
  limit_values new_limits;
  /// Who asked for it: "scaler", "plugins", "config", or the operator an
  /// operator's command names (mode changes).
  std::string origin;
  /// The audit row's id (autoscaler_history.id); 0 until it is written.
  int64_t id = 0;
};

/// The outcome of one health check (produced by the health actor), with the
/// target's recent record: what the scaler weighs and the metrics count.
struct health_event {
  std::string target;
  bool healthy = false;
  caf::timespan latency{};
  /// Why it failed, or a short note on success.
  std::string detail;
  caf::timestamp at{};
  /// The plugin whose health this is; empty for health.targets.
  std::string plugin;
  /// Failed share of the breaker's window of recent checks.
  double failure_rate = 0;
  /// Latency quantiles over the same window.
  caf::timespan latency_p50{};
  caf::timespan latency_p95{};
  /// The breaker's state after this result: closed | open | half_open.
  std::string breaker;
};

/// INTERNAL to the health actor: the check engine's verdict on one check.
struct check_outcome {
  uint64_t id = 0;
  std::string target;
  bool healthy = false;
  caf::timespan latency{};
  std::string detail;
};

/// A plugin changed state (published by the plugin manager): the health
/// actor's `process` checks look at its pid, the metrics count it.
struct plugin_event {
  std::string plugin;
  /// stopped | starting | running | draining | stopping | failed | disabled
  std::string state;
  /// The running process, 0 when there is none.
  int32_t pid = 0;
  /// Why: "started", "exited unexpectedly (exit code 1)", ...
  std::string reason;
  caf::timestamp at{};
  /// The variant it runs (or will start on); empty without variants.
  std::string variant;
};

/// INTERNAL to the plugin manager: a plugin process exited (from the exit
/// watcher's thread).
struct plugin_exit {
  int32_t pid = 0;
  /// "exit code 0", "killed by signal 9 (KILL)".
  std::string status;
};

/// One health target as operators inspect it.
struct target_health {
  std::string target;
  std::string plugin;
  /// http | tcp | exec | process
  std::string type;
  /// closed | open | half_open
  std::string breaker;
  /// Opened by an operator (stays open until closed or reset).
  bool forced = false;
  /// healthy | failing | unknown (no result yet)
  std::string status;
  /// The last result's detail.
  std::string detail;
  int32_t consecutive_failures = 0;
  double failure_rate = 0;
  uint64_t checks = 0;
  uint64_t failures = 0;
  caf::timespan latency_p50{};
  caf::timespan latency_p95{};
  /// The reset timeout in effect (grown by re-openings).
  caf::timespan reset_timeout{};
};

/// A circuit breaker changing state, with the reason.
struct breaker_transition {
  std::string target;
  /// closed | open | half_open
  std::string from;
  std::string to;
  std::string reason;
  caf::timestamp at{};
};

/// "Can work needing this much start now?": asked of the scaler (pre-flight).
struct preflight_request {
  /// The plugin that would run the work, whose variants are weighed; may be
  /// empty.
  std::string plugin;
  uint64_t memory_bytes = 0;
  double cpu_cores = 0;
};

/// The scaler's pre-flight answer.
struct preflight_answer {
  bool allow = false;
  /// One sentence: what fits or what does not, with the figures.
  std::string reason;
  /// The largest variant of the plugin that fits now; empty when the plugin
  /// has no variants or none fits.
  std::string recommended_variant;
  /// What the host can give now without touching its reserves, crossing a
  /// degrade threshold, or (trusted) forecast.
  uint64_t free_memory_bytes = 0;
  double free_cpu_cores = 0;
};

/// One step of the degradation cascade in effect, as the database keeps it:
/// variants by name, so a reordered config still finds them.
struct runtime_step {
  std::string plugin;
  /// variant | disable
  std::string kind;
  /// variant: the variant it runs now.
  std::string variant;
  /// The variant it ran before the step (what a restore goes back to).
  std::string from_variant;
  std::string reason;
};

/// The limits the scaler set on one plugin, where they differ from its
/// configuration (0 = the configured one).
struct plugin_limits {
  std::string plugin;
  limit_values limits;
};

/// The use target sizing remembered for one plugin and resource
/// (actors/scaler/demand_memory.hpp): the peak per 5-minute bucket, newest
/// first, the first being the bucket of runtime_state::demand_saved; -1 for
/// a bucket with no use recorded.
struct demand_peaks {
  std::string plugin;
  /// cpu_quota | memory_max
  std::string resource;
  std::vector<float> peaks;
};

/// What the node must not forget across a restart: the scaler's mode and why,
/// the plugins it degraded and why, the limits it set, the use target sizing
/// remembered. The scaler publishes it on every change; persistence keeps it
/// (autoscaler_config) and the node restores it at start (README: Persistence).
struct runtime_state {
  /// enabled | disabled | manual: the mode in force.
  std::string mode;
  /// config | operator | suspension: who put the mode in force.
  std::string mode_origin;
  /// The configuration's mode when this was saved: a file edited since wins.
  std::string config_mode;
  std::string suspended_reason;
  std::string policy;
  /// The cascade's steps in effect, oldest first.
  std::vector<runtime_step> steps;
  std::vector<plugin_limits> limits;
  /// Unix seconds of the change; 0: nothing was ever saved.
  double saved = 0;
  /// Target sizing's memory of use, read at `demand_saved` (Unix seconds):
  /// it is kept every 5 minutes, not on every change.
  std::vector<demand_peaks> demand;
  double demand_saved = 0;
};

/// Which audit rows to read (history for the API and conductorctl): newest
/// first, `offset` rows skipped, at most `limit`; a time range in Unix seconds
/// (0 = open) and a plugin (empty = all).
struct history_request {
  double from = 0;
  double to = 0;
  std::string plugin;
  int64_t limit = 100;
  int64_t offset = 0;
  /// When > 0: only the row with this id (the other filters are ignored).
  int64_t id = 0;
};

/// One metric of one source over [from, to] (Unix seconds), downsampled to at
/// most `points` points.
struct metric_range_request {
  std::string source;
  std::string metric;
  double from = 0;
  double to = 0;
  int32_t points = 100;
};

/// The answer: per non-empty bucket its mean time and value, oldest first.
struct metric_range {
  std::vector<double> timestamps;
  std::vector<double> values;
};

/// The scaler as operators see it.
struct scaler_status {
  /// enabled | disabled | manual
  std::string mode;
  /// Why the scaler suspended itself (mode manual); empty otherwise.
  std::string suspended_reason;
  /// The host: unknown | normal | pressure | emergency | suspended
  std::string host_state;
  std::string policy;
  std::string tier;
  int32_t consecutive_failures = 0;
  /// The plugins stepped down now, in configuration order: "batch: disabled",
  /// "chat: variant small".
  std::vector<std::string> degraded;
  /// Plugins on probation after a resize.
  std::vector<std::string> probation;
  uint64_t decisions = 0;
};

/// The supervisor's view of one child actor.
struct child_info {
  std::string name;
  bool running = false;
  /// Restarts since the node started.
  uint32_t restarts = 0;
  /// Why it last stopped (empty if it never did).
  std::string last_exit;
  /// Messages waiting in its mailbox when asked.
  uint64_t mailbox = 0;
};

/// An operator's manual resize: the scaler switches to manual mode, then has
/// the plugin manager write these limits (all or nothing).
struct scale_request {
  std::string plugin;
  /// The limits to set; a 0 leaves that resource as it is.
  limit_values limits;
  std::string reason;
  /// Who asks (audited).
  std::string origin;
};

// -- inspect ----------------------------------------------------------------

} // namespace conductor

namespace conductor::config {

// Found by ADL: health_settings carries the breaker section as the config has it.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, breaker_section& x) {
  return f(caf::meta::type_name("breaker_section"), x.failure_threshold, x.failure_rate,
           x.window, x.reset_timeout, x.backoff, x.max_reset_timeout, x.half_open_trials);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resource_percent& x) {
  return f(caf::meta::type_name("resource_percent"), x.cpu, x.memory, x.tasks);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, policy_profile& x) {
  return f(caf::meta::type_name("policy_profile"), x.scale_up, x.scale_down, x.confirm_up,
           x.confirm_down, x.cooldown, x.up_factor, x.down_factor, x.sizing, x.headroom,
           x.peak_window, x.seasonal_days, x.seasonal_window);
}

inline bool operator==(const resource_percent& a, const resource_percent& b) {
  return std::tie(a.cpu, a.memory, a.tasks) == std::tie(b.cpu, b.memory, b.tasks);
}

inline bool operator==(const policy_profile& a, const policy_profile& b) {
  auto tie = [](const policy_profile& x) {
    return std::tie(x.scale_up, x.scale_down, x.confirm_up, x.confirm_down, x.cooldown,
                    x.up_factor, x.down_factor, x.sizing, x.headroom, x.peak_window,
                    x.seasonal_days, x.seasonal_window);
  };
  return tie(a) == tie(b);
}

inline bool operator==(const breaker_section& a, const breaker_section& b) {
  auto tie = [](const breaker_section& x) {
    return std::tie(x.failure_threshold, x.failure_rate, x.window, x.reset_timeout, x.backoff,
                    x.max_reset_timeout, x.half_open_trials);
  };
  return tie(a) == tie(b);
}

} // namespace conductor::config

namespace conductor {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resource_sample& x) {
  return f(caf::meta::type_name("resource_sample"), x.source, x.mono, x.wall, x.values,
           x.series);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, forecast& x) {
  return f(caf::meta::type_name("forecast"), x.source, x.metric, x.wall, x.horizon, x.current,
           x.predicted, x.lower, x.upper, x.confidence, x.samples, x.step, x.path, x.path_lower,
           x.path_upper, x.anomaly, x.mean, x.min, x.max, x.rate_per_minute);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, limit_values& x) {
  return f(caf::meta::type_name("limit_values"), x.cpu_quota, x.memory_max, x.tasks_max);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, decision& x) {
  return f(caf::meta::type_name("decision"), x.at, x.action, x.target, x.trigger, x.reason,
           x.inputs, x.policy, x.confidence, x.status, x.error, x.variant, x.old_limits,
           x.new_limits, x.origin, x.id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_event& x) {
  return f(caf::meta::type_name("health_event"), x.target, x.healthy, x.latency, x.detail, x.at,
           x.plugin, x.failure_rate, x.latency_p50, x.latency_p95, x.breaker);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, check_outcome& x) {
  return f(caf::meta::type_name("check_outcome"), x.id, x.target, x.healthy, x.latency,
           x.detail);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plugin_event& x) {
  return f(caf::meta::type_name("plugin_event"), x.plugin, x.state, x.pid, x.reason, x.at,
           x.variant);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plugin_exit& x) {
  return f(caf::meta::type_name("plugin_exit"), x.pid, x.status);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, target_health& x) {
  return f(caf::meta::type_name("target_health"), x.target, x.plugin, x.type, x.breaker,
           x.forced, x.status, x.detail, x.consecutive_failures, x.failure_rate, x.checks,
           x.failures, x.latency_p50, x.latency_p95, x.reset_timeout);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, breaker_transition& x) {
  return f(caf::meta::type_name("breaker_transition"), x.target, x.from, x.to, x.reason, x.at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, preflight_request& x) {
  return f(caf::meta::type_name("preflight_request"), x.plugin, x.memory_bytes, x.cpu_cores);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, preflight_answer& x) {
  return f(caf::meta::type_name("preflight_answer"), x.allow, x.reason, x.recommended_variant,
           x.free_memory_bytes, x.free_cpu_cores);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scaler_status& x) {
  return f(caf::meta::type_name("scaler_status"), x.mode, x.suspended_reason, x.host_state,
           x.policy, x.tier, x.consecutive_failures, x.degraded, x.probation, x.decisions);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, runtime_step& x) {
  return f(caf::meta::type_name("runtime_step"), x.plugin, x.kind, x.variant, x.from_variant,
           x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plugin_limits& x) {
  return f(caf::meta::type_name("plugin_limits"), x.plugin, x.limits);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, demand_peaks& x) {
  return f(caf::meta::type_name("demand_peaks"), x.plugin, x.resource, x.peaks);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, runtime_state& x) {
  return f(caf::meta::type_name("runtime_state"), x.mode, x.mode_origin, x.config_mode,
           x.suspended_reason, x.policy, x.steps, x.limits, x.saved, x.demand, x.demand_saved);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_request& x) {
  return f(caf::meta::type_name("history_request"), x.from, x.to, x.plugin, x.limit, x.offset,
           x.id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metric_range_request& x) {
  return f(caf::meta::type_name("metric_range_request"), x.source, x.metric, x.from, x.to,
           x.points);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metric_range& x) {
  return f(caf::meta::type_name("metric_range"), x.timestamps, x.values);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scale_request& x) {
  return f(caf::meta::type_name("scale_request"), x.plugin, x.limits, x.reason, x.origin);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_info& x) {
  return f(caf::meta::type_name("child_info"), x.name, x.running, x.restarts, x.last_exit,
           x.mailbox);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plugin_signals_settings& x) {
  return f(caf::meta::type_name("plugin_signals_settings"), x.plugin, x.url, x.values);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, collector_settings& x) {
  return f(caf::meta::type_name("collector_settings"), x.interval, x.filesystems, x.cgroup_root,
           x.plugins, x.signals);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, predictor_settings& x) {
  return f(caf::meta::type_name("predictor_settings"), x.window, x.horizon, x.interval, x.step,
           x.model);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scaler_settings& x) {
  return f(caf::meta::type_name("scaler_settings"), x.mode, x.policy, x.evaluation_interval,
           x.degrade_cpu, x.degrade_memory, x.restore_cpu, x.restore_memory, x.emergency_memory,
           x.stabilization, x.confirm_up, x.min_confidence, x.profile, x.min_step,
           x.suspend_after_failures, x.flap_budget, x.reserve_cpu_cores, x.reserve_memory,
           x.host_cores, x.host_memory, x.tier, x.probation, x.probation_memory_pressure,
           x.plugins);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, persistence_settings& x) {
  return f(caf::meta::type_name("persistence_settings"), x.path, x.retention, x.batch);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_target_settings& x) {
  return f(caf::meta::type_name("health_target_settings"), x.name, x.plugin, x.type, x.url,
           x.address, x.command, x.expect_status, x.expect_body, x.interval, x.timeout);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_settings& x) {
  return f(caf::meta::type_name("health_settings"), x.targets, x.stagger, x.pressure_backoff,
           x.degrade_cpu, x.degrade_memory, x.breaker);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, variant_settings& x) {
  return f(caf::meta::type_name("variant_settings"), x.name, x.command, x.limits);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plugin_settings& x) {
  return f(caf::meta::type_name("plugin_settings"), x.name, x.priority, x.command,
           x.working_dir, x.env, x.cpu_quota, x.memory_max, x.tasks_max, x.drain_signal,
           x.drain_url, x.grace, x.start_retries, x.variants, x.min_limits, x.max_limits);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plugins_settings& x) {
  return f(caf::meta::type_name("plugins_settings"), x.plugins, x.cgroup_root, x.log_dir);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_settings& x) {
  return f(caf::meta::type_name("node_settings"), x.collector, x.predictor, x.scaler,
           x.persistence, x.health, x.plugins);
}

// -- equality: what the test DSL compares ----------------------------------

#define CONDUCTOR_FIELDS_EQUAL(type, ...)                                                     \
  inline bool operator==(const type& a, const type& b) {                                     \
    auto tie = [](const type& x) {                                                           \
      auto& [__VA_ARGS__] = x;                                                               \
      return std::tie(__VA_ARGS__);                                                          \
    };                                                                                       \
    return tie(a) == tie(b);                                                                 \
  }                                                                                          \
  inline bool operator!=(const type& a, const type& b) {                                     \
    return !(a == b);                                                                        \
  }

CONDUCTOR_FIELDS_EQUAL(resource_sample, a, b, c, d, e)
CONDUCTOR_FIELDS_EQUAL(forecast, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s)
CONDUCTOR_FIELDS_EQUAL(limit_values, a, b, c)
CONDUCTOR_FIELDS_EQUAL(decision, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o)
CONDUCTOR_FIELDS_EQUAL(health_event, a, b, c, d, e, f, g, h, i, j)
CONDUCTOR_FIELDS_EQUAL(check_outcome, a, b, c, d, e)
CONDUCTOR_FIELDS_EQUAL(plugin_event, a, b, c, d, e, f)
CONDUCTOR_FIELDS_EQUAL(plugin_exit, a, b)
CONDUCTOR_FIELDS_EQUAL(target_health, a, b, c, d, e, f, g, h, i, j, k, l, m, n)
CONDUCTOR_FIELDS_EQUAL(breaker_transition, a, b, c, d, e)
CONDUCTOR_FIELDS_EQUAL(preflight_request, a, b, c)
CONDUCTOR_FIELDS_EQUAL(preflight_answer, a, b, c, d, e)
CONDUCTOR_FIELDS_EQUAL(scaler_status, a, b, c, d, e, f, g, h, i)
CONDUCTOR_FIELDS_EQUAL(runtime_step, a, b, c, d, e)
CONDUCTOR_FIELDS_EQUAL(plugin_limits, a, b)
CONDUCTOR_FIELDS_EQUAL(demand_peaks, a, b, c)
CONDUCTOR_FIELDS_EQUAL(runtime_state, a, b, c, d, e, f, g, h, i, j)
CONDUCTOR_FIELDS_EQUAL(history_request, a, b, c, d, e, f)
CONDUCTOR_FIELDS_EQUAL(metric_range_request, a, b, c, d, e)
CONDUCTOR_FIELDS_EQUAL(metric_range, a, b)
CONDUCTOR_FIELDS_EQUAL(child_info, a, b, c, d, e)
CONDUCTOR_FIELDS_EQUAL(scale_request, a, b, c, d)
CONDUCTOR_FIELDS_EQUAL(plugin_signals_settings, a, b, c)
CONDUCTOR_FIELDS_EQUAL(collector_settings, a, b, c, d, e)
CONDUCTOR_FIELDS_EQUAL(predictor_settings, a, b, c, d, e)
CONDUCTOR_FIELDS_EQUAL(scaler_settings, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r,
                       s, t, u, v, w)
CONDUCTOR_FIELDS_EQUAL(persistence_settings, a, b, c)
CONDUCTOR_FIELDS_EQUAL(health_target_settings, a, b, c, d, e, f, g, h, i, j)
CONDUCTOR_FIELDS_EQUAL(health_settings, a, b, c, d, e, f)
CONDUCTOR_FIELDS_EQUAL(variant_settings, a, b, c)
CONDUCTOR_FIELDS_EQUAL(plugin_settings, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o)
CONDUCTOR_FIELDS_EQUAL(plugins_settings, a, b, c)
CONDUCTOR_FIELDS_EQUAL(node_settings, a, b, c, d, e, f)

#undef CONDUCTOR_FIELDS_EQUAL

} // namespace conductor

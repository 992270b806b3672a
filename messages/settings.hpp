// settings.hpp -- what each actor needs from the configuration, resolved.
//
// The supervisor builds these from config::node_config at start and on SIGHUP
// and hands each actor its own part, so an actor never sees the whole file and
// a reload reaches a running actor as a plain message. CAF-free on purpose:
// actor logic includes this header, the inspect() overloads live in types.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/node_config.hpp"

namespace conductor {

/// A plugin's cgroup limits, or bounds of them; 0 = not set.
struct limit_values {
  /// Percent of one core.
  double cpu_quota = 0;
  uint64_t memory_max = 0;
  uint64_t tasks_max = 0;
};

/// A plugin's own signals (plugins[].metrics): the values named are scraped
/// from its URL with its samples.
struct plugin_signals_settings {
  std::string plugin;
  /// Prometheus text or a flat JSON object.
  std::string url;
  /// The names to pick, e.g. queue_depth, active_jobs.
  std::vector<std::string> values;
};

/// The collector's part: how often and what to sample.
struct collector_settings {
  std::chrono::nanoseconds interval{};
  std::vector<std::string> filesystems;
  /// collector.cgroup_root: "auto" or an absolute path under a cgroup mount.
  std::string cgroup_root = "auto";
  /// The configured plugins' names: each is sampled from its cgroup,
  /// <cgroup root>/<name>, in every hierarchy.
  std::vector<std::string> plugins;
  /// The plugins that name a metrics URL.
  std::vector<plugin_signals_settings> signals;
};

/// The predictor's part: the window it keeps and how far it looks ahead.
struct predictor_settings {
  std::chrono::nanoseconds window{};
  std::chrono::nanoseconds horizon{};
  /// Coverage of the forecast bounds, in (0, 1).
  double interval = 0.9;
  /// Samples are aggregated into steps of this length; forecasts are per step.
  std::chrono::nanoseconds step{};
  /// The forecasting model (prediction.model).
  std::string model = "auto";
};

/// One variant of a plugin (largest first): what it runs and its limits.
struct variant_settings {
  std::string name;
  /// Empty: the plugin's own command.
  std::vector<std::string> command;
  /// Overlaid on the plugin's limits (0 = the plugin's).
  limit_values limits;
};

/// One managed plugin, as the plugin manager runs it and the scaler weighs it.
///
/// With variants the plugin starts on variant 0, the largest; a variant's
/// command replaces the plugin's command and its limits are laid over the
/// plugin's. The cascade steps down through the variants, then disables.
struct plugin_settings {
  std::string name;
  int32_t priority = 0;
  std::vector<std::string> command;
  std::string working_dir;
  std::map<std::string, std::string> env;
  /// Limits applied to its cgroup before it starts; 0 = not set (left as the
  /// cgroup has it).
  double cpu_quota = 0;
  uint64_t memory_max = 0;
  uint64_t tasks_max = 0;
  /// The drain signal's name ("SIGUSR1"; empty = none) or URL (empty = none),
  /// and the grace a drain, then SIGTERM, may take.
  std::string drain_signal;
  std::string drain_url;
  std::chrono::nanoseconds grace{};
  int32_t start_retries = 5;
  std::vector<variant_settings> variants;
  /// The bounds the scaler resizes its limits within (0 = unbounded).
  limit_values min_limits;
  limit_values max_limits;
};

/// Lays the limits set in `top` (non-zero) over `base`.
void lay_over(limit_values& base, const limit_values& top);

/// The command a plugin runs on `variant` (see plugin_settings).
const std::vector<std::string>& command_of(const plugin_settings& p, size_t variant);

/// The limits a plugin has on `variant` (see plugin_settings).
limit_values limits_of(const plugin_settings& p, size_t variant);

/// The scaler's part, with the chosen policy already applied.
struct scaler_settings {
  /// enabled | disabled | manual
  std::string mode;
  /// The policy's name, for explanations.
  std::string policy;
  std::chrono::nanoseconds evaluation_interval{};
  double degrade_cpu = 0;
  double degrade_memory = 0;
  double restore_cpu = 0;
  double restore_memory = 0;
  double emergency_memory = 0;
  std::chrono::nanoseconds stabilization{};
  /// Consecutive evaluations over a degrade threshold before acting.
  int32_t confirm_up = 1;
  /// Below this a forecast triggers nothing.
  double min_confidence = 0;
  /// The resizing loop's numbers: the chosen policy with overrides applied.
  config::policy_profile profile;
  /// scaler.min_step per resource.
  limit_values min_step;
  int32_t suspend_after_failures = 3;
  /// Actions per plugin per hour.
  int32_t flap_budget = 6;
  /// Never handed to plugins.
  double reserve_cpu_cores = 1;
  uint64_t reserve_memory = 0;
  /// The host the thresholds were chosen for, and its tier.
  double host_cores = 0;
  uint64_t host_memory = 0;
  std::string tier;
  /// How long a resize stays on probation, and the plugin's memory pressure
  /// (PSI some avg10, percent) that reverts it then.
  std::chrono::nanoseconds probation{};
  double probation_memory_pressure = 20;
  /// The managed plugins (the plugin manager's list).
  std::vector<plugin_settings> plugins;
};

/// The persistence actor's part.
struct persistence_settings {
  /// The database file, already resolved against node.data_dir.
  std::string path;
  std::chrono::nanoseconds retention{};
  std::chrono::nanoseconds batch{};
};

/// One health target with its settings resolved (per-target interval and
/// timeout applied): an entry of health.targets or a plugin's health check.
struct health_target_settings {
  std::string name;
  /// The plugin whose health this is; empty for health.targets.
  std::string plugin;
  /// http | tcp | exec | process
  std::string type;
  std::string url;
  std::string address;
  std::vector<std::string> command;
  std::vector<int32_t> expect_status;
  std::string expect_body;
  std::chrono::nanoseconds interval{};
  std::chrono::nanoseconds timeout{};
};

/// The health actor's part.
struct health_settings {
  std::vector<health_target_settings> targets;
  /// even | jitter
  std::string stagger = "even";
  /// Interval factor for healthy targets while the host is under pressure.
  double pressure_backoff = 2.0;
  /// Host CPU and memory percent from which the host counts as under
  /// pressure (the scaler's degrade thresholds).
  double degrade_cpu = 0;
  double degrade_memory = 0;
  /// health.breaker, for every target.
  config::breaker_section breaker;
};

/// The plugin manager's part.
struct plugins_settings {
  std::vector<plugin_settings> plugins;
  /// collector.cgroup_root: "auto" or an absolute path under a cgroup mount.
  std::string cgroup_root = "auto";
  /// Each plugin's stdout and stderr go to <log_dir>/<name>.log.
  std::string log_dir;
};

/// Every actor's part at once: what the supervisor keeps and re-sends.
struct node_settings {
  collector_settings collector;
  predictor_settings predictor;
  scaler_settings scaler;
  persistence_settings persistence;
  health_settings health;
  plugins_settings plugins;
};

/// Resolves the actors' settings from a validated config.
node_settings make_settings(const config::node_config& cfg);

/// The health part alone: plugins' checks first (named after the plugin),
/// then health.targets.
health_settings make_health_settings(const config::node_config& cfg);

} // namespace conductor

// node_config.hpp -- the parsed, validated shape of config/node.yaml.
//
// Plain structs, no CAF and no yaml-cpp: every actor, tool and test sees the
// configuration through these. Defaults here are the defaults of
// ../shared/design/CONFIG.md; the loader (loader.hpp) only overwrites what a
// file sets. Key names in comments are the YAML paths users write.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace conductor::config {

/// Every duration in the config (`250ms`, `5s`, `30m`, `24h`).
using duration = std::chrono::nanoseconds;

using namespace std::chrono_literals;

/// logging.level
enum class log_level { trace, debug, info, warn, error };

/// logging.format
enum class log_format { text, json };

/// scaler.mode
enum class scaler_mode { enabled, disabled, manual };

/// health.stagger
enum class stagger_kind { even, jitter };

/// The text of an enum value as written in YAML (for messages and the API).
const char* to_string(log_level x);
const char* to_string(log_format x);
const char* to_string(scaler_mode x);
const char* to_string(stagger_kind x);

/// node:
struct node_section {
  /// node.name; empty means "use the host name" (resolved by the node at start).
  std::string name;
  /// node.data_dir: where the SQLite database and state live.
  std::string data_dir = "./data";
};

/// logging:
struct logging_section {
  log_level level = log_level::info;
  log_format format = log_format::text;
};

/// collector:
struct collector_section {
  /// collector.interval; at least 100ms.
  duration interval = 5s;
  /// collector.filesystems: mount points sampled with statvfs.
  std::vector<std::string> filesystems{"/"};
  /// collector.cgroup_root: "auto" or a path.
  std::string cgroup_root = "auto";
};

/// prediction:
struct prediction_section {
  duration step = 30s;
  duration window = 30min;
  duration horizon = 5min;
  /// prediction.model: "auto" or "ols" (later issues add models).
  std::string model = "auto";
  /// prediction.interval: coverage of the forecast bounds, in (0, 1).
  double interval = 0.9;
  /// prediction.min_confidence: below this a forecast triggers nothing.
  double min_confidence = 0.6;
};

/// health.breaker:
struct breaker_section {
  int failure_threshold = 3;
  /// 0 = off; else a ratio in (0, 1] over `window` checks.
  double failure_rate = 0;
  int window = 20;
  duration reset_timeout = 30s;
  double backoff = 2.0;
  duration max_reset_timeout = 5min;
  int half_open_trials = 1;
};

/// A health check, as written under health.targets[] or plugins[].health.
struct check_spec {
  /// http | tcp | exec | process
  std::string type;
  /// type http: the URL to GET.
  std::string url;
  /// type tcp: "host:port".
  std::string address;
  /// type exec: argv, run without a shell.
  std::vector<std::string> command;
  /// Per-target overrides of health.interval / health.timeout.
  std::optional<duration> interval;
  std::optional<duration> timeout;
  /// type http: accepted status codes (empty = any 2xx).
  std::vector<int> expect_status;
  /// type http: a substring the body must contain (empty = no check).
  std::string expect_body;
};

/// health.targets[]
struct health_target {
  std::string name;
  check_spec check;
};

/// health:
struct health_section {
  duration interval = 5s;
  duration timeout = 2s;
  stagger_kind stagger = stagger_kind::even;
  double pressure_backoff = 2.0;
  breaker_section breaker;
  std::vector<health_target> targets;
};

/// A percentage per resource, e.g. scale_up: {cpu: 85, memory: 80, tasks: 85}.
struct resource_percent {
  double cpu = 0;
  double memory = 0;
  double tasks = 0;
};

/// scaler.policies.<name>: one policy profile.
struct policy_profile {
  resource_percent scale_up;
  resource_percent scale_down;
  int confirm_up = 3;
  int confirm_down = 10;
  duration cooldown = 5min;
  double up_factor = 1.5;
  double down_factor = 0.6;
  /// threshold: the use, as a percent of the limit, is compared with scale_up / scale_down and
  /// the limit multiplied by up_factor / down_factor. target: the expected peak (the highest use
  /// of the last peak_window, and of the same time of day, +- seasonal_window, on each of the
  /// last seasonal_days days) plus headroom percent is compared instead, and the limit set to it;
  /// min_step does not apply (scale_down is the hysteresis) and cooldown holds back decreases
  /// only, since an increase the expected peak needs is what avoids throttling. Tasks keep
  /// threshold sizing: a task limit just above the peak would fail the next fork.
  std::string sizing = "threshold";
  double headroom = 10;
  duration peak_window = 1h;
  int seasonal_days = 3;
  duration seasonal_window = 40min;
};

/// The values of policy_profile::sizing.
inline const std::vector<std::string>& sizing_names() {
  static const std::vector<std::string> names{"threshold", "target"};
  return names;
}

/// Keys set directly under scaler: that override the chosen policy's values.
struct policy_override {
  std::optional<double> scale_up_cpu, scale_up_memory, scale_up_tasks;
  std::optional<double> scale_down_cpu, scale_down_memory, scale_down_tasks;
  std::optional<int> confirm_up, confirm_down;
  std::optional<duration> cooldown;
  std::optional<double> up_factor, down_factor;
  std::optional<std::string> sizing;
  std::optional<double> headroom;
  std::optional<duration> peak_window, seasonal_window;
  std::optional<int> seasonal_days;
};

/// The built-in profiles, in CONFIG.md order.
inline const std::vector<std::string>& policy_names() {
  static const std::vector<std::string> names{"conservative", "balanced", "aggressive",
                                              "predictive"};
  return names;
}

/// scaler.policies with CONFIG.md's defaults for all four profiles.
std::map<std::string, policy_profile> default_policies();

/// scaler.tiers.<name>: the thresholds for hosts of one size. A host belongs to the first tier
/// of tier_names() whose maxima it is within (host_tier()).
struct tier_spec {
  /// The most cores and bytes of memory a host of this tier has; 0 = unbounded.
  unsigned max_cores = 0;
  uint64_t max_memory = 0;
  /// degrade / restore / emergency as under scaler:, for this tier's hosts.
  double degrade_cpu = 90;
  double degrade_memory = 80;
  double restore_cpu = 65;
  double restore_memory = 65;
  double emergency_memory = 95;
};

/// The built-in tiers, smallest first: the order hosts are classified in.
inline const std::vector<std::string>& tier_names() {
  static const std::vector<std::string> names{"small", "medium", "large"};
  return names;
}

/// scaler.tiers with the built-in values: small (<= 4 cores, <= 16 GiB), medium (<= 16 cores,
/// <= 64 GiB; the top-level defaults of CONFIG.md) and large (unbounded).
std::map<std::string, tier_spec> default_tiers();

/// scaler:
struct scaler_section {
  scaler_mode mode = scaler_mode::enabled;
  /// scaler.policy: one of policy_names().
  std::string policy = "balanced";
  duration evaluation_interval = 30s;
  policy_override overrides;
  /// scaler.degrade: host percent (measured or forecast) that starts the cascade.
  double degrade_cpu = 90;
  double degrade_memory = 80;
  /// scaler.restore: host percent below which restoring may begin.
  double restore_cpu = 65;
  double restore_memory = 65;
  /// scaler.emergency.memory
  double emergency_memory = 95;
  duration stabilization = 5min;
  /// scaler.min_step
  double min_step_cpu_quota = 50;
  uint64_t min_step_memory_max = 256ull << 20;
  uint64_t min_step_tasks_max = 32;
  int suspend_after_failures = 3;
  int flap_budget = 6;
  /// scaler.reserves
  double reserve_cpu_cores = 1;
  uint64_t reserve_memory = 8ull << 30;
  /// scaler.policies: always holds the four built-in profiles.
  std::map<std::string, policy_profile> policies = default_policies();
  /// scaler.probation: how long a resized plugin is watched before the resize stands.
  duration probation = 2min;
  /// scaler.probation_memory_pressure: percent; a plugin's memory PSI "some avg10" above this
  /// during probation reverts the resize.
  double probation_memory_pressure = 20;
  /// scaler.tiers: always holds the three built-in tiers (tier_names()), with the file's
  /// values laid over them.
  std::map<std::string, tier_spec> tiers = default_tiers();
  /// The threshold and reserve keys the file sets, as dotted paths (`scaler.degrade.cpu`,
  /// `scaler.reserves.memory`, ...): effective_thresholds() prefers them to the host's tier.
  std::set<std::string> explicit_keys;
};

/// The chosen policy with the scaler-level overrides applied.
policy_profile effective_policy(const scaler_section& s);

/// The size of a machine, as the scaler classifies it into a tier.
struct host_shape {
  /// Online CPUs; 0 = unknown.
  unsigned cores = 0;
  /// Physical memory in bytes; 0 = unknown.
  uint64_t memory_bytes = 0;
};

/// This machine's online CPUs and physical memory (sysconf); a figure the system does not
/// report stays 0.
host_shape detect_host_shape();

/// The name of the tier `host` belongs to: the first of tier_names() whose max_cores and
/// max_memory both hold (0 = unbounded); "large" when none does. A host whose cores or memory
/// are unknown (0) is "medium", whose thresholds are the long-standing defaults.
std::string host_tier(const scaler_section& s, host_shape host);

/// The thresholds and reserves the scaler applies on one host.
struct scaler_thresholds {
  /// host_tier() of the host.
  std::string tier;
  double degrade_cpu = 0;
  double degrade_memory = 0;
  double restore_cpu = 0;
  double restore_memory = 0;
  double emergency_memory = 0;
  double reserve_cpu_cores = 0;
  uint64_t reserve_memory = 0;
};

/// The thresholds for `host`: each threshold key the file sets under scaler: (explicit_keys)
/// wins, the others come from the host's tier. Reserves are scaler.reserves, except that on a
/// small host a reserve the file does not set is capped at 25 % of the host's cores or memory
/// (the 1-core, 8 GiB default would otherwise take most of such a host).
scaler_thresholds effective_thresholds(const scaler_section& s, host_shape host);

/// plugins[].limits / plugins[].variants[].limits
struct limit_set {
  /// Percent of one core.
  std::optional<double> cpu_quota;
  /// Bytes.
  std::optional<uint64_t> memory_max;
  std::optional<uint64_t> tasks_max;
};

/// plugins[].bounds: [min, max] per limit.
struct limit_bounds {
  std::optional<std::pair<double, double>> cpu_quota;
  std::optional<std::pair<uint64_t, uint64_t>> memory_max;
  std::optional<std::pair<uint64_t, uint64_t>> tasks_max;
};

/// plugins[].variants[]
struct variant_spec {
  std::string name;
  std::vector<std::string> command;
  limit_set limits;
};

/// plugins[].drain
struct drain_spec {
  /// A signal name such as "SIGUSR1" (empty = none).
  std::string signal;
  /// An HTTP endpoint to call instead of a signal (empty = none).
  std::string url;
  duration grace = 10s;
};

/// plugins[].metrics
struct plugin_metrics_spec {
  std::string url;
  std::vector<std::string> values;
};

/// plugins[]
struct plugin_spec {
  std::string name;
  /// Higher = more important; the cascade degrades the lowest first.
  int priority = 0;
  std::vector<std::string> command;
  std::string working_dir;
  std::map<std::string, std::string> env;
  /// Largest first.
  std::vector<variant_spec> variants;
  limit_set limits;
  limit_bounds bounds;
  std::optional<check_spec> health;
  drain_spec drain;
  int start_retries = 5;
  std::optional<plugin_metrics_spec> metrics;
};

/// persistence:
struct persistence_section {
  /// Relative to node.data_dir unless absolute.
  std::string path = "conductor.db";
  duration retention = 24h;
  duration batch = 1s;
};

/// http:
struct http_section {
  /// "host:port"
  std::string listen = "127.0.0.1:8888";
  std::string token;
  std::string token_file;
  uint64_t max_body = 64ull << 10;
};

/// inspect.tls
struct tls_section {
  std::string cert;
  std::string key;
  std::string ca;
};

/// inspect:
struct inspect_section {
  std::string listen = "127.0.0.1:4242";
  tls_section tls;
};

/// notify.webhooks[]
struct webhook_spec {
  std::string url;
  /// Subset of webhook_event_names(); empty: all of them.
  std::vector<std::string> events;
  duration timeout = 5s;
  int retries = 3;
};

/// The event kinds a webhook may subscribe to.
inline const std::vector<std::string>& webhook_event_names() {
  static const std::vector<std::string> names{"cascade",      "emergency",        "breaker",
                                              "plugin_state", "scaler_suspended", "decision"};
  return names;
}

/// notify:
struct notify_section {
  std::vector<webhook_spec> webhooks;
};

/// The whole file.
struct node_config {
  node_section node;
  logging_section logging;
  collector_section collector;
  prediction_section prediction;
  health_section health;
  scaler_section scaler;
  std::vector<plugin_spec> plugins;
  persistence_section persistence;
  http_section http;
  inspect_section inspect;
  notify_section notify;
};

/// persistence.path resolved against node.data_dir.
std::string database_path(const node_config& cfg);

} // namespace conductor::config

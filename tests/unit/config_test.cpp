// The YAML loader and validator (config/loader.hpp) and the shipped config/node.yaml.
//
// Invalid inputs assert the whole rendered message, position included: the message is the
// user interface of this code.
#define CAF_SUITE config

#include <caf/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

#include "config/loader.hpp"
#include "config/node_config.hpp"

using namespace conductor::config;
using namespace std::chrono_literals;

namespace {

using lines = std::vector<std::string>;

/// Every error of `yaml`, rendered, in the order the loader reports them.
lines errors_of(const std::string& yaml) {
  lines out;
  for (const auto& e : load_config_text(yaml, "node.yaml").errors)
    out.push_back(e.to_string());
  return out;
}

bool same(const resource_percent& a, const resource_percent& b) {
  return std::tie(a.cpu, a.memory, a.tasks) == std::tie(b.cpu, b.memory, b.tasks);
}

bool same(const policy_profile& a, const policy_profile& b) {
  auto tie = [](const policy_profile& x) {
    return std::tie(x.confirm_up, x.confirm_down, x.cooldown, x.up_factor, x.down_factor,
                    x.sizing, x.headroom, x.peak_window, x.seasonal_days, x.seasonal_window);
  };
  return same(a.scale_up, b.scale_up) && same(a.scale_down, b.scale_down) && tie(a) == tie(b);
}

bool same(const policy_override& a, const policy_override& b) {
  return std::tie(a.scale_up_cpu, a.scale_up_memory, a.scale_up_tasks, a.scale_down_cpu,
                  a.scale_down_memory, a.scale_down_tasks, a.confirm_up, a.confirm_down,
                  a.cooldown, a.up_factor, a.down_factor, a.sizing, a.headroom, a.peak_window,
                  a.seasonal_days, a.seasonal_window)
         == std::tie(b.scale_up_cpu, b.scale_up_memory, b.scale_up_tasks, b.scale_down_cpu,
                     b.scale_down_memory, b.scale_down_tasks, b.confirm_up, b.confirm_down,
                     b.cooldown, b.up_factor, b.down_factor, b.sizing, b.headroom, b.peak_window,
                     b.seasonal_days, b.seasonal_window);
}

bool same(const tier_spec& a, const tier_spec& b) {
  return std::tie(a.max_cores, a.max_memory, a.degrade_cpu, a.degrade_memory, a.restore_cpu,
                  a.restore_memory, a.emergency_memory)
         == std::tie(b.max_cores, b.max_memory, b.degrade_cpu, b.degrade_memory, b.restore_cpu,
                     b.restore_memory, b.emergency_memory);
}

/// The fields in which `a` and `b` differ. Lists are compared by length only: this serves to
/// compare against the defaults, whose lists are empty.
lines differences(const node_config& a, const node_config& b) {
  lines out;
#define CONDUCTOR_COMPARE(field)                                                                   \
  if (!(a.field == b.field))                                                                       \
    out.emplace_back(#field);
  CONDUCTOR_COMPARE(node.name)
  CONDUCTOR_COMPARE(node.data_dir)
  CONDUCTOR_COMPARE(logging.level)
  CONDUCTOR_COMPARE(logging.format)
  CONDUCTOR_COMPARE(collector.interval)
  CONDUCTOR_COMPARE(collector.filesystems)
  CONDUCTOR_COMPARE(collector.cgroup_root)
  CONDUCTOR_COMPARE(prediction.step)
  CONDUCTOR_COMPARE(prediction.window)
  CONDUCTOR_COMPARE(prediction.horizon)
  CONDUCTOR_COMPARE(prediction.model)
  CONDUCTOR_COMPARE(prediction.interval)
  CONDUCTOR_COMPARE(prediction.min_confidence)
  CONDUCTOR_COMPARE(health.interval)
  CONDUCTOR_COMPARE(health.timeout)
  CONDUCTOR_COMPARE(health.stagger)
  CONDUCTOR_COMPARE(health.pressure_backoff)
  CONDUCTOR_COMPARE(health.breaker.failure_threshold)
  CONDUCTOR_COMPARE(health.breaker.failure_rate)
  CONDUCTOR_COMPARE(health.breaker.window)
  CONDUCTOR_COMPARE(health.breaker.reset_timeout)
  CONDUCTOR_COMPARE(health.breaker.backoff)
  CONDUCTOR_COMPARE(health.breaker.max_reset_timeout)
  CONDUCTOR_COMPARE(health.breaker.half_open_trials)
  CONDUCTOR_COMPARE(health.targets.size())
  CONDUCTOR_COMPARE(scaler.mode)
  CONDUCTOR_COMPARE(scaler.policy)
  CONDUCTOR_COMPARE(scaler.evaluation_interval)
  CONDUCTOR_COMPARE(scaler.degrade_cpu)
  CONDUCTOR_COMPARE(scaler.degrade_memory)
  CONDUCTOR_COMPARE(scaler.restore_cpu)
  CONDUCTOR_COMPARE(scaler.restore_memory)
  CONDUCTOR_COMPARE(scaler.emergency_memory)
  CONDUCTOR_COMPARE(scaler.stabilization)
  CONDUCTOR_COMPARE(scaler.min_step_cpu_quota)
  CONDUCTOR_COMPARE(scaler.min_step_memory_max)
  CONDUCTOR_COMPARE(scaler.min_step_tasks_max)
  CONDUCTOR_COMPARE(scaler.suspend_after_failures)
  CONDUCTOR_COMPARE(scaler.flap_budget)
  CONDUCTOR_COMPARE(scaler.reserve_cpu_cores)
  CONDUCTOR_COMPARE(scaler.reserve_memory)
  CONDUCTOR_COMPARE(scaler.policies.size())
  CONDUCTOR_COMPARE(scaler.probation)
  CONDUCTOR_COMPARE(scaler.probation_memory_pressure)
  CONDUCTOR_COMPARE(scaler.tiers.size())
  CONDUCTOR_COMPARE(plugins.size())
  CONDUCTOR_COMPARE(persistence.path)
  CONDUCTOR_COMPARE(persistence.retention)
  CONDUCTOR_COMPARE(persistence.batch)
  CONDUCTOR_COMPARE(http.listen)
  CONDUCTOR_COMPARE(http.token)
  CONDUCTOR_COMPARE(http.token_file)
  CONDUCTOR_COMPARE(http.max_body)
  CONDUCTOR_COMPARE(inspect.listen)
  CONDUCTOR_COMPARE(inspect.tls.cert)
  CONDUCTOR_COMPARE(inspect.tls.key)
  CONDUCTOR_COMPARE(inspect.tls.ca)
  CONDUCTOR_COMPARE(notify.webhooks.size())
#undef CONDUCTOR_COMPARE
  if (!same(a.scaler.overrides, b.scaler.overrides))
    out.emplace_back("scaler.overrides");
  for (const auto& [name, profile] : a.scaler.policies) {
    auto other = b.scaler.policies.find(name);
    if (other == b.scaler.policies.end() || !same(profile, other->second))
      out.emplace_back("scaler.policies." + name);
  }
  for (const auto& [name, tier] : a.scaler.tiers) {
    auto other = b.scaler.tiers.find(name);
    if (other == b.scaler.tiers.end() || !same(tier, other->second))
      out.emplace_back("scaler.tiers." + name);
  }
  return out;
}

/// A file in /tmp removed at scope exit, for the load_config_file tests.
struct temp_file {
  std::string path;

  explicit temp_file(const std::string& text) {
    char name[] = "/tmp/conductor_config_test_XXXXXX";
    int fd = mkstemp(name);
    path = name;
    auto n = write(fd, text.data(), text.size());
    CAF_REQUIRE_EQUAL(n, static_cast<ssize_t>(text.size()));
    close(fd);
  }

  ~temp_file() {
    std::remove(path.c_str());
  }
};

/// A complete file in CONFIG.md's shape, with every value changed from its default.
const char* full_example = R"(node:
  name: edge-7
  data_dir: /var/lib/conductor
logging:
  level: debug
  format: json
collector:
  interval: 250ms
  filesystems: ["/", /srv]
  cgroup_root: /sys/fs/cgroup/conductor
prediction:
  step: 15s
  window: 1h
  horizon: 10m
  model: ols
  interval: 0.8
  min_confidence: 0.5
health:
  interval: 10s
  timeout: 3s
  stagger: jitter
  pressure_backoff: 3
  breaker:
    failure_threshold: 4
    failure_rate: 0.5
    window: 10
    reset_timeout: 20s
    backoff: 1.5
    max_reset_timeout: 10m
    half_open_trials: 2
  targets:
    - name: web
      type: http
      url: http://127.0.0.1:8080/health
      expect_status: [200, 204]
      expect_body: ok
      interval: 5s
      timeout: 2s
    - name: db
      type: tcp
      address: "127.0.0.1:5432"
    - name: disk
      type: exec
      command: ["/usr/bin/check", "--fast"]
scaler:
  mode: manual
  policy: aggressive
  evaluation_interval: 1m
  scale_up: {cpu: 80}
  cooldown: 3m
  degrade: {cpu: 85, memory: 75}
  restore: {cpu: 60, memory: 55}
  emergency: {memory: 97}
  stabilization: 10m
  min_step: {cpu_quota: 25, memory_max: 128MiB, tasks_max: 16}
  suspend_after_failures: 5
  flap_budget: 12
  reserves: {cpu_cores: 0.5, memory: 2GiB}
  probation: 5m
  probation_memory_pressure: 30
  tiers:
    small:
      max_cores: 2
      max_memory: 8GiB
      degrade: {cpu: 80, memory: 70}
      restore: {cpu: 50, memory: 50}
      emergency: {memory: 90}
    large: {max_cores: 128, max_memory: 1TiB}
  policies:
    conservative:
      confirm_up: 6
    aggressive:
      scale_up: {memory: 65}
      up_factor: 2.5
plugins:
  - name: voice
    priority: 10
    command: ["/usr/bin/voice-server", "--port", "7001"]
    working_dir: /srv/voice
    env: {MODEL: small, THREADS: 4}
    variants:
      - name: large
        command: ["/usr/bin/voice-server", "--model", "large"]
        limits: {memory_max: 4GiB}
      - name: small
        command: ["/usr/bin/voice-server", "--model", "small"]
        limits: {memory_max: 1GiB}
    limits:
      cpu_quota: 200
      memory_max: 2GiB
      tasks_max: 256
    bounds:
      cpu_quota: [100, 800]
      memory_max: [512MiB, 16GiB]
      tasks_max: [64, 1024]
    health:
      type: http
      url: http://127.0.0.1:7001/health
    drain:
      signal: SIGUSR1
      grace: 15s
    start_retries: 2
    metrics:
      url: http://127.0.0.1:7001/metrics
      values: [queue_depth, active_jobs]
  - name: batch
    command: [/usr/bin/batch]
    health: {type: process}
    drain: {url: "http://127.0.0.1:7002/drain"}
persistence:
  path: /var/db/conductor.db
  retention: 48h
  batch: 500ms
http:
  listen: 0.0.0.0:9000
  token_file: /etc/conductor/token
  max_body: 1MiB
inspect:
  listen: "[::1]:4343"
  tls: {cert: /etc/c.pem, key: /etc/k.pem, ca: /etc/ca.pem}
notify:
  webhooks:
    - url: https://hooks.example.org/conductor
      events: [cascade, emergency]
      timeout: 10s
      retries: 1
    - url: http://127.0.0.1:9999/all
)";

} // namespace

// -- valid files -------------------------------------------------------------------------------

CAF_TEST(the shipped node.yaml loads without errors and equals the defaults) {
  auto result = load_config_file(std::string{CONDUCTOR_SOURCE_DIR} + "/config/node.yaml");
  for (const auto& e : result.errors)
    CAF_MESSAGE(e.to_string());
  CAF_CHECK(result.ok());
  CAF_CHECK_EQUAL(differences(result.config, node_config{}), lines{});
  CAF_CHECK(result.config.plugins.empty());
  CAF_CHECK(result.config.health.targets.empty());
  CAF_CHECK(result.config.notify.webhooks.empty());
}

CAF_TEST(an empty file or one with only comments yields the defaults) {
  for (std::string text : {"", "\n\n", "# nothing here\n  # indented comment\n", "---\n"}) {
    auto result = load_config_text(text, "node.yaml");
    CAF_CHECK(result.ok());
    CAF_CHECK_EQUAL(differences(result.config, node_config{}), lines{});
  }
}

CAF_TEST(keys without a value keep their defaults) {
  auto result = load_config_text("node:\ncollector:\n  interval:\n  filesystems: ~\nplugins:\n",
                                 "node.yaml");
  CAF_CHECK(result.ok());
  CAF_CHECK_EQUAL(differences(result.config, node_config{}), lines{});
}

CAF_TEST(the defaults match CONFIG.md) {
  node_config cfg;
  CAF_CHECK_EQUAL(cfg.node.data_dir, "./data");
  CAF_CHECK_EQUAL(to_string(cfg.logging.level), std::string{"info"});
  CAF_CHECK_EQUAL(cfg.scaler.min_step_memory_max, uint64_t{256} << 20);
  CAF_CHECK_EQUAL(cfg.scaler.reserve_memory, uint64_t{8} << 30);
  CAF_CHECK_EQUAL(cfg.scaler.probation, duration{2min});
  CAF_CHECK_EQUAL(cfg.scaler.probation_memory_pressure, 20);
  CAF_CHECK_EQUAL(cfg.scaler.tiers.size(), 3u);
  CAF_CHECK(cfg.scaler.explicit_keys.empty());
  CAF_CHECK_EQUAL(cfg.http.max_body, 64u << 10);
  auto policies = default_policies();
  CAF_REQUIRE_EQUAL(policies.size(), 4u);
  const auto& c = policies.at("conservative");
  CAF_CHECK_EQUAL(c.scale_up.cpu, 90);
  CAF_CHECK_EQUAL(c.scale_up.memory, 85);
  CAF_CHECK_EQUAL(c.confirm_up, 5);
  CAF_CHECK_EQUAL(c.cooldown, duration{10min});
  CAF_CHECK_EQUAL(c.up_factor, 1.3);
  const auto& b = policies.at("balanced");
  CAF_CHECK_EQUAL(b.scale_up.cpu, 85);
  CAF_CHECK_EQUAL(b.scale_down.cpu, 40);
  CAF_CHECK_EQUAL(b.scale_down.memory, 50);
  CAF_CHECK_EQUAL(b.scale_down.tasks, 30);
  CAF_CHECK_EQUAL(b.confirm_down, 10);
  CAF_CHECK_EQUAL(b.down_factor, 0.6);
  const auto& a = policies.at("aggressive");
  CAF_CHECK_EQUAL(a.scale_up.memory, 70);
  CAF_CHECK_EQUAL(a.confirm_up, 2);
  CAF_CHECK_EQUAL(a.cooldown, duration{2min});
  CAF_CHECK_EQUAL(a.up_factor, 2.0);
  CAF_CHECK_EQUAL(a.sizing, "threshold");
  const auto& p = policies.at("predictive");
  CAF_CHECK_EQUAL(p.sizing, "target");
  CAF_CHECK_EQUAL(p.headroom, 10);
  CAF_CHECK_EQUAL(p.peak_window, duration{1h});
  CAF_CHECK_EQUAL(p.seasonal_days, 3);
  CAF_CHECK_EQUAL(p.seasonal_window, duration{40min});
  CAF_CHECK_EQUAL(p.scale_up.cpu, 100);
  CAF_CHECK_EQUAL(p.scale_down.memory, 85);
  CAF_CHECK_EQUAL(p.confirm_up, 1);
  CAF_CHECK_EQUAL(p.confirm_down, 1);
  CAF_CHECK_EQUAL(p.cooldown, duration{2h});
}

CAF_TEST(the predictive profile is chosen and its sizing keys are overridden) {
  auto result = load_config_text("scaler:\n  policy: predictive\n  headroom: 25\n"
                                 "  policies:\n    predictive:\n      seasonal_days: 0\n"
                                 "    balanced:\n      sizing: target\n      peak_window: 30m\n",
                                 "node.yaml");
  for (const auto& e : result.errors)
    CAF_MESSAGE(e.to_string());
  CAF_REQUIRE(result.ok());
  const auto& s = result.config.scaler;
  auto p = effective_policy(s);
  CAF_CHECK_EQUAL(p.sizing, "target");
  CAF_CHECK_EQUAL(p.headroom, 25);
  CAF_CHECK_EQUAL(p.seasonal_days, 0);
  CAF_CHECK_EQUAL(s.policies.at("balanced").sizing, "target");
  CAF_CHECK_EQUAL(s.policies.at("balanced").peak_window, duration{30min});
  CAF_CHECK_EQUAL(s.policies.at("balanced").confirm_up, 3);
}

CAF_TEST(bad sizing keys name the key) {
  CAF_CHECK_EQUAL(errors_of("scaler:\n  sizing: magic\n"),
                  lines{"node.yaml:2:11: scaler.sizing: unknown value \"magic\" (expected "
                        "threshold|target)"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  headroom: -5\n"),
                  lines{"node.yaml:2:13: scaler.headroom: must be in [0, 1000] (percent), got -5"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  policies:\n    predictive:\n      seasonal_days: 30\n"),
                  lines{"node.yaml:4:22: scaler.policies.predictive.seasonal_days: must be at "
                        "most 14, got 30"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  peak_window: 0s\n"),
                  lines{"node.yaml:2:16: scaler.peak_window: must be greater than 0, got 0s"});
}

CAF_TEST(enum names) {
  CAF_CHECK_EQUAL(to_string(log_level::warn), std::string{"warn"});
  CAF_CHECK_EQUAL(to_string(log_format::json), std::string{"json"});
  CAF_CHECK_EQUAL(to_string(scaler_mode::manual), std::string{"manual"});
  CAF_CHECK_EQUAL(to_string(stagger_kind::jitter), std::string{"jitter"});
}

CAF_TEST(database_path resolves against data_dir unless absolute) {
  node_config cfg;
  CAF_CHECK_EQUAL(database_path(cfg), "./data/conductor.db");
  cfg.node.data_dir = "/var/lib/conductor/";
  CAF_CHECK_EQUAL(database_path(cfg), "/var/lib/conductor/conductor.db");
  cfg.persistence.path = "/tmp/x.db";
  CAF_CHECK_EQUAL(database_path(cfg), "/tmp/x.db");
}

CAF_TEST(effective_policy lays the scaler keys over the chosen profile) {
  scaler_section s;
  auto plain = effective_policy(s);
  CAF_CHECK(same(plain, default_policies().at("balanced")));
  s.policy = "aggressive";
  s.overrides.scale_down_cpu = 20;
  s.overrides.confirm_down = 4;
  auto p = effective_policy(s);
  CAF_CHECK_EQUAL(p.scale_down.cpu, 20);
  CAF_CHECK_EQUAL(p.scale_down.memory, 50);
  CAF_CHECK_EQUAL(p.confirm_down, 4);
  CAF_CHECK_EQUAL(p.confirm_up, 2);
  CAF_CHECK_EQUAL(p.up_factor, 2.0);
}

CAF_TEST(a full example loads with every value) {
  auto result = load_config_text(full_example, "node.yaml");
  for (const auto& e : result.errors)
    CAF_MESSAGE(e.to_string());
  CAF_REQUIRE(result.ok());
  const auto& cfg = result.config;
  CAF_CHECK_EQUAL(cfg.node.name, "edge-7");
  CAF_CHECK_EQUAL(cfg.node.data_dir, "/var/lib/conductor");
  CAF_CHECK(cfg.logging.level == log_level::debug);
  CAF_CHECK(cfg.logging.format == log_format::json);
  CAF_CHECK_EQUAL(cfg.collector.interval, duration{250ms});
  CAF_CHECK_EQUAL(cfg.collector.filesystems, lines({"/", "/srv"}));
  CAF_CHECK_EQUAL(cfg.collector.cgroup_root, "/sys/fs/cgroup/conductor");
  // prediction
  CAF_CHECK_EQUAL(cfg.prediction.step, duration{15s});
  CAF_CHECK_EQUAL(cfg.prediction.window, duration{1h});
  CAF_CHECK_EQUAL(cfg.prediction.horizon, duration{10min});
  CAF_CHECK_EQUAL(cfg.prediction.model, "ols");
  CAF_CHECK_EQUAL(cfg.prediction.interval, 0.8);
  CAF_CHECK_EQUAL(cfg.prediction.min_confidence, 0.5);
  // health
  const auto& h = cfg.health;
  CAF_CHECK_EQUAL(h.interval, duration{10s});
  CAF_CHECK_EQUAL(h.timeout, duration{3s});
  CAF_CHECK(h.stagger == stagger_kind::jitter);
  CAF_CHECK_EQUAL(h.pressure_backoff, 3.0);
  CAF_CHECK_EQUAL(h.breaker.failure_threshold, 4);
  CAF_CHECK_EQUAL(h.breaker.failure_rate, 0.5);
  CAF_CHECK_EQUAL(h.breaker.window, 10);
  CAF_CHECK_EQUAL(h.breaker.reset_timeout, duration{20s});
  CAF_CHECK_EQUAL(h.breaker.backoff, 1.5);
  CAF_CHECK_EQUAL(h.breaker.max_reset_timeout, duration{10min});
  CAF_CHECK_EQUAL(h.breaker.half_open_trials, 2);
  CAF_REQUIRE_EQUAL(h.targets.size(), 3u);
  const auto& web = h.targets[0];
  CAF_CHECK_EQUAL(web.name, "web");
  CAF_CHECK_EQUAL(web.check.type, "http");
  CAF_CHECK_EQUAL(web.check.url, "http://127.0.0.1:8080/health");
  CAF_CHECK_EQUAL(web.check.expect_status, std::vector<int>({200, 204}));
  CAF_CHECK_EQUAL(web.check.expect_body, "ok");
  auto web_interval = web.check.interval;
  auto web_timeout = web.check.timeout;
  CAF_REQUIRE(web_interval && web_timeout);
  CAF_CHECK_EQUAL(*web_interval, duration{5s});
  CAF_CHECK_EQUAL(*web_timeout, duration{2s});
  CAF_CHECK_EQUAL(h.targets[1].check.type, "tcp");
  CAF_CHECK_EQUAL(h.targets[1].check.address, "127.0.0.1:5432");
  CAF_CHECK(!h.targets[1].check.interval);
  CAF_CHECK_EQUAL(h.targets[2].check.type, "exec");
  CAF_CHECK_EQUAL(h.targets[2].check.command, lines({"/usr/bin/check", "--fast"}));
  // scaler
  const auto& s = cfg.scaler;
  CAF_CHECK(s.mode == scaler_mode::manual);
  CAF_CHECK_EQUAL(s.policy, "aggressive");
  CAF_CHECK_EQUAL(s.evaluation_interval, duration{1min});
  CAF_CHECK_EQUAL(s.degrade_cpu, 85);
  CAF_CHECK_EQUAL(s.degrade_memory, 75);
  CAF_CHECK_EQUAL(s.restore_cpu, 60);
  CAF_CHECK_EQUAL(s.restore_memory, 55);
  CAF_CHECK_EQUAL(s.emergency_memory, 97);
  CAF_CHECK_EQUAL(s.stabilization, duration{10min});
  CAF_CHECK_EQUAL(s.min_step_cpu_quota, 25);
  CAF_CHECK_EQUAL(s.min_step_memory_max, 128u << 20);
  CAF_CHECK_EQUAL(s.min_step_tasks_max, 16u);
  CAF_CHECK_EQUAL(s.suspend_after_failures, 5);
  CAF_CHECK_EQUAL(s.flap_budget, 12);
  CAF_CHECK_EQUAL(s.reserve_cpu_cores, 0.5);
  CAF_CHECK_EQUAL(s.reserve_memory, uint64_t{2} << 30);
  CAF_CHECK_EQUAL(s.probation, duration{5min});
  CAF_CHECK_EQUAL(s.probation_memory_pressure, 30);
  CAF_CHECK_EQUAL(s.explicit_keys,
                  (std::set<std::string>{"scaler.degrade.cpu", "scaler.degrade.memory",
                                         "scaler.restore.cpu", "scaler.restore.memory",
                                         "scaler.emergency.memory", "scaler.reserves.cpu_cores",
                                         "scaler.reserves.memory"}));
  // scaler.tiers: the fields set replace the built-in values, the others stay.
  CAF_REQUIRE_EQUAL(s.tiers.size(), 3u);
  const auto& small = s.tiers.at("small");
  CAF_CHECK_EQUAL(small.max_cores, 2u);
  CAF_CHECK_EQUAL(small.max_memory, uint64_t{8} << 30);
  CAF_CHECK_EQUAL(small.degrade_cpu, 80);
  CAF_CHECK_EQUAL(small.degrade_memory, 70);
  CAF_CHECK_EQUAL(small.restore_cpu, 50);
  CAF_CHECK_EQUAL(small.restore_memory, 50);
  CAF_CHECK_EQUAL(small.emergency_memory, 90);
  CAF_CHECK(same(s.tiers.at("medium"), default_tiers().at("medium")));
  const auto& large = s.tiers.at("large");
  CAF_CHECK_EQUAL(large.max_cores, 128u);
  CAF_CHECK_EQUAL(large.max_memory, uint64_t{1} << 40);
  CAF_CHECK_EQUAL(large.degrade_memory, 85);
  CAF_CHECK_EQUAL(large.emergency_memory, 97);
  auto up_cpu = s.overrides.scale_up_cpu;
  auto cooldown = s.overrides.cooldown;
  CAF_REQUIRE(up_cpu && cooldown);
  CAF_CHECK_EQUAL(*up_cpu, 80);
  CAF_CHECK_EQUAL(*cooldown, duration{3min});
  CAF_CHECK(!s.overrides.scale_up_memory && !s.overrides.up_factor);
  // scaler.policies: the keys set replace the built-in values, the others stay.
  CAF_CHECK_EQUAL(s.policies.at("conservative").confirm_up, 6);
  CAF_CHECK_EQUAL(s.policies.at("conservative").up_factor, 1.3);
  CAF_CHECK(same(s.policies.at("balanced"), default_policies().at("balanced")));
  const auto& aggressive = s.policies.at("aggressive");
  CAF_CHECK_EQUAL(aggressive.scale_up.cpu, 75);
  CAF_CHECK_EQUAL(aggressive.scale_up.memory, 65);
  CAF_CHECK_EQUAL(aggressive.up_factor, 2.5);
  CAF_CHECK_EQUAL(aggressive.cooldown, duration{2min});
  auto effective = effective_policy(s);
  CAF_CHECK_EQUAL(effective.scale_up.cpu, 80);
  CAF_CHECK_EQUAL(effective.scale_up.memory, 65);
  CAF_CHECK_EQUAL(effective.cooldown, duration{3min});
  CAF_CHECK_EQUAL(effective.up_factor, 2.5);
  // plugins
  CAF_REQUIRE_EQUAL(cfg.plugins.size(), 2u);
  const auto& voice = cfg.plugins[0];
  CAF_CHECK_EQUAL(voice.name, "voice");
  CAF_CHECK_EQUAL(voice.priority, 10);
  CAF_CHECK_EQUAL(voice.command, lines({"/usr/bin/voice-server", "--port", "7001"}));
  CAF_CHECK_EQUAL(voice.working_dir, "/srv/voice");
  CAF_CHECK_EQUAL(voice.env.size(), 2u);
  CAF_CHECK_EQUAL(voice.env.at("MODEL"), "small");
  CAF_CHECK_EQUAL(voice.env.at("THREADS"), "4");
  CAF_REQUIRE_EQUAL(voice.variants.size(), 2u);
  CAF_CHECK_EQUAL(voice.variants[0].name, "large");
  CAF_CHECK_EQUAL(voice.variants[0].command,
                  lines({"/usr/bin/voice-server", "--model", "large"}));
  auto large_memory = voice.variants[0].limits.memory_max;
  CAF_REQUIRE(large_memory);
  CAF_CHECK_EQUAL(*large_memory, uint64_t{4} << 30);
  CAF_CHECK(!voice.variants[0].limits.cpu_quota);
  CAF_CHECK_EQUAL(voice.variants[1].name, "small");
  auto cpu_quota = voice.limits.cpu_quota;
  auto memory_max = voice.limits.memory_max;
  auto tasks_max = voice.limits.tasks_max;
  CAF_REQUIRE(cpu_quota && memory_max && tasks_max);
  CAF_CHECK_EQUAL(*cpu_quota, 200);
  CAF_CHECK_EQUAL(*memory_max, uint64_t{2} << 30);
  CAF_CHECK_EQUAL(*tasks_max, 256u);
  auto cpu_bounds = voice.bounds.cpu_quota;
  auto memory_bounds = voice.bounds.memory_max;
  auto task_bounds = voice.bounds.tasks_max;
  CAF_REQUIRE(cpu_bounds && memory_bounds && task_bounds);
  CAF_CHECK_EQUAL(cpu_bounds->first, 100);
  CAF_CHECK_EQUAL(cpu_bounds->second, 800);
  CAF_CHECK_EQUAL(memory_bounds->first, 512u << 20);
  CAF_CHECK_EQUAL(memory_bounds->second, uint64_t{16} << 30);
  CAF_CHECK_EQUAL(task_bounds->first, 64u);
  CAF_CHECK_EQUAL(task_bounds->second, 1024u);
  auto voice_health = voice.health;
  CAF_REQUIRE(voice_health);
  CAF_CHECK_EQUAL(voice_health->type, "http");
  CAF_CHECK_EQUAL(voice_health->url, "http://127.0.0.1:7001/health");
  CAF_CHECK_EQUAL(voice.drain.signal, "SIGUSR1");
  CAF_CHECK_EQUAL(voice.drain.url, "");
  CAF_CHECK_EQUAL(voice.drain.grace, duration{15s});
  CAF_CHECK_EQUAL(voice.start_retries, 2);
  auto metrics = voice.metrics;
  CAF_REQUIRE(metrics);
  CAF_CHECK_EQUAL(metrics->url, "http://127.0.0.1:7001/metrics");
  CAF_CHECK_EQUAL(metrics->values, lines({"queue_depth", "active_jobs"}));
  const auto& batch = cfg.plugins[1];
  CAF_CHECK_EQUAL(batch.name, "batch");
  CAF_CHECK_EQUAL(batch.priority, 0);
  CAF_CHECK_EQUAL(batch.start_retries, 5);
  auto batch_health = batch.health;
  CAF_REQUIRE(batch_health);
  CAF_CHECK_EQUAL(batch_health->type, "process");
  CAF_CHECK_EQUAL(batch.drain.url, "http://127.0.0.1:7002/drain");
  CAF_CHECK_EQUAL(batch.drain.grace, duration{10s});
  CAF_CHECK(!batch.metrics);
  CAF_CHECK(!batch.limits.cpu_quota && !batch.bounds.cpu_quota);
  // the rest
  CAF_CHECK_EQUAL(cfg.persistence.path, "/var/db/conductor.db");
  CAF_CHECK_EQUAL(database_path(cfg), "/var/db/conductor.db");
  CAF_CHECK_EQUAL(cfg.persistence.retention, duration{48h});
  CAF_CHECK_EQUAL(cfg.persistence.batch, duration{500ms});
  CAF_CHECK_EQUAL(cfg.http.listen, "0.0.0.0:9000");
  CAF_CHECK_EQUAL(cfg.http.token, "");
  CAF_CHECK_EQUAL(cfg.http.token_file, "/etc/conductor/token");
  CAF_CHECK_EQUAL(cfg.http.max_body, 1u << 20);
  CAF_CHECK_EQUAL(cfg.inspect.listen, "[::1]:4343");
  CAF_CHECK_EQUAL(cfg.inspect.tls.cert, "/etc/c.pem");
  CAF_CHECK_EQUAL(cfg.inspect.tls.key, "/etc/k.pem");
  CAF_CHECK_EQUAL(cfg.inspect.tls.ca, "/etc/ca.pem");
  CAF_REQUIRE_EQUAL(cfg.notify.webhooks.size(), 2u);
  const auto& hook = cfg.notify.webhooks[0];
  CAF_CHECK_EQUAL(hook.url, "https://hooks.example.org/conductor");
  CAF_CHECK_EQUAL(hook.events, lines({"cascade", "emergency"}));
  CAF_CHECK_EQUAL(hook.timeout, duration{10s});
  CAF_CHECK_EQUAL(hook.retries, 1);
  CAF_CHECK(cfg.notify.webhooks[1].events.empty());
  CAF_CHECK_EQUAL(cfg.notify.webhooks[1].timeout, duration{5s});
  CAF_CHECK_EQUAL(cfg.notify.webhooks[1].retries, 3);
}

CAF_TEST(load_config_file reads a file from disk) {
  temp_file file{"logging:\n  level: warn\n"};
  auto result = load_config_file(file.path);
  CAF_CHECK(result.ok());
  CAF_CHECK(result.config.logging.level == log_level::warn);
}

// -- one kind of mistake each ----------------------------------------------------------------

CAF_TEST(a misspelt enum value lists the expected values) {
  CAF_CHECK_EQUAL(errors_of("scaler:\n  policy: agresive\n"),
                  lines{"node.yaml:2:11: scaler.policy: unknown value \"agresive\" (expected "
                        "conservative|balanced|aggressive|predictive)"});
  CAF_CHECK_EQUAL(errors_of("logging: {level: verbose}\n"),
                  lines{"node.yaml:1:18: logging.level: unknown value \"verbose\" (expected "
                        "trace|debug|info|warn|error)"});
  CAF_CHECK_EQUAL(errors_of("health:\n  stagger: random\n"),
                  lines{"node.yaml:2:12: health.stagger: unknown value \"random\" (expected "
                        "even|jitter)"});
}

CAF_TEST(unknown keys suggest the nearest valid key when it is close) {
  CAF_CHECK_EQUAL(errors_of("scaler:\n  polcy: balanced\n"),
                  lines{"node.yaml:2:3: scaler: unknown key \"polcy\" (did you mean "
                        "\"policy\"?)"});
  CAF_CHECK_EQUAL(errors_of("colector:\n  interval: 5s\n"),
                  lines{"node.yaml:1:1: unknown key \"colector\" (did you mean \"collector\"?)"});
  CAF_CHECK_EQUAL(errors_of("health:\n  breaker:\n    treshold: 3\n"),
                  lines{"node.yaml:3:5: health.breaker: unknown key \"treshold\""});
  CAF_CHECK_EQUAL(errors_of("health:\n  intreval: 5s\n"),
                  lines{"node.yaml:2:3: health: unknown key \"intreval\" (did you mean "
                        "\"interval\"?)"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  policies:\n    balancd: {confirm_up: 2}\n"),
                  lines{"node.yaml:3:5: scaler.policies: unknown key \"balancd\" (did you mean "
                        "\"balanced\"?)"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  policies:\n    custom: {confirm_up: 2}\n"),
                  lines{"node.yaml:3:5: scaler.policies: unknown key \"custom\""});
  CAF_CHECK_EQUAL(errors_of("plugins:\n  - name: a\n    command: [x]\n"
                            "    limits: {memory: 1GiB}\n"),
                  lines{"node.yaml:4:14: plugins[0].limits: unknown key \"memory\""});
}

CAF_TEST(a key given twice is reported with the first place) {
  CAF_CHECK_EQUAL(errors_of("health:\n  interval: 5s\n  interval: 6s\n"),
                  lines{"node.yaml:3:3: health: duplicate key \"interval\" (first at line 2)"});
}

CAF_TEST(bad durations) {
  CAF_CHECK_EQUAL(errors_of("collector:\n  interval: 5\n"),
                  lines{"node.yaml:2:13: collector.interval: invalid duration \"5\": missing "
                        "unit (expected ms|s|m|h)"});
  CAF_CHECK_EQUAL(errors_of("health:\n  timeout: 0\n"),
                  lines{"node.yaml:2:12: health.timeout: invalid duration \"0\": missing unit "
                        "(expected ms|s|m|h)"});
  CAF_CHECK_EQUAL(errors_of("persistence:\n  retention: -1h\n"),
                  lines{"node.yaml:2:14: persistence.retention: invalid duration \"-1h\": "
                        "negative durations are not allowed"});
  CAF_CHECK_EQUAL(errors_of("persistence:\n  batch: soon\n"),
                  lines{"node.yaml:2:10: persistence.batch: invalid duration \"soon\": expected "
                        "an integer with a unit ms|s|m|h, e.g. 5s"});
  CAF_CHECK_EQUAL(errors_of("persistence:\n  batch: 0s\n"),
                  lines{"node.yaml:2:10: persistence.batch: must be greater than 0, got 0s"});
  CAF_CHECK_EQUAL(errors_of("collector:\n  interval: 50ms\n"),
                  lines{"node.yaml:2:13: collector.interval: must be at least 100ms, got 50ms"});
}

CAF_TEST(bad sizes) {
  CAF_CHECK_EQUAL(errors_of("http:\n  max_body: 64KB\n"),
                  lines{"node.yaml:2:13: http.max_body: invalid size \"64KB\": unit \"KB\" is not "
                        "accepted, write KiB (units are powers of 1024)"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  reserves: {memory: lots}\n"),
                  lines{"node.yaml:2:22: scaler.reserves.memory: invalid size \"lots\": expected "
                        "bytes or a number with a unit B|KiB|MiB|GiB|TiB, e.g. 512MiB"});
  CAF_CHECK_EQUAL(errors_of("http:\n  max_body: 0\n"),
                  lines{"node.yaml:2:13: http.max_body: must be greater than 0, got 0"});
}

CAF_TEST(percentages must lie in 0 to 100) {
  CAF_CHECK_EQUAL(errors_of("scaler:\n  degrade:\n    cpu: 120\n"),
                  lines{"node.yaml:3:10: scaler.degrade.cpu: must be a percentage in 0..100, got "
                        "120"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  scale_up: {memory: -5}\n"),
                  lines{"node.yaml:2:22: scaler.scale_up.memory: must be a percentage in 0..100, "
                        "got -5"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  restore: {cpu: half}\n"),
                  lines{"node.yaml:2:18: scaler.restore.cpu: expected a number, got \"half\""});
}

CAF_TEST(integers must be integers) {
  CAF_CHECK_EQUAL(errors_of("health:\n  breaker:\n    window: 2.5\n"),
                  lines{"node.yaml:3:13: health.breaker.window: expected an integer, got "
                        "\"2.5\""});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  flap_budget: many\n"),
                  lines{"node.yaml:2:16: scaler.flap_budget: expected an integer, got \"many\""});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  flap_budget: 0\n"),
                  lines{"node.yaml:2:16: scaler.flap_budget: must be at least 1, got 0"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  min_step: {tasks_max: -1}\n"),
                  lines{"node.yaml:2:25: scaler.min_step.tasks_max: expected a non-negative "
                        "integer, got \"-1\""});
  CAF_CHECK_EQUAL(errors_of("health:\n  breaker: {window: 99999999999}\n"),
                  lines{"node.yaml:2:21: health.breaker.window: expected an integer, got "
                        "\"99999999999\""});
}

CAF_TEST(numbers out of their range) {
  CAF_CHECK_EQUAL(errors_of("prediction:\n  interval: 1\n"),
                  lines{"node.yaml:2:13: prediction.interval: must be in (0, 1), got 1"});
  CAF_CHECK_EQUAL(errors_of("prediction:\n  min_confidence: .nan\n"),
                  lines{"node.yaml:2:19: prediction.min_confidence: expected a number, got "
                        "\".nan\""});
  CAF_CHECK_EQUAL(errors_of("health:\n  pressure_backoff: 0.5\n"),
                  lines{"node.yaml:2:21: health.pressure_backoff: must be at least 1, got 0.5"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  up_factor: 1\n  down_factor: 1\n"),
                  lines({"node.yaml:2:14: scaler.up_factor: must be greater than 1, got 1",
                         "node.yaml:3:16: scaler.down_factor: must be in (0, 1), got 1"}));
  CAF_CHECK_EQUAL(errors_of("prediction:\n  model: arima\n"),
                  lines{"node.yaml:2:10: prediction.model: unknown value \"arima\" (expected "
                        "auto|ols|naive|damped)"});
}

CAF_TEST(a node of the wrong kind) {
  CAF_CHECK_EQUAL(errors_of("collector: 5s\n"),
                  lines{"node.yaml:1:12: collector: expected a map, got a scalar"});
  CAF_CHECK_EQUAL(errors_of("plugins: {name: x}\n"),
                  lines{"node.yaml:1:10: plugins: expected a list, got a map"});
  CAF_CHECK_EQUAL(errors_of("collector:\n  interval: [5s]\n"),
                  lines{"node.yaml:2:13: collector.interval: expected a duration, got a list"});
  CAF_CHECK_EQUAL(errors_of("collector:\n  filesystems: /\n"),
                  lines{"node.yaml:2:16: collector.filesystems: expected a list of strings, got a "
                        "scalar"});
  CAF_CHECK_EQUAL(errors_of("plugins:\n  - voice\n"),
                  lines{"node.yaml:2:5: plugins[0]: expected a map, got a scalar"});
  CAF_CHECK_EQUAL(errors_of("node:\n  name: {first: a}\n"),
                  lines{"node.yaml:2:9: node.name: expected a string, got a map"});
}

CAF_TEST(a top level that is not a map) {
  CAF_CHECK_EQUAL(errors_of("- a\n- b\n"),
                  lines{"node.yaml:1:1: the top level must be a map of sections, got a list"});
  CAF_CHECK_EQUAL(errors_of("just text\n"),
                  lines{"node.yaml:1:1: the top level must be a map of sections, got a scalar"});
}

CAF_TEST(restore must stay below degrade and emergency above it) {
  CAF_CHECK_EQUAL(errors_of("scaler:\n  restore:\n    cpu: 95\n"),
                  lines{"node.yaml:3:10: scaler.restore.cpu: must be less than scaler.degrade.cpu "
                        "(90), got 95"});
  // Only degrade is written: the error points there, not at the default it conflicts with.
  CAF_CHECK_EQUAL(errors_of("scaler:\n  degrade: {memory: 60}\n"),
                  lines{"node.yaml:2:21: scaler.degrade.memory: must be greater than "
                        "scaler.restore.memory (65), got 60"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  degrade: {memory: 80}\n  emergency: {memory: 80}\n"),
                  lines{"node.yaml:3:23: scaler.emergency.memory: must be greater than "
                        "scaler.degrade.memory (80), got 80"});
}

CAF_TEST(probation must be positive and its memory pressure a percentage) {
  CAF_CHECK_EQUAL(errors_of("scaler:\n  probation: 0s\n"),
                  lines{"node.yaml:2:14: scaler.probation: must be greater than 0, got 0s"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  probation: 2\n"),
                  lines{"node.yaml:2:14: scaler.probation: invalid duration \"2\": missing unit "
                        "(expected ms|s|m|h)"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  probation_memory_pressure: 120\n"),
                  lines{"node.yaml:2:30: scaler.probation_memory_pressure: must be a percentage "
                        "in 0..100, got 120"});
}

CAF_TEST(only the built-in tiers exist) {
  CAF_CHECK_EQUAL(errors_of("scaler:\n  tiers:\n    huge: {max_cores: 256}\n"),
                  lines{"node.yaml:3:5: scaler.tiers: unknown tier \"huge\" (expected "
                        "small|medium|large)"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  tiers:\n    small:\n      max_cors: 2\n"),
                  lines{"node.yaml:4:7: scaler.tiers.small: unknown key \"max_cors\" (did you "
                        "mean \"max_cores\"?)"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  tiers: [small]\n"),
                  lines{"node.yaml:2:10: scaler.tiers: expected a map, got a list"});
}

CAF_TEST(tier fields have their ranges) {
  CAF_CHECK_EQUAL(errors_of("scaler:\n  tiers:\n    small: {max_cores: -1}\n"),
                  lines{"node.yaml:3:24: scaler.tiers.small.max_cores: expected a non-negative "
                        "integer, got \"-1\""});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  tiers:\n    small: {max_cores: 5000000000}\n"),
                  lines{"node.yaml:3:24: scaler.tiers.small.max_cores: must be at most "
                        "4294967295, got 5000000000"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  tiers:\n    small: {max_memory: 16GB}\n"),
                  lines{"node.yaml:3:25: scaler.tiers.small.max_memory: invalid size \"16GB\": "
                        "unit \"GB\" is not accepted, write GiB (units are powers of 1024)"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  tiers:\n    large:\n      degrade: {cpu: 101}\n"),
                  lines{"node.yaml:4:22: scaler.tiers.large.degrade.cpu: must be a percentage in "
                        "0..100, got 101"});
}

CAF_TEST(in every tier restore stays below degrade and emergency above it) {
  CAF_CHECK_EQUAL(errors_of("scaler:\n  tiers:\n    small:\n      restore: {cpu: 85}\n"),
                  lines{"node.yaml:4:22: scaler.tiers.small.restore.cpu: must be less than "
                        "scaler.tiers.small.degrade.cpu (85), got 85"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  tiers:\n    large:\n      degrade: {memory: 60}\n"),
                  lines{"node.yaml:4:25: scaler.tiers.large.degrade.memory: must be greater than "
                        "scaler.tiers.large.restore.memory (70), got 60"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  tiers:\n    medium:\n      emergency: {memory: 80}\n"),
                  lines{"node.yaml:4:27: scaler.tiers.medium.emergency.memory: must be greater "
                        "than scaler.tiers.medium.degrade.memory (80), got 80"});
}

CAF_TEST(a threshold set under scaler must fit the values every tier supplies around it) {
  // degrade.cpu 70 holds against the top-level restore.cpu (65), but on a large host it meets
  // that tier's restore.cpu of 70.
  CAF_CHECK_EQUAL(errors_of("scaler:\n  degrade: {cpu: 70}\n"),
                  lines{"node.yaml:2:18: scaler.degrade.cpu: must be greater than "
                        "scaler.tiers.large.restore.cpu (70), got 70"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  emergency: {memory: 84}\n"),
                  lines{"node.yaml:2:23: scaler.emergency.memory: must be greater than "
                        "scaler.tiers.large.degrade.memory (85), got 84"});
  // Setting the other key too settles it, and a tier override can as well.
  CAF_CHECK_EQUAL(errors_of("scaler:\n  degrade: {cpu: 70}\n  restore: {cpu: 50}\n"), lines{});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  degrade: {cpu: 70}\n  tiers:\n    large:\n"
                            "      restore: {cpu: 60}\n"),
                  lines{});
  // A mistake in the top-level pair is reported once, there.
  CAF_CHECK_EQUAL(errors_of("scaler:\n  restore:\n    cpu: 95\n"),
                  lines{"node.yaml:3:10: scaler.restore.cpu: must be less than scaler.degrade.cpu "
                        "(90), got 95"});
}

CAF_TEST(scale_down must stay below scale_up in every profile) {
  CAF_CHECK_EQUAL(errors_of("scaler:\n  policies:\n    aggressive:\n      scale_down: {cpu: 80}\n"),
                  lines{"node.yaml:4:25: scaler.policies.aggressive.scale_down.cpu: must be less "
                        "than scaler.policies.aggressive.scale_up.cpu (75), got 80"});
  // The chosen profile is checked again with the overrides applied: still one message.
  CAF_CHECK_EQUAL(errors_of("scaler:\n  policy: aggressive\n  policies:\n    aggressive:\n"
                            "      scale_down: {cpu: 80}\n"),
                  lines{"node.yaml:5:25: scaler.policies.aggressive.scale_down.cpu: must be less "
                        "than scaler.policies.aggressive.scale_up.cpu (75), got 80"});
  CAF_CHECK_EQUAL(errors_of("scaler:\n  scale_up: {tasks: 20}\n"),
                  lines{"node.yaml:2:21: scaler.scale_up.tasks: must be greater than "
                        "scaler.policies.balanced.scale_down.tasks (30), got 20"});
}

CAF_TEST(prediction window horizon and step) {
  CAF_CHECK_EQUAL(errors_of("prediction:\n  window: 2m\n"),
                  lines{"node.yaml:2:11: prediction.window: must be at least prediction.horizon "
                        "(5m), got 2m"});
  CAF_CHECK_EQUAL(errors_of("prediction:\n  step: 10m\n"),
                  lines{"node.yaml:2:9: prediction.step: must be at most prediction.horizon (5m), "
                        "got 10m"});
  CAF_CHECK_EQUAL(errors_of("prediction:\n  step: 0s\n"),
                  lines{"node.yaml:2:9: prediction.step: must be greater than 0, got 0s"});
}

CAF_TEST(health timeouts and the breaker) {
  CAF_CHECK_EQUAL(errors_of("health:\n  timeout: 10s\n"),
                  lines{"node.yaml:2:12: health.timeout: must be at most health.interval (5s), got "
                        "10s"});
  CAF_CHECK_EQUAL(errors_of("health:\n  breaker:\n    reset_timeout: 10m\n"),
                  lines{"node.yaml:3:20: health.breaker.reset_timeout: must be at most "
                        "health.breaker.max_reset_timeout (5m), got 10m"});
  CAF_CHECK_EQUAL(errors_of("health:\n  breaker: {failure_rate: 1.5, half_open_trials: 0}\n"),
                  lines({"node.yaml:2:27: health.breaker.failure_rate: must be in [0, 1], got 1.5",
                         "node.yaml:2:50: health.breaker.half_open_trials: must be at least 1, "
                         "got 0"}));
}

CAF_TEST(health targets) {
  auto text = R"(health:
  targets:
    - name: web
      type: http
      url: ftp://x
    - name: web
      type: process
    - type: tcp
      address: localhost
    - name: run
      type: exec
      command: []
      url: http://x
    - name: slow
      type: tcp
      address: "db:5432"
      interval: 1s
)";
  CAF_CHECK_EQUAL(
    errors_of(text),
    lines({
      R"(node.yaml:5:12: health.targets[0].url: expected an http:// or https:// URL, )"
      R"(got "ftp://x")",
      R"(node.yaml:6:13: health.targets[1].name: duplicate target name "web" (first at line 3))",
      R"(node.yaml:7:13: health.targets[1].type: "process" is only valid in a plugin's health )"
      R"((expected http|tcp|exec))",
      R"(node.yaml:8:7: health.targets[2]: missing required key "name")",
      R"(node.yaml:9:16: health.targets[2].address: expected host:port, got "localhost")",
      R"(node.yaml:12:16: health.targets[3].command: must not be empty (expected [program, )"
      R"(args...]))",
      R"(node.yaml:13:12: health.targets[3].url: does not apply to type exec)",
      R"(node.yaml:17:17: health.targets[4].interval: must be at least health.timeout (2s), )"
      R"(got 1s)",
    }));
}

CAF_TEST(a plugin with a health check cannot share its name with a health target) {
  auto text = R"(health:
  targets:
    - name: chat
      type: tcp
      address: "127.0.0.1:80"
plugins:
  - name: chat
    command: [/bin/chat]
    health: {type: process}
  - name: voice
    command: [/bin/voice]
)";
  CAF_CHECK_EQUAL(errors_of(text),
                  lines({R"(node.yaml:7:11: plugins[0].name: plugin "chat" has a health check )"
                         R"(and health.targets has a target of the same name: rename one)"}));
}

CAF_TEST(duplicate plugin names and bad plugin names) {
  auto text = R"(plugins:
  - name: voice
    command: [/bin/a]
  - name: voice
    command: [/bin/b]
  - name: Voice!
    command: [/bin/c]
  - command: [/bin/d]
  - name: e
    command: [""]
)";
  CAF_CHECK_EQUAL(
    errors_of(text),
    lines({
      R"(node.yaml:4:11: plugins[1].name: duplicate plugin name "voice" (first at line 2))",
      R"(node.yaml:6:11: plugins[2].name: must match [a-z0-9][a-z0-9_-]* (at most 64 )"
      R"(characters), got "Voice!")",
      R"(node.yaml:8:5: plugins[3]: missing required key "name")",
      R"(node.yaml:10:15: plugins[4].command[0]: the program must not be empty)",
    }));
}

CAF_TEST(bounds need min at most max and limits within them) {
  auto text = R"(plugins:
  - name: a
    command: [/bin/a]
    limits: {cpu_quota: 50, memory_max: 1GiB}
    variants:
      - name: big
        command: [/bin/a, --big]
        limits: {memory_max: 32GiB}
    bounds:
      cpu_quota: [800, 100]
      memory_max: [512MiB, 16GiB]
      tasks_max: [0, 10, 20]
)";
  CAF_CHECK_EQUAL(
    errors_of(text),
    lines({
      R"(node.yaml:8:30: plugins[0].variants[0].limits.memory_max: must be within )"
      R"(plugins[0].bounds.memory_max [512MiB, 16GiB], got 32GiB)",
      R"(node.yaml:10:18: plugins[0].bounds.cpu_quota: min 800 is greater than max 100)",
      R"(node.yaml:12:18: plugins[0].bounds.tasks_max: expected [min, max], got a list of 3)",
    }));
  CAF_CHECK_EQUAL(
    errors_of("plugins:\n  - name: a\n    command: [/bin/a]\n    limits: {cpu_quota: 50}\n"
              "    bounds: {cpu_quota: [100, 800]}\n"),
    lines{"node.yaml:4:25: plugins[0].limits.cpu_quota: must be within "
          "plugins[0].bounds.cpu_quota [100, 800], got 50"});
  CAF_CHECK_EQUAL(
    errors_of("plugins:\n  - name: a\n    command: [/bin/a]\n    bounds: {tasks_max: [0, 8]}\n"),
    lines{"node.yaml:4:26: plugins[0].bounds.tasks_max[0]: must be greater than 0, got 0"});
}

CAF_TEST(plugin drain health and metrics) {
  auto text = R"(plugins:
  - name: a
    command: [/bin/a]
    drain: {signal: SIGKILL}
    health: {type: http}
  - name: b
    command: [/bin/b]
    drain: {signal: SIGTERM, url: "http://x/drain"}
    metrics: {url: "http://x/metrics", values: []}
    start_retries: -1
    env: {A: 1, B: [x]}
)";
  CAF_CHECK_EQUAL(
    errors_of(text),
    lines({
      R"(node.yaml:4:21: plugins[0].drain.signal: unknown value "SIGKILL" (expected )"
      R"(SIGTERM|SIGINT|SIGHUP|SIGUSR1|SIGUSR2|SIGQUIT))",
      R"(node.yaml:5:13: plugins[0].health: missing required key "url")",
      R"(node.yaml:8:35: plugins[1].drain.url: set either drain.signal or drain.url, not both)",
      R"(node.yaml:9:48: plugins[1].metrics.values: must list at least one value name)",
      R"(node.yaml:10:20: plugins[1].start_retries: must be at least 0, got -1)",
      R"(node.yaml:11:20: plugins[1].env.B: expected a string, got a list)",
    }));
}

CAF_TEST(a non-loopback http listen needs a token) {
  CAF_CHECK_EQUAL(errors_of("http:\n  listen: 0.0.0.0:8888\n"),
                  lines{"node.yaml:2:11: http.listen: non-loopback host \"0.0.0.0\" requires "
                        "http.token or http.token_file"});
  CAF_CHECK_EQUAL(errors_of("http:\n  listen: \"[2001:db8::1]:80\"\n"),
                  lines{"node.yaml:2:11: http.listen: non-loopback host \"2001:db8::1\" requires "
                        "http.token or http.token_file"});
  for (std::string ok : {"http:\n  listen: 0.0.0.0:8888\n  token: s3cret\n",
                         "http:\n  listen: 10.0.0.1:8888\n  token_file: /etc/t\n",
                         "http:\n  listen: 127.0.0.1:0\n", "http:\n  listen: 127.4.5.6:80\n",
                         "http:\n  listen: localhost:8888\n", "http:\n  listen: \"[::1]:8888\"\n"})
    CAF_CHECK_EQUAL(errors_of(ok), lines{});
}

CAF_TEST(http and inspect addresses and secrets) {
  CAF_CHECK_EQUAL(errors_of("http:\n  listen: 127.0.0.1:70000\n"),
                  lines{"node.yaml:2:11: http.listen: port must be an integer in 0..65535, got "
                        "\"70000\""});
  CAF_CHECK_EQUAL(errors_of("http:\n  listen: ::1:8888\n"),
                  lines{"node.yaml:2:11: http.listen: expected host:port with IPv6 addresses in "
                        "brackets (e.g. [::1]:8888), got \"::1:8888\""});
  CAF_CHECK_EQUAL(errors_of("http:\n  token: a\n  token_file: /b\n"),
                  lines{"node.yaml:3:15: http.token_file: set either http.token or "
                        "http.token_file, not both"});
  CAF_CHECK_EQUAL(errors_of("inspect:\n  tls: {cert: /c.pem}\n"),
                  lines{"node.yaml:2:15: inspect.tls.cert: needs inspect.tls.key as well"});
  CAF_CHECK_EQUAL(errors_of("inspect:\n  tls: {cert: /c.pem, key: /k.pem}\n"),
                  lines{"node.yaml:2:15: inspect.tls.cert: needs inspect.tls.ca as well (the CA "
                        "that signs conductorctl's certificates)"});
  CAF_CHECK_EQUAL(errors_of("inspect:\n  listen: 0.0.0.0:4242\n"),
                  lines{"node.yaml:2:11: inspect.listen: non-loopback host \"0.0.0.0\" requires "
                        "inspect.tls (cert and key)"});
  CAF_CHECK(errors_of("inspect:\n  listen: 127.0.0.1:4242\n").empty());
}

CAF_TEST(webhooks) {
  auto text = R"(notify:
  webhooks:
    - url: https://a
      events: [cascade, reboot]
      timeout: 0s
    - events: []
)";
  CAF_CHECK_EQUAL(
    errors_of(text),
    lines({
      R"(node.yaml:4:25: notify.webhooks[0].events[1]: unknown value "reboot" (expected )"
      R"(cascade|emergency|breaker|plugin_state|scaler_suspended|decision))",
      R"(node.yaml:5:16: notify.webhooks[0].timeout: must be greater than 0, got 0s)",
      R"(node.yaml:6:7: notify.webhooks[1]: missing required key "url")",
    }));
}

CAF_TEST(a yaml syntax error gives the parser position) {
  CAF_CHECK_EQUAL(errors_of("health:\n  interval: [5s\n  timeout: 2s\n"),
                  lines{"node.yaml:3:10: yaml syntax error: end of sequence flow not found"});
  CAF_CHECK_EQUAL(errors_of("node:\n\t- x\n"),
                  lines{"node.yaml:2:2: yaml syntax error: illegal block entry"});
}

CAF_TEST(more than one document) {
  CAF_CHECK_EQUAL(errors_of("node: {}\n---\nnode: {}\n"),
                  lines{"node.yaml:3:1: expected one YAML document, found 2"});
}

CAF_TEST(an unreadable file has no position) {
  auto missing = load_config_file("/nonexistent/conductor/node.yaml");
  CAF_REQUIRE_EQUAL(missing.errors.size(), 1u);
  CAF_CHECK_EQUAL(missing.errors[0].to_string(),
                  "/nonexistent/conductor/node.yaml: cannot read file: No such file or directory");
  auto directory = load_config_file("/tmp");
  CAF_REQUIRE_EQUAL(directory.errors.size(), 1u);
  CAF_CHECK_EQUAL(directory.errors[0].to_string(), "/tmp: cannot read file: Is a directory");
}

CAF_TEST(errors name the file as given) {
  temp_file file{"logging:\n  level: loud\n"};
  auto result = load_config_file(file.path);
  CAF_REQUIRE_EQUAL(result.errors.size(), 1u);
  CAF_CHECK_EQUAL(result.errors[0].to_string(),
                  file.path + ":2:10: logging.level: unknown value \"loud\" (expected "
                              "trace|debug|info|warn|error)");
}

CAF_TEST(every error of a file is reported in one pass in file order) {
  auto text = R"(node:
  data_dir: ""
logging:
  level: loud
collector:
  interval: 5
  filesystems: [relative/path]
scaler:
  polcy: balanced
  restore: {cpu: 95}
  min_step: {memory_max: 1GB}
plugins:
  - name: a
    command: [/bin/a]
  - name: a
    command: [/bin/a]
http:
  listen: 0.0.0.0:80
extra: 1
)";
  CAF_CHECK_EQUAL(
    errors_of(text),
    lines({
      R"(node.yaml:2:13: node.data_dir: must not be empty)",
      R"(node.yaml:4:10: logging.level: unknown value "loud" (expected )"
      R"(trace|debug|info|warn|error))",
      R"(node.yaml:6:13: collector.interval: invalid duration "5": missing unit (expected )"
      R"(ms|s|m|h))",
      R"(node.yaml:7:17: collector.filesystems[0]: expected an absolute path, got "relative/path")",
      R"(node.yaml:9:3: scaler: unknown key "polcy" (did you mean "policy"?))",
      R"(node.yaml:10:18: scaler.restore.cpu: must be less than scaler.degrade.cpu (90), got 95)",
      R"(node.yaml:11:26: scaler.min_step.memory_max: invalid size "1GB": unit "GB" is not )"
      R"(accepted, write GiB (units are powers of 1024))",
      R"(node.yaml:15:11: plugins[1].name: duplicate plugin name "a" (first at line 13))",
      R"(node.yaml:18:11: http.listen: non-loopback host "0.0.0.0" requires http.token or )"
      R"(http.token_file)",
      R"(node.yaml:19:1: unknown key "extra")",
    }));
}

#include "messages/settings.hpp"

namespace conductor {

namespace {

limit_values limits_of(const config::limit_set& l) {
  return {l.cpu_quota.value_or(0), l.memory_max.value_or(0), l.tasks_max.value_or(0)};
}

} // namespace

node_settings make_settings(const config::node_config& cfg) {
  node_settings out;
  out.collector.interval = cfg.collector.interval;
  out.collector.filesystems = cfg.collector.filesystems;
  out.collector.cgroup_root = cfg.collector.cgroup_root;
  for (const auto& p : cfg.plugins) {
    out.collector.plugins.push_back(p.name);
    if (p.metrics)
      out.collector.signals.push_back({p.name, p.metrics->url, p.metrics->values});
  }
  out.predictor.window = cfg.prediction.window;
  out.predictor.horizon = cfg.prediction.horizon;
  out.predictor.interval = cfg.prediction.interval;
  out.predictor.step = cfg.prediction.step;
  out.predictor.model = cfg.prediction.model;
  const auto& s = cfg.scaler;
  auto policy = config::effective_policy(s);
  out.scaler.mode = config::to_string(s.mode);
  out.scaler.policy = s.policy;
  out.scaler.evaluation_interval = s.evaluation_interval;
  auto host = config::detect_host_shape();
  auto thresholds = config::effective_thresholds(s, host);
  out.scaler.degrade_cpu = thresholds.degrade_cpu;
  out.scaler.degrade_memory = thresholds.degrade_memory;
  out.scaler.restore_cpu = thresholds.restore_cpu;
  out.scaler.restore_memory = thresholds.restore_memory;
  out.scaler.emergency_memory = thresholds.emergency_memory;
  out.scaler.stabilization = s.stabilization;
  out.scaler.confirm_up = policy.confirm_up;
  out.scaler.min_confidence = cfg.prediction.min_confidence;
  out.scaler.profile = policy;
  out.scaler.min_step = {s.min_step_cpu_quota, s.min_step_memory_max, s.min_step_tasks_max};
  out.scaler.suspend_after_failures = s.suspend_after_failures;
  out.scaler.flap_budget = s.flap_budget;
  out.scaler.reserve_cpu_cores = thresholds.reserve_cpu_cores;
  out.scaler.reserve_memory = thresholds.reserve_memory;
  out.scaler.host_cores = host.cores;
  out.scaler.host_memory = host.memory_bytes;
  out.scaler.tier = thresholds.tier;
  out.scaler.probation = s.probation;
  out.scaler.probation_memory_pressure = s.probation_memory_pressure;
  out.persistence.path = config::database_path(cfg);
  out.persistence.retention = cfg.persistence.retention;
  out.persistence.batch = cfg.persistence.batch;
  out.health = make_health_settings(cfg);
  // Under pressure from the same thresholds the scaler uses.
  out.health.degrade_cpu = out.scaler.degrade_cpu;
  out.health.degrade_memory = out.scaler.degrade_memory;
  out.plugins.cgroup_root = cfg.collector.cgroup_root;
  out.plugins.log_dir = cfg.node.data_dir + "/plugins";
  for (const auto& p : cfg.plugins) {
    plugin_settings x;
    x.name = p.name;
    x.priority = p.priority;
    x.command = p.command;
    x.working_dir = p.working_dir;
    x.env = p.env;
    x.cpu_quota = p.limits.cpu_quota.value_or(0);
    x.memory_max = p.limits.memory_max.value_or(0);
    x.tasks_max = p.limits.tasks_max.value_or(0);
    x.drain_signal = p.drain.signal;
    x.drain_url = p.drain.url;
    x.grace = p.drain.grace;
    x.start_retries = p.start_retries;
    for (const auto& v : p.variants)
      x.variants.push_back({v.name, v.command, limits_of(v.limits)});
    if (p.bounds.cpu_quota) {
      x.min_limits.cpu_quota = p.bounds.cpu_quota->first;
      x.max_limits.cpu_quota = p.bounds.cpu_quota->second;
    }
    if (p.bounds.memory_max) {
      x.min_limits.memory_max = p.bounds.memory_max->first;
      x.max_limits.memory_max = p.bounds.memory_max->second;
    }
    if (p.bounds.tasks_max) {
      x.min_limits.tasks_max = p.bounds.tasks_max->first;
      x.max_limits.tasks_max = p.bounds.tasks_max->second;
    }
    out.plugins.plugins.push_back(std::move(x));
  }
  out.scaler.plugins = out.plugins.plugins;
  return out;
}

const std::vector<std::string>& command_of(const plugin_settings& p, size_t variant) {
  if (variant < p.variants.size() && !p.variants[variant].command.empty())
    return p.variants[variant].command;
  return p.command;
}

void lay_over(limit_values& base, const limit_values& top) {
  if (top.cpu_quota > 0)
    base.cpu_quota = top.cpu_quota;
  if (top.memory_max > 0)
    base.memory_max = top.memory_max;
  if (top.tasks_max > 0)
    base.tasks_max = top.tasks_max;
}

limit_values limits_of(const plugin_settings& p, size_t variant) {
  limit_values out{p.cpu_quota, p.memory_max, p.tasks_max};
  if (variant < p.variants.size())
    lay_over(out, p.variants[variant].limits);
  return out;
}

health_settings make_health_settings(const config::node_config& cfg) {
  const auto& h = cfg.health;
  health_settings out;
  out.stagger = config::to_string(h.stagger);
  out.pressure_backoff = h.pressure_backoff;
  out.degrade_cpu = cfg.scaler.degrade_cpu;
  out.degrade_memory = cfg.scaler.degrade_memory;
  out.breaker = h.breaker;
  auto add = [&](const std::string& name, const std::string& plugin,
                 const config::check_spec& c) {
    health_target_settings t;
    t.name = name;
    t.plugin = plugin;
    t.type = c.type;
    t.url = c.url;
    t.address = c.address;
    t.command = c.command;
    t.expect_status.assign(c.expect_status.begin(), c.expect_status.end());
    t.expect_body = c.expect_body;
    t.interval = c.interval.value_or(h.interval);
    t.timeout = c.timeout.value_or(h.timeout);
    out.targets.push_back(std::move(t));
  };
  for (const auto& p : cfg.plugins)
    if (p.health)
      add(p.name, p.name, *p.health);
  for (const auto& t : h.targets)
    add(t.name, "", t.check);
  return out;
}

} // namespace conductor

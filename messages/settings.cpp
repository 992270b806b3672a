#include "messages/settings.hpp"

namespace conductor {

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
  out.scaler.degrade_cpu = s.degrade_cpu;
  out.scaler.degrade_memory = s.degrade_memory;
  out.scaler.restore_cpu = s.restore_cpu;
  out.scaler.restore_memory = s.restore_memory;
  out.scaler.emergency_memory = s.emergency_memory;
  out.scaler.stabilization = s.stabilization;
  out.scaler.confirm_up = policy.confirm_up;
  out.scaler.min_confidence = cfg.prediction.min_confidence;
  out.persistence.path = config::database_path(cfg);
  out.persistence.retention = cfg.persistence.retention;
  out.persistence.batch = cfg.persistence.batch;
  out.health = make_health_settings(cfg);
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
    out.plugins.plugins.push_back(std::move(x));
  }
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

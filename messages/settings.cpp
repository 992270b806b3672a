#include "messages/settings.hpp"

namespace conductor {

node_settings make_settings(const config::node_config& cfg) {
  node_settings out;
  out.collector.interval = cfg.collector.interval;
  out.collector.filesystems = cfg.collector.filesystems;
  out.collector.cgroup_root = cfg.collector.cgroup_root;
  for (const auto& p : cfg.plugins)
    out.collector.plugins.push_back(p.name);
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
  return out;
}

} // namespace conductor

// node_config.cpp -- the few functions node_config.hpp declares.
#include "config/node_config.hpp"

#include <filesystem>

namespace conductor::config {

const char* to_string(log_level x) {
  switch (x) {
    case log_level::trace:
      return "trace";
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
  }
  return "?";
}

const char* to_string(log_format x) {
  switch (x) {
    case log_format::text:
      return "text";
    case log_format::json:
      return "json";
  }
  return "?";
}

const char* to_string(scaler_mode x) {
  switch (x) {
    case scaler_mode::enabled:
      return "enabled";
    case scaler_mode::disabled:
      return "disabled";
    case scaler_mode::manual:
      return "manual";
  }
  return "?";
}

const char* to_string(stagger_kind x) {
  switch (x) {
    case stagger_kind::even:
      return "even";
    case stagger_kind::jitter:
      return "jitter";
  }
  return "?";
}

std::map<std::string, policy_profile> default_policies() {
  // The three profiles differ only in how eagerly they scale up; scaling down is equally
  // cautious everywhere (CONFIG.md, scaler.policies).
  auto profile = [](resource_percent up, int confirm_up, duration cooldown, double up_factor) {
    policy_profile p;
    p.scale_up = up;
    p.scale_down = resource_percent{40, 50, 30};
    p.confirm_up = confirm_up;
    p.confirm_down = 10;
    p.cooldown = cooldown;
    p.up_factor = up_factor;
    p.down_factor = 0.6;
    return p;
  };
  return {
    {"conservative", profile({90, 85, 85}, 5, 10min, 1.3)},
    {"balanced", profile({85, 80, 85}, 3, 5min, 1.5)},
    {"aggressive", profile({75, 70, 85}, 2, 2min, 2.0)},
  };
}

policy_profile effective_policy(const scaler_section& s) {
  // A validated config always names an existing profile; the fallback only keeps a
  // hand-built, invalid section from yielding an all-zero profile.
  auto i = s.policies.find(s.policy);
  auto p = i != s.policies.end() ? i->second : default_policies().at("balanced");
  const auto& o = s.overrides;
  auto apply = [](auto& field, const auto& value) {
    if (value)
      field = *value;
  };
  apply(p.scale_up.cpu, o.scale_up_cpu);
  apply(p.scale_up.memory, o.scale_up_memory);
  apply(p.scale_up.tasks, o.scale_up_tasks);
  apply(p.scale_down.cpu, o.scale_down_cpu);
  apply(p.scale_down.memory, o.scale_down_memory);
  apply(p.scale_down.tasks, o.scale_down_tasks);
  apply(p.confirm_up, o.confirm_up);
  apply(p.confirm_down, o.confirm_down);
  apply(p.cooldown, o.cooldown);
  apply(p.up_factor, o.up_factor);
  apply(p.down_factor, o.down_factor);
  return p;
}

std::string database_path(const node_config& cfg) {
  std::filesystem::path db{cfg.persistence.path};
  if (db.is_absolute() || cfg.node.data_dir.empty())
    return db.string();
  return (std::filesystem::path{cfg.node.data_dir} / db).string();
}

} // namespace conductor::config

// node_config.cpp -- the few functions node_config.hpp declares.
#include "config/node_config.hpp"

#include <unistd.h>

#include <algorithm>
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
  // predictive sizes to the expected peak (target sizing): up as soon as the peak plus its
  // headroom passes the limit, down once it is 15 % below, at most every 2 hours. Chosen on the
  // NAB CPU traces (bench/whatif.sh): the one setting that kept slack under 0.40 with throttling
  // under 1 % on all seven.
  // Tasks keep threshold sizing (limit_resizer.hpp), with the others' values.
  auto predictive = profile({100, 100, 85}, 1, 2h, 1.5);
  predictive.scale_down = resource_percent{85, 85, 30};
  predictive.confirm_down = 1;
  predictive.sizing = "target";
  return {
    {"conservative", profile({90, 85, 85}, 5, 10min, 1.3)},
    {"balanced", profile({85, 80, 85}, 3, 5min, 1.5)},
    {"aggressive", profile({75, 70, 85}, 2, 2min, 2.0)},
    {"predictive", predictive},
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
  apply(p.sizing, o.sizing);
  apply(p.headroom, o.headroom);
  apply(p.peak_window, o.peak_window);
  apply(p.seasonal_days, o.seasonal_days);
  apply(p.seasonal_window, o.seasonal_window);
  return p;
}

std::map<std::string, tier_spec> default_tiers() {
  auto tier = [](unsigned max_cores, uint64_t max_memory, double degrade_cpu,
                 double degrade_memory, double restore, double emergency_memory) {
    tier_spec t;
    t.max_cores = max_cores;
    t.max_memory = max_memory;
    t.degrade_cpu = degrade_cpu;
    t.degrade_memory = degrade_memory;
    t.restore_cpu = restore;
    t.restore_memory = restore;
    t.emergency_memory = emergency_memory;
    return t;
  };
  // A small host has little slack, so it acts earlier; a large one has room to wait longer.
  return {
    {"small", tier(4, 16ull << 30, 85, 75, 60, 92)},
    {"medium", tier(16, 64ull << 30, 90, 80, 65, 95)},
    {"large", tier(0, 0, 90, 85, 70, 97)},
  };
}

host_shape detect_host_shape() {
  host_shape out;
  auto cores = sysconf(_SC_NPROCESSORS_ONLN);
  if (cores > 0)
    out.cores = static_cast<unsigned>(cores);
  auto pages = sysconf(_SC_PHYS_PAGES);
  auto page_size = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0)
    out.memory_bytes = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
  return out;
}

namespace {

/// The tier `name` of `s`, or the built-in one for a hand-built section that lacks it.
tier_spec tier_of(const scaler_section& s, const std::string& name) {
  auto i = s.tiers.find(name);
  return i != s.tiers.end() ? i->second : default_tiers().at(name);
}

} // namespace

std::string host_tier(const scaler_section& s, host_shape host) {
  if (host.cores == 0 || host.memory_bytes == 0)
    return "medium";
  for (const auto& name : tier_names()) {
    auto t = tier_of(s, name);
    if ((t.max_cores == 0 || host.cores <= t.max_cores)
        && (t.max_memory == 0 || host.memory_bytes <= t.max_memory))
      return name;
  }
  return tier_names().back();
}

scaler_thresholds effective_thresholds(const scaler_section& s, host_shape host) {
  scaler_thresholds out;
  out.tier = host_tier(s, host);
  auto t = tier_of(s, out.tier);
  auto pick = [&](const char* key, double top_level, double tier_value) {
    return s.explicit_keys.count(key) > 0 ? top_level : tier_value;
  };
  out.degrade_cpu = pick("scaler.degrade.cpu", s.degrade_cpu, t.degrade_cpu);
  out.degrade_memory = pick("scaler.degrade.memory", s.degrade_memory, t.degrade_memory);
  out.restore_cpu = pick("scaler.restore.cpu", s.restore_cpu, t.restore_cpu);
  out.restore_memory = pick("scaler.restore.memory", s.restore_memory, t.restore_memory);
  out.emergency_memory = pick("scaler.emergency.memory", s.emergency_memory, t.emergency_memory);
  out.reserve_cpu_cores = s.reserve_cpu_cores;
  out.reserve_memory = s.reserve_memory;
  if (out.tier == "small") {
    // host_tier() only says "small" for a host whose cores and memory are known.
    if (s.explicit_keys.count("scaler.reserves.cpu_cores") == 0)
      out.reserve_cpu_cores = std::min(out.reserve_cpu_cores, 0.25 * host.cores);
    if (s.explicit_keys.count("scaler.reserves.memory") == 0)
      out.reserve_memory = std::min(out.reserve_memory, host.memory_bytes / 4);
  }
  return out;
}

std::string database_path(const node_config& cfg) {
  std::filesystem::path db{cfg.persistence.path};
  if (db.is_absolute() || cfg.node.data_dir.empty())
    return db.string();
  return (std::filesystem::path{cfg.node.data_dir} / db).string();
}

} // namespace conductor::config

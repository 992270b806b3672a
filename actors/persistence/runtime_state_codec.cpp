#include "actors/persistence/runtime_state_codec.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace conductor {

namespace {

nlohmann::json limits_json(const limit_values& l) {
  return {{"cpu_quota", l.cpu_quota}, {"memory_max", l.memory_max}, {"tasks_max", l.tasks_max}};
}

} // namespace

std::map<std::string, std::string> encode_runtime_state(const runtime_state& state) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : state.steps)
    steps.push_back({{"plugin", s.plugin},
                     {"kind", s.kind},
                     {"variant", s.variant},
                     {"from_variant", s.from_variant},
                     {"reason", s.reason}});
  nlohmann::json limits = nlohmann::json::object();
  for (const auto& l : state.limits)
    limits[l.plugin] = limits_json(l.limits);
  return {{"mode", state.mode},
          {"mode_origin", state.mode_origin},
          {"config_mode", state.config_mode},
          {"suspended_reason", state.suspended_reason},
          {"policy", state.policy},
          {"degraded", steps.dump()},
          {"limits", limits.dump()},
          {"saved", nlohmann::json(state.saved).dump()}};
}

runtime_state decode_runtime_state(const std::map<std::string, std::string>& rows,
                                   std::string& error) {
  runtime_state out;
  error.clear();
  auto text = [&](const char* key, std::string& to) {
    if (auto i = rows.find(key); i != rows.end())
      to = i->second;
  };
  text("mode", out.mode);
  text("mode_origin", out.mode_origin);
  text("config_mode", out.config_mode);
  text("suspended_reason", out.suspended_reason);
  text("policy", out.policy);
  // Each JSON part on its own: one unreadable part costs only itself.
  auto json = [&](const char* key, auto&& read) {
    auto i = rows.find(key);
    if (i == rows.end())
      return;
    try {
      read(nlohmann::json::parse(i->second));
    } catch (const std::exception& e) {
      error += std::string{error.empty() ? "" : "; "} + key + ": " + e.what();
    }
  };
  json("degraded", [&](const nlohmann::json& j) {
    std::vector<runtime_step> steps;
    if (!j.is_array())
      throw std::runtime_error("not a JSON array");
    for (const auto& s : j)
      steps.push_back({s.at("plugin").get<std::string>(), s.at("kind").get<std::string>(),
                       s.value("variant", ""), s.value("from_variant", ""),
                       s.value("reason", "")});
    out.steps = std::move(steps);
  });
  json("limits", [&](const nlohmann::json& j) {
    std::vector<plugin_limits> limits;
    for (const auto& [plugin, l] : j.items())
      limits.push_back({plugin, limit_values{l.value("cpu_quota", 0.0),
                                             l.value("memory_max", uint64_t{0}),
                                             l.value("tasks_max", uint64_t{0})}});
    out.limits = std::move(limits);
  });
  json("saved", [&](const nlohmann::json& j) { out.saved = j.get<double>(); });
  return out;
}

} // namespace conductor

#include "actors/persistence/runtime_state_codec.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/scaler/demand_memory.hpp"

namespace conductor {

namespace {

nlohmann::json limits_json(const limit_values& l) {
  return {{"cpu_quota", l.cpu_quota}, {"memory_max", l.memory_max}, {"tasks_max", l.tasks_max}};
}

/// Peaks as text, a float's shortest form each ("0.1") and "-" for an
/// unseen bucket; a JSON array would print each as a double
/// (0.10000000149011612).
std::string peaks_text(const std::vector<float>& peaks) {
  std::string out;
  char buffer[32];
  for (float p : peaks) {
    if (!out.empty())
      out += ' ';
    if (!(p >= 0)) {
      out += '-';
      continue;
    }
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, p);
    out.append(buffer, ec == std::errc{} ? end : buffer);
  }
  return out;
}

std::vector<float> parse_peaks(std::string_view text) {
  std::vector<float> out;
  while (!text.empty()) {
    auto space = text.find(' ');
    auto word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    if (word == "-") {
      out.push_back(demand_memory::unseen);
      continue;
    }
    float p = 0;
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), p);
    if (word.empty() || ec != std::errc{} || end != word.data() + word.size()
        || !std::isfinite(p) || p < 0)
      throw std::runtime_error("peak " + std::to_string(out.size()) + " \"" + std::string{word}
                               + "\" is not a number >= 0 or -");
    out.push_back(p);
  }
  return out;
}

constexpr int64_t bucket_seconds
  = std::chrono::duration_cast<std::chrono::seconds>(demand_memory::bucket).count();

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
  nlohmann::json demand = nlohmann::json::array();
  for (const auto& d : state.demand)
    demand.push_back(
      {{"plugin", d.plugin}, {"resource", d.resource}, {"peaks", peaks_text(d.peaks)}});
  return {{"mode", state.mode},
          {"mode_origin", state.mode_origin},
          {"config_mode", state.config_mode},
          {"suspended_reason", state.suspended_reason},
          {"policy", state.policy},
          {"degraded", steps.dump()},
          {"limits", limits.dump()},
          {"saved", nlohmann::json(state.saved).dump()},
          {"demand", nlohmann::json{{"saved", state.demand_saved},
                                    {"bucket_seconds", bucket_seconds},
                                    {"plugins", demand}}
                       .dump()}};
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
  json("demand", [&](const nlohmann::json& j) {
    if (j.at("bucket_seconds").get<int64_t>() != bucket_seconds)
      throw std::runtime_error("peaks per " + j.at("bucket_seconds").dump()
                               + " s, where this conductor keeps them per "
                               + std::to_string(bucket_seconds) + " s");
    std::vector<demand_peaks> demand;
    for (const auto& d : j.at("plugins"))
      demand.push_back({d.at("plugin").get<std::string>(), d.at("resource").get<std::string>(),
                        parse_peaks(d.at("peaks").get<std::string>())});
    out.demand = std::move(demand);
    out.demand_saved = j.at("saved").get<double>();
  });
  return out;
}

} // namespace conductor

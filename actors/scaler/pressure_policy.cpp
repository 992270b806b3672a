#include "actors/scaler/pressure_policy.hpp"

#include "actors/number_text.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "messages/metric_names.hpp"

namespace conductor {

namespace {

std::string pct(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", x);
  return buf;
}

std::string minutes(std::chrono::nanoseconds d) {
  return number_text(std::chrono::duration<double>(d).count() / 60) + "m";
}

} // namespace

const char* to_string(pressure_policy::state x) {
  switch (x) {
    case pressure_policy::state::unknown:
      return "unknown";
    case pressure_policy::state::normal:
      return "normal";
    case pressure_policy::state::pressure:
      return "pressure";
    case pressure_policy::state::emergency:
      return "emergency";
    case pressure_policy::state::suspended:
      return "suspended";
  }
  return "unknown";
}

pressure_policy::pressure_policy(scaler_settings settings) : settings_(std::move(settings)) {
}

void pressure_policy::update_settings(scaler_settings settings) {
  settings_ = std::move(settings);
}

void pressure_policy::observe_measured(const std::string& metric, double value) {
  if (metric == metric_name::cpu_percent)
    cpu_.measured = value;
  else if (metric == metric_name::memory_percent)
    memory_.measured = value;
}

void pressure_policy::observe_forecast(const std::string& metric, double predicted,
                                       double confidence, duration horizon) {
  reading* r = metric == metric_name::cpu_percent      ? &cpu_
               : metric == metric_name::memory_percent ? &memory_
                                            : nullptr;
  if (!r)
    return;
  r->predicted = predicted;
  r->confidence = confidence;
  horizon_ = horizon;
}

std::optional<policy_decision> pressure_policy::over_degrade() const {
  struct check {
    const char* name;
    const reading& r;
    double threshold;
  };
  check checks[] = {{"memory", memory_, settings_.degrade_memory},
                    {"cpu", cpu_, settings_.degrade_cpu}};
  // Measured pressure outranks predicted pressure in the explanation.
  for (const auto& c : checks)
    if (c.r.measured && *c.r.measured >= c.threshold)
      return policy_decision{"degrade", "measured",
                             std::string{c.name} + " " + pct(*c.r.measured) + " >= degrade "
                               + number_text(c.threshold) + "%",
                             "", 1.0};
  for (const auto& c : checks)
    if (c.r.predicted && c.r.confidence >= settings_.min_confidence
        && *c.r.predicted >= c.threshold)
      return policy_decision{"degrade", "forecast",
                             std::string{c.name} + " forecast " + pct(*c.r.predicted) + " in "
                               + minutes(horizon_) + " >= degrade " + number_text(c.threshold)
                               + "% (confidence " + number_text(c.r.confidence) + ")",
                             "", c.r.confidence};
  return std::nullopt;
}

bool pressure_policy::below_restore() const {
  auto below = [](const reading& r, double restore, double degrade, double min_conf) {
    if (r.measured && *r.measured >= restore)
      return false;
    // A trusted forecast of renewed pressure blocks the restore.
    return !(r.predicted && r.confidence >= min_conf && *r.predicted >= degrade);
  };
  return below(cpu_, settings_.restore_cpu, settings_.degrade_cpu, settings_.min_confidence)
         && below(memory_, settings_.restore_memory, settings_.degrade_memory,
                  settings_.min_confidence);
}

std::string pressure_policy::inputs_json(state before) const {
  nlohmann::json j = nlohmann::json::object();
  auto put = [&](const char* name, const reading& r) {
    if (r.measured)
      j[name] = *r.measured;
    if (r.predicted) {
      j[std::string{name} + "_forecast"] = *r.predicted;
      j[std::string{name} + "_confidence"] = r.confidence;
    }
  };
  put("cpu_percent", cpu_);
  put("memory_percent", memory_);
  j["state_before"] = to_string(before);
  return j.dump();
}

std::optional<policy_decision> pressure_policy::evaluate(duration now) {
  const auto before = current();
  auto decide = [&](std::string action, std::string trigger, std::string reason,
                    double confidence = 1.0) {
    return policy_decision{std::move(action), std::move(trigger), std::move(reason),
                           inputs_json(before), confidence};
  };
  if (settings_.mode != "enabled") {
    if (suspended_)
      return std::nullopt;
    suspended_ = true;
    over_count_ = 0;
    below_since_.reset();
    return decide("hold", "config",
                  "scaler mode is " + settings_.mode + ": no automatic action is taken");
  }
  if (!cpu_.measured && !memory_.measured)
    return std::nullopt;
  if (suspended_) {
    suspended_ = false;
    // A calm host is announced afresh; a degraded one stays degraded and is
    // restored by the usual hysteresis.
    if (state_ == state::normal)
      state_ = state::unknown;
  }
  // Emergency first: no confirmation, the next OOM kill does not wait.
  if (memory_.measured && *memory_.measured >= settings_.emergency_memory) {
    below_since_.reset();
    if (state_ == state::emergency)
      return std::nullopt;
    state_ = state::emergency;
    return decide("emergency", "measured",
                  "memory " + pct(*memory_.measured) + " >= emergency "
                    + number_text(settings_.emergency_memory) + "%");
  }
  if (state_ == state::pressure || state_ == state::emergency) {
    if (!below_restore()) {
      below_since_.reset();
      return std::nullopt;
    }
    if (!below_since_)
      below_since_ = now;
    if (now - *below_since_ < settings_.stabilization)
      return std::nullopt;
    state_ = state::normal;
    below_since_.reset();
    over_count_ = 0;
    return decide("restore", "measured",
                  "cpu and memory below restore (" + number_text(settings_.restore_cpu) + "%, "
                    + number_text(settings_.restore_memory) + "%) for "
                    + minutes(settings_.stabilization));
  }
  // unknown or normal
  auto over = over_degrade();
  if (over && ++over_count_ >= settings_.confirm_up) {
    state_ = state::pressure;
    over_count_ = 0;
    return decide("degrade", over->trigger,
                  over->reason + " for " + std::to_string(settings_.confirm_up)
                    + " evaluation(s)",
                  over->confidence);
  }
  if (!over)
    over_count_ = 0;
  if (state_ != state::unknown)
    return std::nullopt;
  // The first evaluation says where the host stands, so the audit log shows
  // when the scaler started watching and what it saw.
  state_ = state::normal;
  if (over)
    return decide("hold", over->trigger,
                  over->reason + ": confirming (" + std::to_string(over_count_) + " of "
                    + std::to_string(settings_.confirm_up) + ")",
                  over->confidence);
  return decide("hold", "measured",
                "host within thresholds (degrade at cpu " + number_text(settings_.degrade_cpu)
                  + "%, memory " + number_text(settings_.degrade_memory) + "%)");
}

} // namespace conductor

// pressure_policy.hpp -- the host-level part of the scaler: when is the host
// under pressure, and when has it recovered?
//
// Hysteresis (degrade at one threshold, restore only below a lower one, after
// a stabilization period), confirmation over consecutive evaluations, and
// forecasts that count only when trusted. Plain C++; time is a parameter.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "messages/settings.hpp"

namespace conductor {

/// What the policy decided and why; the scaler actor turns it into a message.
struct policy_decision {
  /// hold | degrade | restore | emergency
  std::string action;
  /// measured | forecast | config
  std::string trigger;
  std::string reason;
  /// JSON object of the inputs the decision saw.
  std::string inputs;
  double confidence = 1;
};

class pressure_policy {
public:
  using duration = std::chrono::nanoseconds;

  /// The host's pressure state. `suspended` while the mode is not enabled.
  enum class state { unknown, normal, pressure, emergency, suspended };

  pressure_policy() = default;
  explicit pressure_policy(scaler_settings settings);

  /// New settings; the state is kept, so a reload never undoes a degradation.
  void update_settings(scaler_settings settings);

  /// The newest measured value of a host metric (cpu_percent, memory_percent).
  void observe_measured(const std::string& metric, double value);

  /// The newest forecast of a host metric, `horizon` ahead.
  void observe_forecast(const std::string& metric, double predicted, double confidence,
                        duration horizon);

  /// One evaluation at monotonic time `now`. Returns a decision when the
  /// state changes, and once on the first evaluation with data; nullopt means
  /// "nothing changed".
  std::optional<policy_decision> evaluate(duration now);

  state current() const {
    return suspended_ ? state::suspended : state_;
  }

  /// Why the host is over a degrade threshold now (measured, or a trusted
  /// forecast), if it is: the cascade steps down while this holds.
  std::optional<policy_decision> over_degrade() const;
  /// Below every restore threshold, with no trusted forecast of pressure.
  bool below_restore() const;
  /// Memory measured at or over the emergency threshold now.
  bool emergency_now() const {
    return memory_.measured && *memory_.measured >= settings_.emergency_memory;
  }
  /// The inputs as a JSON object (measured, forecast, confidence, state).
  std::string inputs_json() const {
    return inputs_json(current());
  }

private:
  struct reading {
    std::optional<double> measured;
    std::optional<double> predicted;
    double confidence = 0;
  };

  /// The inputs the decision saw, with the state the host was in before it.
  std::string inputs_json(state before) const;

  scaler_settings settings_;
  reading cpu_;
  reading memory_;
  duration horizon_{};
  /// The host's state. A suspension does not overwrite it: re-enabling the
  /// scaler while services are degraded must still restore them later.
  state state_ = state::unknown;
  bool suspended_ = false;
  int over_count_ = 0;
  std::optional<duration> below_since_;
};

const char* to_string(pressure_policy::state x);

} // namespace conductor

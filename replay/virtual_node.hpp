// virtual_node.hpp -- the node's deciding half on a virtual clock: the
// host's predictor, the scaler engine and, in place of the plugin manager,
// a bookkeeper that carries out every step at once. What-if replays
// (conductor-replay --simulate and --from-db, POST /api/whatif) feed it
// samples as they were measured or recorded and read what it decided.
//
// The same code the node runs decides: scaler_engine with its policy,
// bounds, cooldowns, flap budget, probation and cascade; series_predictor
// for the host's forecasts. What it cannot know is made plain: a step taken
// here does not change the samples that follow (they are what was recorded),
// and every step succeeds.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "actors/predictor/series_predictor.hpp"
#include "actors/predictor/step_aggregator.hpp"
#include "actors/scaler/scaler_engine.hpp"
#include "messages/settings.hpp"

namespace conductor::replay {

/// One sample of one source ("host" or a plugin), at `seconds` on the trace's
/// clock (Unix seconds, possibly fractional).
struct timed_sample {
  double seconds = 0;
  std::string source;
  std::map<std::string, double> values;
};

class virtual_node {
public:
  using duration = std::chrono::nanoseconds;

  /// `scaler` holds the plugins; each starts running on its first variant
  /// with its configured limits. `prediction` and `step` drive the host's
  /// forecasts (as the node's predictor settings do).
  virtual_node(scaler_settings scaler, prediction_params prediction, duration step);

  /// Puts `limits` in force for their plugins before the first sample, as a
  /// node resumes the limits its resizes set (a what-if window that opens
  /// after earlier resizes starts from them, not from the configuration).
  void start_with(const std::vector<plugin_limits>& limits);

  /// Takes a sample in; samples must come in time order (an earlier one is
  /// taken at the latest time seen).
  void take(const timed_sample& s);

  /// When an evaluation is due (every evaluation_interval of trace time, at
  /// most one per distinct time) the scaler evaluates; returns the decisions
  /// it made, each already carried out. Call it after taking every sample of
  /// a time (the host's and each plugin's), as the node's scaler evaluates
  /// after the collector's tick.
  std::vector<decision> evaluate_due();

  /// take(s), then evaluate_due(): for one sample per time.
  std::vector<decision> feed(const timed_sample& s) {
    take(s);
    return evaluate_due();
  }

  /// The limits in force for `plugin` (zeros for an unknown plugin).
  limit_values limits(const std::string& plugin) const;

  /// running | disabled for `plugin` ("" for an unknown one).
  std::string state(const std::string& plugin) const;

  const scaler_engine& engine() const {
    return engine_;
  }

private:
  struct host_series {
    step_aggregator steps;
    series_predictor predictor;
  };

  void carry_out(decision& d, duration now);

  scaler_engine engine_;
  scaler_settings settings_;
  prediction_params prediction_;
  duration step_;
  std::map<std::string, host_series> host_;
  std::map<std::string, limit_values> limits_;
  std::map<std::string, std::string> states_;
  std::map<std::string, size_t> variants_;
  bool started_ = false;
  double first_seconds_ = 0;
  duration now_{};
  duration next_evaluation_{};
};

} // namespace conductor::replay

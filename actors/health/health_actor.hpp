// health_actor.hpp -- the health checker's actor shell: runs the schedule
// (health_schedule.hpp) on the actor clock, hands due checks to a check
// runner, and publishes every result and breaker transition to its sinks
// (results to the scaler, transitions to the scaler, persistence and metrics).
// It counts results on /metrics itself, as the collector does its ticks: a
// message per check to the metrics actor would cost more than the count.
#pragma once

#include <memory>
#include <optional>

#include <caf/actor_clock.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/health/check_runner.hpp"
#include "actors/health/health_schedule.hpp"
#include "actors/interfaces.hpp"
#include "actors/metric_families.hpp"
#include "actors/sink_set.hpp"
#include "actors/wakeup_timer.hpp"

namespace conductor {

struct health_state {
  health_settings settings;
  health::check_runner_factory make_runner;
  /// Created with the first target, so a node without targets runs no thread.
  std::unique_ptr<health::check_runner> runner;
  std::unique_ptr<health::health_schedule> schedule;
  sink_set<health_sink> sinks;
  sink_set<breaker_sink> breaker_sinks;
  metric_families* metrics = nullptr;
  /// The tick for the schedule's next wakeup.
  wakeup_timer timer;
  /// Per target (schedule index), its result series, made on its first result.
  struct target_series {
    metric_series* up = nullptr;
    metric_series* passed = nullptr;
    metric_series* failed = nullptr;
    metric_histogram* duration = nullptr;
    metric_series* breaker = nullptr;
    /// Plugins' targets only.
    metric_series* plugin_failures = nullptr;
  };
  std::vector<target_series> series;
  /// Pressure as the scaler declared it, and as the host's samples show it.
  bool scaler_pressure = false;
  bool sample_pressure = false;
  static inline const char* name = "health";
};

/// The schedule's targets and options from settings; `seed` for jitter.
std::vector<health::target_plan> health_plans(const health_settings& settings);
health::schedule_options health_options(const health_settings& settings, uint64_t seed);

/// How operators see target `i`.
target_health describe_target(const health::health_schedule& schedule, size_t i);

health_actor::behavior_type health_checker(health_actor::stateful_pointer<health_state> self,
                                           health_settings settings,
                                           health::check_runner_factory make_runner,
                                           metric_families* metrics);

} // namespace conductor

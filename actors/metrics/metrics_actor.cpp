#include "actors/metrics/metrics_actor.hpp"

#include <chrono>
#include <string>

#include "messages/metric_names.hpp"

namespace conductor {

double breaker_state_value(const std::string& state) {
  if (state == "open")
    return 2;
  if (state == "half_open")
    return 1;
  return 0;
}

std::string horizon_label(caf::timespan horizon) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(horizon).count()) + "s";
}

metrics_actor::behavior_type metrics(metrics_actor::stateful_pointer<metrics_state> self,
                                     metric_families* families) {
  self->state.families = families;
  return {
    [=](const resource_sample& sample) {
      if (sample.source != "host")
        return;
      auto& f = *self->state.families;
      const std::string fs_prefix = metric_name::filesystem_prefix;
      // Samples are in percent (what thresholds are written in); Prometheus
      // convention is ratios.
      for (const auto& [metric, value] : sample.values) {
        auto ratio = value / 100.0;
        if (metric == metric_name::cpu_percent)
          f.host_cpu.Add({}).Set(ratio);
        else if (metric == metric_name::memory_percent)
          f.host_memory.Add({}).Set(ratio);
        else if (metric.compare(0, fs_prefix.size(), fs_prefix) == 0)
          f.host_filesystem.Add({{"mountpoint", metric.substr(fs_prefix.size())}}).Set(ratio);
      }
    },
    [=](const forecast& fc) {
      auto& f = *self->state.families;
      std::map<std::string, std::string> labels{
        {"source", fc.source}, {"metric", fc.metric}, {"horizon", horizon_label(fc.horizon)}};
      f.forecast.Add(labels).Set(fc.predicted);
      f.forecast_lower.Add(labels).Set(fc.lower);
      f.forecast_upper.Add(labels).Set(fc.upper);
      f.forecast_confidence.Add(labels).Set(fc.confidence);
    },
    [=](const decision& d) {
      self->state.families->decisions.Add({{"action", d.action}}).Increment();
    },
    [=](const health_event& e) {
      self->state.families->health_up.Add({{"target", e.target}}).Set(e.healthy ? 1 : 0);
    },
    [=](const breaker_transition& t) {
      self->state.families->breaker_state.Add({{"target", t.target}})
        .Set(breaker_state_value(t.to));
    },
  };
}

} // namespace conductor

#include "actors/metrics/metrics_actor.hpp"

#include <chrono>
#include <string>

#include "actors/logger.hpp"
#include "actors/mailbox_probe.hpp"

namespace conductor {

std::string horizon_label(caf::timespan horizon) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(horizon).count()) + "s";
}

metrics_actor::behavior_type metrics(metrics_actor::stateful_pointer<metrics_state> self,
                                     metric_families* families) {
  answer_mailbox_queries(self);
  self->state.families = families;
  return {
    [=](const resource_sample& sample) {
      auto& exporter = self->state.families->sample_series;
      auto known = exporter.rejected().size();
      exporter.update(sample.source, sample.series);
      for (auto i = known; i < exporter.rejected().size(); ++i)
        CONDUCTOR_LOG(error, "metrics") << "not exported, unknown series: "
                                        << exporter.rejected()[i];
    },
    [=](const plugin_event& e) {
      auto& st = self->state;
      auto& f = *st.families;
      auto& current = st.plugin_state[e.plugin];
      auto* next = &f.plugin_state.add({{"plugin", e.plugin}, {"state", e.state}});
      if (current && current != next)
        f.plugin_state.remove(current);
      current = next;
      current->set(1);
      if (e.state == "running")
        f.plugin_starts.add({{"plugin", e.plugin}}).increment();
    },
    [=](const forecast& fc) {
      auto& f = *self->state.families;
      // One step ahead and the whole horizon: what an autoscaler reading
      // Prometheus acts on, without a series per intermediate step.
      auto put = [&](caf::timespan horizon, double predicted, double lower, double upper) {
        std::map<std::string, std::string> labels{
          {"source", fc.source}, {"metric", fc.metric}, {"horizon", horizon_label(horizon)}};
        f.forecast.add(labels).set(predicted);
        f.forecast_lower.add(labels).set(lower);
        f.forecast_upper.add(labels).set(upper);
        f.forecast_confidence.add(labels).set(fc.confidence);
      };
      put(fc.horizon, fc.predicted, fc.lower, fc.upper);
      if (fc.path.size() > 1)
        put(fc.step, fc.path.front(), fc.path_lower.front(), fc.path_upper.front());
      f.anomaly_score.add({{"source", fc.source}, {"metric", fc.metric}}).set(fc.anomaly);
    },
    [=](const decision& d) {
      auto& f = *self->state.families;
      if (d.status == "applied" || d.status == "failed") {
        // The plugin manager's outcome of a step (or of configured limits).
        f.plugin_actions.add({{"plugin", d.target}, {"action", d.action}, {"status", d.status}})
          .increment();
        return;
      }
      f.decisions.add({{"action", d.action}}).increment();
      if (d.action == "suspend")
        f.scaler_suspended.add({}).set(1);
      else if (d.action == "mode")
        f.scaler_suspended.add({}).set(0);
    },
    [=](const breaker_transition& t) {
      auto& f = *self->state.families;
      f.breaker_state.add({{"target", t.target}}).set(breaker_state_value(t.to));
      f.breaker_transitions.add({{"target", t.target}, {"from", t.from}, {"to", t.to}})
        .increment();
    },
  };
}

} // namespace conductor

#include "actors/scaler/scaler_actor.hpp"

#include <caf/system_messages.hpp>

#include "actors/logger.hpp"

namespace conductor {

namespace {

using self_ptr = scaler_actor::stateful_pointer<scaler_state>;

void arm(self_ptr self, caf::actor_clock::time_point now) {
  self->delayed_send(self, self->state.next_evaluation - now, atom::evaluate_v);
}

} // namespace

scaler_actor::behavior_type scaler(scaler_actor::stateful_pointer<scaler_state> self,
                                   scaler_settings settings) {
  auto& st = self->state;
  st.settings = settings;
  st.policy.update_settings(std::move(settings));
  auto now = self->clock().now();
  st.next_evaluation = now + st.settings.evaluation_interval;
  arm(self, now);
  self->set_down_handler([=](const caf::down_msg& dm) { self->state.sinks.remove(dm.source); });
  return {
    [=](const resource_sample& sample) {
      if (sample.source != "host")
        return;
      for (const auto& [metric, value] : sample.values)
        self->state.policy.observe_measured(metric, value);
    },
    [=](const forecast& fc) {
      if (fc.source != "host")
        return;
      self->state.policy.observe_forecast(fc.metric, fc.predicted, fc.confidence, fc.horizon);
    },
    [=](const health_event& e) { self->state.health[e.target] = e; },
    [=](const breaker_transition& t) {
      auto i = self->state.health.find(t.target);
      if (i != self->state.health.end())
        i->second.breaker = t.to;
    },
    [=](atom::evaluate) {
      auto& st = self->state;
      auto now = self->clock().now();
      if (now < st.next_evaluation)
        return; // a timer armed before an interval change
      while (st.next_evaluation <= now)
        st.next_evaluation += st.settings.evaluation_interval;
      arm(self, now);
      auto outcome = st.policy.evaluate(now.time_since_epoch());
      if (!outcome)
        return;
      decision d{caf::make_timestamp(), outcome->action,  "",
                 outcome->trigger,      outcome->reason,  outcome->inputs,
                 st.settings.policy,    outcome->confidence};
      CONDUCTOR_LOG(info, "scaler") << d.action << " (" << d.trigger << "): " << d.reason;
      st.last = d;
      ++st.decisions;
      st.sinks.publish(self, d);
    },
    [=](atom::subscribe, decision_sink sink) {
      if (self->state.sinks.add(sink))
        self->monitor(sink);
    },
    [=](atom::update, scaler_settings settings) {
      auto& st = self->state;
      bool new_plan = settings.evaluation_interval != st.settings.evaluation_interval;
      st.settings = settings;
      st.policy.update_settings(std::move(settings));
      if (new_plan) {
        auto now = self->clock().now();
        st.next_evaluation = now + st.settings.evaluation_interval;
        arm(self, now);
      }
    },
  };
}

} // namespace conductor

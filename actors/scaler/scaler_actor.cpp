#include "actors/scaler/scaler_actor.hpp"

#include <caf/system_messages.hpp>

#include "actors/logger.hpp"

namespace conductor {

namespace {

using self_ptr = scaler_actor::stateful_pointer<scaler_state>;

std::chrono::nanoseconds mono(self_ptr self) {
  return self->clock().now().time_since_epoch();
}

void arm(self_ptr self, caf::actor_clock::time_point now) {
  self->delayed_send(self, self->state.next_evaluation - now, atom::evaluate_v);
}

void publish(self_ptr self, std::vector<decision> ds) {
  for (auto& d : ds) {
    d.at = caf::make_timestamp();
    auto line = d.action + (d.target.empty() ? "" : " " + d.target) + " (" + d.trigger
                + "): " + d.reason;
    if (d.action == "suspend" || d.action == "emergency" || d.action == "stop")
      CONDUCTOR_LOG(warn, "scaler") << line;
    else
      CONDUCTOR_LOG(info, "scaler") << line;
    self->state.last = d;
    self->state.sinks.publish(self, d);
  }
}

} // namespace

scaler_actor::behavior_type scaler(scaler_actor::stateful_pointer<scaler_state> self,
                                   scaler_settings settings) {
  auto& st = self->state;
  st.settings = settings;
  st.engine = scaler_engine{std::move(settings)};
  auto now = self->clock().now();
  st.next_evaluation = now + st.settings.evaluation_interval;
  arm(self, now);
  self->set_down_handler([=](const caf::down_msg& dm) { self->state.sinks.remove(dm.source); });
  return {
    [=](const resource_sample& sample) { self->state.engine.observe(sample); },
    [=](const forecast& fc) { self->state.engine.observe(fc); },
    [=](const health_event& e) { self->state.engine.observe(e); },
    [=](const breaker_transition& t) { self->state.engine.observe(t); },
    [=](const plugin_event& e) { self->state.engine.observe(e); },
    [=](const decision& d) { publish(self, self->state.engine.outcome(d, mono(self))); },
    [=](atom::evaluate) {
      auto& st = self->state;
      auto now = self->clock().now();
      if (now < st.next_evaluation)
        return; // a timer armed before an interval change
      while (st.next_evaluation <= now)
        st.next_evaluation += st.settings.evaluation_interval;
      arm(self, now);
      publish(self, st.engine.evaluate(now.time_since_epoch()));
    },
    [=](atom::subscribe, decision_sink sink) {
      if (self->state.sinks.add(sink))
        self->monitor(sink);
    },
    [=](atom::update, scaler_settings settings) {
      auto& st = self->state;
      bool new_plan = settings.evaluation_interval != st.settings.evaluation_interval;
      st.settings = settings;
      st.engine.update_settings(std::move(settings));
      if (new_plan) {
        auto now = self->clock().now();
        st.next_evaluation = now + st.settings.evaluation_interval;
        arm(self, now);
      }
    },
    [=](atom::get, atom::scaler) { return self->state.engine.status(); },
    [=](atom::explain) { return self->state.engine.explanation(); },
    [=](const preflight_request& req) { return self->state.engine.preflight(req); },
    [=](atom::mode, const std::string& mode,
        const std::string& origin) -> caf::result<scaler_status> {
      if (mode != "enabled" && mode != "disabled" && mode != "manual")
        return caf::make_error(ec::invalid_argument,
                               "mode must be enabled, disabled or manual, not '" + mode + "'");
      publish(self, {self->state.engine.set_mode(mode, origin)});
      return self->state.engine.status();
    },
  };
}

} // namespace conductor

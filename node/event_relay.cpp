#include "node/event_relay.hpp"

#include "api/json_views.hpp"

namespace conductor {

std::string event_kind(const decision& d) {
  if (d.action == "suspend")
    return "scaler_suspended";
  if (d.action == "stop")
    return "emergency";
  if (d.action == "variant" || d.action == "disable" || d.action == "enable")
    return d.trigger == "operator" ? "decision" : "cascade";
  return "decision";
}

event_sink::behavior_type event_relay(event_sink::pointer, std::shared_ptr<event_hub> hub) {
  return {
    [hub](const decision& d) { hub->publish(event_kind(d), api::to_text(api::to_json(d))); },
    [hub](const breaker_transition& t) { hub->publish("breaker", api::to_text(api::to_json(t))); },
    [hub](const plugin_event& e) { hub->publish("plugin_state", api::to_text(api::to_json(e))); },
  };
}

} // namespace conductor

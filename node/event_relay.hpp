// event_relay.hpp -- the actor that hears the node's events (the supervisor
// subscribes it as an event_sink) and hands each, as JSON with its kind, to
// the event hub for the HTTP event stream and the webhooks.
#pragma once

#include <memory>
#include <string>

#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "node/event_hub.hpp"

namespace conductor {

/// The kind of a decision's event: scaler_suspended (suspend), emergency
/// (stop), cascade (variant, disable, enable steps and their outcomes), or
/// decision (everything else: holds, resizes, mode and config changes...).
std::string event_kind(const decision& d);

event_sink::behavior_type event_relay(event_sink::pointer self, std::shared_ptr<event_hub> hub);

} // namespace conductor

// type_ids.hpp -- the one type-ID block of conductor: every message type,
// every typed handle that travels inside a message, and every atom.
//
// CAF 0.17.6 uses the block to name types; register_types() registers them at
// run time. Atom text is at most 10 characters and two atoms with equal text
// are the same type.
#pragma once

#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include "messages/error.hpp"
#include "messages/types.hpp"

namespace conductor {

/// Anything that consumes samples (predictor, scaler, persistence, metrics).
using sample_sink = caf::typed_actor<caf::reacts_to<resource_sample>>;

/// Anything that consumes forecasts (scaler, metrics).
using forecast_sink = caf::typed_actor<caf::reacts_to<forecast>>;

/// Anything that consumes decisions (persistence, metrics, plugin manager).
using decision_sink = caf::typed_actor<caf::reacts_to<decision>>;

/// Anything that consumes health results and breaker transitions (scaler, metrics).
using health_sink
  = caf::typed_actor<caf::reacts_to<health_event>, caf::reacts_to<breaker_transition>>;

/// Anything that follows plugin state changes (health, metrics).
using plugin_sink = caf::typed_actor<caf::reacts_to<plugin_event>>;

/// Anything that consumes breaker transitions only (persistence: the audit).
using breaker_sink = caf::typed_actor<caf::reacts_to<breaker_transition>>;

/// Anything that keeps the scaler's runtime state (persistence, supervisor).
using state_sink = caf::typed_actor<caf::reacts_to<runtime_state>>;

} // namespace conductor

CAF_BEGIN_TYPE_ID_BLOCK(conductor, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(conductor, (conductor::resource_sample))
  CAF_ADD_TYPE_ID(conductor, (conductor::forecast))
  CAF_ADD_TYPE_ID(conductor, (conductor::decision))
  CAF_ADD_TYPE_ID(conductor, (conductor::health_event))
  CAF_ADD_TYPE_ID(conductor, (conductor::breaker_transition))
  CAF_ADD_TYPE_ID(conductor, (conductor::check_outcome))
  CAF_ADD_TYPE_ID(conductor, (conductor::plugin_event))
  CAF_ADD_TYPE_ID(conductor, (std::vector<conductor::plugin_event>))
  CAF_ADD_TYPE_ID(conductor, (conductor::plugin_exit))
  CAF_ADD_TYPE_ID(conductor, (conductor::target_health))
  CAF_ADD_TYPE_ID(conductor, (std::vector<conductor::target_health>))
  CAF_ADD_TYPE_ID(conductor, (conductor::preflight_request))
  CAF_ADD_TYPE_ID(conductor, (conductor::preflight_answer))
  CAF_ADD_TYPE_ID(conductor, (conductor::scaler_status))
  CAF_ADD_TYPE_ID(conductor, (std::vector<conductor::decision>))
  CAF_ADD_TYPE_ID(conductor, (conductor::runtime_state))
  CAF_ADD_TYPE_ID(conductor, (conductor::history_request))
  CAF_ADD_TYPE_ID(conductor, (conductor::metric_range_request))
  CAF_ADD_TYPE_ID(conductor, (conductor::metric_range))
  CAF_ADD_TYPE_ID(conductor, (conductor::scale_request))
  CAF_ADD_TYPE_ID(conductor, (std::vector<conductor::forecast>))
  CAF_ADD_TYPE_ID(conductor, (std::vector<conductor::resource_sample>))
  CAF_ADD_TYPE_ID(conductor, (conductor::child_info))
  CAF_ADD_TYPE_ID(conductor, (std::vector<conductor::child_info>))
  CAF_ADD_TYPE_ID(conductor, (conductor::collector_settings))
  CAF_ADD_TYPE_ID(conductor, (conductor::predictor_settings))
  CAF_ADD_TYPE_ID(conductor, (conductor::scaler_settings))
  CAF_ADD_TYPE_ID(conductor, (conductor::persistence_settings))
  CAF_ADD_TYPE_ID(conductor, (conductor::health_settings))
  CAF_ADD_TYPE_ID(conductor, (conductor::plugins_settings))
  CAF_ADD_TYPE_ID(conductor, (conductor::node_settings))
  CAF_ADD_TYPE_ID(conductor, (conductor::sample_sink))
  CAF_ADD_TYPE_ID(conductor, (conductor::forecast_sink))
  CAF_ADD_TYPE_ID(conductor, (conductor::decision_sink))
  CAF_ADD_TYPE_ID(conductor, (conductor::health_sink))
  CAF_ADD_TYPE_ID(conductor, (conductor::breaker_sink))
  CAF_ADD_TYPE_ID(conductor, (conductor::plugin_sink))
  CAF_ADD_TYPE_ID(conductor, (conductor::state_sink))

  CAF_ADD_ATOM(conductor, conductor::atom, status, "status")
  CAF_ADD_ATOM(conductor, conductor::atom, children, "children")
  CAF_ADD_ATOM(conductor, conductor::atom, evaluate, "evaluate")
  CAF_ADD_ATOM(conductor, conductor::atom, reload, "reload")
  CAF_ADD_ATOM(conductor, conductor::atom, shutdown, "shutdown")
  CAF_ADD_ATOM(conductor, conductor::atom, health, "health")
  CAF_ADD_ATOM(conductor, conductor::atom, plugins, "plugins")
  CAF_ADD_ATOM(conductor, conductor::atom, start, "start")
  CAF_ADD_ATOM(conductor, conductor::atom, scaler, "scaler")
  CAF_ADD_ATOM(conductor, conductor::atom, explain, "explain")
  CAF_ADD_ATOM(conductor, conductor::atom, mode, "mode")
  CAF_ADD_ATOM(conductor, conductor::atom, audit, "audit")
  CAF_ADD_ATOM(conductor, conductor::atom, policy, "policy")
  CAF_ADD_ATOM(conductor, conductor::atom, enable, "enable")
  CAF_ADD_ATOM(conductor, conductor::atom, disable, "disable")
  CAF_ADD_ATOM(conductor, conductor::atom, restart, "restart")
  CAF_ADD_ATOM(conductor, conductor::atom, config, "config")
  CAF_ADD_ATOM(conductor, conductor::atom, forecasts, "forecasts")
  CAF_ADD_ATOM(conductor, conductor::atom, samples, "samples")
  CAF_ADD_ATOM(conductor, conductor::atom, mailbox, "mailbox")
  // An operator's fault drill: (fault, who) makes a supervised child throw.
  CAF_ADD_ATOM(conductor, conductor::atom, fault, "fault")
  // What-if on the node's own history (conductorctl whatif, POST /api/whatif).
  CAF_ADD_ATOM(conductor, conductor::atom, whatif, "whatif")

// The audit log's handle names the atom above, so it joins the block after it.
namespace conductor {
/// The durable audit log (persistence): answers with the row's id once the row
/// is committed with synchronous=FULL, or with ec::database_error when it had
/// to wait in the retry queue instead.
using audit_log = caf::typed_actor<caf::replies_to<atom::audit, decision>::with<int64_t>>;
} // namespace conductor

  CAF_ADD_TYPE_ID(conductor, (conductor::audit_log))

CAF_END_TYPE_ID_BLOCK(conductor)

namespace conductor::atom {
// CAF's predefined atoms, re-exported so actor code only ever says atom::X
// (the types) and atom::X_v (the values).
using tick = caf::tick_atom;
using get = caf::get_atom;
using subscribe = caf::subscribe_atom;
using update = caf::update_atom;
using flush = caf::flush_atom;
/// Breaker commands: force open, force close, reset.
using open = caf::open_atom;
using close = caf::close_atom;
using reset = caf::reset_atom;
constexpr auto tick_v = caf::tick_atom_v;
constexpr auto get_v = caf::get_atom_v;
constexpr auto subscribe_v = caf::subscribe_atom_v;
constexpr auto update_v = caf::update_atom_v;
constexpr auto flush_v = caf::flush_atom_v;
constexpr auto open_v = caf::open_atom_v;
constexpr auto close_v = caf::close_atom_v;
constexpr auto reset_v = caf::reset_atom_v;
} // namespace conductor::atom

namespace conductor {

/// Registers every type of the block and the "conductor" error category. Every
/// actor system of conductor (node, tools, test fixtures) calls this once.
void register_types(caf::actor_system_config& cfg);

} // namespace conductor

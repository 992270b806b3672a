// inspector_actor.hpp -- the one actor conductorctl and the HTTP API talk to.
//
// It answers questions about the node and passes operators' commands on by
// asking the supervisor, which always knows the current handle of every
// actor (a restarted actor has a new one). The node publishes it on
// inspect.listen through CAF's middleman (node/inspector_endpoint.cpp) for
// conductorctl and conductor-mcp; the HTTP API asks it in-process.
#pragma once

#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"

namespace conductor {

/// Forwards to `supervisor` and, for the configuration, to `config` (none:
/// configuration requests fail with ec::unavailable, as in tests without a
/// file).
inspector_actor::behavior_type inspector(inspector_actor::pointer self,
                                         supervisor_actor supervisor,
                                         config_keeper_actor config = {});

} // namespace conductor

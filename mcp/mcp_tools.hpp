// mcp_tools.hpp -- conductor-mcp's eleven tools: their schemas, and each
// mapped onto one call of the node's operator API (api/node_api.hpp). The
// protocol around them is mcp_server.hpp.
#pragma once

#include <functional>
#include <vector>

#include "api/node_api.hpp"
#include "mcp/mcp_server.hpp"

namespace conductor::mcp {

/// One call on the node: the tool's mapping onto the API.
using node_call = std::function<api::result(api::node_api&)>;

/// Runs a call on the node: finds the API (connecting, if it has to) and
/// returns what the call answered, or, when the node cannot be asked, an
/// error result saying why. The tools never hold a connection themselves, so
/// a node that is down at start or goes away later is retried on each call.
using node_runner = std::function<api::result(const node_call&)>;

/// The autoscaler_* tools, explain_decision and preflight, in that order.
std::vector<tool> make_tools(node_runner run);

/// The same tools on an API that is always there (in-process use, tests).
std::vector<tool> make_tools(api::node_api& api);

} // namespace conductor::mcp

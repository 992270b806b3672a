// json_views.hpp -- conductor's messages as the JSON operators read: the
// HTTP API, conductor-mcp, conductorctl --json and the event stream all show
// the same fields under the same names.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "messages/types.hpp"

namespace conductor::api {

using nlohmann::json;

/// `j` as compact text, with bytes that are not UTF-8 replaced (U+FFFD).
/// Strings from clients (a URL's path, a reason typed on a command line)
/// need not be UTF-8, and json::dump() throws on them: from a civetweb
/// callback that terminates the node, in an actor it crashes the actor.
/// Everything conductor sends out or logs is dumped through this.
std::string to_text(const json& j);

/// Unix seconds, fractional.
double unix_seconds(caf::timestamp t);

/// Only the limits that are set.
json to_json(const limit_values& l);
json to_json(const decision& d);
json to_json(const plugin_event& e);
json to_json(const target_health& t);
json to_json(const breaker_transition& t);
json to_json(const child_info& c);
json to_json(const scaler_status& s);
json to_json(const preflight_answer& a);
json to_json(const forecast& f);
json to_json(const resource_sample& s);

template <class T>
json to_json(const std::vector<T>& xs) {
  json out = json::array();
  for (const auto& x : xs)
    out.push_back(to_json(x));
  return out;
}

} // namespace conductor::api

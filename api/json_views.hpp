// json_views.hpp -- conductor's messages as the JSON operators read: the
// HTTP API, conductor-mcp, conductorctl --json and the event stream all show
// the same fields under the same names.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "messages/types.hpp"

namespace conductor::api {

using nlohmann::json;

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

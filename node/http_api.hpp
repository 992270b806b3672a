// http_api.hpp -- the routes of conductor's HTTP endpoint: the JSON API (the
// old design's /api/autoscaler/... paths kept), /metrics, /healthz, /readyz
// and the event stream /api/events. Each route parses the request, calls
// the node API (api/node_api.hpp) and writes its answer; the server
// (http_server.hpp) enforces the token, the body limit and JSON bodies.
#pragma once

#include <memory>
#include <vector>

#include "actors/metric_families.hpp"
#include "api/node_api.hpp"
#include "node/event_hub.hpp"
#include "node/http_server.hpp"

namespace conductor {

std::vector<http_route> api_routes(std::shared_ptr<api::node_api> api,
                                   std::shared_ptr<event_hub> events,
                                   std::shared_ptr<metrics_hub> metrics);

} // namespace conductor

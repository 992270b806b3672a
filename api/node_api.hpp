// node_api.hpp -- the node's operator API as JSON in, JSON out: what the HTTP
// server, conductor-mcp and (for JSON output) conductorctl share.
//
// Every call asks the inspector (in this process or through CAF's middleman)
// and waits for the answer at most `timeout`, so it may run on any thread
// that is not an actor's (civetweb's workers, a tool's main thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <caf/actor_system.hpp>

#include <nlohmann/json.hpp>

#include "actors/interfaces.hpp"

namespace conductor::api {

using nlohmann::json;

/// One answer: an HTTP status and a JSON body. Errors carry
/// {"error": message, "field": the offending field or ""}; 400 bad input,
/// 404 unknown plugin, target or decision, 409 a conflict with the state
/// (e.g. enabling a running plugin), 503 the node or its database
/// unavailable or too slow.
struct result {
  int status = 200;
  json body;

  bool ok() const {
    return status < 300;
  }
};

/// An error result.
result error(int status, const std::string& message, const std::string& field = "");

// -- the bodies, read without asking the node ------------------------------------
// Each command checks its JSON body here before anything is asked: pure
// functions, so what a client can send is tested and fuzzed without an actor
// system (fuzz/http_fuzz.cpp). Each starts `out` afresh and returns the 400
// answer, or nothing with `out` filled.

/// {"mode": text} (the scaler checks the value).
std::optional<result> parse_mode_body(const json& body, std::string& mode);
/// {"policy": text} (the scaler checks the name).
std::optional<result> parse_policy_body(const json& body, std::string& policy);
/// A partial scaler section: a non-empty object (the loader checks its keys).
std::optional<result> check_config_body(const json& body);
/// {"plugin", "cpu_quota", "memory_max", "tasks_max", "reason"}; `origin` is
/// copied into `out`.
std::optional<result> parse_scale_body(const json& body, const std::string& origin,
                                       scale_request& out);
/// {"reason"} or null; `reason` gets the audit text naming `origin`.
std::optional<result> parse_breaker_body(const json& body, const std::string& origin,
                                         std::string& reason);
/// {"memory", "cpu", "plugin"}.
std::optional<result> parse_preflight_body(const json& body, preflight_request& out);
/// {"plugin", "since", "policy"}: plugin required; since a duration of at
/// most 24h (default "6h"; replay/whatif.hpp, parse_whatif_since); policy ""
/// for the one in force.
std::optional<result> parse_whatif_body(const json& body, std::string& plugin, std::string& since,
                                        std::string& policy);
/// {"source", "metric", "from", "to", "points"}; `now` (unix seconds) is the
/// default `to`, an hour before it the default `from`.
std::optional<result> parse_metric_range_query(const json& query, double now,
                                               metric_range_request& out);

class node_api {
public:
  node_api(caf::actor_system& sys, inspector_actor inspector,
           std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // -- reads -------------------------------------------------------------------

  /// Mode, host state, policy, tier, steps in effect, actors.
  result status();
  /// The newest sample of the host and of each plugin.
  result metrics();
  /// One metric over a time range, downsampled: {"source", "metric",
  /// "from", "to", "points"} (from/to unix seconds; to defaults to now,
  /// from to an hour before).
  result metric_range(const json& query);
  /// The audit, newest first: limit 1..1000, optional plugin.
  result history(int64_t limit, const std::string& plugin);
  /// One audit row by id, with its explanation.
  result decision(int64_t id);
  /// The last evaluation explained.
  result explain();
  /// The newest forecast per source and metric.
  result prediction();
  /// The scaler's configuration in force.
  result config();
  /// Every plugin's state, pid, variant.
  result plugins();
  /// Every health target and its breaker.
  result health();
  /// The supervised actors.
  result actors();

  // -- commands (each audited with `origin`) -------------------------------------

  /// {"mode": "enabled"|"disabled"|"manual"}
  result set_mode(const json& body, const std::string& origin);
  /// {"policy": name}
  result set_policy(const json& body, const std::string& origin);
  /// A partial scaler section, validated like the YAML; in force until the
  /// next reload or restart.
  result set_config(const json& body, const std::string& origin);
  /// {"plugin", "cpu_quota", "memory_max", "tasks_max", "reason"}: switches
  /// the scaler to manual mode and applies the limits.
  result manual_scale(const json& body, const std::string& origin);
  /// action: enable | disable | restart.
  result plugin_action(const std::string& plugin, const std::string& action,
                       const std::string& origin);
  /// action: open | close | reset; body may carry {"reason"}.
  result breaker(const std::string& target, const std::string& action, const json& body,
                 const std::string& origin);
  /// {"memory": bytes or "512MiB", "cpu": cores, "plugin": name}
  result preflight(const json& body);
  /// {"plugin", "since", "policy"}: the node's own history replayed under a
  /// policy, beside what it did (replay/whatif.hpp); bounded by the node.
  /// 400 for a bad body or an unknown plugin or policy, 404 for no samples
  /// in the window, 503 while another what-if runs.
  result whatif(const json& body);

private:
  /// One request to the inspector: nothing on success (`out` set), else the
  /// error as the API answers it.
  template <class T, class... Ts>
  std::optional<result> ask(T& out, Ts&&... xs);
  /// The same, waiting at most `timeout`.
  template <class T, class... Ts>
  std::optional<result> ask_within(std::chrono::milliseconds timeout, T& out, Ts&&... xs);

  caf::actor_system& sys_;
  inspector_actor inspector_;
  std::chrono::milliseconds timeout_;
};

} // namespace conductor::api

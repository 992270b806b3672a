#include "api/node_api.hpp"

#include <cmath>
#include <set>

#include <caf/scoped_actor.hpp>

#include "api/json_views.hpp"
#include "config/units.hpp"
#include "replay/whatif.hpp"

namespace conductor::api {

namespace {

/// A field of a JSON body, checked: absent is fine unless required, a wrong
/// type is an error naming the field.
class body_reader {
public:
  body_reader(const json& body, std::initializer_list<const char*> known) : body_(body) {
    if (!body.is_object()) {
      error_ = error(400, "the body must be a JSON object");
      return;
    }
    std::set<std::string> names(known.begin(), known.end());
    for (const auto& [k, v] : body.items())
      if (!names.count(k)) {
        std::string list;
        for (const auto& n : names)
          list += (list.empty() ? "" : ", ") + n;
        error_ = error(400, "unknown field \"" + k + "\" (expected " + list + ")", k);
        return;
      }
  }

  bool string(const char* name, std::string& out, bool required) {
    if (!present(name, required))
      return false;
    if (!body_[name].is_string())
      return fail(name, "must be a string");
    out = body_[name].get<std::string>();
    return true;
  }

  bool number(const char* name, double& out, bool required = false) {
    if (!present(name, required))
      return false;
    if (!body_[name].is_number())
      return fail(name, "must be a number");
    out = body_[name].get<double>();
    if (!std::isfinite(out) || out < 0)
      return fail(name, "must be a number of at least 0");
    return true;
  }

  bool count(const char* name, uint64_t& out) {
    if (!present(name, false))
      return false;
    if (!body_[name].is_number_unsigned())
      return fail(name, "must be a whole number of at least 0");
    out = body_[name].get<uint64_t>();
    return true;
  }

  /// Bytes: a whole number, or a size text such as "512MiB".
  bool size(const char* name, uint64_t& out) {
    if (!present(name, false))
      return false;
    const auto& v = body_[name];
    if (v.is_number_unsigned()) {
      out = v.get<uint64_t>();
      return true;
    }
    if (!v.is_string())
      return fail(name, "must be bytes (a whole number) or a size such as \"512MiB\"");
    auto parsed = config::parse_size(v.get<std::string>());
    if (!parsed)
      return fail(name, "invalid size \"" + v.get<std::string>() + "\": " + parsed.error);
    out = *parsed.value;
    return true;
  }

  /// The first problem, if any.
  const std::optional<result>& problem() const {
    return error_;
  }

private:
  bool present(const char* name, bool required) {
    if (error_)
      return false;
    if (body_.contains(name) && !body_[name].is_null())
      return true;
    if (required)
      fail(name, "is required");
    return false;
  }

  bool fail(const char* name, const std::string& what) {
    if (!error_)
      error_ = error(400, std::string{"\""} + name + "\" " + what, name);
    return false;
  }

  const json& body_;
  std::optional<result> error_;
};

/// An error of the node as an API error with its status.
result from_error(caf::actor_system& sys, const caf::error& err) {
  if (err.category() != caf::atom("conductor")) {
    if (err == caf::sec::request_timeout)
      return error(503, "the node did not answer in time");
    return error(503, "the node is unreachable: " + sys.render(err));
  }
  const auto& ctx = err.context();
  std::string message = ctx.match_element<std::string>(0) ? ctx.get_as<std::string>(0)
                                                          : sys.render(err);
  std::string field = ctx.size() > 1 && ctx.match_element<std::string>(1)
                        ? ctx.get_as<std::string>(1)
                        : "";
  switch (static_cast<ec>(err.code())) {
    case ec::unknown_name:
      return error(404, message, field);
    case ec::invalid_argument:
    case ec::invalid_config:
      return error(400, message, field);
    case ec::conflict:
      return error(409, message, field);
    case ec::database_error:
    case ec::unavailable:
      return error(503, message, field);
    default:
      return error(500, message, field);
  }
}

} // namespace

result error(int status, const std::string& message, const std::string& field) {
  return {status, json{{"error", message}, {"field", field}}};
}

std::optional<result> parse_mode_body(const json& body, std::string& mode) {
  mode.clear();
  body_reader r{body, {"mode"}};
  r.string("mode", mode, true);
  return r.problem();
}

std::optional<result> parse_policy_body(const json& body, std::string& policy) {
  policy.clear();
  body_reader r{body, {"policy"}};
  r.string("policy", policy, true);
  return r.problem();
}

std::optional<result> check_config_body(const json& body) {
  if (!body.is_object() || body.empty())
    return error(400, "the body must be a JSON object of scaler keys, e.g. "
                      "{\"degrade\": {\"memory\": 85}}");
  return std::nullopt;
}

std::optional<result> parse_scale_body(const json& body, const std::string& origin,
                                       scale_request& out) {
  out = scale_request{};
  body_reader r{body, {"plugin", "cpu_quota", "memory_max", "tasks_max", "reason"}};
  out.origin = origin;
  r.string("plugin", out.plugin, true);
  r.number("cpu_quota", out.limits.cpu_quota);
  r.size("memory_max", out.limits.memory_max);
  r.count("tasks_max", out.limits.tasks_max);
  r.string("reason", out.reason, false);
  return r.problem();
}

std::optional<result> parse_breaker_body(const json& body, const std::string& origin,
                                         std::string& reason) {
  reason.clear();
  // The reader keeps a reference: the object it reads must outlive it.
  const json object = body.is_null() ? json::object() : body;
  body_reader r{object, {"reason"}};
  r.string("reason", reason, false);
  if (auto& e = r.problem())
    return e;
  reason = reason.empty() ? "by " + origin : reason + " (by " + origin + ")";
  return std::nullopt;
}

std::optional<result> parse_preflight_body(const json& body, preflight_request& out) {
  out = preflight_request{};
  body_reader r{body, {"memory", "cpu", "plugin"}};
  r.size("memory", out.memory_bytes);
  r.number("cpu", out.cpu_cores);
  r.string("plugin", out.plugin, false);
  return r.problem();
}

std::optional<result> parse_whatif_body(const json& body, std::string& plugin, std::string& since,
                                        std::string& policy) {
  plugin.clear();
  since = replay::node_whatif_default_since;
  policy.clear();
  body_reader r{body, {"plugin", "since", "policy"}};
  r.string("plugin", plugin, true);
  r.string("since", since, false);
  r.string("policy", policy, false);
  if (auto& e = r.problem())
    return e;
  if (plugin.empty())
    return error(400, "\"plugin\" must name a plugin of the configuration, or host", "plugin");
  std::chrono::seconds window{};
  std::string why;
  if (!replay::parse_whatif_since(since, window, why))
    return error(400, "\"since\" " + why, "since");
  return std::nullopt;
}

std::optional<result> parse_metric_range_query(const json& query, double now,
                                               metric_range_request& out) {
  out = metric_range_request{};
  body_reader r{query, {"source", "metric", "from", "to", "points"}};
  out.source = "host";
  r.string("source", out.source, false);
  r.string("metric", out.metric, true);
  out.to = now;
  out.from = now - 3600;
  r.number("to", out.to);
  r.number("from", out.from);
  double points = 100;
  r.number("points", points);
  if (auto& e = r.problem())
    return e;
  if (points < 1 || points > 1000)
    return error(400, "\"points\" must be between 1 and 1000", "points");
  out.points = static_cast<int32_t>(points);
  if (!(out.to > out.from))
    return error(400, "\"from\" must be before \"to\"", "from");
  return std::nullopt;
}

node_api::node_api(caf::actor_system& sys, inspector_actor inspector,
                   std::chrono::milliseconds timeout)
  : sys_(sys), inspector_(std::move(inspector)), timeout_(timeout) {
}

template <class T, class... Ts>
std::optional<result> node_api::ask(T& out, Ts&&... xs) {
  return ask_within(timeout_, out, std::forward<Ts>(xs)...);
}

template <class T, class... Ts>
std::optional<result> node_api::ask_within(std::chrono::milliseconds timeout, T& out,
                                           Ts&&... xs) {
  std::optional<result> failed;
  caf::scoped_actor self{sys_};
  self->request(inspector_, timeout, std::forward<Ts>(xs)...)
    .receive([&](T& x) { out = std::move(x); },
             [&](caf::error& err) { failed = from_error(sys_, err); });
  return failed;
}

result node_api::status() {
  scaler_status st;
  std::vector<child_info> actors;
  if (auto e = ask(st, atom::get_v, atom::scaler_v))
    return *e;
  if (auto e = ask(actors, atom::get_v, atom::children_v))
    return *e;
  auto body = to_json(st);
  body["actors"] = to_json(actors);
  return {200, body};
}

result node_api::metrics() {
  std::vector<resource_sample> samples;
  if (auto e = ask(samples, atom::get_v, atom::samples_v))
    return *e;
  return {200, json{{"samples", to_json(samples)}}};
}

result node_api::metric_range(const json& query) {
  metric_range_request q;
  if (auto e = parse_metric_range_query(query, unix_seconds(caf::make_timestamp()), q))
    return *e;
  conductor::metric_range range;
  if (auto e = ask(range, q))
    return *e;
  json points_out = json::array();
  for (size_t i = 0; i < range.timestamps.size() && i < range.values.size(); ++i)
    points_out.push_back({range.timestamps[i], range.values[i]});
  return {200, json{{"source", q.source}, {"metric", q.metric}, {"from", q.from}, {"to", q.to},
                    {"points", points_out}}};
}

result node_api::history(int64_t limit, const std::string& plugin) {
  if (limit < 1 || limit > 1000)
    return error(400, "limit must be between 1 and 1000", "limit");
  std::vector<conductor::decision> rows;
  if (auto e = ask(rows, history_request{0, 0, plugin, limit, 0, 0}))
    return *e;
  return {200, json{{"decisions", to_json(rows)}}};
}

result node_api::decision(int64_t id) {
  if (id < 1)
    return error(400, "a decision id is a whole number of at least 1", "id");
  std::vector<conductor::decision> rows;
  if (auto e = ask(rows, history_request{0, 0, "", 1, 0, id}))
    return *e;
  if (rows.empty())
    return error(404, "no decision with id " + std::to_string(id), "id");
  return {200, to_json(rows.front())};
}

result node_api::explain() {
  std::vector<conductor::decision> rows;
  if (auto e = ask(rows, atom::explain_v))
    return *e;
  return {200, json{{"explanation", to_json(rows)}}};
}

result node_api::prediction() {
  std::vector<forecast> fcs;
  if (auto e = ask(fcs, atom::get_v, atom::forecasts_v))
    return *e;
  return {200, json{{"forecasts", to_json(fcs)}}};
}

result node_api::config() {
  std::string text;
  if (auto e = ask(text, atom::get_v, atom::config_v))
    return *e;
  return {200, json::parse(text, nullptr, false)};
}

result node_api::plugins() {
  std::vector<plugin_event> ps;
  if (auto e = ask(ps, atom::get_v, atom::plugins_v))
    return *e;
  return {200, json{{"plugins", to_json(ps)}}};
}

result node_api::health() {
  std::vector<target_health> ts;
  if (auto e = ask(ts, atom::get_v, atom::health_v))
    return *e;
  return {200, json{{"targets", to_json(ts)}}};
}

result node_api::actors() {
  std::vector<child_info> actors;
  if (auto e = ask(actors, atom::get_v, atom::children_v))
    return *e;
  return {200, json{{"actors", to_json(actors)}}};
}

result node_api::set_mode(const json& body, const std::string& origin) {
  std::string mode;
  if (auto e = parse_mode_body(body, mode))
    return *e;
  scaler_status st;
  if (auto e = ask(st, atom::mode_v, mode, origin))
    return *e;
  return {200, to_json(st)};
}

result node_api::set_policy(const json& body, const std::string& origin) {
  std::string policy;
  if (auto e = parse_policy_body(body, policy))
    return *e;
  scaler_status st;
  if (auto e = ask(st, atom::policy_v, policy, origin)) {
    if (e->body["field"] == "scaler.policy")
      e->body["field"] = "policy";
    return *e;
  }
  return {200, to_json(st)};
}

result node_api::set_config(const json& body, const std::string& origin) {
  if (auto e = check_config_body(body))
    return *e;
  std::string text;
  if (auto e = ask(text, atom::config_v, body.dump(), origin))
    return *e;
  return {200, json::parse(text, nullptr, false)};
}

result node_api::manual_scale(const json& body, const std::string& origin) {
  scale_request req;
  if (auto e = parse_scale_body(body, origin, req))
    return *e;
  conductor::decision d;
  if (auto e = ask(d, req))
    return *e;
  return {200, to_json(d)};
}

result node_api::plugin_action(const std::string& plugin, const std::string& action,
                               const std::string& origin) {
  plugin_event ev;
  std::optional<result> e;
  if (action == "enable")
    e = ask(ev, atom::enable_v, plugin, origin);
  else if (action == "disable")
    e = ask(ev, atom::disable_v, plugin, origin);
  else if (action == "restart")
    e = ask(ev, atom::restart_v, plugin, origin);
  else
    return error(404, "no plugin action \"" + action + "\" (expected enable, disable or restart)");
  if (e)
    return *e;
  return {202, to_json(ev)};
}

result node_api::breaker(const std::string& target, const std::string& action, const json& body,
                         const std::string& origin) {
  std::string reason;
  if (auto e = parse_breaker_body(body, origin, reason))
    return *e;
  target_health t;
  std::optional<result> e;
  if (action == "open")
    e = ask(t, atom::open_v, target, reason);
  else if (action == "close")
    e = ask(t, atom::close_v, target, reason);
  else if (action == "reset")
    e = ask(t, atom::reset_v, target, origin);
  else
    return error(404, "no breaker action \"" + action + "\" (expected open, close or reset)");
  if (e)
    return *e;
  return {200, to_json(t)};
}

result node_api::preflight(const json& body) {
  preflight_request req;
  if (auto e = parse_preflight_body(body, req))
    return *e;
  preflight_answer a;
  if (auto e = ask(a, req))
    return *e;
  return {200, to_json(a)};
}

result node_api::whatif(const json& body) {
  std::string plugin, since, policy;
  if (auto e = parse_whatif_body(body, plugin, since, policy))
    return *e;
  // The node stops the replay at its deadline; reading and answering take
  // a little more.
  std::string text;
  if (auto e = ask_within(std::max(timeout_, replay::node_whatif_deadline * 3), text,
                          atom::whatif_v, plugin, since, policy))
    return *e;
  auto report = json::parse(text, nullptr, false);
  if (report.is_discarded())
    return error(500, "the node's what-if report is not JSON");
  return {200, report};
}

} // namespace conductor::api

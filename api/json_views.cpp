#include "api/json_views.hpp"

#include <chrono>

namespace conductor::api {

namespace {

double ms(caf::timespan d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double seconds(caf::timespan d) {
  return std::chrono::duration<double>(d).count();
}

} // namespace

std::string to_text(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

double unix_seconds(caf::timestamp t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

json to_json(const limit_values& l) {
  json j = json::object();
  if (l.cpu_quota > 0)
    j["cpu_quota"] = l.cpu_quota;
  if (l.memory_max > 0)
    j["memory_max"] = l.memory_max;
  if (l.tasks_max > 0)
    j["tasks_max"] = l.tasks_max;
  return j;
}

json to_json(const decision& d) {
  // The inputs are a JSON object as text; shown as JSON when they parse.
  json inputs = json::parse(d.inputs.empty() ? "{}" : d.inputs, nullptr, false);
  return {{"id", d.id},
          {"time", unix_seconds(d.at)},
          {"action", d.action},
          {"target", d.target},
          {"trigger", d.trigger},
          {"reason", d.reason},
          {"inputs", inputs.is_discarded() ? json(d.inputs) : inputs},
          {"policy", d.policy},
          {"confidence", d.confidence},
          {"status", d.status},
          {"error", d.error},
          {"variant", d.variant},
          {"old_limits", to_json(d.old_limits)},
          {"new_limits", to_json(d.new_limits)},
          {"origin", d.origin}};
}

json to_json(const plugin_event& e) {
  return {{"plugin", e.plugin}, {"state", e.state},   {"pid", e.pid},
          {"variant", e.variant}, {"reason", e.reason}, {"since", unix_seconds(e.at)}};
}

json to_json(const target_health& t) {
  return {{"target", t.target},
          {"plugin", t.plugin},
          {"type", t.type},
          {"breaker", t.breaker},
          {"forced", t.forced},
          {"status", t.status},
          {"detail", t.detail},
          {"consecutive_failures", t.consecutive_failures},
          {"failure_rate", t.failure_rate},
          {"checks", t.checks},
          {"failures", t.failures},
          {"latency_p50_ms", ms(t.latency_p50)},
          {"latency_p95_ms", ms(t.latency_p95)},
          {"reset_timeout_seconds", seconds(t.reset_timeout)}};
}

json to_json(const breaker_transition& t) {
  return {{"target", t.target},
          {"from", t.from},
          {"to", t.to},
          {"reason", t.reason},
          {"time", unix_seconds(t.at)}};
}

json to_json(const child_info& c) {
  return {{"name", c.name},
          {"running", c.running},
          {"restarts", c.restarts},
          {"last_exit", c.last_exit},
          {"mailbox", c.mailbox}};
}

json to_json(const scaler_status& s) {
  return {{"mode", s.mode},
          {"suspended_reason", s.suspended_reason},
          {"host_state", s.host_state},
          {"policy", s.policy},
          {"tier", s.tier},
          {"consecutive_failures", s.consecutive_failures},
          {"degraded", s.degraded},
          {"probation", s.probation},
          {"decisions", s.decisions}};
}

json to_json(const preflight_answer& a) {
  return {{"allow", a.allow},
          {"reason", a.reason},
          {"recommended_variant", a.recommended_variant},
          {"free_memory_bytes", a.free_memory_bytes},
          {"free_cpu_cores", a.free_cpu_cores}};
}

json to_json(const forecast& f) {
  return {{"source", f.source},
          {"metric", f.metric},
          {"time", unix_seconds(f.wall)},
          {"horizon_seconds", seconds(f.horizon)},
          {"current", f.current},
          {"predicted", f.predicted},
          {"lower", f.lower},
          {"upper", f.upper},
          {"confidence", f.confidence},
          {"samples", f.samples},
          {"step_seconds", seconds(f.step)},
          {"path", f.path},
          {"path_lower", f.path_lower},
          {"path_upper", f.path_upper},
          {"anomaly", f.anomaly},
          {"mean", f.mean},
          {"min", f.min},
          {"max", f.max},
          {"rate_per_minute", f.rate_per_minute}};
}

json to_json(const resource_sample& s) {
  return {{"source", s.source}, {"time", unix_seconds(s.wall)}, {"values", s.values}};
}

} // namespace conductor::api

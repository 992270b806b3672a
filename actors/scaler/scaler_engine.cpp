#include "actors/scaler/scaler_engine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "actors/number_text.hpp"
#include "actors/scaler/preflight.hpp"
#include "config/units.hpp"
#include "messages/metric_names.hpp"

namespace conductor {

namespace {

constexpr std::chrono::hours flap_window{1};

/// Reasons give four significant digits: "85.2%", "1536 MiB".
std::string num(double x) {
  return number_text(x, 4);
}

std::string mib(double bytes) {
  return num(bytes / (1024.0 * 1024.0)) + " MiB";
}

std::string seconds(std::chrono::nanoseconds d) {
  return num(std::chrono::duration<double>(d).count()) + "s";
}

resize_rules rules_of(const scaler_settings& s) {
  resize_rules r;
  r.policy = s.profile;
  r.min_step_cpu_quota = s.min_step.cpu_quota;
  r.min_step_memory_max = static_cast<double>(s.min_step.memory_max);
  r.min_step_tasks_max = static_cast<double>(s.min_step.tasks_max);
  r.flap_budget = s.flap_budget;
  return r;
}

std::optional<double> value(const std::map<std::string, double>& values, const char* name) {
  auto i = values.find(name);
  if (i == values.end())
    return std::nullopt;
  return i->second;
}

/// How long a step may wait for its outcome before it counts as failed: the
/// plugin manager may have restarted and forgotten it.
std::chrono::nanoseconds outcome_timeout(const scaler_settings& s) {
  return std::max<std::chrono::nanoseconds>(std::chrono::minutes(2),
                                            4 * s.evaluation_interval);
}

} // namespace

scaler_engine::scaler_engine(scaler_settings settings) : resizer_(rules_of(settings)) {
  update_settings(std::move(settings));
}

void scaler_engine::apply_mode(std::string mode) {
  mode_ = std::move(mode);
  // The policy sees the mode in force, which a suspension may have changed.
  auto effective = settings_;
  effective.mode = mode_;
  policy_.update_settings(std::move(effective));
}

void scaler_engine::update_settings(scaler_settings settings) {
  bool file_mode_changed = settings.mode != settings_.mode;
  settings_ = std::move(settings);
  // A suspension stays until an operator lifts it; an operator's mode stays
  // until the configuration's own mode changes (as across a restart).
  if (suspended_reason_.empty() && (mode_origin_ == "config" || file_mode_changed)) {
    mode_origin_ = "config";
    apply_mode(settings_.mode);
  } else {
    apply_mode(mode_);
  }
  resizer_.update_rules(rules_of(settings_));
  // Plugins keep their state; new ones join, removed ones go.
  std::vector<plugin_view> next;
  for (const auto& p : settings_.plugins) {
    if (auto* old = find(p.name)) {
      old->settings = p;
      next.push_back(std::move(*old));
    } else {
      plugin_view v;
      v.settings = p;
      v.limits = limits_of(p, 0);
      next.push_back(std::move(v));
    }
  }
  plugins_ = std::move(next);
}

const scaler_engine::plugin_view* scaler_engine::find(const std::string& name) const {
  for (const auto& p : plugins_)
    if (p.settings.name == name)
      return &p;
  return nullptr;
}

scaler_engine::plugin_view* scaler_engine::find(const std::string& name) {
  return const_cast<plugin_view*>(std::as_const(*this).find(name));
}

// -- inputs --------------------------------------------------------------------

void scaler_engine::observe(const resource_sample& sample) {
  if (sample.source == "host") {
    for (const auto& [metric, v] : sample.values)
      policy_.observe_measured(metric, v);
    host_cpu_ = value(sample.values, metric_name::cpu_percent);
    host_memory_ = value(sample.values, metric_name::memory_percent);
    return;
  }
  if (auto* p = find(sample.source))
    p->values = sample.values;
}

void scaler_engine::observe(const forecast& fc) {
  if (fc.source != "host")
    return;
  // The cascade acts on the upper bound within the horizon: where the host
  // may be, not only where it is most likely to be.
  double upper = fc.path_upper.empty()
                   ? fc.upper
                   : *std::max_element(fc.path_upper.begin(), fc.path_upper.end());
  policy_.observe_forecast(fc.metric, upper, fc.confidence, fc.horizon);
  if (fc.metric == metric_name::cpu_percent)
    forecast_cpu_ = {upper, fc.confidence};
  else if (fc.metric == metric_name::memory_percent)
    forecast_memory_ = {upper, fc.confidence};
}

void scaler_engine::observe(const health_event& e) {
  if (auto* p = find(e.plugin.empty() ? e.target : e.plugin); p && !e.breaker.empty())
    p->breaker = e.breaker;
}

void scaler_engine::observe(const breaker_transition& t) {
  if (auto* p = find(t.target))
    p->breaker = t.to;
}

void scaler_engine::observe(const plugin_event& e) {
  auto* p = find(e.plugin);
  if (!p)
    return;
  p->state = e.state;
  for (size_t i = 0; i < p->settings.variants.size(); ++i)
    if (p->settings.variants[i].name == e.variant)
      p->variant = i;
}

std::vector<decision> scaler_engine::outcome(const decision& d, duration now) {
  auto* p = find(d.target);
  if (!p || !p->pending || p->pending->d.action != d.action
      || (d.status != "applied" && d.status != "failed"))
    return {}; // not ours (configured limits at start), or superseded
  auto pending = std::move(*p->pending);
  p->pending.reset();
  if (d.status == "failed")
    return failed(d.target + ": " + d.action + " failed: " + d.error);
  consecutive_failures_ = 0;
  if (pending.step) {
    if (pending.up)
      cascade_.restored();
    else
      cascade_.applied(*pending.step, pending.from_variant);
    if (pending.step->kind == cascade_step::to_variant
        || pending.step->kind == cascade_step::enable)
      p->variant = pending.step->variant;
  }
  if (d.action == "variant" || d.action == "enable")
    lay_over(p->limits, limits_of(p->settings, p->variant));
  else if (d.action == "resize" || d.action == "revert")
    lay_over(p->limits, d.new_limits);
  const auto& n = d.new_limits;
  // An operator's resize stands as it is: no probation reverts it.
  if (d.action == "resize" && d.trigger != "operator"
      && (n.cpu_quota > 0 || n.memory_max > 0 || n.tasks_max > 0)) {
    probation_t pr;
    pr.until = now + settings_.probation;
    // Only the resources this resize changed go back on a revert.
    pr.previous.cpu_quota = d.new_limits.cpu_quota > 0 ? d.old_limits.cpu_quota : 0;
    pr.previous.memory_max = d.new_limits.memory_max > 0 ? d.old_limits.memory_max : 0;
    pr.previous.tasks_max = d.new_limits.tasks_max > 0 ? d.old_limits.tasks_max : 0;
    pr.oom_kills_before = value(p->values, metric_name::oom_kills);
    p->probation = pr;
  }
  return {};
}

std::vector<decision> scaler_engine::failed(const std::string& why) {
  ++consecutive_failures_;
  if (consecutive_failures_ < settings_.suspend_after_failures || mode_ != "enabled")
    return {};
  suspended_reason_ = std::to_string(consecutive_failures_)
                      + " consecutive failed actions (last: " + why
                      + "); suspended until an operator sets the mode again";
  mode_origin_ = "suspension";
  apply_mode("manual");
  auto d = make("suspend", "", "failures", suspended_reason_);
  return {d};
}

decision scaler_engine::set_mode(const std::string& mode, const std::string& origin) {
  auto before = mode_;
  suspended_reason_.clear();
  consecutive_failures_ = 0;
  mode_origin_ = "operator";
  apply_mode(mode);
  auto d = make("mode", "", "operator",
                "mode " + before + " -> " + mode + (origin.empty() ? "" : " (by " + origin + ")"));
  d.origin = origin.empty() ? "operator" : origin;
  return d;
}

scaler_engine::manual_scale_result scaler_engine::manual_scale(const scale_request& req,
                                                              duration now) {
  manual_scale_result out;
  auto refuse = [&](manual_scale_result::refusal why, std::string text) {
    out.refused = why;
    out.error = std::move(text);
    return out;
  };
  auto* p = find(req.plugin);
  if (!p)
    return refuse(manual_scale_result::unknown_plugin, "no plugin called '" + req.plugin + "'");
  const auto& want = req.limits;
  if (want.cpu_quota <= 0 && want.memory_max == 0 && want.tasks_max == 0)
    return refuse(manual_scale_result::bad_limits,
                  "give at least one of cpu_quota, memory_max, tasks_max");
  const auto& lo = p->settings.min_limits;
  const auto& hi = p->settings.max_limits;
  auto outside = [&](const char* name, double v, double min, double max) {
    if (v <= 0)
      return std::string{};
    if (min > 0 && v < min)
      return std::string{name} + " " + num(v) + " is below " + req.plugin + "'s bound " + num(min);
    if (max > 0 && v > max)
      return std::string{name} + " " + num(v) + " is above " + req.plugin + "'s bound " + num(max);
    return std::string{};
  };
  for (auto why : {outside("cpu_quota", want.cpu_quota, lo.cpu_quota, hi.cpu_quota),
                   outside("memory_max", double(want.memory_max), double(lo.memory_max),
                           double(hi.memory_max)),
                   outside("tasks_max", double(want.tasks_max), double(lo.tasks_max),
                           double(hi.tasks_max))})
    if (!why.empty())
      return refuse(manual_scale_result::bad_limits, why);
  if (p->pending)
    return refuse(manual_scale_result::busy, req.plugin + " has a step under way ("
                                               + p->pending->d.action + "); try again after it");
  if (mode_ != "manual") {
    auto m = set_mode("manual", req.origin);
    m.reason += ": a manual scale of " + req.plugin + " keeps the scaler from undoing it";
    out.decisions.push_back(std::move(m));
  }
  auto d = make("resize", req.plugin, "operator",
                req.reason.empty() ? "manual scale by " + req.origin : req.reason);
  d.origin = req.origin;
  d.old_limits = p->limits;
  d.new_limits = want;
  p->probation.reset();
  p->pending = pending_t{d, now, std::nullopt, 0, false};
  out.decisions.push_back(std::move(d));
  return out;
}

// -- runtime state ---------------------------------------------------------------

runtime_state scaler_engine::runtime() const {
  runtime_state out;
  out.mode = mode_;
  out.mode_origin = mode_origin_;
  out.config_mode = settings_.mode;
  out.suspended_reason = suspended_reason_;
  out.policy = settings_.policy;
  auto variant_name = [](const plugin_view* p, size_t i) {
    return p && i < p->settings.variants.size() ? p->settings.variants[i].name : std::string{};
  };
  for (const auto& t : cascade_.steps()) {
    const auto* p = find(t.step.plugin);
    runtime_step r;
    r.plugin = t.step.plugin;
    r.kind = t.step.kind == cascade_step::to_variant ? "variant" : "disable";
    r.variant = t.step.kind == cascade_step::to_variant ? variant_name(p, t.step.variant) : "";
    r.from_variant = variant_name(p, t.from_variant);
    r.reason = t.step.reason;
    out.steps.push_back(std::move(r));
  }
  for (const auto& p : plugins_)
    if (p.limits != limits_of(p.settings, p.variant))
      out.limits.push_back({p.settings.name, p.limits});
  return out;
}

std::optional<decision> scaler_engine::restore(const runtime_state& state, duration now,
                                               duration demand_age) {
  if (state.saved <= 0)
    return std::nullopt;
  std::vector<std::string> notes;
  if (state.mode_origin != "config" && !state.mode.empty()) {
    if (state.config_mode != settings_.mode) {
      notes.push_back("mode " + state.mode + " (set by " + state.mode_origin
                      + ") not resumed: the configuration's mode changed since, from "
                      + state.config_mode + " to " + settings_.mode);
    } else {
      mode_origin_ = state.mode_origin;
      suspended_reason_ = state.suspended_reason;
      apply_mode(state.mode);
      notes.push_back("mode " + mode_ + " (set by " + mode_origin_ + ")");
    }
  }
  auto index_of = [](const plugin_view& p, const std::string& name) -> std::optional<size_t> {
    if (name.empty())
      return size_t{0};
    for (size_t i = 0; i < p.settings.variants.size(); ++i)
      if (p.settings.variants[i].name == name)
        return i;
    return std::nullopt;
  };
  std::vector<std::string> degraded;
  for (const auto& r : state.steps) {
    auto* p = find(r.plugin);
    auto from = p ? index_of(*p, r.from_variant) : std::nullopt;
    auto to = p && r.kind == "variant" ? index_of(*p, r.variant) : std::optional<size_t>{0};
    if (!p || !from || !to || (r.kind != "variant" && r.kind != "disable")) {
      notes.push_back("step " + r.kind + " " + r.plugin + " " + r.variant
                      + " dropped: no such plugin or variant any more");
      continue;
    }
    cascade_step step;
    step.kind = r.kind == "variant" ? cascade_step::to_variant : cascade_step::disable;
    step.plugin = r.plugin;
    step.variant = *to;
    step.reason = r.reason;
    cascade_.applied(step, *from);
    if (step.kind == cascade_step::to_variant)
      p->variant = *to;
    degraded.push_back(r.plugin + (r.kind == "variant" ? " on variant " + r.variant : " disabled"));
  }
  for (const auto& l : state.limits)
    if (auto* p = find(l.plugin)) {
      p->limits = limits_of(p->settings, p->variant);
      lay_over(p->limits, l.limits);
    }
  if (!degraded.empty()) {
    // Restoring starts over: a full stabilization from the restart.
    last_step_ = now;
    std::string list;
    for (const auto& d : degraded)
      list += (list.empty() ? "" : ", ") + d;
    notes.push_back(std::to_string(degraded.size()) + " plugin step(s) still in effect (" + list
                    + "), restored one at a time once the host is calm");
  }
  size_t remembered = 0;
  demand_age = std::max(demand_age, duration::zero());
  for (const auto& d : state.demand)
    if (find(d.plugin) && resizer_.restore_demand(d, now, demand_age))
      ++remembered;
  if (remembered > 0) {
    auto age = std::chrono::duration_cast<std::chrono::minutes>(demand_age);
    notes.push_back("target sizing remembers the use of " + std::to_string(remembered)
                    + " plugin resource(s), as of " + config::format_duration(age) + " ago");
  }
  std::string reason = "resumed after a restart";
  for (const auto& n : notes)
    reason += "; " + n;
  auto d = make("resume", "", "restart", std::move(reason));
  d.status = "applied";
  d.origin = "scaler";
  return d;
}

// -- helpers -------------------------------------------------------------------

bool scaler_engine::busy(const plugin_view& p) const {
  const std::string prefix = metric_name::signal_prefix;
  for (const auto& [name, v] : p.values)
    if (name.compare(0, prefix.size(), prefix) == 0 && v > 0)
      return true;
  return false;
}

bool scaler_engine::running(const plugin_view& p) const {
  return p.state == "running";
}

std::vector<cascade_plugin> scaler_engine::cascade_view() const {
  std::vector<cascade_plugin> out;
  for (const auto& p : plugins_) {
    cascade_plugin c;
    c.name = p.settings.name;
    c.priority = p.settings.priority;
    c.variants = p.settings.variants.size();
    c.variant = p.variant;
    // Nothing to step down: off already, or not running at all.
    c.disabled = p.state == "disabled" || p.state == "failed" || p.state == "stopped";
    c.breaker_open = p.breaker == "open";
    c.busy = busy(p);
    out.push_back(std::move(c));
  }
  return out;
}

decision scaler_engine::make(const std::string& action, const std::string& target,
                             const std::string& trigger, std::string reason) const {
  decision d;
  d.action = action;
  d.target = target;
  d.trigger = trigger;
  d.reason = std::move(reason);
  d.inputs = inputs_.empty() ? policy_.inputs_json() : inputs_;
  d.policy = settings_.policy;
  d.status = "decided";
  return d;
}

void scaler_engine::explain(const std::string& target, std::string why) {
  auto d = make("none", target, "", std::move(why));
  d.status = "none";
  explanation_.push_back(std::move(d));
}

decision scaler_engine::step_decision(const cascade_step& step, const std::string& trigger,
                                      bool emergency, double confidence) {
  auto* p = find(step.plugin);
  std::string action = emergency                                   ? "stop"
                       : step.kind == cascade_step::to_variant     ? "variant"
                       : step.kind == cascade_step::disable        ? "disable"
                                                                   : "enable";
  auto reason = step.reason;
  if (p) {
    auto used = value(p->values, metric_name::memory_bytes);
    if (action == "variant") {
      auto from = limits_of(p->settings, p->variant).memory_max;
      auto to = limits_of(p->settings, step.variant).memory_max;
      if (from > to && to > 0)
        reason += "; expected to free up to " + mib(static_cast<double>(from - to));
    } else if ((action == "disable" || action == "stop") && used) {
      reason += "; expected to free about " + mib(*used);
    }
  }
  auto d = make(action, step.plugin, trigger, std::move(reason));
  d.confidence = confidence;
  if (p && step.kind != cascade_step::disable && step.variant < p->settings.variants.size())
    d.variant = p->settings.variants[step.variant].name;
  if (p && action == "variant") {
    d.old_limits = p->limits;
    d.new_limits = limits_of(p->settings, step.variant);
  }
  nlohmann::json j = nlohmann::json::parse(d.inputs);
  if (p) {
    j["plugin_state"] = p->state;
    j["plugin_priority"] = p->settings.priority;
    j["plugin_busy"] = busy(*p);
    j["plugin_breaker"] = p->breaker;
    if (auto m = value(p->values, metric_name::memory_bytes))
      j["plugin_memory_bytes"] = *m;
  }
  j["cascade_depth"] = cascade_.depth();
  d.inputs = j.dump();
  return d;
}

// -- evaluation ------------------------------------------------------------------

void scaler_engine::expire_pending(duration now, std::vector<decision>& out) {
  for (auto& p : plugins_) {
    if (!p.pending || now - p.pending->since < outcome_timeout(settings_))
      continue;
    auto action = p.pending->d.action;
    p.pending.reset();
    for (auto& d : failed(p.settings.name + ": no outcome of " + action + " within "
                          + seconds(outcome_timeout(settings_))))
      out.push_back(std::move(d));
  }
}

std::optional<decision> scaler_engine::check_probation(plugin_view& p, duration now) {
  if (!p.probation)
    return std::nullopt;
  std::string cause;
  if (p.breaker == "open")
    cause = "its circuit breaker opened";
  auto oom = value(p.values, metric_name::oom_kills);
  if (cause.empty() && oom && p.probation->oom_kills_before && *oom > *p.probation->oom_kills_before)
    cause = "the kernel OOM-killed inside its cgroup (" + num(*oom - *p.probation->oom_kills_before)
            + " kill(s))";
  auto psi = value(p.values, metric_name::memory_pressure_percent);
  if (cause.empty() && psi && *psi > settings_.probation_memory_pressure)
    cause = "its memory pressure " + num(*psi) + "% passed " + num(settings_.probation_memory_pressure)
            + "%";
  if (cause.empty()) {
    if (now >= p.probation->until)
      p.probation.reset();
    else
      explain(p.settings.name, "on probation after a resize for another "
                                 + seconds(p.probation->until - now));
    return std::nullopt;
  }
  auto d = make("revert", p.settings.name, "probation",
                "resize reverted during probation: " + cause);
  d.old_limits = p.limits;
  d.new_limits = p.probation->previous;
  p.probation.reset();
  return d;
}

std::optional<decision> scaler_engine::cascade(duration now, bool act) {
  auto state = policy_.current();
  auto view = cascade_view();
  auto waiting = std::find_if(plugins_.begin(), plugins_.end(), [](const plugin_view& p) {
    return p.pending && p.pending->step;
  });
  auto take = [&](const cascade_step& step, const std::string& trigger, bool emergency,
                  bool up, double confidence) -> std::optional<decision> {
    auto d = step_decision(step, trigger, emergency, confidence);
    if (!act) {
      explain("", "manual mode: would " + d.action + " " + d.target + " (" + d.reason + ")");
      return std::nullopt;
    }
    auto* p = find(step.plugin);
    pending_t pending{d, now, step, p ? p->variant : 0, up};
    if (p)
      p->pending = pending;
    last_step_ = now;
    recent_steps(step.plugin, now).push_back(now);
    return d;
  };
  // Emergency: no confirmation, no drain, no waiting for a drain under way.
  if (policy_.emergency_now()) {
    auto step = cascade_.next_emergency(view);
    if (!step) {
      explain("", "memory at the emergency threshold, but no plugin is left running");
      return std::nullopt;
    }
    return take(*step, "measured", true, false, 1.0);
  }
  if (waiting != plugins_.end()) {
    explain("", "waiting for " + waiting->settings.name + " to finish its "
                  + waiting->pending->d.action);
    return std::nullopt;
  }
  if (state == pressure_policy::state::pressure || state == pressure_policy::state::emergency) {
    auto over = policy_.over_degrade();
    if (!over) {
      explain("", "host below degrade but not yet below restore for " + seconds(settings_.stabilization)
                    + ": holding");
      return std::nullopt;
    }
    auto step = cascade_.next_down(view);
    if (!step) {
      explain("", over->reason + ", but every plugin is stepped down already");
      return std::nullopt;
    }
    step->reason = over->reason + ": " + step->reason;
    return take(*step, over->trigger, false, false, over->confidence);
  }
  if (cascade_.depth() == 0)
    return std::nullopt;
  if (state != pressure_policy::state::normal || !policy_.below_restore()) {
    explain("", "not restoring: the host is not below restore");
    return std::nullopt;
  }
  if (last_step_ && now - *last_step_ < settings_.stabilization) {
    explain("", "not restoring yet: " + seconds(settings_.stabilization - (now - *last_step_))
                  + " of stabilization left since the last step");
    return std::nullopt;
  }
  auto up = cascade_.next_up();
  auto* p = find(up->plugin);
  if (p && busy(*p)) {
    explain(up->plugin, "not restored yet: it has active work");
    return std::nullopt;
  }
  const auto& times = recent_steps(up->plugin, now);
  if (static_cast<int>(times.size()) >= settings_.flap_budget) {
    explain(up->plugin, "not restored yet: flap budget of " + std::to_string(settings_.flap_budget)
                          + " actions per hour spent");
    return std::nullopt;
  }
  up->reason = "host below restore (" + num(settings_.restore_cpu) + "% cpu, "
               + num(settings_.restore_memory) + "% memory) for "
               + seconds(settings_.stabilization) + ": " + up->reason;
  return take(*up, "measured", false, true, 1.0);
}

std::vector<scaler_engine::duration>& scaler_engine::recent_steps(const std::string& plugin,
                                                                duration now) {
  // Forgotten once out of the flap window: a plugin that is resized for
  // months without ever being restored must not keep every time.
  auto& times = step_times_[plugin];
  times.erase(std::remove_if(times.begin(), times.end(),
                             [&](duration t) { return now - t >= flap_window; }),
              times.end());
  return times;
}

std::optional<decision> scaler_engine::resize(plugin_view& p, duration now, bool act) {
  const auto& name = p.settings.name;
  if (!running(p) || p.pending || p.probation)
    return std::nullopt;
  auto host_state = policy_.current();
  bool pressure = host_state == pressure_policy::state::pressure
                  || host_state == pressure_policy::state::emergency;
  double cpu_free_percent
    = settings_.host_cores > 0 && host_cpu_
        ? (settings_.host_cores * (1 - *host_cpu_ / 100) - settings_.reserve_cpu_cores) * 100
        : 0;
  double mem_free
    = settings_.host_memory > 0 && host_memory_
        ? static_cast<double>(settings_.host_memory) * (1 - *host_memory_ / 100)
            - static_cast<double>(settings_.reserve_memory)
        : 0;
  struct resource {
    limit_resource r;
    double limit, min, max, headroom;
    const char* used_metric;
    double scale;
  };
  auto unbounded = std::numeric_limits<double>::infinity();
  auto bound = [&](double b) { return b > 0 ? b : unbounded; };
  const resource resources[] = {
    {limit_resource::memory_max, static_cast<double>(p.limits.memory_max),
     static_cast<double>(p.settings.min_limits.memory_max),
     bound(static_cast<double>(p.settings.max_limits.memory_max)), std::max(0.0, mem_free),
     metric_name::memory_bytes, 1},
    {limit_resource::cpu_quota, p.limits.cpu_quota, p.settings.min_limits.cpu_quota,
     bound(p.settings.max_limits.cpu_quota), std::max(0.0, cpu_free_percent),
     metric_name::cpu_cores, 100},
    {limit_resource::tasks_max, static_cast<double>(p.limits.tasks_max),
     static_cast<double>(p.settings.min_limits.tasks_max),
     bound(static_cast<double>(p.settings.max_limits.tasks_max)), unbounded, metric_name::pids, 1},
  };
  std::string notes;
  for (const auto& res : resources) {
    auto used = value(p.values, res.used_metric);
    if (res.limit <= 0 || !used)
      continue;
    limit_use use{res.r, res.limit, *used * res.scale, res.min, res.max, res.headroom};
    std::string why_not;
    auto proposal = resizer_.evaluate(name, use, now, &why_not);
    if (!proposal) {
      if (!why_not.empty())
        notes += (notes.empty() ? "" : "; ") + why_not;
      continue;
    }
    bool up = proposal->to > proposal->from;
    if (up && p.breaker == "open") {
      notes += (notes.empty() ? "" : "; ") + std::string{to_string(res.r)}
               + ": not scaled up while its circuit breaker is open";
      continue;
    }
    if (up && pressure) {
      notes += (notes.empty() ? "" : "; ") + std::string{to_string(res.r)}
               + ": not scaled up while the host is under pressure";
      continue;
    }
    if (!up && busy(p)) {
      notes += (notes.empty() ? "" : "; ") + std::string{to_string(res.r)}
               + ": not scaled down while it has active work";
      continue;
    }
    auto d = make("resize", name, "measured", proposal->reason);
    d.old_limits = p.limits;
    limit_values next;
    if (res.r == limit_resource::memory_max)
      next.memory_max = static_cast<uint64_t>(proposal->to);
    else if (res.r == limit_resource::cpu_quota)
      next.cpu_quota = proposal->to;
    else
      next.tasks_max = static_cast<uint64_t>(proposal->to);
    d.new_limits = next;
    if (!act) {
      explain(name, "manual mode: would resize (" + proposal->reason + ")");
      return std::nullopt;
    }
    resizer_.changed(name, res.r, up, now);
    recent_steps(name, now).push_back(now);
    p.pending = pending_t{d, now, std::nullopt, 0, up};
    return d;
  }
  explain(name, notes.empty() ? "limits follow its use; no change confirmed" : notes);
  return std::nullopt;
}

std::vector<decision> scaler_engine::evaluate(duration now) {
  explanation_.clear();
  std::vector<decision> out;
  if (mode_ == "disabled") {
    explain("", "scaler disabled: nothing is evaluated");
    return out;
  }
  if (auto host = policy_.evaluate(now)) {
    auto d = make(host->action, "", host->trigger, host->reason);
    d.inputs = host->inputs;
    d.confidence = host->confidence;
    out.push_back(std::move(d));
  }
  // The host's inputs, once for every decision and explanation of this
  // evaluation (re-serializing them per plugin was most of its cost).
  inputs_ = policy_.inputs_json();
  bool act = mode_ == "enabled";
  if (!act)
    explain("", "mode " + mode_ + (suspended_reason_.empty() ? "" : ": " + suspended_reason_)
                  + "; no automatic action");
  if (act)
    expire_pending(now, out);
  for (auto& p : plugins_)
    if (act)
      if (auto d = check_probation(p, now)) {
        p.pending = pending_t{*d, now, std::nullopt, 0, false};
        out.push_back(std::move(*d));
      }
  if (auto d = cascade(now, act))
    out.push_back(std::move(*d));
  for (auto& p : plugins_)
    if (auto d = resize(p, now, act))
      out.push_back(std::move(*d));
  if (out.empty() && explanation_.empty())
    explain("", "host " + std::string{to_string(policy_.current())} + ": no action needed");
  inputs_.clear();
  decisions_ += out.size();
  for (const auto& d : out)
    explanation_.insert(explanation_.begin(), d);
  return out;
}

// -- queries ---------------------------------------------------------------------

preflight_answer scaler_engine::preflight(const preflight_request& req) const {
  preflight_host host;
  host.cores = settings_.host_cores;
  host.memory_total = settings_.host_memory;
  host.cpu_percent = host_cpu_.value_or(0);
  host.memory_percent = host_memory_.value_or(0);
  if (forecast_cpu_)
    host.cpu_forecast = preflight_forecast{forecast_cpu_->first, forecast_cpu_->second};
  if (forecast_memory_)
    host.memory_forecast = preflight_forecast{forecast_memory_->first, forecast_memory_->second};
  host.min_confidence = settings_.min_confidence;
  host.degrade_cpu = settings_.degrade_cpu;
  host.degrade_memory = settings_.degrade_memory;
  host.reserve_cpu_cores = settings_.reserve_cpu_cores;
  host.reserve_memory = settings_.reserve_memory;
  std::vector<preflight_variant> variants;
  for (const auto& p : plugins_)
    if (p.settings.name == req.plugin)
      for (size_t i = 0; i < p.settings.variants.size(); ++i) {
        auto l = limits_of(p.settings, i);
        variants.push_back({p.settings.variants[i].name, l.memory_max, l.cpu_quota});
      }
  return conductor::preflight(req, host, variants);
}

scaler_status scaler_engine::status() const {
  scaler_status s;
  s.mode = mode_;
  s.suspended_reason = suspended_reason_;
  s.host_state = to_string(policy_.current());
  s.policy = settings_.policy;
  s.tier = settings_.tier;
  s.consecutive_failures = consecutive_failures_;
  for (const auto& p : plugins_) {
    if (p.state == "disabled")
      s.degraded.push_back(p.settings.name + ": disabled");
    else if (p.variant > 0 && p.variant < p.settings.variants.size())
      s.degraded.push_back(p.settings.name + ": variant " + p.settings.variants[p.variant].name);
    if (p.probation)
      s.probation.push_back(p.settings.name);
  }
  s.decisions = decisions_;
  return s;
}

} // namespace conductor

#include "actors/health/health_actor.hpp"

#include <algorithm>
#include <random>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "actors/logger.hpp"
#include "actors/mailbox_probe.hpp"
#include "messages/metric_names.hpp"

namespace conductor {

namespace {

using self_ptr = health_actor::stateful_pointer<health_state>;

health::duration mono(self_ptr self) {
  return self->clock().now().time_since_epoch();
}

double seconds(health::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// Checks planned within this much of a wake-up start with it: with many
/// targets one timer, one message and one engine wake-up then serve several
/// checks (1000 targets at 5 s are 5 ms apart). Starting up to 20 ms early is
/// harmless; starting late is what the lateness histogram watches.
constexpr health::duration start_batch = std::chrono::milliseconds(20);

/// Counts one result on /metrics.
void count_result(self_ptr self, size_t i, const health_event& e) {
  auto& st = self->state;
  auto& f = *st.metrics;
  if (st.series.size() < st.schedule->size())
    st.series.resize(st.schedule->size());
  auto& s = st.series[i];
  if (!s.up) {
    metric_labels target{{"target", e.target}};
    s.up = &f.health_up.add(target);
    s.passed = &f.health_checks.add({{"target", e.target}, {"result", "success"}});
    s.failed = &f.health_checks.add({{"target", e.target}, {"result", "failure"}});
    s.duration = &f.health_duration.add(target);
    s.breaker = &f.breaker_state.add(target);
    if (!e.plugin.empty())
      s.plugin_failures = &f.plugin_failures.add({{"plugin", e.plugin}});
  }
  s.up->set(e.healthy ? 1 : 0);
  (e.healthy ? s.passed : s.failed)->increment();
  s.duration->observe(seconds(e.latency));
  s.breaker->set(breaker_state_value(e.breaker));
  if (!e.healthy && s.plugin_failures)
    s.plugin_failures->increment();
}

/// A tick for the schedule's next wakeup.
void arm(self_ptr self) {
  if (auto next = self->state.schedule->next_wakeup())
    self->state.timer.arm(self, caf::actor_clock::time_point{*next});
}

void publish_transitions(self_ptr self) {
  auto& st = self->state;
  auto wall = caf::make_timestamp();
  for (auto& t : st.schedule->take_transitions()) {
    breaker_transition msg{st.schedule->plan(t.target).name, to_string(t.change.from),
                           to_string(t.change.to), t.change.reason, wall};
    auto text = "breaker " + msg.target + ": " + msg.from + " -> " + msg.to + " (" + msg.reason
                + ")";
    if (t.change.to == breaker_state::open)
      CONDUCTOR_LOG(warn, "health") << text;
    else
      CONDUCTOR_LOG(info, "health") << text;
    st.sinks.publish(self, msg);
    st.breaker_sinks.publish(self, msg);
  }
}

void start_due(self_ptr self) {
  auto& st = self->state;
  auto due = st.schedule->due(mono(self), start_batch);
  if (!due.empty() && !st.runner) {
    // Results come back on the engine's thread: as messages, to a weak
    // handle, so a stopped actor is not kept alive by its own engine.
    auto weak = caf::actor_cast<caf::weak_actor_ptr>(self->ctrl());
    st.runner = st.make_runner([weak](health::check_result r) {
      if (auto strong = weak.lock())
        caf::anon_send(caf::actor_cast<health_actor>(strong),
                       check_outcome{r.id, std::move(r.target), r.healthy, r.latency,
                                     std::move(r.detail)});
    });
  }
  auto& lateness = st.metrics->health_lateness.add({});
  for (auto& c : due) {
    lateness.observe(seconds(c.lateness));
    const auto& plan = st.schedule->plan(c.target);
    health::check_request req;
    req.id = c.id;
    req.target = plan.name;
    req.spec = plan.check;
    req.timeout = plan.timeout;
    req.pid = st.schedule->pid(c.target);
    st.runner->submit(std::move(req));
  }
  publish_transitions(self);
}

void update_pressure(self_ptr self) {
  auto& st = self->state;
  bool on = st.scaler_pressure || st.sample_pressure;
  if (on == st.schedule->pressure())
    return;
  st.schedule->set_pressure(on);
  CONDUCTOR_LOG(info, "health") << (on ? "host under pressure: healthy targets are checked "
                                         "less often (x"
                                       : "host pressure over: checks back to their interval (x")
                                << (on ? st.settings.pressure_backoff : 1.0) << ")";
}

/// Removes the result series of targets the new settings no longer have:
/// /metrics shows what is checked, not what once was.
void drop_gone_series(self_ptr self) {
  auto& st = self->state;
  if (!st.schedule)
    return;
  auto& f = *st.metrics;
  for (size_t i = 0; i < st.series.size(); ++i) {
    auto& s = st.series[i];
    const auto& name = st.schedule->plan(i).name;
    bool kept = std::any_of(st.settings.targets.begin(), st.settings.targets.end(),
                            [&](const health_target_settings& t) { return t.name == name; });
    if (!s.up || kept)
      continue;
    f.health_up.remove(s.up);
    f.health_checks.remove(s.passed);
    f.health_checks.remove(s.failed);
    f.health_duration.remove(s.duration);
    f.breaker_state.remove(s.breaker);
  }
}

void build_schedule(self_ptr self) {
  auto& st = self->state;
  drop_gone_series(self);
  std::random_device seed;
  auto options = health_options(st.settings, seed());
  if (st.schedule)
    options.first_id_after = st.schedule->last_id();
  auto next = std::make_unique<health::health_schedule>(health_plans(st.settings),
                                                        std::move(options), mono(self));
  if (st.schedule) {
    auto kept = next->adopt(*st.schedule);
    CONDUCTOR_LOG(info, "health") << "health settings changed: " << next->size()
                                  << " target(s), " << kept << " unchanged kept their state";
  }
  st.schedule = std::move(next);
  st.timer.reset();
  st.series.clear();
  update_pressure(self);
  arm(self);
}

/// Runs an operator command `op(schedule, target, now)` on the target called
/// `name`, and answers with the target's state after it.
template <class F>
caf::result<target_health> on_target(self_ptr self, const std::string& name, F op) {
  auto& st = self->state;
  auto i = st.schedule->find(name);
  if (!i)
    return caf::make_error(ec::unknown_name, "no health target " + name);
  op(*st.schedule, *i, mono(self));
  publish_transitions(self);
  arm(self);
  return describe_target(*st.schedule, *i);
}

} // namespace

std::vector<health::target_plan> health_plans(const health_settings& s) {
  std::vector<health::target_plan> out;
  for (const auto& t : s.targets) {
    health::target_plan p;
    p.name = t.name;
    p.plugin = t.plugin;
    p.check.type = t.type;
    p.check.url = t.url;
    p.check.address = t.address;
    p.check.command = t.command;
    p.check.expect_status.assign(t.expect_status.begin(), t.expect_status.end());
    p.check.expect_body = t.expect_body;
    p.interval = t.interval;
    p.timeout = t.timeout;
    out.push_back(std::move(p));
  }
  return out;
}

health::schedule_options health_options(const health_settings& s, uint64_t seed) {
  health::schedule_options o;
  o.breaker = s.breaker;
  o.stagger = s.stagger == "jitter" ? config::stagger_kind::jitter : config::stagger_kind::even;
  o.pressure_backoff = s.pressure_backoff;
  o.seed = seed;
  return o;
}

target_health describe_target(const health::health_schedule& s, size_t i) {
  const auto& plan = s.plan(i);
  const auto& b = s.breaker(i);
  const auto& stats = s.stats(i);
  target_health out;
  out.target = plan.name;
  out.plugin = plan.plugin;
  out.type = plan.check.type;
  out.breaker = to_string(b.state());
  out.forced = b.forced();
  out.status = !stats.last_healthy ? "unknown" : *stats.last_healthy ? "healthy" : "failing";
  out.detail = stats.last_detail;
  out.consecutive_failures = b.consecutive_failures();
  out.failure_rate = b.failure_rate();
  out.checks = stats.checks;
  out.failures = stats.failures;
  out.latency_p50 = s.latency_quantile(i, 0.5);
  out.latency_p95 = s.latency_quantile(i, 0.95);
  out.reset_timeout = b.current_reset_timeout();
  return out;
}

health_actor::behavior_type health_checker(health_actor::stateful_pointer<health_state> self,
                                           health_settings settings,
                                           health::check_runner_factory make_runner,
                                           metric_families* metrics) {
  auto& st = self->state;
  answer_mailbox_queries(self);
  st.settings = std::move(settings);
  st.make_runner = std::move(make_runner);
  st.metrics = metrics;
  build_schedule(self);
  self->set_down_handler([=](const caf::down_msg& dm) {
    self->state.sinks.remove(dm.source);
    self->state.breaker_sinks.remove(dm.source);
  });
  CONDUCTOR_LOG(info, "health") << st.schedule->size() << " health target(s)";
  return {
    [=](atom::tick) {
      self->state.timer.fired(self->clock().now());
      start_due(self);
      arm(self);
    },
    [=](const check_outcome& o) {
      auto& st = self->state;
      auto i = st.schedule->record(o.id, o.healthy, o.latency, mono(self), o.detail);
      if (!i)
        return;
      health_event e;
      e.target = o.target;
      e.healthy = o.healthy;
      e.latency = o.latency;
      e.detail = o.detail;
      e.at = caf::make_timestamp();
      e.plugin = st.schedule->plan(*i).plugin;
      e.failure_rate = st.schedule->failure_rate(*i);
      e.latency_p50 = st.schedule->latency_quantile(*i, 0.5);
      e.latency_p95 = st.schedule->latency_quantile(*i, 0.95);
      e.breaker = to_string(st.schedule->breaker(*i).state());
      if (!o.healthy)
        CONDUCTOR_LOG(debug, "health") << o.target << " failed: " << o.detail;
      count_result(self, *i, e);
      st.sinks.publish(self, e);
      publish_transitions(self);
      arm(self);
    },
    [=](atom::subscribe, health_sink sink) {
      if (self->state.sinks.add(sink))
        self->monitor(sink);
    },
    [=](atom::subscribe, breaker_sink sink) {
      if (self->state.breaker_sinks.add(sink))
        self->monitor(sink);
    },
    [=](const resource_sample& sample) {
      auto& st = self->state;
      if (sample.source != "host")
        return;
      auto over = [&](const char* metric, double threshold) {
        auto v = sample.values.find(metric);
        return threshold > 0 && v != sample.values.end() && v->second >= threshold;
      };
      st.sample_pressure = over(metric_name::cpu_percent, st.settings.degrade_cpu)
                           || over(metric_name::memory_percent, st.settings.degrade_memory);
      update_pressure(self);
    },
    [=](const decision& d) {
      auto& st = self->state;
      if (d.action == "degrade" || d.action == "emergency")
        st.scaler_pressure = true;
      else if (d.action == "restore")
        st.scaler_pressure = false;
      update_pressure(self);
    },
    [=](const plugin_event& p) {
      auto& st = self->state;
      for (size_t i = 0; i < st.schedule->size(); ++i)
        if (st.schedule->plan(i).plugin == p.plugin)
          st.schedule->set_pid(i, p.pid);
    },
    [=](atom::update, health_settings settings) {
      auto& st = self->state;
      auto thresholds_only = settings;
      thresholds_only.degrade_cpu = st.settings.degrade_cpu;
      thresholds_only.degrade_memory = st.settings.degrade_memory;
      bool same_plan = thresholds_only == st.settings;
      st.settings = std::move(settings);
      if (same_plan)
        return;
      // Targets, breakers or stagger changed: a new plan; unchanged targets
      // keep their state (health_schedule::adopt).
      build_schedule(self);
    },
    [=](atom::get, atom::health) {
      auto& st = self->state;
      std::vector<target_health> out;
      for (size_t i = 0; i < st.schedule->size(); ++i)
        out.push_back(describe_target(*st.schedule, i));
      return out;
    },
    [=](atom::open, const std::string& target, const std::string& reason) {
      return on_target(self, target, [&](health::health_schedule& s, size_t i,
                                         health::duration now) { s.force_open(i, now, reason); });
    },
    [=](atom::close, const std::string& target, const std::string& reason) {
      return on_target(self, target, [&](health::health_schedule& s, size_t i,
                                         health::duration now) { s.force_close(i, now, reason); });
    },
    [=](atom::reset, const std::string& target, const std::string& by) {
      return on_target(self, target, [&](health::health_schedule& s, size_t i,
                                         health::duration now) { s.reset(i, now, by); });
    },
  };
}

} // namespace conductor

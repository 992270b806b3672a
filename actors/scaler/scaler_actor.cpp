#include "actors/scaler/scaler_actor.hpp"

#include <algorithm>
#include <cmath>

#include <caf/system_messages.hpp>

#include "actors/audit_commit.hpp"
#include "actors/logger.hpp"
#include "actors/mailbox_probe.hpp"
#include "api/json_views.hpp"

namespace conductor {

namespace {

using self_ptr = scaler_actor::stateful_pointer<scaler_state>;

std::chrono::nanoseconds mono(self_ptr self) {
  return self->clock().now().time_since_epoch();
}

double unix_now() {
  return api::unix_seconds(caf::make_timestamp());
}

void arm(self_ptr self, caf::actor_clock::time_point now) {
  self->delayed_send(self, self->state.next_evaluation - now, atom::evaluate_v);
}

/// The state as sent: with the memory of use as last read, and the wall
/// time it is sent at.
runtime_state stamped(const scaler_state& st, runtime_state s) {
  s.demand = st.demand;
  s.demand_saved = st.demand_saved;
  s.saved = unix_now();
  return s;
}

/// Sends the runtime state to its keepers if it changed.
void share_state(self_ptr self) {
  auto& st = self->state;
  auto now = st.engine.runtime();
  if (now == st.shared && st.demand_shared)
    return;
  st.shared = now;
  st.demand_shared = true;
  st.keepers.publish(self, stamped(st, std::move(now)));
}

/// Reads target sizing's memory of use at the first evaluation of each
/// bucket: a restart loses at most one bucket of it, and the runtime state
/// is not rewritten on every evaluation.
void read_demand(self_ptr self, caf::actor_clock::time_point now) {
  auto& st = self->state;
  auto bucket = now.time_since_epoch() / demand_memory::bucket;
  if (bucket == st.demand_bucket)
    return;
  st.demand_bucket = bucket;
  auto demand = st.engine.demand(now.time_since_epoch());
  if (demand.empty() && st.demand.empty())
    return;
  st.demand = std::move(demand);
  st.demand_saved = unix_now();
  st.demand_shared = false;
}

/// Stamps, logs and sends each decision to the sinks (but `skip`, which has
/// it already), then shares the runtime state if it changed.
void publish(self_ptr self, std::vector<decision> ds, const caf::actor_addr& skip = {}) {
  for (auto& d : ds) {
    d.at = caf::make_timestamp();
    auto line = d.action + (d.target.empty() ? "" : " " + d.target) + " (" + d.trigger
                + "): " + d.reason;
    if (d.action == "suspend" || d.action == "emergency" || d.action == "stop")
      CONDUCTOR_LOG(warn, "scaler") << line;
    else
      CONDUCTOR_LOG(info, "scaler") << line;
    self->state.last = d;
    self->state.sinks.publish_except(self, d, skip);
  }
  share_state(self);
}

} // namespace

scaler_actor::behavior_type scaler(scaler_actor::stateful_pointer<scaler_state> self,
                                   scaler_settings settings, runtime_state restored) {
  answer_mailbox_queries(self);
  auto& st = self->state;
  st.settings = settings;
  st.engine = scaler_engine{std::move(settings)};
  // The memory of use is placed by how long ago it was read, in wall time:
  // the monotonic clock starts over when the machine does. Older than a
  // year (or a clock set back) is as good as never.
  double age_seconds = restored.demand.empty() ? 0 : unix_now() - restored.demand_saved;
  auto demand_age = std::chrono::duration_cast<std::chrono::nanoseconds>(
    std::chrono::duration<double>(
      std::isfinite(age_seconds) ? std::clamp(age_seconds, 0.0, 365 * 86400.0) : 0.0));
  st.resumed = st.engine.restore(restored, mono(self), demand_age);
  if (st.resumed)
    CONDUCTOR_LOG(info, "scaler") << st.resumed->reason;
  st.shared = st.engine.runtime();
  auto now = self->clock().now();
  st.next_evaluation = now + st.settings.evaluation_interval;
  arm(self, now);
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& st = self->state;
    st.sinks.remove(dm.source);
    st.keepers.remove(dm.source);
    st.durable.remove(dm.source);
  });
  return {
    [=](const resource_sample& sample) {
      self->state.engine.observe(sample);
      self->state.samples[sample.source] = sample;
    },
    [=](const forecast& fc) {
      self->state.engine.observe(fc);
      self->state.forecasts[{fc.source, fc.metric}] = fc;
    },
    [=](const health_event& e) { self->state.engine.observe(e); },
    [=](const breaker_transition& t) { self->state.engine.observe(t); },
    [=](const plugin_event& e) { self->state.engine.observe(e); },
    [=](const decision& d) { publish(self, self->state.engine.outcome(d, mono(self))); },
    [=](atom::evaluate) {
      auto& st = self->state;
      auto now = self->clock().now();
      if (now < st.next_evaluation)
        return; // a timer armed before an interval change
      while (st.next_evaluation <= now)
        st.next_evaluation += st.settings.evaluation_interval;
      arm(self, now);
      auto ds = st.engine.evaluate(now.time_since_epoch());
      read_demand(self, now);
      if (st.resumed) {
        ds.insert(ds.begin(), *st.resumed);
        st.resumed.reset();
      }
      publish(self, std::move(ds));
    },
    [=](atom::subscribe, decision_sink sink) {
      if (self->state.sinks.add(sink))
        self->monitor(sink);
    },
    [=](atom::subscribe, state_sink sink) {
      auto& st = self->state;
      if (!st.keepers.add(sink))
        return;
      self->monitor(sink);
      self->send(sink, stamped(st, st.shared));
    },
    [=](atom::update, scaler_settings settings) {
      auto& st = self->state;
      bool new_plan = settings.evaluation_interval != st.settings.evaluation_interval;
      st.settings = settings;
      st.engine.update_settings(std::move(settings));
      share_state(self);
      if (new_plan) {
        auto now = self->clock().now();
        st.next_evaluation = now + st.settings.evaluation_interval;
        arm(self, now);
      }
    },
    [=](atom::get, atom::scaler) { return self->state.engine.status(); },
    [=](atom::explain) { return self->state.engine.explanation(); },
    [=](const preflight_request& req) { return self->state.engine.preflight(req); },
    [=](atom::mode, const std::string& mode,
        const std::string& origin) -> caf::result<scaler_status> {
      if (mode != "enabled" && mode != "disabled" && mode != "manual")
        return caf::make_error(ec::invalid_argument,
                               "mode must be enabled, disabled or manual, not '" + mode + "'");
      auto& st = self->state;
      auto d = st.engine.set_mode(mode, origin);
      if (!st.durable) {
        publish(self, {d});
        return st.engine.status();
      }
      // The operator hears back once the audit row is committed
      // (audit_commit.hpp); the log has it, the other sinks hear of it after.
      d.at = caf::make_timestamp();
      auto log = *st.durable;
      auto rp = self->make_response_promise<scaler_status>();
      commit_then(self, log, d, [=](int64_t id, const std::string& note) mutable {
        if (id == 0)
          CONDUCTOR_LOG(warn, "scaler") << "mode change" << note;
        publish(self, {d}, log.address());
        rp.deliver(self->state.engine.status());
      });
      return rp;
    },
    [=](const scale_request& req) -> caf::result<decision> {
      auto& st = self->state;
      auto r = st.engine.manual_scale(req, mono(self));
      using refusal = scaler_engine::manual_scale_result::refusal;
      if (r.refused != refusal::none)
        return caf::make_error(r.refused == refusal::unknown_plugin ? ec::unknown_name
                               : r.refused == refusal::busy         ? ec::conflict
                                                                    : ec::invalid_argument,
                               r.error);
      auto resize = r.decisions.back();
      r.decisions.pop_back();
      publish(self, std::move(r.decisions)); // the switch to manual, if any
      resize.at = caf::make_timestamp();
      if (!st.durable) {
        publish(self, {resize});
        return resize;
      }
      // Committed first, so the operator gets the row's id and the plugin
      // manager never acts on a step the audit does not have.
      auto log = *st.durable;
      auto rp = self->make_response_promise<decision>();
      commit_then(self, log, resize, [=](int64_t id, const std::string& note) mutable {
        if (id == 0)
          CONDUCTOR_LOG(warn, "scaler") << "manual scale" << note;
        resize.id = id;
        publish(self, {resize}, log.address());
        rp.deliver(resize);
      });
      return rp;
    },
    [=](atom::get, atom::forecasts) {
      std::vector<forecast> out;
      for (const auto& [key, fc] : self->state.forecasts)
        out.push_back(fc);
      return out;
    },
    [=](atom::get, atom::samples) {
      std::vector<resource_sample> out;
      for (const auto& [source, sample] : self->state.samples)
        out.push_back(sample);
      return out;
    },
    [=](atom::subscribe, audit_log log) { self->state.durable.set(self, log); },
  };
}

} // namespace conductor

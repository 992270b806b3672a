#include "actors/supervisor/supervisor_actor.hpp"

#include <algorithm>
#include <memory>
#include <optional>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/spawn_options.hpp>
#include <caf/system_messages.hpp>

#include "actors/audit_commit.hpp"
#include "actors/health/health_actor.hpp"
#include "actors/logger.hpp"
#include "actors/metrics/metrics_actor.hpp"
#include "actors/persistence/persistence_actor.hpp"
#include "actors/plugins/plugin_manager_actor.hpp"
#include "actors/predictor/predictor_actor.hpp"
#include "actors/scaler/scaler_actor.hpp"

namespace conductor {

namespace {

using self_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

child_info& child(self_ptr self, const std::string& name) {
  auto& cs = self->state.children;
  return *std::find_if(cs.begin(), cs.end(), [&](const child_info& c) { return c.name == name; });
}

/// Spawns one child with the current settings and monitors it.
void spawn_child(self_ptr self, const std::string& name) {
  auto& st = self->state;
  auto* families = &st.deps.metrics->families;
  if (name == "persistence") {
    st.persistence = st.deps.detach_blocking
                       ? self->spawn<caf::detached>(persistence, st.settings.persistence, families,
                                                    write_queue::limits{})
                       : self->spawn(persistence, st.settings.persistence, families,
                                     write_queue::limits{});
    self->monitor(st.persistence);
  } else if (name == "metrics") {
    st.metrics = self->spawn(metrics, families);
    self->monitor(st.metrics);
  } else if (name == "scaler") {
    st.scaler = self->spawn(scaler, st.settings.scaler, st.runtime);
    self->monitor(st.scaler);
  } else if (name == "predictor") {
    st.predictor = self->spawn(predictor, st.settings.predictor);
    self->monitor(st.predictor);
  } else if (name == "health") {
    st.health = self->spawn(health_checker, st.settings.health, st.deps.make_check_runner,
                            families);
    self->monitor(st.health);
  } else if (name == "plugins") {
    st.plugins = self->spawn(plugin_manager, st.settings.plugins, st.deps.cgroups,
                             st.deps.make_process_runner, st.runtime);
    self->monitor(st.plugins);
  } else if (name == "collector") {
    st.collector = self->spawn(collector, st.settings.collector, st.deps.make_probe, families);
    self->monitor(st.collector);
  }
  child(self, name).running = true;
}

/// Sends every subscription. Publishers ignore one they already have, so this
/// is the whole re-wiring after any restart.
void wire(self_ptr self) {
  auto& st = self->state;
  for (sample_sink s : {sample_sink{st.predictor}, sample_sink{st.scaler},
                        sample_sink{st.persistence}, sample_sink{st.metrics},
                        sample_sink{st.health}})
    self->send(st.collector, atom::subscribe_v, s);
  for (forecast_sink s : {forecast_sink{st.scaler}, forecast_sink{st.metrics}})
    self->send(st.predictor, atom::subscribe_v, s);
  for (decision_sink s : {decision_sink{st.persistence}, decision_sink{st.metrics},
                          decision_sink{st.health}, decision_sink{st.plugins}})
    self->send(st.scaler, atom::subscribe_v, s);
  self->send(st.health, atom::subscribe_v, health_sink{st.scaler});
  for (breaker_sink s : {breaker_sink{st.persistence}, breaker_sink{st.metrics}})
    self->send(st.health, atom::subscribe_v, s);
  for (state_sink s : {state_sink{st.persistence}, caf::actor_cast<state_sink>(self)})
    self->send(st.scaler, atom::subscribe_v, s);
  for (plugin_sink s : {plugin_sink{st.health}, plugin_sink{st.metrics}, plugin_sink{st.scaler},
                        plugin_sink{st.persistence}})
    self->send(st.plugins, atom::subscribe_v, s);
  // Outcomes and operators' commands: committed to the audit log, then reported.
  self->send(st.plugins, atom::subscribe_v, audit_log{st.persistence});
  self->send(st.scaler, atom::subscribe_v, audit_log{st.persistence});
  for (decision_sink s : {decision_sink{st.metrics}, decision_sink{st.scaler}})
    self->send(st.plugins, atom::subscribe_v, s);
  if (auto ev = st.deps.events) {
    self->send(st.scaler, atom::subscribe_v, decision_sink{ev});
    self->send(st.plugins, atom::subscribe_v, decision_sink{ev});
    self->send(st.plugins, atom::subscribe_v, plugin_sink{ev});
    self->send(st.health, atom::subscribe_v, breaker_sink{ev});
  }
  // Once its sinks are subscribed (a no-op for a plugin manager that started).
  self->send(st.plugins, atom::start_v);
}

/// The child whose handle has this address, or "" if none.
std::string child_name(self_ptr self, const caf::actor_addr& addr) {
  auto& st = self->state;
  if (addr == st.collector.address())
    return "collector";
  if (addr == st.predictor.address())
    return "predictor";
  if (addr == st.scaler.address())
    return "scaler";
  if (addr == st.persistence.address())
    return "persistence";
  if (addr == st.metrics.address())
    return "metrics";
  if (addr == st.health.address())
    return "health";
  if (addr == st.plugins.address())
    return "plugins";
  return "";
}

/// The handle of the child called `name`, untyped (for its mailbox query).
caf::actor handle_of(self_ptr self, const std::string& name) {
  auto& st = self->state;
  auto any = [](const auto& hdl) { return caf::actor_cast<caf::actor>(hdl); };
  if (name == "collector")
    return any(st.collector);
  if (name == "predictor")
    return any(st.predictor);
  if (name == "scaler")
    return any(st.scaler);
  if (name == "persistence")
    return any(st.persistence);
  if (name == "metrics")
    return any(st.metrics);
  if (name == "health")
    return any(st.health);
  return any(st.plugins);
}

/// How long a child may take to say how full its mailbox is; one that is
/// busier than that is shown with the count it had last time.
constexpr auto mailbox_query_timeout = std::chrono::seconds(1);

/// The children with their mailbox sizes, each asked (mailbox_probe.hpp).
caf::result<std::vector<child_info>> children_with_mailboxes(self_ptr self) {
  auto rp = self->make_response_promise<std::vector<child_info>>();
  auto pending = std::make_shared<size_t>(0);
  auto& children = self->state.children;
  for (size_t i = 0; i < children.size(); ++i) {
    if (!children[i].running)
      continue;
    ++*pending;
    auto done = [=](std::optional<uint64_t> n) mutable {
      auto& cs = self->state.children;
      if (n && i < cs.size())
        cs[i].mailbox = *n;
      if (--*pending == 0)
        rp.deliver(cs);
    };
    self->request(handle_of(self, children[i].name), mailbox_query_timeout, atom::get_v,
                  atom::mailbox_v)
      .then([=](uint64_t n) mutable { done(n); }, [=](caf::error&) mutable { done(std::nullopt); });
  }
  if (*pending == 0)
    rp.deliver(children);
  return rp;
}

/// Answers the fault drills waiting for `name`: with the restarted child, or
/// with `err` when it was not restarted.
void answer_drills(self_ptr self, const std::string& name, const caf::error& err = {}) {
  auto i = self->state.drills.find(name);
  if (i == self->state.drills.end())
    return;
  auto waiting = std::move(i->second);
  self->state.drills.erase(i);
  for (auto& rp : waiting)
    if (err)
      rp.deliver(err);
    else
      rp.deliver(child(self, name));
}

/// An operator's fault drill: audited first (a drill on the persistence actor
/// must not lose its own row), then the child is told to throw; the answer
/// waits for the restart (on_child_down).
caf::result<child_info> fault_drill(self_ptr self, const std::string& name,
                                    const std::string& origin) {
  const auto& names = supervised_children();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string known;
    for (const auto& n : names)
      known += (known.empty() ? "" : ", ") + n;
    return caf::make_error(ec::unknown_name, "no actor " + name + " (one of " + known + ")");
  }
  if (self->state.stopping)
    return caf::make_error(ec::unavailable, "the node is stopping");
  auto rp = self->make_response_promise<child_info>();
  self->state.drills[name].push_back(rp);
  decision d;
  d.at = caf::make_timestamp();
  d.action = "fault_drill";
  d.target = name;
  d.trigger = "operator";
  d.reason = "fault drill: " + name + " made to crash by " + origin
             + "; the supervisor restarts it";
  d.status = "applied";
  d.origin = origin;
  CONDUCTOR_LOG(warn, "supervisor") << "fault drill: crashing " << name << " as asked by "
                                    << origin;
  commit_then(self, audit_log{self->state.persistence}, d,
              [=](int64_t id, const std::string& note) {
                if (id == 0)
                  CONDUCTOR_LOG(warn, "supervisor") << "fault drill on " << name << note;
                if (self->state.stopping)
                  return; // answered by begin_stop
                // Untyped, as the drill is no part of any child's interface.
                caf::anon_send(handle_of(self, name), atom::fault_v, origin);
              });
  return rp;
}

/// Asks every running child to stop; the supervisor quits with `reason` once
/// the last one is down.
void begin_stop(self_ptr self, caf::error reason) {
  auto& st = self->state;
  if (st.stopping)
    return;
  st.stopping = true;
  std::vector<std::string> drilled;
  for (const auto& [name, waiting] : st.drills)
    drilled.push_back(name);
  for (const auto& name : drilled)
    answer_drills(self, name, caf::make_error(ec::unavailable, "the node is stopping"));
  st.stop_reason = std::move(reason);
  auto stop = [&](const auto& hdl) {
    if (hdl)
      self->send_exit(hdl, caf::exit_reason::user_shutdown);
  };
  // Producers first, so the consumers see their last messages.
  stop(st.collector);
  stop(st.health);
  stop(st.plugins);
  stop(st.predictor);
  stop(st.scaler);
  stop(st.metrics);
  stop(st.persistence);
  auto running = std::count_if(st.children.begin(), st.children.end(),
                               [](const child_info& c) { return c.running; });
  if (running == 0)
    self->quit(st.stop_reason);
}

void on_child_down(self_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto name = child_name(self, dm.source);
  if (name.empty())
    return;
  auto& info = child(self, name);
  info.running = false;
  info.last_exit = to_string(dm.reason);
  if (st.stopping) {
    if (std::none_of(st.children.begin(), st.children.end(),
                     [](const child_info& c) { return c.running; }))
      self->quit(st.stop_reason);
    return;
  }
  auto now = self->clock().now().time_since_epoch();
  if (!st.intensity.at(name).allow(now)) {
    CONDUCTOR_LOG(error, "supervisor")
      << name << " crashed more than " << st.deps.max_restarts << " times within "
      << std::chrono::duration<double>(st.deps.restart_window).count()
      << "s (last: " << info.last_exit << "); stopping the node";
    answer_drills(self, name,
                  caf::make_error(ec::restart_intensity,
                                  name + " crashed more than "
                                    + std::to_string(st.deps.max_restarts)
                                    + " times within the restart window; the node stops"));
    begin_stop(self, caf::make_error(ec::restart_intensity, name));
    return;
  }
  CONDUCTOR_LOG(warn, "supervisor") << name << " stopped unexpectedly (" << info.last_exit
                                    << "); restarting it";
  ++info.restarts;
  st.deps.metrics->families.actor_restarts.add({{"actor", name}}).increment();
  spawn_child(self, name);
  wire(self);
  answer_drills(self, name);
}

} // namespace

const std::vector<std::string>& supervised_children() {
  static const std::vector<std::string> names{"persistence", "metrics", "scaler", "predictor",
                                              "health",      "plugins", "collector"};
  return names;
}

supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self, node_settings settings,
           supervisor_deps deps) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.deps = std::move(deps);
  st.runtime = st.deps.restored;
  for (const auto& name : supervised_children()) {
    st.children.push_back(child_info{name, false, 0, "", 0});
    st.intensity.emplace(name, restart_intensity{st.deps.max_restarts, st.deps.restart_window});
  }
  for (const auto& name : supervised_children())
    spawn_child(self, name);
  wire(self);
  self->set_down_handler([=](const caf::down_msg& dm) { on_child_down(self, dm); });
  self->set_exit_handler([=](const caf::exit_msg& msg) { begin_stop(self, msg.reason); });
  return {
    [=](atom::get, atom::children) { return children_with_mailboxes(self); },
    [=](atom::get, atom::plugins) {
      return self->delegate(self->state.plugins, atom::get_v, atom::plugins_v);
    },
    [=](const runtime_state& s) { self->state.runtime = s; },
    [=](atom::update, node_settings settings) {
      auto& st = self->state;
      if (settings.plugins != st.settings.plugins)
        CONDUCTOR_LOG(warn, "supervisor")
          << "plugin changes take effect when conductor restarts (plugins keep running as they are)";
      st.settings = std::move(settings);
      self->send(st.collector, atom::update_v, st.settings.collector);
      self->send(st.predictor, atom::update_v, st.settings.predictor);
      self->send(st.scaler, atom::update_v, st.settings.scaler);
      self->send(st.persistence, atom::update_v, st.settings.persistence);
      self->send(st.health, atom::update_v, st.settings.health);
      CONDUCTOR_LOG(info, "supervisor") << "settings applied";
    },
    // Operators' health commands go to the health actor of the moment (a
    // restarted one has a new handle), which answers the requester directly.
    [=](atom::get, atom::health) {
      return self->delegate(self->state.health, atom::get_v, atom::health_v);
    },
    [=](atom::open, const std::string& target, const std::string& reason) {
      return self->delegate(self->state.health, atom::open_v, target, reason);
    },
    [=](atom::close, const std::string& target, const std::string& reason) {
      return self->delegate(self->state.health, atom::close_v, target, reason);
    },
    [=](atom::reset, const std::string& target, const std::string& by) {
      return self->delegate(self->state.health, atom::reset_v, target, by);
    },
    // Operators' scaler commands go to the scaler of the moment, likewise.
    [=](atom::get, atom::scaler) {
      return self->delegate(self->state.scaler, atom::get_v, atom::scaler_v);
    },
    [=](atom::explain) { return self->delegate(self->state.scaler, atom::explain_v); },
    [=](const preflight_request& req) { return self->delegate(self->state.scaler, req); },
    [=](atom::mode, const std::string& mode, const std::string& origin) {
      return self->delegate(self->state.scaler, atom::mode_v, mode, origin);
    },
    [=](const scale_request& req) { return self->delegate(self->state.scaler, req); },
    [=](atom::get, atom::forecasts) {
      return self->delegate(self->state.scaler, atom::get_v, atom::forecasts_v);
    },
    [=](atom::get, atom::samples) {
      return self->delegate(self->state.scaler, atom::get_v, atom::samples_v);
    },
    // Operators' plugin commands go to the plugin manager of the moment.
    [=](atom::enable, const std::string& name, const std::string& origin) {
      return self->delegate(self->state.plugins, atom::enable_v, name, origin);
    },
    [=](atom::disable, const std::string& name, const std::string& origin) {
      return self->delegate(self->state.plugins, atom::disable_v, name, origin);
    },
    [=](atom::restart, const std::string& name, const std::string& origin) {
      return self->delegate(self->state.plugins, atom::restart_v, name, origin);
    },
    // Audit rows from outside the children (the config keeper's changes).
    [=](atom::audit, const decision& d) {
      return self->delegate(self->state.persistence, atom::audit_v, d);
    },
    // Reads of the database go to the persistence actor of the moment.
    [=](const history_request& q) { return self->delegate(self->state.persistence, q); },
    [=](const metric_range_request& q) { return self->delegate(self->state.persistence, q); },
    [=](atom::fault, const std::string& name, const std::string& origin) {
      return fault_drill(self, name, origin);
    },
  };
}

} // namespace conductor

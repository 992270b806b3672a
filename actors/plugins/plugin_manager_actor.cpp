#include "actors/plugins/plugin_manager_actor.hpp"

#include <signal.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "actors/audit_commit.hpp"
#include "actors/logger.hpp"
#include "actors/mailbox_probe.hpp"
#include "actors/plugins/cgroup_limits.hpp"
#include "actors/plugins/plugin_cgroup.hpp"
#include "actors/proc_file.hpp"

namespace conductor {

namespace {

using self_ptr = plugin_manager_actor::stateful_pointer<plugin_manager_state>;
using duration = std::chrono::nanoseconds;

duration mono(self_ptr self) {
  return self->clock().now().time_since_epoch();
}

/// The drain signals the config accepts.
int signal_number(const std::string& name) {
  static const std::pair<const char*, int> known[]
    = {{"SIGTERM", SIGTERM}, {"SIGINT", SIGINT},   {"SIGHUP", SIGHUP},
       {"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2}, {"SIGQUIT", SIGQUIT}};
  for (auto& [n, v] : known)
    if (name == n)
      return v;
  return 0;
}

lifecycle_settings lifecycle_of(const plugin_settings& p) {
  lifecycle_settings s;
  s.start_retries = p.start_retries;
  s.drain_signal = signal_number(p.drain_signal);
  s.drain_url = p.drain_url;
  s.grace = p.grace;
  return s;
}

plugin_event event_of(const managed_plugin& p, std::string reason) {
  auto variant = p.variant < p.settings.variants.size() ? p.settings.variants[p.variant].name
                                                         : std::string{};
  return {p.settings.name, to_string(p.lifecycle.state()), static_cast<int32_t>(p.pid),
          std::move(reason), caf::make_timestamp(), std::move(variant)};
}

void publish(self_ptr self, const managed_plugin& p, const std::string& reason) {
  auto e = event_of(p, reason);
  CONDUCTOR_LOG(info, "plugins") << e.plugin << ": " << e.state << " (" << reason << ")";
  self->state.sinks.publish(self, e);
}

/// One timer for the earliest lifecycle deadline.
void arm(self_ptr self) {
  auto& st = self->state;
  std::optional<duration> next;
  for (auto& p : st.plugins)
    if (auto d = p.lifecycle.deadline(); d && (!next || *d < *next))
      next = d;
  if (next)
    st.timer.arm(self, caf::actor_clock::time_point{*next});
}

/// The node is stopping and every process is gone: their cgroups go too
/// (the shared parent only if nothing else is in it), then the actor.
void quit_if_done(self_ptr self) {
  auto& st = self->state;
  if (!st.stop_reason)
    return;
  if (!std::all_of(st.plugins.begin(), st.plugins.end(),
                   [](const managed_plugin& p) { return p.pid == 0; }))
    return;
  if (st.layout) {
    for (const auto& p : st.plugins)
      if (!p.cgroup.empty())
        if (auto err = remove_plugin_cgroup(*st.layout, p.cgroup); !err.empty())
          CONDUCTOR_LOG(warn, "plugins") << p.settings.name << ": " << err;
    // Only a root conductor made itself ("auto"); an operator's stays.
    if (st.settings.cgroup_root == "auto" && !st.plugins.empty()
        && !st.plugins.front().cgroup.empty()) {
      const auto& c = st.plugins.front().cgroup;
      remove_plugin_cgroup(*st.layout, c.substr(0, c.rfind('/')));
    }
  }
  self->quit(*st.stop_reason);
}

/// The cgroup before a start: made if missing, emptied of anything a
/// previous node (killed without stopping its plugins) left running there.
/// Returns its cgroup.procs files for the spawn; none when it cannot be made
/// (not root, a read-only cgroupfs): the plugin then runs without one rather
/// than not at all, and the log says why.
std::vector<std::string> prepare_cgroup(self_ptr self, managed_plugin& p) {
  auto& st = self->state;
  if (!st.layout || p.cgroup.empty())
    return {};
  if (auto err = create_plugin_cgroup(*st.layout, p.cgroup); !err.empty()) {
    CONDUCTOR_LOG(error, "plugins") << p.settings.name << " runs without its cgroup: " << err;
    return {};
  }
  auto procs = plugin_cgroup_procs(*st.layout, p.cgroup);
  std::string text;
  if (procs.empty() || read_whole_file(procs.front(), text) != 0)
    return procs;
  size_t killed = 0;
  for (size_t pos = 0; pos < text.size();) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos)
      end = text.size();
    auto pid = std::atoi(text.substr(pos, end - pos).c_str());
    if (pid > 0 && ::kill(pid, SIGKILL) == 0)
      ++killed;
    pos = end + 1;
  }
  if (killed > 0)
    CONDUCTOR_LOG(warn, "plugins") << p.settings.name << ": killed " << killed
                                   << " process(es) left in its cgroup by an earlier run";
  return procs;
}

/// Writes the limits set in `want` (0 = leave as is) as one change: all or
/// nothing. On success they are the plugin's limits in force.
limit_change write_limits(self_ptr self, managed_plugin& p, const limit_values& want) {
  auto& st = self->state;
  config::limit_set limits;
  if (want.cpu_quota > 0)
    limits.cpu_quota = want.cpu_quota;
  if (want.memory_max > 0)
    limits.memory_max = want.memory_max;
  if (want.tasks_max > 0)
    limits.tasks_max = want.tasks_max;
  limit_change change;
  if (!limits.cpu_quota && !limits.memory_max && !limits.tasks_max)
    change.ok = true;
  else if (!st.layout || p.cgroup.empty())
    change.error = "no cgroups on this host";
  // The configured limits are written before the first start: the cgroup
  // is made here if the plugin never ran.
  else if (auto err = create_plugin_cgroup(*st.layout, p.cgroup); !err.empty())
    change.error = err;
  else
    change = cgroup_limits{*st.layout, p.cgroup}.apply(limits);
  if (change.ok)
    lay_over(p.limits, want);
  return change;
}

/// What a change did, in words: the writes made or, on failure, why and
/// what was rolled back.
std::string describe(const limit_change& change) {
  std::string applied;
  for (const auto& w : change.written)
    applied += (applied.empty() ? "" : ", ") + w;
  if (change.ok)
    return applied.empty() ? "no limits to write" : "limits applied: " + applied;
  auto out = "limits not applied: " + change.error
             + (applied.empty() ? "" : "; rolled back: " + applied);
  if (!change.restore_errors.empty())
    out += "; rollback incomplete: " + change.restore_errors.front();
  return out;
}

std::string limits_json(const limit_values& l) {
  return "{\"cpu_quota\":" + std::to_string(l.cpu_quota) + ",\"memory_max\":"
         + std::to_string(l.memory_max) + ",\"tasks_max\":" + std::to_string(l.tasks_max) + "}";
}

/// Reports an outcome done: committed to the durable audit log first (when
/// one is subscribed; audit_commit.hpp), then logged and sent to the
/// decision sinks.
void report_done(self_ptr self, decision d, bool ok, std::string line) {
  d.origin = d.origin.empty() ? "plugins" : d.origin;
  auto done = [self, d, ok, line](int64_t, const std::string& audit_note) {
    if (ok)
      CONDUCTOR_LOG(info, "plugins") << line << audit_note;
    else
      CONDUCTOR_LOG(error, "plugins") << line << audit_note;
    self->state.audit.publish(self, d);
  };
  if (self->state.durable)
    commit_then(self, *self->state.durable, d, done);
  else
    done(0, "");
}

/// The limits a plugin starts with: its variant's, and over them any the
/// scaler had set before a restart.
limit_values start_limits(self_ptr self, const managed_plugin& p) {
  auto want = limits_of(p.settings, p.variant);
  for (const auto& l : self->state.restored.limits)
    if (l.plugin == p.settings.name)
      lay_over(want, l.limits);
  return want;
}

/// The configured limits (of the variant it starts on), applied once before
/// the first start; the outcome goes to the audit.
void apply_configured_limits(self_ptr self, managed_plugin& p) {
  auto want = start_limits(self, p);
  if (want.cpu_quota <= 0 && want.memory_max == 0 && want.tasks_max == 0)
    return;
  auto change = write_limits(self, p, want);
  auto reason = describe(change);
  decision d;
  d.at = caf::make_timestamp();
  d.action = change.ok ? "limits" : "limits_failed";
  d.target = p.settings.name;
  d.trigger = "config";
  d.reason = reason;
  d.inputs = limits_json(want);
  d.status = change.ok ? "applied" : "failed";
  d.error = change.ok ? "" : change.error;
  d.new_limits = want;
  d.origin = "config";
  report_done(self, std::move(d), change.ok, p.settings.name + ": " + reason);
}

/// The outcome of a step of the scaler, to the audit (and so to the scaler).
void report(self_ptr self, const managed_plugin& p, decision d, bool ok, std::string detail) {
  d.at = caf::make_timestamp();
  d.status = ok ? "applied" : "failed";
  if (!ok)
    d.error = detail;
  if (ok && !detail.empty())
    d.reason += "; " + detail;
  auto line = p.settings.name + ": " + d.action + (ok ? " applied" : " failed: " + detail);
  report_done(self, std::move(d), ok, std::move(line));
}

void run_actions(self_ptr self, managed_plugin& p, const std::vector<plugin_action>& actions);

void spawn(self_ptr self, managed_plugin& p) {
  auto& st = self->state;
  plugin_spawn req;
  req.argv = command_of(p.settings, p.variant);
  req.env = p.settings.env;
  req.working_dir = p.settings.working_dir;
  req.cgroup_procs = prepare_cgroup(self, p);
  if (!st.settings.log_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(st.settings.log_dir, ec);
    req.log_file = st.settings.log_dir + "/" + p.settings.name + ".log";
  }
  pid_t pid = 0;
  auto err = st.runner->start(req, pid);
  auto now = mono(self);
  if (err.empty()) {
    p.pid = pid;
    p.lifecycle.spawned(now);
    publish(self, p, "started, pid " + std::to_string(pid));
    return;
  }
  run_actions(self, p, p.lifecycle.spawn_failed(now, err));
  publish(self, p, p.lifecycle.reason());
}

void run_actions(self_ptr self, managed_plugin& p, const std::vector<plugin_action>& actions) {
  auto& st = self->state;
  for (const auto& a : actions) {
    switch (a.kind) {
      case plugin_action::spawn:
        spawn(self, p);
        break;
      case plugin_action::signal:
        if (p.pid > 0)
          st.runner->signal(p.pid, a.signo);
        break;
      case plugin_action::call_drain_url:
        st.runner->call_drain_url(p.settings.name, p.settings.drain_url);
        break;
    }
  }
}

/// The index of the variant called `name`, if the plugin has one.
std::optional<size_t> variant_index(const managed_plugin& p, const std::string& name) {
  for (size_t i = 0; i < p.settings.variants.size(); ++i)
    if (p.settings.variants[i].name == name)
      return i;
  return std::nullopt;
}

/// Switches to `next` while no process runs: its limits first (all or
/// nothing), then its start. False (and the old variant kept) when the limits
/// could not be applied.
bool switch_variant(self_ptr self, managed_plugin& p, size_t next, std::string& detail) {
  auto change = write_limits(self, p, limits_of(p.settings, next));
  detail = describe(change);
  if (!change.ok)
    return false;
  p.variant = next;
  return true;
}

/// A step's end state was reached (or can no longer be): its outcome.
void settle(self_ptr self, managed_plugin& p) {
  if (!p.step)
    return;
  auto state = p.lifecycle.state();
  const auto action = p.step->action;
  auto done = [&](bool ok, std::string detail) {
    auto d = std::move(*p.step);
    p.step.reset();
    p.next_variant.reset();
    report(self, p, std::move(d), ok, std::move(detail));
  };
  if (self->state.stop_reason) {
    // Never start a variant while the node stops: it would outlive it.
    done(false, "the node stops");
    return;
  }
  if (state == plugin_state::failed) {
    done(false, "the plugin failed: " + p.lifecycle.reason());
    return;
  }
  if (action == "restart") {
    // Stopped for the restart: started again on its variant, with the
    // limits it has now (an operator's manual scale stays).
    if (p.next_variant && state == plugin_state::stopped) {
      p.next_variant.reset();
      run_actions(self, p, p.lifecycle.start(mono(self)));
      state = p.lifecycle.state();
    }
    if (!p.next_variant && state == plugin_state::running)
      done(true, "running again");
  } else if (action == "variant") {
    if (p.next_variant && (state == plugin_state::stopped)) {
      std::string detail;
      bool ok = switch_variant(self, p, *p.next_variant, detail);
      p.next_variant.reset();
      if (!ok) {
        // All or nothing: the old variant comes back.
        run_actions(self, p, p.lifecycle.start(mono(self)));
        done(false, detail + "; the previous variant was started again");
        return;
      }
      p.step->reason += "; " + detail;
      run_actions(self, p, p.lifecycle.start(mono(self)));
      state = p.lifecycle.state();
    }
    if (!p.next_variant && state == plugin_state::running)
      done(true, "running variant " + p.settings.variants[p.variant].name);
  } else if (action == "disable" || action == "stop") {
    if (state == plugin_state::disabled)
      done(true, "");
  } else if (action == "enable") {
    if (state == plugin_state::running)
      done(true, "running");
  }
}

/// Carries out a step of the scaler on `p`.
void begin_step(self_ptr self, managed_plugin& p, const decision& d) {
  auto now = mono(self);
  auto state = p.lifecycle.state();
  if (p.step) {
    // A newer step replaces one still under way (an emergency overtakes a
    // drain); the old one is reported as superseded.
    auto old = std::move(*p.step);
    p.step.reset();
    p.next_variant.reset();
    report(self, p, std::move(old), false, "superseded by " + d.action);
  }
  if (d.action == "resize" || d.action == "revert") {
    auto out = d;
    out.old_limits = p.limits;
    auto change = write_limits(self, p, d.new_limits);
    report(self, p, std::move(out), change.ok, describe(change));
    return;
  }
  p.step = d;
  if (d.action == "variant") {
    auto next = variant_index(p, d.variant);
    if (!next) {
      p.step.reset();
      report(self, p, d, false, "no variant called '" + d.variant + "'");
      return;
    }
    if (*next == p.variant && state == plugin_state::running) {
      settle(self, p);
      return;
    }
    if (state == plugin_state::disabled) {
      // Not running: the variant is simply the one it will start on.
      std::string detail;
      bool ok = switch_variant(self, p, *next, detail);
      p.step.reset();
      report(self, p, d, ok, detail);
      return;
    }
    p.next_variant = *next;
    if (state == plugin_state::stopped || state == plugin_state::failed)
      settle(self, p);
    else
      run_actions(self, p, p.lifecycle.stop(now));
  } else if (d.action == "restart") {
    // Stop, then (settle) start again; next_variant marks the start to come.
    if (state == plugin_state::running || state == plugin_state::starting) {
      p.next_variant = p.variant;
      run_actions(self, p, p.lifecycle.stop(now));
    } else {
      run_actions(self, p, p.lifecycle.start(now)); // stopped or failed: start again
    }
  } else if (d.action == "disable") {
    run_actions(self, p, p.lifecycle.disable(now));
  } else if (d.action == "stop") {
    run_actions(self, p, p.lifecycle.kill_and_disable(now));
  } else if (d.action == "enable") {
    if (!d.variant.empty()) {
      if (auto v = variant_index(p, d.variant); v && *v != p.variant) {
        std::string detail;
        if (!switch_variant(self, p, *v, detail)) {
          p.step.reset();
          report(self, p, d, false, detail);
          return;
        }
      }
    }
    p.lifecycle.enable();
    run_actions(self, p, p.lifecycle.start(now));
  } else {
    p.step.reset();
    return; // not a plugin step
  }
  if (p.lifecycle.state() != state)
    publish(self, p, d.action + " by " + (d.origin.empty() ? "the scaler" : d.origin) + ": "
                       + d.reason);
  settle(self, p);
  arm(self);
}

/// Why an operator's `action` does not fit `state`, or "" when it does.
std::string conflict_of(const std::string& action, plugin_state state) {
  bool off = state == plugin_state::disabled;
  if (action == "enable" && !off)
    return "it is " + std::string{to_string(state)} + ", not disabled";
  if ((action == "disable" || action == "restart") && off)
    return "it is disabled (enable it instead)";
  return "";
}

/// An operator's enable, disable or restart: audited as decided (with its
/// origin), then begun like a scaler's step; answered with the plugin's state.
caf::result<plugin_event> operator_step(self_ptr self, const std::string& action,
                                        const std::string& name, const std::string& origin) {
  auto& st = self->state;
  auto i = std::find_if(st.plugins.begin(), st.plugins.end(),
                        [&](const managed_plugin& p) { return p.settings.name == name; });
  if (i == st.plugins.end())
    return caf::make_error(ec::unknown_name, "no plugin called '" + name + "'");
  if (st.stop_reason)
    return caf::make_error(ec::conflict, "the node is stopping");
  if (auto why = conflict_of(action, i->lifecycle.state()); !why.empty())
    return caf::make_error(ec::conflict, "cannot " + action + " " + name + ": " + why);
  decision d;
  d.at = caf::make_timestamp();
  d.action = action;
  d.target = name;
  d.trigger = "operator";
  d.reason = action + " asked by " + origin;
  d.status = "decided";
  d.origin = origin;
  auto rp = self->make_response_promise<plugin_event>();
  auto begin = [self, d, rp](int64_t, const std::string& note) mutable {
    CONDUCTOR_LOG(info, "plugins") << d.target << ": " << d.reason << note;
    auto& plugins = self->state.plugins;
    auto p = std::find_if(plugins.begin(), plugins.end(),
                          [&](const managed_plugin& x) { return x.settings.name == d.target; });
    begin_step(self, *p, d);
    rp.deliver(event_of(*p, p->lifecycle.reason()));
  };
  if (st.durable)
    commit_then(self, *st.durable, d, begin);
  else
    begin(0, "");
  return rp;
}

/// The node stops: SIGTERM to all, SIGKILL after the limit, then quit.
void begin_stop(self_ptr self, caf::error reason) {
  auto& st = self->state;
  if (st.stop_reason)
    return;
  st.stop_reason = std::move(reason);
  auto now = mono(self);
  for (auto& p : st.plugins) {
    auto before = p.lifecycle.state();
    run_actions(self, p, p.lifecycle.terminate(now, plugin_stop_limit));
    if (p.lifecycle.state() != before)
      publish(self, p, "the node stops");
  }
  arm(self);
  quit_if_done(self);
}

} // namespace

plugin_manager_actor::behavior_type
plugin_manager(plugin_manager_actor::stateful_pointer<plugin_manager_state> self,
               plugins_settings settings, std::optional<cgroup_layout> layout,
               process_runner_factory make_runner, runtime_state restored) {
  answer_mailbox_queries(self);
  auto& st = self->state;
  st.settings = std::move(settings);
  st.restored = std::move(restored);
  std::string root;
  if (layout) {
    std::string error;
    if (auto rel = relative_cgroup_root(*layout, st.settings.cgroup_root, error)) {
      st.layout = std::move(layout);
      root = *rel;
    } else if (!st.settings.plugins.empty()) {
      CONDUCTOR_LOG(error, "plugins") << "plugins run without cgroups: " << error;
    }
  }
  // Most important first: they start first and are stopped last.
  auto ordered = st.settings.plugins;
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const plugin_settings& a, const plugin_settings& b) {
                     return a.priority > b.priority;
                   });
  for (auto& s : ordered) {
    managed_plugin p{s, plugin_lifecycle{lifecycle_of(s)}};
    p.cgroup = st.layout ? root + "/" + s.name : std::string{};
    st.plugins.push_back(std::move(p));
  }
  if (!st.plugins.empty()) {
    auto weak = caf::actor_cast<caf::weak_actor_ptr>(self->ctrl());
    st.runner = make_runner([weak](pid_t pid, std::string status) {
      if (auto strong = weak.lock())
        caf::anon_send(caf::actor_cast<plugin_manager_actor>(strong),
                       plugin_exit{static_cast<int32_t>(pid), std::move(status)});
    });
  }
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& st = self->state;
    st.sinks.remove(dm.source);
    st.audit.remove(dm.source);
    st.durable.remove(dm.source);
  });
  self->set_exit_handler([=](const caf::exit_msg& msg) { begin_stop(self, msg.reason); });
  return {
    [=](atom::start) {
      auto& st = self->state;
      if (st.started || st.stop_reason)
        return;
      st.started = true;
      for (auto& p : st.plugins) {
        // Where the scaler had left it before a restart: the newest step for
        // this plugin says which variant it ran, or that it was disabled.
        const runtime_step* step = nullptr;
        for (const auto& s : st.restored.steps)
          if (s.plugin == p.settings.name)
            step = &s;
        if (step && step->kind == "variant")
          if (auto v = variant_index(p, step->variant))
            p.variant = *v;
        apply_configured_limits(self, p);
        if (step && step->kind == "disable") {
          run_actions(self, p, p.lifecycle.disable(mono(self)));
          publish(self, p, "kept disabled across the restart: " + step->reason);
          continue;
        }
        run_actions(self, p, p.lifecycle.start(mono(self)));
      }
      arm(self);
    },
    [=](atom::tick) {
      auto& st = self->state;
      auto now = mono(self);
      st.timer.fired(self->clock().now());
      for (auto& p : st.plugins) {
        auto before = p.lifecycle.state();
        auto actions = p.lifecycle.tick(now);
        run_actions(self, p, actions);
        if (p.lifecycle.state() != before && p.lifecycle.state() != plugin_state::running)
          publish(self, p, p.lifecycle.reason());
        settle(self, p);
      }
      arm(self);
    },
    [=](const plugin_exit& x) {
      auto& st = self->state;
      auto i = std::find_if(st.plugins.begin(), st.plugins.end(),
                            [&](const managed_plugin& p) { return p.pid == x.pid; });
      if (i == st.plugins.end())
        return;
      i->pid = 0;
      run_actions(self, *i, i->lifecycle.exited(mono(self), x.status));
      publish(self, *i, i->lifecycle.reason());
      settle(self, *i);
      arm(self);
      quit_if_done(self);
    },
    [=](atom::subscribe, plugin_sink sink) {
      if (!self->state.sinks.add(sink))
        return;
      self->monitor(sink);
      // A subscriber that restarted (the scaler, the health actor) learns
      // where every plugin stands, not only what changes from now on.
      if (self->state.started)
        for (const auto& p : self->state.plugins)
          self->send(sink, event_of(p, p.lifecycle.reason()));
    },
    [=](atom::subscribe, decision_sink sink) {
      if (self->state.audit.add(sink))
        self->monitor(sink);
    },
    [=](atom::subscribe, audit_log log) { self->state.durable.set(self, log); },
    [=](const decision& d) {
      auto& st = self->state;
      if (d.status != "decided" || d.target.empty() || st.stop_reason)
        return;
      auto i = std::find_if(st.plugins.begin(), st.plugins.end(),
                            [&](const managed_plugin& p) { return p.settings.name == d.target; });
      if (i == st.plugins.end()) {
        auto out = d;
        out.at = caf::make_timestamp();
        out.status = "failed";
        out.error = "no plugin called '" + d.target + "'";
        auto line = d.target + ": " + d.action + " failed: " + out.error;
        report_done(self, std::move(out), false, std::move(line));
        return;
      }
      begin_step(self, *i, d);
    },
    [=](atom::get, atom::plugins) {
      std::vector<plugin_event> out;
      for (const auto& p : self->state.plugins)
        out.push_back(event_of(p, p.lifecycle.reason()));
      return out;
    },
    [=](atom::enable, const std::string& name, const std::string& origin) {
      return operator_step(self, "enable", name, origin);
    },
    [=](atom::disable, const std::string& name, const std::string& origin) {
      return operator_step(self, "disable", name, origin);
    },
    [=](atom::restart, const std::string& name, const std::string& origin) {
      return operator_step(self, "restart", name, origin);
    },
  };
}

} // namespace conductor

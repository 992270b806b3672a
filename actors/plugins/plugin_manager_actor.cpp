#include "actors/plugins/plugin_manager_actor.hpp"

#include <signal.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "actors/logger.hpp"
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
  return {p.settings.name, to_string(p.lifecycle.state()), static_cast<int32_t>(p.pid),
          std::move(reason), caf::make_timestamp()};
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

/// The configured limits, applied once before the first start; the outcome
/// goes to the audit.
void apply_limits(self_ptr self, managed_plugin& p) {
  auto& st = self->state;
  const auto& s = p.settings;
  config::limit_set limits;
  if (s.cpu_quota > 0)
    limits.cpu_quota = s.cpu_quota;
  if (s.memory_max > 0)
    limits.memory_max = s.memory_max;
  if (s.tasks_max > 0)
    limits.tasks_max = s.tasks_max;
  if (!limits.cpu_quota && !limits.memory_max && !limits.tasks_max)
    return;
  limit_change change;
  if (!st.layout || p.cgroup.empty())
    change.error = "no cgroups on this host";
  else
    change = cgroup_limits{*st.layout, p.cgroup}.apply(limits);
  std::string applied;
  for (const auto& w : change.written)
    applied += (applied.empty() ? "" : ", ") + w;
  std::string reason = change.ok ? "limits applied: " + applied
                                 : "limits not applied: " + change.error
                                     + (applied.empty() ? "" : "; rolled back: " + applied);
  if (!change.restore_errors.empty())
    reason += "; rollback incomplete: " + change.restore_errors.front();
  auto inputs = "{\"cpu_quota\":" + std::to_string(s.cpu_quota) + ",\"memory_max\":"
                + std::to_string(s.memory_max) + ",\"tasks_max\":" + std::to_string(s.tasks_max)
                + "}";
  decision d{caf::make_timestamp(), change.ok ? "limits" : "limits_failed", s.name, "config",
             reason, inputs, "", 1};
  if (change.ok)
    CONDUCTOR_LOG(info, "plugins") << s.name << ": " << reason;
  else
    CONDUCTOR_LOG(error, "plugins") << s.name << ": " << reason;
  st.audit.publish(self, d);
}

void run_actions(self_ptr self, managed_plugin& p, const std::vector<plugin_action>& actions);

void spawn(self_ptr self, managed_plugin& p) {
  auto& st = self->state;
  plugin_spawn req;
  req.argv = p.settings.command;
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
               process_runner_factory make_runner) {
  auto& st = self->state;
  st.settings = std::move(settings);
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
    auto cgroup = st.layout ? root + "/" + s.name : std::string{};
    st.plugins.push_back(managed_plugin{s, plugin_lifecycle{lifecycle_of(s)}, 0, cgroup});
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
    self->state.sinks.remove(dm.source);
    self->state.audit.remove(dm.source);
  });
  self->set_exit_handler([=](const caf::exit_msg& msg) { begin_stop(self, msg.reason); });
  return {
    [=](atom::start) {
      auto& st = self->state;
      if (st.started || st.stop_reason)
        return;
      st.started = true;
      for (auto& p : st.plugins) {
        apply_limits(self, p);
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
      arm(self);
      quit_if_done(self);
    },
    [=](atom::subscribe, plugin_sink sink) {
      if (self->state.sinks.add(sink))
        self->monitor(sink);
    },
    [=](atom::subscribe, decision_sink sink) {
      if (self->state.audit.add(sink))
        self->monitor(sink);
    },
    [=](atom::get, atom::plugins) {
      std::vector<plugin_event> out;
      for (const auto& p : self->state.plugins)
        out.push_back(event_of(p, p.lifecycle.reason()));
      return out;
    },
  };
}

} // namespace conductor

#include "node/config_keeper.hpp"

#include <caf/event_based_actor.hpp>

#include "actors/audit_commit.hpp"
#include "actors/logger.hpp"
#include "api/json_views.hpp"
#include "config/loader.hpp"
#include "config/scaler_patch.hpp"
#include "replay/whatif.hpp"

namespace conductor {

namespace {

using nlohmann::json;
using self_ptr = config_keeper_actor::stateful_pointer<config_keeper_state>;

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

json percents(double cpu, double memory) {
  return {{"cpu", cpu}, {"memory", memory}};
}

/// Puts `next` in force: what only a restart changes stays as it is, so the
/// next comparison is against the truth.
void apply(self_ptr self, config::node_config next) {
  auto& running = self->state.running;
  if (next.http.listen != running.http.listen)
    CONDUCTOR_LOG(warn, "config") << "http.listen changed: takes effect after a restart";
  if (next.node.data_dir != running.node.data_dir)
    CONDUCTOR_LOG(warn, "config") << "node.data_dir changed: takes effect after a restart";
  if (next.persistence.path != running.persistence.path)
    CONDUCTOR_LOG(warn, "config") << "persistence.path changed: takes effect after a restart";
  if (next.inspect.listen != running.inspect.listen)
    CONDUCTOR_LOG(warn, "config") << "inspect.listen changed: takes effect after a restart";
  next.http = running.http;
  next.inspect = running.inspect;
  next.node.data_dir = running.node.data_dir;
  next.persistence.path = running.persistence.path;
  if (next.node.name.empty())
    next.node.name = running.node.name;
  log::configure(next.logging.level, next.logging.format);
  self->send(self->state.supervisor, atom::update_v, make_settings(next));
  running = std::move(next);
}

std::string config_json(self_ptr self) {
  auto& st = self->state;
  return json{{"file", st.path},
              {"scaler", config::scaler_as_written(st.file_text, st.changes)},
              {"runtime_changes", st.changes},
              {"in_force", scaler_in_force(make_settings(st.running).scaler)}}
    .dump();
}

/// Validates and applies `patch`, audits it as `action`, then calls
/// done(ok) with the error set when it was refused.
template <class Done>
void change(self_ptr self, const json& patch, const std::string& action, const std::string& origin,
            Done done) {
  auto& st = self->state;
  auto res = config::patch_scaler(st.file_text, st.path, st.changes, patch);
  if (!res.ok) {
    done(caf::make_error(ec::invalid_argument, res.error, res.field));
    return;
  }
  std::string what;
  for (const auto& k : res.keys) {
    auto v = patch;
    // The value as given, found along the dotted key below "scaler".
    for (size_t at = 7, dot; at <= k.size(); at = dot + 1) {
      dot = k.find('.', at);
      if (dot == std::string::npos)
        dot = k.size();
      v = v.is_object() ? v.value(k.substr(at, dot - at), json{}) : json{};
    }
    what += (what.empty() ? "" : ", ") + k + " = " + v.dump();
  }
  st.changes = std::move(res.changes);
  apply(self, std::move(res.config));
  decision d;
  d.at = caf::make_timestamp();
  d.action = action;
  d.target = "scaler";
  d.trigger = "operator";
  d.reason = what + " (by " + origin + "; until the next reload or restart)";
  d.status = "applied";
  d.origin = origin;
  d.policy = st.running.scaler.policy;
  CONDUCTOR_LOG(info, "config") << "run-time change: " << d.reason;
  commit_then(self, audit_log{st.supervisor}, d, [=](int64_t id, const std::string& note) mutable {
    if (id == 0)
      CONDUCTOR_LOG(warn, "config") << "run-time change" << note;
    done(caf::error{});
  });
}

/// A what-if on the node's own database with `running`, bounded, on a
/// worker of its own: it reads SQLite and replays for up to seconds, which
/// must not hold a scheduler thread (or this actor) meanwhile.
caf::result<std::string> whatif(self_ptr self, const std::string& plugin,
                                const std::string& since, const std::string& policy) {
  auto& st = self->state;
  replay::whatif_request req;
  req.plugin = plugin;
  req.policy = policy;
  std::string error;
  if (!replay::parse_whatif_since(since.empty() ? replay::node_whatif_default_since : since,
                                  req.since, error))
    return caf::make_error(ec::invalid_argument, "since: " + error, "since");
  // Nothing older than the retention is kept.
  auto retention = std::chrono::duration_cast<std::chrono::seconds>(
    st.running.persistence.retention);
  if (retention.count() > 0)
    req.since = std::min(req.since, retention);
  if (st.whatif_running)
    return caf::make_error(ec::unavailable,
                           "another what-if is running on this node: try again when it is done");
  req.config = st.running;
  req.db_path = config::database_path(st.running);
  req.max_rows = replay::node_whatif_max_rows;
  req.deadline = replay::node_whatif_deadline;
  // One answer, then it is gone: an idle detached actor would keep the
  // actor system (and so the node) from ever stopping.
  auto worker = self->spawn<caf::detached>([req](caf::event_based_actor* w) -> caf::behavior {
    return {
      [w, req](atom::whatif) -> caf::result<std::string> {
        auto rp = w->make_response_promise<std::string>();
        replay::whatif_report report;
        std::string error;
        auto why = replay::whatif_failure::none;
        if (replay::run_whatif(req, report, error, why))
          rp.deliver(api::to_text(replay::whatif_json(report)));
        else if (why == replay::whatif_failure::bad_request)
          rp.deliver(caf::make_error(ec::invalid_argument, error,
                                     error.rfind("unknown policy", 0) == 0 ? "policy"
                                                                           : "plugin"));
        else if (why == replay::whatif_failure::no_data)
          rp.deliver(caf::make_error(ec::unknown_name, error, "since"));
        else
          rp.deliver(caf::make_error(ec::database_error, error, ""));
        w->quit();
        return rp;
      },
    };
  });
  st.whatif_running = true;
  CONDUCTOR_LOG(info, "config") << "what-if for " << plugin << " over " << since
                                << (policy.empty() ? "" : " under policy " + policy);
  auto rp = self->make_response_promise<std::string>();
  auto done = [=] { self->state.whatif_running = false; };
  self->request(worker, caf::infinite, atom::whatif_v)
    .then(
      [=](std::string& text) mutable {
        done();
        rp.deliver(std::move(text));
      },
      [=](caf::error& err) mutable {
        done();
        rp.deliver(std::move(err));
      });
  return rp;
}

} // namespace

json scaler_in_force(const scaler_settings& s) {
  const auto& p = s.profile;
  return {{"mode", s.mode},
          {"policy", s.policy},
          {"tier", s.tier},
          {"evaluation_interval_seconds", seconds(s.evaluation_interval)},
          {"degrade", percents(s.degrade_cpu, s.degrade_memory)},
          {"restore", percents(s.restore_cpu, s.restore_memory)},
          {"emergency", {{"memory", s.emergency_memory}}},
          {"stabilization_seconds", seconds(s.stabilization)},
          {"profile",
           {{"scale_up", {{"cpu", p.scale_up.cpu}, {"memory", p.scale_up.memory},
                          {"tasks", p.scale_up.tasks}}},
            {"scale_down", {{"cpu", p.scale_down.cpu}, {"memory", p.scale_down.memory},
                            {"tasks", p.scale_down.tasks}}},
            {"confirm_up", p.confirm_up},
            {"confirm_down", p.confirm_down},
            {"cooldown_seconds", seconds(p.cooldown)},
            {"up_factor", p.up_factor},
            {"down_factor", p.down_factor},
            {"sizing", p.sizing},
            {"headroom", p.headroom},
            {"peak_window_seconds", seconds(p.peak_window)},
            {"seasonal_days", p.seasonal_days},
            {"seasonal_window_seconds", seconds(p.seasonal_window)}}},
          {"reserves", {{"cpu_cores", s.reserve_cpu_cores}, {"memory", s.reserve_memory}}},
          {"suspend_after_failures", s.suspend_after_failures},
          {"flap_budget", s.flap_budget},
          {"probation_seconds", seconds(s.probation)}};
}

config_keeper_actor::behavior_type
config_keeper(config_keeper_actor::stateful_pointer<config_keeper_state> self, std::string path,
              std::string file_text, config::node_config running, supervisor_actor supervisor) {
  auto& st = self->state;
  st.path = std::move(path);
  st.file_text = std::move(file_text);
  st.running = std::move(running);
  st.supervisor = std::move(supervisor);
  return {
    [=](atom::get, atom::config) { return config_json(self); },
    [=](atom::config, const std::string& body,
        const std::string& origin) -> caf::result<std::string> {
      auto patch = json::parse(body, nullptr, false);
      if (patch.is_discarded())
        return caf::make_error(ec::invalid_argument, "the body is not valid JSON", "");
      auto rp = self->make_response_promise<std::string>();
      change(self, patch, "config", origin, [=](caf::error err) mutable {
        if (err)
          rp.deliver(std::move(err));
        else
          rp.deliver(config_json(self));
      });
      return rp;
    },
    [=](atom::policy, const std::string& name,
        const std::string& origin) -> caf::result<scaler_status> {
      auto rp = self->make_response_promise<scaler_status>();
      change(self, json{{"policy", name}}, "policy", origin, [=](caf::error err) mutable {
        if (err) {
          rp.deliver(std::move(err));
          return;
        }
        // Asked after the update was sent: the scaler answers with it in force.
        rp.delegate(self->state.supervisor, atom::get_v, atom::scaler_v);
      });
      return rp;
    },
    [=](atom::whatif, const std::string& plugin, const std::string& since,
        const std::string& policy) -> caf::result<std::string> {
      return whatif(self, plugin, since, policy);
    },
    [=](atom::reload) {
      auto& st = self->state;
      CONDUCTOR_LOG(info, "config") << "SIGHUP: reloading " << st.path;
      std::string text;
      auto res = config::load_config_file(st.path, &text);
      if (!res.ok()) {
        for (const auto& e : res.errors)
          CONDUCTOR_LOG(error, "config") << e.to_string();
        CONDUCTOR_LOG(error, "config") << "reload rejected (" << res.errors.size()
                                       << " error(s)); still running on the previous configuration";
        return;
      }
      if (!st.changes.empty())
        CONDUCTOR_LOG(warn, "config") << "the file replaces the run-time changes "
                                      << st.changes.dump();
      st.changes = json::object();
      st.file_text = std::move(text);
      apply(self, std::move(res.config));
      CONDUCTOR_LOG(info, "config") << "configuration reloaded";
    },
  };
}

} // namespace conductor

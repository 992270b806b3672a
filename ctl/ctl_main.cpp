#include "ctl/ctl_main.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <nlohmann/json.hpp>

#include "actors/interfaces.hpp"
#include "ctl/ctl_options.hpp"
#include "ctl/ctl_render.hpp"
#include "ctl/inspector_connect.hpp"

namespace conductor::ctl {

namespace {

namespace ctl_exit {
constexpr int ok = 0;
constexpr int refused = 1;
constexpr int usage = 2;
constexpr int unreachable = 3;
} // namespace ctl_exit

/// How long one command may take before conductorctl gives up on the node.
constexpr auto request_timeout = std::chrono::seconds(10);
/// A what-if: the node stops replaying after 5 s, then answers.
constexpr auto whatif_timeout = std::chrono::seconds(20);

/// Who is asking, for the audit: "conductorctl:<user>@<host>".
std::string origin() {
  const char* user = std::getenv("USER");
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) != 0)
    host[0] = '\0';
  return std::string{"conductorctl:"} + (user && *user ? user : std::to_string(::getuid()))
         + "@" + (host[0] ? host : "localhost");
}

/// An error as an operator reads it: conductor's own carry their message as
/// the first string of the context (more may follow, e.g. the offending key).
std::string error_text(caf::actor_system& sys, const caf::error& err) {
  const auto& ctx = err.context();
  if (err.category() == caf::atom("conductor") && ctx.size() > 0
      && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return sys.render(err);
}

/// One request and its answer; on failure prints why and sets the exit code.
class session {
public:
  session(caf::actor_system& sys, inspector_actor insp) : sys_(sys), self_(sys), insp_(insp) {
  }

  template <class T, class... Ts>
  bool ask(T& out, Ts&&... xs) {
    return ask_within(request_timeout, out, std::forward<Ts>(xs)...);
  }

  template <class T, class... Ts>
  bool ask_within(caf::timespan timeout, T& out, Ts&&... xs) {
    bool ok = false;
    self_->request(insp_, timeout, std::forward<Ts>(xs)...)
      .receive([&](T& x) {
                 out = std::move(x);
                 ok = true;
               },
               [&](caf::error& err) {
                 // CAF's own errors here mean the node went away or hung.
                 bool lost = err.category() != caf::atom("conductor");
                 code_ = lost ? ctl_exit::unreachable : ctl_exit::refused;
                 std::cerr << "conductorctl: "
                           << (lost ? "lost the node: " : "the node refused it: ")
                           << error_text(sys_, err) << '\n';
               });
    return ok;
  }

  int code() const {
    return code_;
  }

private:
  caf::actor_system& sys_;
  caf::scoped_actor self_;
  inspector_actor insp_;
  int code_ = ctl_exit::ok;
};

int run(const ctl_options& o, session& s) {
  std::string text;
  if (o.command == "status") {
    scaler_status st;
    std::vector<child_info> actors;
    if (s.ask(st, atom::get_v, atom::scaler_v) && s.ask(actors, atom::get_v, atom::children_v))
      text = render_status(st, actors, o.json);
  } else if (o.command == "actors" && !o.crash_actor.empty()) {
    // Answered once the supervisor has restarted it: then the table shows it
    // running again, with its restart counted.
    child_info crashed;
    std::vector<child_info> actors;
    if (s.ask(crashed, atom::fault_v, o.crash_actor, origin())
        && s.ask(actors, atom::get_v, atom::children_v)) {
      if (!o.json)
        text = crashed.name + " crashed (" + crashed.last_exit + ") and was restarted\n\n";
      text += render_actors(actors, o.json);
    }
  } else if (o.command == "actors") {
    std::vector<child_info> actors;
    if (s.ask(actors, atom::get_v, atom::children_v))
      text = render_actors(actors, o.json);
  } else if (o.command == "history") {
    std::vector<decision> rows;
    if (s.ask(rows, history_request{0, 0, o.plugin, o.limit, 0, 0}))
      text = render_history(rows, o.json);
  } else if (o.command == "plugins") {
    std::vector<plugin_event> plugins;
    if (s.ask(plugins, atom::get_v, atom::plugins_v))
      text = render_plugins(plugins, o.json);
  } else if (o.command == "health") {
    std::vector<target_health> targets;
    if (s.ask(targets, atom::get_v, atom::health_v))
      text = render_health(targets, o.json);
  } else if (o.command == "explain" && o.id > 0) {
    std::vector<decision> rows;
    if (s.ask(rows, history_request{0, 0, "", 1, 0, o.id})) {
      if (rows.empty() || rows.front().id != o.id) {
        std::cerr << "conductorctl: no audit row " << o.id << " (see conductorctl history)\n";
        return ctl_exit::refused;
      }
      text = render_decision(rows.front(), o.json);
    }
  } else if (o.command == "explain") {
    std::vector<decision> rows;
    if (s.ask(rows, atom::explain_v))
      text = render_explanation(rows, o.json);
  } else if (o.command == "mode") {
    scaler_status st;
    std::vector<child_info> actors;
    if (s.ask(st, atom::mode_v, o.mode, origin()) && s.ask(actors, atom::get_v, atom::children_v))
      text = render_status(st, actors, o.json);
  } else if (o.command == "policy") {
    scaler_status st;
    std::vector<child_info> actors;
    if (s.ask(st, atom::policy_v, o.policy, origin())
        && s.ask(actors, atom::get_v, atom::children_v))
      text = render_status(st, actors, o.json);
  } else if (o.command == "scale") {
    // limit_values.cpu_quota is percent of one core: --cpu 1.5 is 150.
    limit_values limits{o.cpu_cores * 100, o.memory_bytes, o.tasks_max};
    decision d;
    if (s.ask(d, scale_request{o.plugin, limits, o.reason, origin()}))
      text = render_scaled(d, o.json);
  } else if (o.command == "breaker") {
    target_health t;
    bool ok = o.breaker_action == "reset" ? s.ask(t, atom::reset_v, o.target, origin())
              : o.breaker_action == "open"
                ? s.ask(t, atom::open_v, o.target, o.reason.empty() ? origin() : o.reason)
                : s.ask(t, atom::close_v, o.target, o.reason.empty() ? origin() : o.reason);
    if (ok)
      text = render_health({t}, o.json);
  } else if (o.command == "preflight") {
    preflight_answer a;
    if (s.ask(a, preflight_request{o.plugin, o.memory_bytes, o.cpu_cores}))
      text = render_preflight(a, o.json);
  } else if (o.command == "whatif") {
    // The node replays for up to its deadline: wait a little longer.
    std::string report;
    if (s.ask_within(whatif_timeout, report, atom::whatif_v, o.plugin, o.since, o.policy)) {
      auto j = nlohmann::json::parse(report, nullptr, false);
      if (j.is_discarded()) {
        std::cerr << "conductorctl: the node's what-if report is not JSON\n";
        return ctl_exit::refused;
      }
      text = render_whatif(j, o.json);
    }
  }
  std::cout << text;
  return s.code();
}

} // namespace

int ctl_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opts = parse_ctl_options(args, ctl_env::from_process());
  if (!opts.error.empty()) {
    std::cerr << "conductorctl: " << opts.error << "\n\n" << ctl_usage();
    return ctl_exit::usage;
  }
  if (opts.command == "help") {
    std::cout << ctl_usage();
    return ctl_exit::ok;
  }
  if (opts.command == "version") {
    std::cout << "conductorctl " << CONDUCTOR_VERSION << '\n';
    return ctl_exit::ok;
  }
  tls_files tls;
  if (opts.tls()) {
    tls = {opts.tls_cert, opts.tls_key, opts.tls_ca, "--tls-cert", "--tls-key", "--tls-ca"};
    // CAF reads the files only when it connects, and dies on a bad one.
    auto problem = tls_files_problem(tls);
    if (!problem.empty()) {
      std::cerr << "conductorctl: " << problem << '\n';
      return ctl_exit::usage;
    }
  }
  remote_config cfg{tls};
  caf::actor_system sys{cfg};
  auto insp = connect_inspector(sys, opts.host, opts.port);
  if (!insp) {
    std::cerr << "conductorctl: cannot reach the node's inspector at " << opts.host << ":"
              << opts.port << ": " << connect_failure_text(sys, insp.error(), opts.tls())
              << '\n';
    return ctl_exit::unreachable;
  }
  session s{sys, *insp};
  return run(opts, s);
}

} // namespace conductor::ctl

#include "ctl/ctl_main.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/interfaces.hpp"
#include "ctl/ctl_options.hpp"
#include "ctl/ctl_render.hpp"

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

struct ctl_config : caf::actor_system_config {
  ctl_config() {
    register_types(*this);
    load<caf::io::middleman>();
  }
};

/// Who is asking, for the audit: "conductorctl:<user>@<host>".
std::string origin() {
  const char* user = std::getenv("USER");
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) != 0)
    host[0] = '\0';
  return std::string{"conductorctl:"} + (user && *user ? user : std::to_string(::getuid()))
         + "@" + (host[0] ? host : "localhost");
}

/// An error as an operator reads it: conductor's own carry their message.
std::string error_text(caf::actor_system& sys, const caf::error& err) {
  if (err.category() == caf::atom("conductor") && err.context().match_elements<std::string>())
    return err.context().get_as<std::string>(0);
  return sys.render(err);
}

/// One request and its answer; on failure prints why and sets the exit code.
class session {
public:
  session(caf::actor_system& sys, inspector_actor insp) : sys_(sys), self_(sys), insp_(insp) {
  }

  template <class T, class... Ts>
  bool ask(T& out, Ts&&... xs) {
    bool ok = false;
    self_->request(insp_, request_timeout, std::forward<Ts>(xs)...)
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
  } else if (o.command == "actors") {
    std::vector<child_info> actors;
    if (s.ask(actors, atom::get_v, atom::children_v))
      text = render_actors(actors, o.json);
  } else if (o.command == "history") {
    std::vector<decision> rows;
    if (s.ask(rows, history_request{0, 0, o.plugin, o.limit, 0}))
      text = render_history(rows, o.json);
  } else if (o.command == "plugins") {
    std::vector<plugin_event> plugins;
    if (s.ask(plugins, atom::get_v, atom::plugins_v))
      text = render_plugins(plugins, o.json);
  } else if (o.command == "health") {
    std::vector<target_health> targets;
    if (s.ask(targets, atom::get_v, atom::health_v))
      text = render_health(targets, o.json);
  } else if (o.command == "explain") {
    std::vector<decision> rows;
    if (s.ask(rows, atom::explain_v))
      text = render_explanation(rows, o.json);
  } else if (o.command == "mode") {
    scaler_status st;
    std::vector<child_info> actors;
    if (s.ask(st, atom::mode_v, o.mode, origin()) && s.ask(actors, atom::get_v, atom::children_v))
      text = render_status(st, actors, o.json);
  } else if (o.command == "breaker") {
    target_health t;
    bool ok = o.breaker_action == "reset" ? s.ask(t, atom::reset_v, o.target)
              : o.breaker_action == "open"
                ? s.ask(t, atom::open_v, o.target, o.reason.empty() ? origin() : o.reason)
                : s.ask(t, atom::close_v, o.target, o.reason.empty() ? origin() : o.reason);
    if (ok)
      text = render_health({t}, o.json);
  } else if (o.command == "preflight") {
    preflight_answer a;
    if (s.ask(a, preflight_request{o.plugin, o.memory_bytes, o.cpu_cores}))
      text = render_preflight(a, o.json);
  }
  std::cout << text;
  return s.code();
}

} // namespace

int ctl_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opts = parse_ctl_options(args, std::getenv("CONDUCTOR_INSPECT"));
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
  ctl_config cfg;
  caf::actor_system sys{cfg};
  auto insp = sys.middleman().remote_actor<inspector_actor>(opts.host, opts.port);
  if (!insp) {
    std::cerr << "conductorctl: cannot reach the node's inspector at " << opts.host << ":"
              << opts.port << ": " << sys.render(insp.error())
              << " (is conductor running, and is inspect.listen this address?)\n";
    return ctl_exit::unreachable;
  }
  session s{sys, *insp};
  return run(opts, s);
}

} // namespace conductor::ctl

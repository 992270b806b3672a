#include "node/node_main.hpp"

#include <malloc.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/collector/node_probe.hpp"
#include "actors/inspector/inspector_actor.hpp"
#include "actors/logger.hpp"
#include "actors/persistence/persistence_actor.hpp"
#include "actors/supervisor/supervisor_actor.hpp"
#include "api/node_api.hpp"
#include "config/loader.hpp"
#include "node/config_keeper.hpp"
#include "node/event_hub.hpp"
#include "node/event_relay.hpp"
#include "node/http_api.hpp"
#include "node/http_server.hpp"
#include "node/inspector_endpoint.hpp"
#include "node/webhook_sender.hpp"

namespace conductor {

namespace {

constexpr auto shutdown_limit = std::chrono::seconds(5);

struct node_system_config : caf::actor_system_config {
  explicit node_system_config(const config::inspect_section& inspect) {
    register_types(*this);
    // The middleman: the inspector is published for conductorctl, over TLS
    // (CAF's OpenSSL module) when inspect.tls is set.
    load<caf::io::middleman>();
    use_tls(*this, inspector_tls_files(inspect));
    // CAF's default work-stealing scheduler polls when idle: each of its
    // max(cores, 4) workers wakes every 10 ms, ~17 ms of CPU per second on a
    // node that does nothing (bench/RESULTS.md, 2026-11-23). The sharing
    // scheduler's workers sleep on a condition variable instead. A node agent
    // handles a few messages per second, so the throughput it gives up is
    // irrelevant and the idle cost is what users compare.
    set("scheduler.policy", caf::atom("sharing"));
  }
};

/// The collector keeps each plugin's cgroup files open (up to 7 a plugin);
/// the soft limit of open files (often 1024) is raised to the hard one, as
/// systemd recommends, so that many plugins never exhaust it.
void raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

/// glibc gives each thread that allocates its own malloc arena, up to 8 per
/// core, each holding freed memory of its own; conductor's ~10 threads
/// handle a few messages a second, so one arena costs no contention and
/// ~0.9 MiB less RSS (bench/RESULTS.md, 2026-12-02).
void use_one_malloc_arena() {
  ::mallopt(M_ARENA_MAX, 1);
}

void print_errors(const config::load_result& res) {
  for (const auto& e : res.errors)
    std::cerr << e.to_string() << '\n';
}

/// Creates the data dir (and parents) private to the owner. One that exists
/// but cannot be written (a read-only mount) is said, not fatal: the node
/// runs on and persistence retries until it can write.
bool make_data_dir(const std::string& dir, std::string& error) {
  std::error_code ec;
  bool created = std::filesystem::create_directories(dir, ec);
  if (!ec && created)
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  if (ec) {
    error = "cannot create data dir " + dir + ": " + ec.message();
    return false;
  }
  if (::access(dir.c_str(), W_OK) != 0)
    CONDUCTOR_LOG(error, "node") << "data dir " << dir << " is not writable ("
                                 << std::strerror(errno)
                                 << "): the node runs without its database until it is";
  return true;
}

/// The runtime state the last run left in the database. A newer schema
/// stops the node (false); anything else unreadable is said and the node
/// starts afresh.
bool restore_runtime_state(const std::string& path, runtime_state& out) {
  std::string error;
  store_failure why = store_failure::none;
  if (!load_runtime_state(path, out, error, why)) {
    CONDUCTOR_LOG(error, "node") << error;
    if (why == store_failure::newer_schema)
      return false;
    CONDUCTOR_LOG(warn, "node") << "starting without the saved runtime state";
    return true;
  }
  if (!error.empty())
    CONDUCTOR_LOG(warn, "node") << error;
  return true;
}

std::string host_name() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof(buf) - 1) != 0)
    return "localhost";
  return buf;
}

/// Signals are blocked in every thread and taken by one thread with sigwait,
/// which turns each into a message to the main loop: no async-signal-safety
/// puzzles, and CAF's threads never see a signal.
class signal_listener {
public:
  explicit signal_listener(caf::actor main_loop) {
    thread_ = std::thread([this, main_loop] {
      auto set = signals();
      for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0 || stop_.load())
          return;
        if (sig == SIGHUP)
          caf::anon_send(main_loop, atom::reload_v);
        else
          caf::anon_send(main_loop, atom::shutdown_v);
      }
    });
  }
  ~signal_listener() {
    stop_ = true;
    pthread_kill(thread_.native_handle(), SIGTERM);
    thread_.join();
  }
  /// SIGINT, SIGTERM, SIGHUP.
  static sigset_t signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
  }

private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// The exit code for the supervisor's exit reason.
int exit_code_for(caf::actor_system& sys, const caf::error& reason) {
  if (reason == ec::restart_intensity) {
    std::string actor = "an actor";
    if (reason.context().match_element<std::string>(0))
      actor = reason.context().get_as<std::string>(0);
    CONDUCTOR_LOG(error, "node") << actor << " kept crashing (restart intensity exceeded)";
    return exit_code::restart_intensity;
  }
  if (reason && reason != caf::exit_reason::user_shutdown) {
    CONDUCTOR_LOG(error, "node") << "supervisor stopped: " << sys.render(reason);
    return exit_code::failure;
  }
  return exit_code::ok;
}

} // namespace

node_options parse_node_options(const std::vector<std::string>& args) {
  node_options out;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&](node_options::action what) {
      if (i + 1 >= args.size()) {
        out.error = a + " needs a file argument";
        return;
      }
      out.what = what;
      out.config_path = args[++i];
    };
    if (a == "--config")
      value(node_options::action::run);
    else if (a.rfind("--config=", 0) == 0)
      out.config_path = a.substr(9);
    else if (a == "--check-config")
      value(node_options::action::check_config);
    else if (a.rfind("--check-config=", 0) == 0) {
      out.what = node_options::action::check_config;
      out.config_path = a.substr(15);
    } else if (a == "--version")
      out.what = node_options::action::version;
    else if (a == "--help" || a == "-h")
      out.what = node_options::action::help;
    else
      out.error = "unknown argument: " + a;
    if (!out.error.empty())
      break;
  }
  return out;
}

std::string node_usage() {
  return "usage: conductor [--config FILE] | --check-config FILE | --version | --help\n"
         "\n"
         "Runs the conductor node agent in the foreground, logging to stderr.\n"
         "\n"
         "  --config FILE        run on FILE (default: " CONDUCTOR_DEFAULT_CONFIG ")\n"
         "  --check-config FILE  validate FILE, print ok or every error, and exit\n"
         "  --version            print the version and exit\n"
         "  --help               print this text and exit\n"
         "\n"
         "Signals: SIGINT/SIGTERM stop gracefully (within 5 s); SIGHUP reloads the\n"
         "config, keeping the running one if the new file is invalid.\n"
         "Exit codes: 0 ok, 1 start-up failure, 2 usage or invalid config,\n"
         "3 an actor crashed more than 5 times within 60 s.\n";
}

int check_config(const std::string& path) {
  auto res = config::load_config_file(path);
  if (!res.ok()) {
    print_errors(res);
    return exit_code::usage;
  }
  std::cout << "ok\n";
  return exit_code::ok;
}

/// Whether others than the owner may change `path` (the config, the token
/// file): whoever can write it controls what the node runs and who may steer
/// it, so the node refuses to start. "" when it is safe (or cannot be
/// stat'ed: reading it then fails with its own message).
std::string writable_by_others(const std::string& path, const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) == 0)
    return {};
  char mode[8];
  std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return std::string{what} + " " + path + " is writable by " +
         ((st.st_mode & S_IWOTH) ? "anyone" : "its group") + " (mode " + mode
         + "): whoever can change it controls the node; run chmod go-w " + path;
}

/// The bearer token mutating HTTP requests need: http.token, or the first
/// line of http.token_file. False when the file cannot be read.
bool http_token(const config::http_section& http, std::string& token, std::string& error) {
  token = http.token;
  if (http.token_file.empty())
    return true;
  std::ifstream in{http.token_file};
  if (!in || !std::getline(in, token)) {
    error = "cannot read http.token_file " + http.token_file + ": "
            + (in ? "it is empty" : std::strerror(errno));
    return false;
  }
  while (!token.empty() && (token.back() == '\r' || token.back() == ' '))
    token.pop_back();
  if (token.empty()) {
    error = "http.token_file " + http.token_file + " holds an empty token";
    return false;
  }
  return true;
}

int run_node(const std::string& config_path) {
  std::string file_text;
  auto res = config::load_config_file(config_path, &file_text);
  if (!res.ok()) {
    print_errors(res);
    return exit_code::usage;
  }
  auto cfg = std::move(res.config);
  for (auto unsafe : {writable_by_others(config_path, "the config file"),
                      cfg.http.token_file.empty()
                        ? std::string{}
                        : writable_by_others(cfg.http.token_file, "http.token_file")})
    if (!unsafe.empty()) {
      std::cerr << "conductor: " << unsafe << '\n';
      return exit_code::failure;
    }
  // The database and everything else conductor creates is the operator's alone.
  ::umask(077);
  log::configure(cfg.logging.level, cfg.logging.format);
  if (cfg.node.name.empty())
    cfg.node.name = host_name();
  std::string error;
  http_server_options http_options;
  http_options.max_body = cfg.http.max_body;
  if (!http_token(cfg.http, http_options.token, error)) {
    CONDUCTOR_LOG(error, "node") << error;
    return exit_code::failure;
  }
  if (!make_data_dir(cfg.node.data_dir, error)) {
    CONDUCTOR_LOG(error, "node") << error;
    return exit_code::failure;
  }
  raise_open_file_limit();
  use_one_malloc_arena();
  // Block before any thread exists so that every thread inherits the mask.
  auto sigs = signal_listener::signals();
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  auto hub = std::make_shared<metrics_hub>();
  auto events = std::make_shared<event_hub>();
  node_system_config sys_cfg{cfg.inspect};
  caf::actor_system sys{sys_cfg};
  CONDUCTOR_LOG(info, "node") << "conductor " << CONDUCTOR_VERSION << " on " << cfg.node.name
                              << ", config " << config_path << ", data in "
                              << cfg.node.data_dir;
  supervisor_deps deps;
  deps.metrics = hub;
  if (!restore_runtime_state(config::database_path(cfg), deps.restored))
    return exit_code::failure;
  // Spawned only now: an actor alive when run_node returns would keep the
  // actor system's destructor waiting.
  auto relay = sys.spawn(event_relay, events);
  deps.events = relay;
  // The cgroup layout is the host's: found once, logged once.
  auto layout = detect_cgroup_layout();
  CONDUCTOR_LOG(info, "collector") << "cgroups: " << layout.describe();
  deps.cgroups = layout;
  deps.make_probe = [layout](const collector_settings& s) -> std::unique_ptr<sample_probe> {
    std::string error;
    auto root = relative_cgroup_root(layout, s.cgroup_root, error);
    if (!root && !s.plugins.empty())
      CONDUCTOR_LOG(error, "collector") << "plugins are not sampled: " << error;
    auto probe = std::make_unique<node_probe>("/proc", s.filesystems,
                                              root ? std::optional{layout} : std::nullopt,
                                              root.value_or(""), s.plugins);
    probe->update(s); // the plugins' signals and their fetch interval
    return probe;
  };
  auto sup = sys.spawn(supervisor, make_settings(cfg), std::move(deps));
  auto keeper = sys.spawn(config_keeper, config_path, file_text, cfg, sup);
  auto insp = sys.spawn(inspector, sup, keeper);
  auto published = publish_inspector(sys, insp, cfg.inspect);
  auto api = std::make_shared<api::node_api>(sys, insp);
  auto http = http_server::start(cfg.http.listen, api_routes(api, events, hub), error,
                                 http_options);
  if (http)
    CONDUCTOR_LOG(info, "node") << "HTTP API and /metrics on port " << http->port()
                                << (http_options.token.empty() ? ""
                                                               : " (token required for changes)");
  else
    CONDUCTOR_LOG(error, "node") << error;
  auto hooks = std::make_unique<webhook_sender>(*events, cfg.notify.webhooks, cfg.node.name);
  int code = exit_code::ok;
  {
    caf::scoped_actor self{sys};
    self->monitor(sup);
    signal_listener signals{caf::actor_cast<caf::actor>(self)};
    bool running = true;
    bool stopping = false;
    // A port taken (inspector or HTTP): stop what started, then fail the start.
    if (!published || !http) {
      code = exit_code::failure;
      self->send(self, atom::shutdown_v);
    }
    // The actors outside the supervisor's tree.
    auto stop_outside = [&] {
      for (auto hdl : {caf::actor_cast<caf::actor>(insp), caf::actor_cast<caf::actor>(keeper),
                       caf::actor_cast<caf::actor>(relay)})
        self->send_exit(hdl, caf::exit_reason::user_shutdown);
    };
    while (running) {
      self->receive(
        [&](atom::reload) { self->send(keeper, atom::reload_v); },
        [&](atom::shutdown) {
          if (stopping)
            return;
          stopping = true;
          CONDUCTOR_LOG(info, "node") << "stopping";
          stop_outside();
          self->send_exit(sup, caf::exit_reason::user_shutdown);
          // Wait for the supervisor, which waits for its children; a stuck
          // actor must not keep the process alive past the limit.
          self->receive(
            [&](const caf::down_msg& dm) {
              if (code == exit_code::ok)
                code = exit_code_for(sys, dm.reason);
              running = false;
            },
            caf::after(shutdown_limit) >> [&] {
              CONDUCTOR_LOG(error, "node") << "actors did not stop within 5 s; exiting";
              std::fflush(stderr);
              std::_Exit(exit_code::failure);
            });
        },
        [&](const caf::down_msg& dm) {
          // The supervisor gave up: the actors outside its tree go with it.
          stop_outside();
          code = exit_code_for(sys, dm.reason);
          running = false;
        });
    }
  }
  // Event streams and webhooks end first, so that the HTTP server's workers
  // are free when it stops.
  events->close();
  hooks.reset();
  CONDUCTOR_LOG(debug, "node") << "actors stopped; closing the HTTP server";
  http.reset();
  CONDUCTOR_LOG(info, "node") << "stopped";
  return code;
}

int node_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opts = parse_node_options(args);
  if (!opts.error.empty()) {
    std::cerr << "conductor: " << opts.error << "\n\n" << node_usage();
    return exit_code::usage;
  }
  switch (opts.what) {
    case node_options::action::help:
      std::cout << node_usage();
      return exit_code::ok;
    case node_options::action::version:
      std::cout << "conductor " << CONDUCTOR_VERSION << '\n';
      return exit_code::ok;
    case node_options::action::check_config:
      return check_config(opts.config_path);
    case node_options::action::run:
      break;
  }
  return run_node(opts.config_path);
}

} // namespace conductor

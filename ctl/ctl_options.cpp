#include "ctl/ctl_options.hpp"

#include <cerrno>
#include <cstdlib>

#include "config/units.hpp"
#include "node/http_server.hpp"

namespace conductor::ctl {

namespace {

/// Reads "host:port" into `out`; false with `out.error` set otherwise.
bool read_address(const std::string& text, const std::string& what, ctl_options& out) {
  std::string host;
  uint16_t port = 0;
  if (!split_host_port(text, host, port) || port == 0) {
    out.error = what + ": expected HOST:PORT (e.g. 127.0.0.1:4242), got \"" + text + "\"";
    return false;
  }
  out.host = host;
  out.port = port;
  return true;
}

/// A number that is not negative: "1.5", "2".
bool read_number(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end && *end == '\0' && out >= 0;
}

/// A whole number of at least 1, digits only ("42"; not "4.0", "+4", "1e3").
bool read_count(const std::string& text, int64_t& out) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::strtoll(text.c_str(), nullptr, 10);
  return out >= 1;
}

/// The commands that talk to a node.
bool needs_node(const std::string& c) {
  return c != "help" && c != "version";
}

} // namespace

ctl_env ctl_env::from_process() {
  ctl_env env;
  env.inspect = std::getenv("CONDUCTOR_INSPECT");
  env.tls_ca = std::getenv("CONDUCTOR_TLS_CA");
  env.tls_cert = std::getenv("CONDUCTOR_TLS_CERT");
  env.tls_key = std::getenv("CONDUCTOR_TLS_KEY");
  return env;
}

std::string ctl_usage() {
  return "usage: conductorctl [--connect HOST:PORT]\n"
         "                    [--tls-ca FILE --tls-cert FILE --tls-key FILE]\n"
         "                    [--json] COMMAND [ARGS]\n"
         "\n"
         "Inspects and steers a running conductor node through its inspector\n"
         "(inspect.listen). The node is --connect, else $CONDUCTOR_INSPECT, else\n"
         "127.0.0.1:4242.\n"
         "\n"
         "commands:\n"
         "  status                      the scaler's mode, policy and host state, and the actors\n"
         "  actors                      the supervised actors: running or not, restarts, mailbox\n"
         "  actors crash NAME           fault drill: make that actor throw, as a bug would; the\n"
         "                              supervisor restarts it (audited, by you; more than 5\n"
         "                              crashes of one actor within 60 s stop the node)\n"
         "  history [-n N] [-p PLUGIN]  the audit, newest first (default 20 rows), with row ids\n"
         "  plugins                     every plugin's state, pid and variant\n"
         "  health                      every health target and its breaker\n"
         "  explain                     the scaler's last evaluation, explained\n"
         "  explain ID                  one audit row (an id from history), every field\n"
         "  mode enabled|disabled|manual   set the scaler's mode (audited, by you)\n"
         "  policy NAME                 set the scaler's policy (one of scaler.policies;\n"
         "                              audited; until the next reload or restart)\n"
         "  scale PLUGIN [--cpu CORES] [--memory SIZE] [--tasks N] [--reason TEXT]\n"
         "                              resize a plugin's limits now (at least one; audited);\n"
         "                              the scaler switches to manual mode\n"
         "  breaker open|close TARGET [REASON...]   force a breaker (audited)\n"
         "  breaker reset TARGET        reset a breaker to closed\n"
         "  preflight --memory SIZE [--cpu CORES] [--plugin NAME]\n"
         "                              can work needing this much start now?\n"
         "  whatif PLUGIN [--since DURATION] [--policy NAME]\n"
         "                              the node's own history (default the last 6h, at most\n"
         "                              24h) replayed under a policy (default the one in\n"
         "                              force) beside what it did: limit changes, slack,\n"
         "                              throttled time, cascade steps, both decision lists;\n"
         "                              PLUGIN may be host (host-level and cascade decisions)\n"
         "\n"
         "SIZE: bytes, or with B|KiB|MiB|GiB|TiB (512MiB, 1.5GiB). CORES: 1.5 = one and a\n"
         "half cores.\n"
         "\n"
         "options:\n"
         "  --connect HOST:PORT         the node's inspector\n"
         "  --tls-ca FILE               TLS: the CA that signs the node's certificate\n"
         "  --tls-cert FILE             TLS: conductorctl's certificate, signed by the CA\n"
         "                              in the node's inspect.tls.ca\n"
         "  --tls-key FILE              TLS: its private key (PEM, no passphrase)\n"
         "                              (the three together; else $CONDUCTOR_TLS_CA,\n"
         "                              $CONDUCTOR_TLS_CERT, $CONDUCTOR_TLS_KEY)\n"
         "  --json                      JSON for scripts instead of tables\n"
         "  -h, --help                  this text\n"
         "  --version                   conductorctl's version\n"
         "\n"
         "exit codes: 0 ok; 1 the node refused the command; 2 usage error;\n"
         "3 the node could not be reached (or TLS failed) or was lost\n";
}

ctl_options parse_ctl_options(const std::vector<std::string>& args, const ctl_env& env) {
  ctl_options out;
  bool connect_given = false;
  if (env.tls_ca)
    out.tls_ca = env.tls_ca;
  if (env.tls_cert)
    out.tls_cert = env.tls_cert;
  if (env.tls_key)
    out.tls_key = env.tls_key;
  size_t i = 0;
  // Global options come before the command.
  for (; i < args.size() && out.command.empty(); ++i) {
    const auto& a = args[i];
    if (a == "--connect") {
      if (i + 1 >= args.size()) {
        out.error = "--connect needs HOST:PORT";
        return out;
      }
      if (!read_address(args[++i], "--connect", out))
        return out;
      connect_given = true;
    } else if (a == "--tls-ca" || a == "--tls-cert" || a == "--tls-key") {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        out.error = a + " needs a FILE";
        return out;
      }
      auto& field = a == "--tls-ca" ? out.tls_ca : a == "--tls-cert" ? out.tls_cert : out.tls_key;
      field = args[++i];
    } else if (a == "--json") {
      out.json = true;
    } else if (a == "-h" || a == "--help") {
      out.command = "help";
    } else if (a == "--version") {
      out.command = "version";
    } else if (!a.empty() && a[0] == '-') {
      out.error = "unknown option " + a;
      return out;
    } else {
      out.command = a;
    }
  }
  if (out.command.empty()) {
    out.error = "no command given";
    return out;
  }
  // The variable only when --connect is not given: a stale one must not
  // stand in the way of the flag.
  if (needs_node(out.command) && !connect_given && env.inspect && *env.inspect
      && !read_address(env.inspect, "CONDUCTOR_INSPECT", out))
    return out;
  if (needs_node(out.command) && out.tls()
      && (out.tls_ca.empty() || out.tls_cert.empty() || out.tls_key.empty())) {
    out.error = "TLS needs --tls-ca, --tls-cert and --tls-key together (or $CONDUCTOR_TLS_CA,"
                " $CONDUCTOR_TLS_CERT, $CONDUCTOR_TLS_KEY): the node checks conductorctl's"
                " certificate as conductorctl checks the node's";
    return out;
  }
  std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  auto extra = [&](size_t from) {
    if (rest.size() > from) {
      out.error = out.command + ": unexpected argument \"" + rest[from] + "\"";
      return true;
    }
    return false;
  };
  const auto& c = out.command;
  if (c == "help" || c == "version" || c == "status" || c == "plugins" || c == "health") {
    extra(0);
  } else if (c == "actors") {
    if (!rest.empty()) {
      if (rest[0] != "crash") {
        out.error = "actors: unexpected argument \"" + rest[0] + "\" (use actors, or actors"
                    " crash NAME)";
        return out;
      }
      if (rest.size() < 2 || rest[1].empty()) {
        out.error = "actors crash: which actor? (see conductorctl actors)";
        return out;
      }
      out.crash_actor = rest[1];
      extra(2);
    }
  } else if (c == "explain") {
    if (!rest.empty() && !read_count(rest[0], out.id)) {
      out.error = "explain: expected an audit row id (a whole number of at least 1, from"
                  " history), got \""
                  + rest[0] + "\"";
      return out;
    }
    extra(1);
  } else if (c == "history") {
    for (size_t k = 0; k < rest.size(); ++k) {
      if ((rest[k] == "-n" || rest[k] == "-p") && k + 1 < rest.size()) {
        if (rest[k] == "-p") {
          out.plugin = rest[++k];
          continue;
        }
        if (!read_count(rest[++k], out.limit)) {
          out.error = "history: -n needs a whole number of at least 1, got \"" + rest[k] + "\"";
          return out;
        }
      } else {
        out.error = "history: unexpected argument \"" + rest[k] + "\" (use -n N, -p PLUGIN)";
        return out;
      }
    }
  } else if (c == "mode") {
    if (rest.empty()) {
      out.error = "mode: which one? enabled, disabled or manual";
      return out;
    }
    out.mode = rest[0];
    if (out.mode != "enabled" && out.mode != "disabled" && out.mode != "manual") {
      out.error = "mode: expected enabled, disabled or manual, got \"" + out.mode + "\"";
      return out;
    }
    extra(1);
  } else if (c == "policy") {
    // Which policies exist is the node's configuration (scaler.policies): it
    // refuses an unknown one.
    if (rest.empty() || rest[0].empty()) {
      out.error = "policy: which one? a name from the node's scaler.policies";
      return out;
    }
    out.policy = rest[0];
    extra(1);
  } else if (c == "breaker") {
    if (rest.size() < 2) {
      out.error = "breaker: expected open|close|reset and a target";
      return out;
    }
    out.breaker_action = rest[0];
    out.target = rest[1];
    if (out.breaker_action != "open" && out.breaker_action != "close"
        && out.breaker_action != "reset") {
      out.error = "breaker: expected open, close or reset, got \"" + out.breaker_action + "\"";
      return out;
    }
    if (out.breaker_action == "reset") {
      extra(2);
    } else {
      for (size_t k = 2; k < rest.size(); ++k)
        out.reason += (k > 2 ? " " : "") + rest[k];
    }
  } else if (c == "preflight") {
    for (size_t k = 0; k < rest.size(); ++k) {
      bool has_value = k + 1 < rest.size();
      if (rest[k] == "--memory" && has_value) {
        auto size = config::parse_size(rest[++k]);
        if (!size) {
          out.error = "preflight: --memory: " + size.error;
          return out;
        }
        out.memory_bytes = *size.value;
      } else if (rest[k] == "--cpu" && has_value) {
        if (!read_number(rest[++k], out.cpu_cores)) {
          out.error = "preflight: --cpu needs a number of cores, got \"" + rest[k] + "\"";
          return out;
        }
      } else if (rest[k] == "--plugin" && has_value) {
        out.plugin = rest[++k];
      } else {
        out.error = "preflight: unexpected argument \"" + rest[k]
                    + "\" (use --memory SIZE, --cpu CORES, --plugin NAME)";
        return out;
      }
    }
    if (out.memory_bytes == 0 && out.cpu_cores == 0)
      out.error = "preflight: say what the work needs: --memory SIZE and/or --cpu CORES";
  } else if (c == "scale") {
    if (rest.empty() || rest[0].empty() || rest[0][0] == '-') {
      out.error = "scale: which plugin? scale PLUGIN [--cpu CORES] [--memory SIZE] [--tasks N]";
      return out;
    }
    out.plugin = rest[0];
    for (size_t k = 1; k < rest.size(); ++k) {
      bool has_value = k + 1 < rest.size();
      if (rest[k] == "--memory" && has_value) {
        auto size = config::parse_size(rest[++k]);
        if (!size) {
          out.error = "scale: --memory: " + size.error;
          return out;
        }
        if (*size.value == 0) {
          out.error = "scale: --memory must be more than 0 (leave it out to keep the limit)";
          return out;
        }
        out.memory_bytes = *size.value;
      } else if (rest[k] == "--cpu" && has_value) {
        if (!read_number(rest[++k], out.cpu_cores) || out.cpu_cores <= 0) {
          out.error = "scale: --cpu needs a number of cores above 0 (1.5 = one and a half),"
                      " got \""
                      + rest[k] + "\"";
          return out;
        }
      } else if (rest[k] == "--tasks" && has_value) {
        int64_t n = 0;
        if (!read_count(rest[++k], n)) {
          out.error = "scale: --tasks needs a whole number of at least 1, got \"" + rest[k] + "\"";
          return out;
        }
        out.tasks_max = static_cast<uint64_t>(n);
      } else if (rest[k] == "--reason" && has_value) {
        out.reason = rest[++k];
      } else {
        out.error = "scale: unexpected argument \"" + rest[k]
                    + "\" (use --cpu CORES, --memory SIZE, --tasks N, --reason TEXT)";
        return out;
      }
    }
    if (out.memory_bytes == 0 && out.cpu_cores == 0 && out.tasks_max == 0)
      out.error = "scale: say which limit to set: --cpu CORES, --memory SIZE and/or --tasks N";
  } else if (c == "whatif") {
    if (rest.empty() || rest[0].empty() || rest[0][0] == '-') {
      out.error = "whatif: which plugin? whatif PLUGIN [--since DURATION] [--policy NAME]"
                  " (PLUGIN may be host)";
      return out;
    }
    out.plugin = rest[0];
    for (size_t k = 1; k < rest.size(); ++k) {
      bool has_value = k + 1 < rest.size();
      if (rest[k] == "--since" && has_value) {
        out.since = rest[++k];
        auto d = config::parse_duration(out.since);
        if (!d) {
          out.error = "whatif: --since: invalid duration \"" + out.since + "\": " + d.error;
          return out;
        }
        if (*d.value < std::chrono::seconds(1) || *d.value > std::chrono::hours(24)) {
          out.error = "whatif: --since must be between 1s and 24h, got \"" + out.since + "\"";
          return out;
        }
      } else if (rest[k] == "--policy" && has_value && !rest[k + 1].empty()) {
        out.policy = rest[++k];
      } else {
        out.error = "whatif: unexpected argument \"" + rest[k]
                    + "\" (use --since DURATION, --policy NAME)";
        return out;
      }
    }
  } else {
    out.error = "unknown command \"" + c + "\"";
  }
  return out;
}

} // namespace conductor::ctl

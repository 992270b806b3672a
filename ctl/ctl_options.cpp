#include "ctl/ctl_options.hpp"

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

bool read_number(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end && *end == '\0' && out >= 0;
}

} // namespace

std::string ctl_usage() {
  return "usage: conductorctl [--connect HOST:PORT] [--json] COMMAND [ARGS]\n"
         "\n"
         "Inspects a running conductor node through its inspector (inspect.listen).\n"
         "The node is --connect, else $CONDUCTOR_INSPECT, else 127.0.0.1:4242.\n"
         "\n"
         "commands:\n"
         "  status                      the scaler's mode and host state, and the actors\n"
         "  actors                      the supervised actors, running or not, restarts\n"
         "  history [-n N] [-p PLUGIN]  the audit, newest first (default 20 rows)\n"
         "  plugins                     every plugin's state, pid and variant\n"
         "  health                      every health target and its breaker\n"
         "  explain                     the scaler's last evaluation, explained\n"
         "  mode enabled|disabled|manual   set the scaler's mode (audited, by you)\n"
         "  breaker open|close TARGET [REASON...]   force a breaker (audited)\n"
         "  breaker reset TARGET        reset a breaker to closed\n"
         "  preflight --memory SIZE [--cpu CORES] [--plugin NAME]\n"
         "                              can work needing this much start now?\n"
         "\n"
         "options:\n"
         "  --connect HOST:PORT         the node's inspector\n"
         "  --json                      JSON for scripts instead of tables\n"
         "  -h, --help                  this text\n"
         "  --version                   conductorctl's version\n"
         "\n"
         "exit codes: 0 ok; 1 the node refused the command; 2 usage error;\n"
         "3 the node could not be reached\n";
}

ctl_options parse_ctl_options(const std::vector<std::string>& args, const char* env_inspect) {
  ctl_options out;
  if (env_inspect && *env_inspect && !read_address(env_inspect, "CONDUCTOR_INSPECT", out))
    return out;
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
  std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  auto extra = [&](size_t from) {
    if (rest.size() > from) {
      out.error = out.command + ": unexpected argument \"" + rest[from] + "\"";
      return true;
    }
    return false;
  };
  const auto& c = out.command;
  if (c == "help" || c == "version" || c == "status" || c == "actors" || c == "plugins"
      || c == "health" || c == "explain") {
    extra(0);
  } else if (c == "history") {
    for (size_t k = 0; k < rest.size(); ++k) {
      if ((rest[k] == "-n" || rest[k] == "-p") && k + 1 < rest.size()) {
        if (rest[k] == "-p") {
          out.plugin = rest[++k];
          continue;
        }
        double n = 0;
        if (!read_number(rest[++k], n) || n < 1 || n != static_cast<double>(static_cast<int64_t>(n))) {
          out.error = "history: -n needs a whole number of at least 1, got \"" + rest[k] + "\"";
          return out;
        }
        out.limit = static_cast<int64_t>(n);
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
  } else {
    out.error = "unknown command \"" + c + "\"";
  }
  return out;
}

} // namespace conductor::ctl

// ctl_options.hpp -- conductorctl's command line, parsed without touching the
// network: which node, how to reach it (plain or TLS), which command, its
// arguments, and how to print.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace conductor::ctl {

/// The environment conductorctl reads; nullptr for a variable that is unset.
struct ctl_env {
  /// $CONDUCTOR_INSPECT: HOST:PORT of the node's inspector.
  const char* inspect = nullptr;
  /// $CONDUCTOR_TLS_CA, $CONDUCTOR_TLS_CERT, $CONDUCTOR_TLS_KEY.
  const char* tls_ca = nullptr;
  const char* tls_cert = nullptr;
  const char* tls_key = nullptr;

  /// This process's environment.
  static ctl_env from_process();
};

/// What conductorctl was asked to do.
struct ctl_options {
  /// The node's inspector: --connect, else $CONDUCTOR_INSPECT, else the default.
  std::string host = "127.0.0.1";
  uint16_t port = 4242;
  /// TLS (the node's inspect.tls): the CA that signs the node's certificate,
  /// and conductorctl's own certificate and key, which the node checks
  /// against its inspect.tls.ca. Each from its flag, else its variable; all
  /// three or none.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  /// Print JSON for scripts instead of tables for people.
  bool json = false;
  /// status | actors | history | plugins | health | explain | mode | policy |
  /// breaker | preflight | scale | whatif; or help | version.
  std::string command;
  /// history: how many rows, newest first; and of which plugin (-p).
  /// preflight: the plugin that would run the work; scale: the one resized.
  int64_t limit = 20;
  std::string plugin;
  /// explain: the audit row to explain (0: the scaler's last evaluation).
  int64_t id = 0;
  /// mode: the mode; policy: the policy; breaker: open | close | reset and
  /// the target.
  std::string mode;
  std::string policy;
  std::string breaker_action;
  std::string target;
  /// actors crash NAME: the supervised actor to crash (a fault drill).
  std::string crash_actor;
  /// breaker open|close: why (the rest of the line); scale: --reason.
  std::string reason;
  /// preflight: what the work needs; scale: the limits to set (0 = leave
  /// that one as it is).
  uint64_t memory_bytes = 0;
  double cpu_cores = 0;
  /// scale: the most tasks (processes and threads) the plugin may have.
  uint64_t tasks_max = 0;
  /// whatif: how far back ("6h"; the node's default when empty); the policy
  /// to replay with is `policy` ("" for the one in force), the plugin
  /// `plugin`.
  std::string since;
  /// A usage error, said with the usage; empty when the line was good.
  std::string error;

  /// Whether conductorctl connects over TLS.
  bool tls() const {
    return !tls_ca.empty() || !tls_cert.empty() || !tls_key.empty();
  }
};

/// Parses the arguments after the program name, with the environment's
/// defaults (the command line wins).
ctl_options parse_ctl_options(const std::vector<std::string>& args, const ctl_env& env);

/// The usage text.
std::string ctl_usage();

} // namespace conductor::ctl

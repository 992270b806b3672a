// ctl_options.hpp -- conductorctl's command line, parsed without touching the
// network: which node, which command, its arguments, and how to print.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace conductor::ctl {

/// What conductorctl was asked to do.
struct ctl_options {
  /// The node's inspector: --connect, else $CONDUCTOR_INSPECT, else the default.
  std::string host = "127.0.0.1";
  uint16_t port = 4242;
  /// Print JSON for scripts instead of tables for people.
  bool json = false;
  /// status | actors | history | plugins | health | explain | mode | breaker |
  /// preflight; or help | version.
  std::string command;
  /// history: how many rows, newest first; and of which plugin (-p).
  int64_t limit = 20;
  std::string plugin;
  /// mode: the mode; breaker: open | close | reset and the target.
  std::string mode;
  std::string breaker_action;
  std::string target;
  /// breaker open|close: why (the rest of the line).
  std::string reason;
  /// preflight: what the work needs.
  uint64_t memory_bytes = 0;
  double cpu_cores = 0;
  /// A usage error, said with the usage; empty when the line was good.
  std::string error;
};

/// Parses the arguments after the program name. `env_inspect` is
/// $CONDUCTOR_INSPECT (nullptr when unset).
ctl_options parse_ctl_options(const std::vector<std::string>& args, const char* env_inspect);

/// The usage text.
std::string ctl_usage();

} // namespace conductor::ctl

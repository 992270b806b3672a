// node_main.hpp -- the conductor binary's whole behaviour, in the library so
// tools/conductor/main.cpp stays a thin main and tests can reach the parts.
#pragma once

#include <string>
#include <vector>

namespace conductor {

/// Exit codes of the conductor binary (documented in --help and the README).
namespace exit_code {
constexpr int ok = 0;
/// Start-up failed: the data dir or the HTTP port could not be had.
constexpr int failure = 1;
/// Bad command line or invalid configuration.
constexpr int usage = 2;
/// A supervised actor crashed more often than the restart intensity allows.
constexpr int restart_intensity = 3;
} // namespace exit_code

/// What the command line asks for.
struct node_options {
  enum class action { run, check_config, version, help } what = action::run;
  std::string config_path = CONDUCTOR_DEFAULT_CONFIG;
  /// Set when the command line was not understood.
  std::string error;
};

/// Parses argv (without argv[0]).
node_options parse_node_options(const std::vector<std::string>& args);

/// The usage text of --help.
std::string node_usage();

/// Validates a config file, prints `ok` or every error; returns 0 or 2.
int check_config(const std::string& path);

/// Runs the node until SIGINT or SIGTERM; returns the process exit code.
int run_node(const std::string& config_path);

/// main(): dispatches on the parsed options.
int node_main(int argc, char** argv);

} // namespace conductor

// cli_flags.hpp -- conductor-replay's command line, shared by its modes:
// the flag syntax (`--name value` or `--name=value`; every flag takes a value
// except --help, -h and the switches a mode names), its error line and the
// --config file.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/node_config.hpp"

namespace conductor::replay {

struct cli_flags {
  /// name (without --) -> value; "help" -> "" when asked for.
  std::map<std::string, std::string> values;

  bool has(const std::string& name) const {
    return values.count(name) > 0;
  }

  /// The value of `name`, or `fallback`.
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto i = values.find(name);
    return i == values.end() ? fallback : i->second;
  }
};

/// Parses argv against the `known` flags (taking values) and `switches`
/// (taking none). False with `error` set on an unknown flag, a missing value
/// or a stray argument.
bool parse_cli_flags(int argc, char** argv, const std::vector<std::string>& known,
                     const std::vector<std::string>& switches, cli_flags& out,
                     std::string& error);

/// Prints `conductor-replay: message` to stderr; returns `code`.
int cli_fail(const std::string& message, int code);

/// Loads a node config for a mode's --config; false after printing every
/// error (file, line, key) to stderr.
bool load_cli_config(const std::string& path, config::node_config& out);

} // namespace conductor::replay

#include "replay/cli_flags.hpp"

#include <algorithm>
#include <iostream>

#include "config/loader.hpp"

namespace conductor::replay {

bool parse_cli_flags(int argc, char** argv, const std::vector<std::string>& known,
                     const std::vector<std::string>& switches, cli_flags& out,
                     std::string& error) {
  auto listed = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      out.values["help"] = "";
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      error = "unexpected argument \"" + arg + "\"";
      return false;
    }
    auto name = arg.substr(2);
    std::string value;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (listed(switches, name)) {
      if (eq != std::string::npos) {
        error = "--" + name + " takes no value";
        return false;
      }
      out.values[name] = "";
      continue;
    }
    if (!listed(known, name)) {
      error = "unknown flag --" + name;
      return false;
    }
    if (eq == std::string::npos) {
      if (i + 1 >= argc) {
        error = "--" + name + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    out.values[name] = value;
  }
  return true;
}

int cli_fail(const std::string& message, int code) {
  std::cerr << "conductor-replay: " << message << '\n';
  return code;
}

bool load_cli_config(const std::string& path, config::node_config& out) {
  auto loaded = config::load_config_file(path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors)
      std::cerr << e.to_string() << '\n';
    return false;
  }
  out = loaded.config;
  return true;
}

} // namespace conductor::replay

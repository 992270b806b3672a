// loader.hpp -- reads and validates config/node.yaml into a node_config.
//
// The one boundary between YAML text and the structs of node_config.hpp: no
// exception leaves it, and one pass reports every problem in the file, each
// with its line, column and dotted key path, so a user fixes a file in one go.
#pragma once

#include <string>
#include <vector>

#include "config/node_config.hpp"

namespace conductor::config {

/// One problem in a config file. to_string() renders e.g. (one line)
/// `node.yaml:14:5: scaler.policy: unknown value "agresive"
///  (expected conservative|balanced|aggressive)`
struct config_error {
  /// The file name as given to the loader.
  std::string file;
  /// 1-based; 0 when the problem has no position (e.g. the file cannot be read).
  int line = 0;
  int column = 0;
  /// Dotted key path with list indices, e.g. `plugins[1].limits.memory_max`; empty when the
  /// problem concerns the whole file.
  std::string key;
  std::string message;

  /// `file:line:column: key: message`, dropping the position and key parts that are unknown,
  /// the form editors and compilers use so users can jump to the spot.
  std::string to_string() const;
};

/// The outcome of loading: the config is only meaningful when ok().
struct load_result {
  /// Defaults overwritten by every valid value the file sets.
  node_config config;
  /// Every problem found, ordered by position in the file.
  std::vector<config_error> errors;

  bool ok() const {
    return errors.empty();
  }
};

/// Reads and validates the file at `path`; errors name the file as `path` was given so
/// messages match what the user typed on the command line. `text`, when given, receives
/// what was read (run-time changes are laid over it later: config/scaler_patch.hpp).
load_result load_config_file(const std::string& path, std::string* text = nullptr);

/// Validates YAML text; `file_name` only labels the errors. Lets tests and tools check text
/// that is not on disk.
load_result load_config_text(const std::string& text, const std::string& file_name);

} // namespace conductor::config

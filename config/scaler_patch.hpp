// scaler_patch.hpp -- run-time changes of the scaler section (the HTTP API's
// PUT /api/autoscaler/config, conductor-mcp, conductorctl policy), validated
// exactly like the file: the changes are laid over the file's own YAML and
// the result goes through the loader.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/node_config.hpp"

namespace conductor::config {

/// The outcome of a change: on success the whole configuration that results
/// and the run-time changes in force after it; else the first error and the
/// dotted key it concerns.
struct scaler_patch_result {
  bool ok = false;
  node_config config;
  /// Every run-time change so far, merged (what GET shows as changed).
  nlohmann::json changes = nlohmann::json::object();
  /// The dotted keys this change set, e.g. "scaler.degrade.cpu".
  std::vector<std::string> keys;
  std::string error;
  std::string field;
};

/// Lays `patch` (a JSON object: a partial scaler section; null removes an
/// earlier run-time change of that key) over `changes` (the run-time changes
/// already in force) and the file's text, and validates the result like the
/// file. `file_name` labels errors.
scaler_patch_result patch_scaler(const std::string& file_text, const std::string& file_name,
                                 const nlohmann::json& changes, const nlohmann::json& patch);

/// The scaler section as written (the file's, with the run-time changes laid
/// over it), as JSON: numbers and booleans as such, durations and sizes as
/// the strings the file uses.
nlohmann::json scaler_as_written(const std::string& file_text, const nlohmann::json& changes);

} // namespace conductor::config

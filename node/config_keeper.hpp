// config_keeper.hpp -- the node's configuration in force: the file as last
// (re)loaded plus the run-time changes operators made (HTTP API, MCP,
// conductorctl policy). It validates each change like the file, sends the
// new settings to the supervisor, and audits the change with its origin.
//
// Run-time changes last until the next SIGHUP or restart: the file is the
// truth operators keep under version control, so a reload drops them (and
// says which).
#pragma once

#include <string>

#include <caf/typed_event_based_actor.hpp>

#include <nlohmann/json.hpp>

#include "actors/interfaces.hpp"
#include "config/node_config.hpp"

namespace conductor {

struct config_keeper_state {
  std::string path;
  /// The file's text as last loaded: run-time changes are laid over it.
  std::string file_text;
  nlohmann::json changes = nlohmann::json::object();
  config::node_config running;
  supervisor_actor supervisor;
  /// A what-if is running on its worker: one at a time.
  bool whatif_running = false;
  static inline const char* name = "config";
};

/// Keeps `running`, loaded from `path` whose text was `file_text`.
config_keeper_actor::behavior_type
config_keeper(config_keeper_actor::stateful_pointer<config_keeper_state> self, std::string path,
              std::string file_text, config::node_config running, supervisor_actor supervisor);

/// The scaler settings in force, as the API shows them.
nlohmann::json scaler_in_force(const scaler_settings& s);

} // namespace conductor

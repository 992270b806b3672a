// resize_simulation.hpp -- conductor-replay --simulate: a utilisation trace
// as one plugin's demand, through the node's resizing loop (virtual_node) on
// the trace's own clock.
//
// The plugin ("trace") may use up to `capacity` (its upper bound, and where
// its limit starts); the host is that plus the configuration's reserves.
// With one service there is nothing for the degradation cascade to trade it
// against, so the host's degrade and emergency thresholds are put out of
// reach: what is simulated is the resizing loop. Each row is one sample of
// the host (the demand the limit lets through) and of the plugin (its
// demand, as the trace has it); the limit decided at a row is in force from
// the next.
#pragma once

#include <string>
#include <vector>

#include "config/node_config.hpp"
#include "messages/types.hpp"
#include "replay/csv_trace.hpp"

namespace conductor::replay {

enum class simulated_resource { cpu, memory };

struct simulation_options {
  simulated_resource resource = simulated_resource::cpu;
  /// cpu: cores at 100 % (a row's demand is value / 100 x capacity);
  /// memory: bytes, the values being bytes.
  double capacity = 0;
  /// The plugin's lower bound, in cores or bytes; 0: the smallest the node
  /// writes (0.1 % of a core) or 1 MiB.
  double min_limit = 0;
  /// Its scaler and prediction sections apply (mode, policy, cooldowns,
  /// flap budget, reserves, evaluation interval, ...).
  config::node_config config;
};

struct simulated_row {
  /// In cores or bytes.
  double demand = 0;
  /// The limit in force at this row, in cores or bytes.
  double limit = 0;
  /// What the scaler decided at this row (carried out from the next).
  std::vector<decision> decisions;
};

/// Runs the trace; false with `error` set when the options or the trace do
/// not allow it (capacity not positive, rows out of time order).
bool simulate_resizing(const trace& t, const simulation_options& o,
                       std::vector<simulated_row>& out, std::string& error);

} // namespace conductor::replay

// whatif.hpp -- what-if on a node's own history: the recorded samples of a
// data dir's conductor.db replayed through a virtual_node with a chosen
// policy and configuration, beside what the node did (its audit rows).
//
// Used by conductor-replay --from-db, POST /api/whatif and conductorctl
// whatif. Bounded, so that asking a live node cannot hurt it: at most
// `max_rows` sample rows are read and the replay stops at `deadline`
// (the report says when it was cut short).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/node_config.hpp"
#include "messages/types.hpp"

namespace conductor::replay {

struct whatif_request {
  /// The database file (DATA_DIR/conductor.db); opened read-only.
  std::string db_path;
  /// A plugin of the configuration, or "host".
  std::string plugin;
  /// How far back from the newest recorded sample.
  std::chrono::seconds since{std::chrono::hours{24}};
  /// A policy of scaler.policies to use instead of the configuration's; ""
  /// keeps it. The scaler-level overrides of the configuration apply to it
  /// as they would on the node. The replay runs with the scaler enabled,
  /// whatever scaler.mode says: a what-if of a scaler that may not act would
  /// decide nothing.
  std::string policy;
  /// The configuration to replay with (the node's own, or another file).
  config::node_config config;
  /// Bounds: sample rows read, and wall time spent replaying.
  size_t max_rows = 1'000'000;
  std::chrono::milliseconds deadline{10'000};
};

/// How a series of limits served a series of use: the scaling_eval.py
/// figures (slack, throttled time share) plus the changes made.
struct limit_figures {
  /// Rows where both a use and a limit were known.
  size_t rows = 0;
  double slack = 0;
  double throttled_time = 0;
  size_t changes = 0;
  double mean_limit = 0;
};

struct whatif_report {
  std::string plugin;
  std::string policy;
  /// The window replayed (Unix seconds) and what it held.
  double from = 0;
  double to = 0;
  size_t sample_rows = 0;
  size_t evaluations = 0;
  /// True when max_rows or the deadline cut the replay short.
  bool truncated = false;
  std::string truncated_why;
  /// What the replay decided, and the audit rows of what the node did, in
  /// the window (for the plugin, or every host-level and cascade row for
  /// "host").
  std::vector<decision> would;
  std::vector<decision> did;
  /// CPU (cores) and memory (bytes) limits against the plugin's use; empty
  /// (rows 0) for "host" or a resource without a limit.
  limit_figures would_cpu, did_cpu, would_memory, did_memory;
  /// Cascade steps: the plugin steps the degradation cascade takes (variant,
  /// disable, enable, stop), for the plugin or, for "host", for every plugin.
  /// Of the audit only the decisions count (status decided), not their
  /// outcome rows.
  size_t would_cascade_steps = 0;
  size_t did_cascade_steps = 0;
};

/// Why run_whatif failed, so that the API can answer with the right status.
enum class whatif_failure {
  none,
  /// An unknown plugin or policy, a bad window: the caller's mistake.
  bad_request,
  /// No such file, not a conductor database, another schema version, a
  /// read that failed.
  database,
  /// The database holds no samples (in the window).
  no_data,
};

/// Whether `action` is a step of the degradation cascade.
bool is_cascade_step(const std::string& action);

/// Runs the what-if. False with `error` set on bad input: no such file, not
/// a conductor database or another schema version, an unknown plugin or
/// policy, no samples in the window.
bool run_whatif(const whatif_request& req, whatif_report& out, std::string& error);

/// The same, saying in `why` which kind of failure it was.
bool run_whatif(const whatif_request& req, whatif_report& out, std::string& error,
                whatif_failure& why);

/// The bounds a node puts on a what-if it is asked for (POST /api/whatif,
/// conductorctl whatif), so that asking cannot hurt it: the window (also at
/// most persistence.retention, beyond which nothing is kept), the sample
/// rows read and the time spent.
constexpr std::chrono::hours node_whatif_max_since{24};
constexpr size_t node_whatif_max_rows = 200'000;
constexpr std::chrono::milliseconds node_whatif_deadline{5'000};
/// The window when a request names none.
constexpr const char* node_whatif_default_since = "6h";

/// Reads a request's window ("6h", "90m"): a duration of at least 1s and at
/// most node_whatif_max_since. False with `error` saying why otherwise.
bool parse_whatif_since(const std::string& text, std::chrono::seconds& out, std::string& error);

/// The report as the API and conductorctl show it.
nlohmann::json whatif_json(const whatif_report& r);

} // namespace conductor::replay

// sqlite_store.hpp -- conductor's SQLite database: schema, statements, writes.
//
// Plain C++ over the SQLite C API, no CAF: the persistence actor owns one and
// is its only user, so there is no locking here. Statements are prepared once
// and reset by a guard after each use. Table and column names follow the old
// design (autoscaler_metrics, autoscaler_history, autoscaler_config) so its
// users find their data.
//
// Durability: the database is in WAL mode with synchronous=NORMAL, which
// survives a crash of the process; metric batches are written that way. The
// audit tables (autoscaler_history, breaker_transitions, plugin_states) and
// the runtime state (autoscaler_config) are committed with synchronous=FULL:
// the WAL is fsync'd before the commit returns, so a row reported written
// survives kill -9 and power loss.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "messages/types.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace conductor {

/// One value of one metric at one time (a row of autoscaler_metrics).
struct metric_row {
  /// Unix time in seconds.
  double timestamp = 0;
  std::string source;
  std::string metric;
  double value = 0;
};

/// One decision (a row of autoscaler_history, the audit log).
struct decision_row {
  double timestamp = 0;
  std::string action;
  std::string target;
  std::string trigger;
  std::string reason;
  std::string inputs;
  std::string policy;
  double confidence = 1;
  /// decided | applied | failed (messages/types.hpp, decision)
  std::string status;
  std::string error;
  std::string variant;
  /// JSON objects: {"cpu_quota":..,"memory_max":..,"tasks_max":..}, set ones only.
  std::string old_limits;
  std::string new_limits;
  /// Who asked: scaler | plugins | config | the operator a command names.
  std::string origin;
  /// The row's id when read back (ignored when written).
  int64_t id = 0;
};

/// One circuit breaker transition (a row of breaker_transitions).
struct breaker_row {
  double timestamp = 0;
  std::string target;
  std::string from_state;
  std::string to_state;
  std::string reason;
};

/// One plugin state change (a row of plugin_states).
struct plugin_state_row {
  double timestamp = 0;
  std::string plugin;
  std::string state;
  int64_t pid = 0;
  std::string variant;
  std::string reason;
};

/// Why the database failed, for a message an operator can act on.
enum class store_failure { none, full, read_only, locked, corrupt, io, newer_schema, other };

/// What an operator should know about `f`, in a few words.
const char* to_string(store_failure f);

/// One point of a metric read back: the mean time and value of its bucket.
struct metric_point {
  double timestamp = 0;
  double value = 0;
};

class sqlite_store {
public:
  /// The schema version this build writes (PRAGMA user_version). Older
  /// versions are migrated forward at open, one version at a time, each in
  /// its own transaction: 1 had the audit without outcomes, 2 lacked the
  /// origin column, plugin_states, autoscaler_config and the series index.
  static constexpr int schema_version = 3;

  /// Opens (creating if needed) the database at `path` (":memory:" works),
  /// switches it to WAL and creates or migrates the schema. A database of a
  /// newer schema is refused untouched. On failure returns nullptr, sets
  /// `error` to a message that names the path and the cause, and `why` (if
  /// given) to the kind of failure.
  static std::unique_ptr<sqlite_store> open(const std::string& path, std::string& error,
                                            store_failure* why = nullptr);

  /// The CREATE statements of the current schema (benchmarks compare plain
  /// SQLite on exactly these tables and indexes).
  static const char* schema();

  /// Reads autoscaler_config from the database at `path` without writing:
  /// opened read-only, no migration. A missing file, or one older than the
  /// table, gives no rows. Fails (false, `error`, `why`) when the file cannot
  /// be read or has a newer schema.
  static bool read_config(const std::string& path, std::map<std::string, std::string>& out,
                          std::string& error, store_failure& why);

  ~sqlite_store();
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  /// Writes all rows in one transaction; all or nothing.
  bool insert_metrics(const std::vector<metric_row>& rows);

  /// Writes one audit row durably; returns its id, or -1 on failure.
  int64_t insert_decision(const decision_row& row);

  /// Writes one breaker transition durably; returns its id, or -1 on failure.
  int64_t insert_breaker(const breaker_row& row);

  /// Writes one plugin state change durably; returns its id, or -1 on failure.
  int64_t insert_plugin_state(const plugin_state_row& row);

  /// Sets these keys of autoscaler_config (the runtime state) in one durable
  /// transaction, all or nothing; other keys stay.
  bool save_config(const std::map<std::string, std::string>& entries, double timestamp);

  /// Every key of autoscaler_config.
  bool load_config(std::map<std::string, std::string>& out);

  /// Deletes at most `limit` metric rows older than `before` (Unix seconds),
  /// so pruning never holds the write lock for long. Returns rows deleted or -1.
  int64_t prune_metrics(double before, int limit);

  /// Audit rows matching `q` (messages/types.hpp), newest first; only the
  /// row with q.id when that is set. Fails
  /// (false, last_error) on a negative limit or offset, or a SQLite error.
  bool history(const history_request& q, std::vector<decision_row>& out);

  /// One metric of one source over [from, to] (Unix seconds), downsampled to
  /// at most `points` points: the range is cut into `points` equal buckets and
  /// each non-empty bucket gives the mean of its rows, oldest first. Fails
  /// (false, last_error) when to <= from or points < 1.
  bool metric_range(const std::string& source, const std::string& metric, double from,
                    double to, int points, std::vector<metric_point>& out);

  /// Rows in a table (tests, status); -1 on failure.
  int64_t count(const std::string& table);

  /// The last error SQLite reported, with the operation and its cause.
  const std::string& last_error() const {
    return last_error_;
  }

  /// The schema version open() migrated from; 0 when it did not migrate.
  int migrated_from() const {
    return migrated_from_;
  }

  /// The kind of the last failure.
  store_failure last_failure() const {
    return last_failure_;
  }

private:
  sqlite_store() = default;
  bool exec(const char* sql);
  sqlite3_stmt* prepare(const char* sql);
  bool fail(const char* what);
  /// Rolls back the open transaction; always returns false.
  bool rollback();
  /// Steps a prepared insert with the WAL fsync'd at its commit; the new
  /// row's id, or -1.
  int64_t insert_durably(sqlite3_stmt* stmt, const char* what);
  /// Runs `sql` (a rollback, a pragma) keeping the last error as it was.
  void quietly(const char* sql);
  /// Brings a database of schema `from` up to schema_version.
  bool migrate(int from);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_metric_ = nullptr;
  sqlite3_stmt* insert_decision_ = nullptr;
  sqlite3_stmt* insert_breaker_ = nullptr;
  sqlite3_stmt* insert_plugin_state_ = nullptr;
  sqlite3_stmt* upsert_config_ = nullptr;
  sqlite3_stmt* prune_ = nullptr;
  std::string last_error_;
  store_failure last_failure_ = store_failure::none;
  int migrated_from_ = 0;
};

} // namespace conductor

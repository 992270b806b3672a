// sqlite_store.hpp -- conductor's SQLite database: schema, statements, writes.
//
// Plain C++ over the SQLite C API, no CAF: the persistence actor owns one and
// is its only user, so there is no locking here. Statements are prepared once
// and reset by a guard after each use. Table and column names follow the old
// design (autoscaler_metrics, autoscaler_history) so its users find their data.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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
};

/// One circuit breaker transition (a row of breaker_transitions).
struct breaker_row {
  double timestamp = 0;
  std::string target;
  std::string from_state;
  std::string to_state;
  std::string reason;
};

/// Which audit rows to read: newest first, `offset` rows skipped, at most
/// `limit`; a time range in Unix seconds (0 = open) and a plugin (empty = all).
struct history_query {
  double from = 0;
  double to = 0;
  std::string plugin;
  int64_t limit = 100;
  int64_t offset = 0;
};

/// One point of a metric read back: the mean time and value of its bucket.
struct metric_point {
  double timestamp = 0;
  double value = 0;
};

class sqlite_store {
public:
  /// The schema version this build writes (PRAGMA user_version).
  static constexpr int schema_version = 2;

  /// Opens (creating if needed) the database at `path` (":memory:" works),
  /// switches it to WAL and creates the schema. On failure returns nullptr
  /// and sets `error` to a message that names the path.
  static std::unique_ptr<sqlite_store> open(const std::string& path, std::string& error);

  ~sqlite_store();
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  /// Writes all rows in one transaction; all or nothing.
  bool insert_metrics(const std::vector<metric_row>& rows);

  /// Writes one audit row durably; returns its id, or -1 on failure.
  int64_t insert_decision(const decision_row& row);

  /// Writes one breaker transition; returns its id, or -1 on failure.
  int64_t insert_breaker(const breaker_row& row);

  /// Deletes at most `limit` metric rows older than `before` (Unix seconds),
  /// so pruning never holds the write lock for long. Returns rows deleted or -1.
  int64_t prune_metrics(double before, int limit);

  /// Audit rows matching `q`, newest first. Fails (false, last_error) on a
  /// negative limit or offset, or a SQLite error.
  bool history(const history_query& q, std::vector<decision_row>& out);

  /// One metric of one source over [from, to] (Unix seconds), downsampled to
  /// at most `points` points: the range is cut into `points` equal buckets and
  /// each non-empty bucket gives the mean of its rows, oldest first. Fails
  /// (false, last_error) when to <= from or points < 1.
  bool metric_range(const std::string& source, const std::string& metric, double from,
                    double to, int points, std::vector<metric_point>& out);

  /// Rows in a table (tests, status); -1 on failure.
  int64_t count(const std::string& table);

  /// The last error SQLite reported, with the operation.
  const std::string& last_error() const {
    return last_error_;
  }

private:
  sqlite_store() = default;
  bool exec(const char* sql);
  sqlite3_stmt* prepare(const char* sql);
  bool fail(const char* what);
  /// Rolls back the open transaction; always returns false.
  bool rollback();

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_metric_ = nullptr;
  sqlite3_stmt* insert_decision_ = nullptr;
  sqlite3_stmt* insert_breaker_ = nullptr;
  sqlite3_stmt* prune_ = nullptr;
  std::string last_error_;
};

} // namespace conductor

#include "actors/persistence/sqlite_store.hpp"

#include <sqlite3.h>

namespace conductor {

namespace {

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS autoscaler_metrics (
  id        INTEGER PRIMARY KEY,
  timestamp REAL NOT NULL,
  source    TEXT NOT NULL,
  metric    TEXT NOT NULL,
  value     REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS autoscaler_metrics_time ON autoscaler_metrics(timestamp);
CREATE TABLE IF NOT EXISTS autoscaler_history (
  id         INTEGER PRIMARY KEY,
  timestamp  REAL NOT NULL,
  action     TEXT NOT NULL,
  target     TEXT NOT NULL DEFAULT '',
  trigger    TEXT NOT NULL DEFAULT '',
  reason     TEXT NOT NULL,
  inputs     TEXT NOT NULL DEFAULT '{}',
  policy     TEXT NOT NULL DEFAULT '',
  confidence REAL NOT NULL DEFAULT 1,
  status     TEXT NOT NULL DEFAULT '',
  error      TEXT NOT NULL DEFAULT '',
  variant    TEXT NOT NULL DEFAULT '',
  old_limits TEXT NOT NULL DEFAULT '{}',
  new_limits TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS autoscaler_history_time ON autoscaler_history(timestamp);
CREATE TABLE IF NOT EXISTS breaker_transitions (
  id         INTEGER PRIMARY KEY,
  timestamp  REAL NOT NULL,
  target     TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state   TEXT NOT NULL,
  reason     TEXT NOT NULL
);
)sql";

/// Resets a statement when it goes out of scope, whatever happened.
struct reset_guard {
  sqlite3_stmt* stmt;
  ~reset_guard() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};

void bind_text(sqlite3_stmt* stmt, int index, const std::string& text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

} // namespace

std::unique_ptr<sqlite_store> sqlite_store::open(const std::string& path, std::string& error) {
  std::unique_ptr<sqlite_store> store{new sqlite_store};
  auto rc = sqlite3_open_v2(path.c_str(), &store->db_,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                            nullptr);
  if (rc != SQLITE_OK) {
    error = "cannot open database " + path + ": "
            + (store->db_ ? sqlite3_errmsg(store->db_) : sqlite3_errstr(rc));
    return nullptr;
  }
  // Another process (conductorctl, an operator's sqlite3) may hold a read lock.
  sqlite3_busy_timeout(store->db_, 2000);
  sqlite3_stmt* version = store->prepare("PRAGMA user_version");
  int found = 0;
  if (version && sqlite3_step(version) == SQLITE_ROW)
    found = sqlite3_column_int(version, 0);
  sqlite3_finalize(version);
  if (found > schema_version) {
    error = "database " + path + " has schema version " + std::to_string(found)
            + ", newer than this conductor's " + std::to_string(schema_version)
            + ": refusing to open it (upgrade conductor or use another data_dir)";
    return nullptr;
  }
  // WAL: readers never block the writer; NORMAL is durable across crashes of
  // the process (the audit path asks for FULL per transaction in a later issue).
  // The page cache is capped at 512 KiB (SQLite's default is 2 MiB): the node
  // appends rows and rarely reads, so a bigger cache only grows its RSS.
  // Version 2 added each audit row's outcome and limits.
  if (found == 1) {
    for (const char* column :
         {"status TEXT NOT NULL DEFAULT ''", "error TEXT NOT NULL DEFAULT ''",
          "variant TEXT NOT NULL DEFAULT ''", "old_limits TEXT NOT NULL DEFAULT '{}'",
          "new_limits TEXT NOT NULL DEFAULT '{}'"})
      if (!store->exec(("ALTER TABLE autoscaler_history ADD COLUMN " + std::string{column}).c_str())) {
        error = "cannot migrate database " + path + " to schema version 2: " + store->last_error_;
        return nullptr;
      }
  }
  if (!store->exec("PRAGMA journal_mode=WAL") || !store->exec("PRAGMA synchronous=NORMAL")
      || !store->exec("PRAGMA cache_size=-512") || !store->exec(schema_sql)
      || !store->exec(("PRAGMA user_version=" + std::to_string(schema_version)).c_str())) {
    error = "cannot initialise database " + path + ": " + store->last_error_;
    return nullptr;
  }
  store->insert_metric_ = store->prepare(
    "INSERT INTO autoscaler_metrics(timestamp, source, metric, value) VALUES (?, ?, ?, ?)");
  store->insert_decision_ = store->prepare(
    "INSERT INTO autoscaler_history(timestamp, action, target, trigger, reason, inputs, policy,"
    " confidence, status, error, variant, old_limits, new_limits)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  store->insert_breaker_ = store->prepare(
    "INSERT INTO breaker_transitions(timestamp, target, from_state, to_state, reason)"
    " VALUES (?, ?, ?, ?, ?)");
  store->prune_ = store->prepare(
    "DELETE FROM autoscaler_metrics WHERE id IN (SELECT id FROM autoscaler_metrics"
    " WHERE timestamp < ? ORDER BY id LIMIT ?)");
  if (!store->insert_metric_ || !store->insert_decision_ || !store->insert_breaker_
      || !store->prune_) {
    error = "cannot prepare statements on " + path + ": " + store->last_error_;
    return nullptr;
  }
  return store;
}

sqlite_store::~sqlite_store() {
  for (auto* stmt : {insert_metric_, insert_decision_, insert_breaker_, prune_})
    sqlite3_finalize(stmt);
  // close_v2 defers the close until every statement is finalized.
  sqlite3_close_v2(db_);
}

bool sqlite_store::fail(const char* what) {
  last_error_ = std::string{what} + ": " + sqlite3_errmsg(db_);
  return false;
}

bool sqlite_store::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    last_error_ = msg ? msg : sqlite3_errmsg(db_);
    sqlite3_free(msg);
    return false;
  }
  return true;
}

sqlite3_stmt* sqlite_store::prepare(const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    fail("prepare");
    return nullptr;
  }
  return stmt;
}

bool sqlite_store::insert_metrics(const std::vector<metric_row>& rows) {
  if (rows.empty())
    return true;
  if (!exec("BEGIN IMMEDIATE"))
    return false;
  for (const auto& row : rows) {
    reset_guard guard{insert_metric_};
    sqlite3_bind_double(insert_metric_, 1, row.timestamp);
    bind_text(insert_metric_, 2, row.source);
    bind_text(insert_metric_, 3, row.metric);
    sqlite3_bind_double(insert_metric_, 4, row.value);
    if (sqlite3_step(insert_metric_) != SQLITE_DONE) {
      fail("insert metric");
      return rollback();
    }
  }
  return exec("COMMIT") || rollback();
}

bool sqlite_store::rollback() {
  // Keep the error that made us roll back, not the rollback's own.
  auto cause = last_error_;
  exec("ROLLBACK");
  last_error_ = std::move(cause);
  return false;
}

int64_t sqlite_store::insert_decision(const decision_row& row) {
  reset_guard guard{insert_decision_};
  sqlite3_bind_double(insert_decision_, 1, row.timestamp);
  bind_text(insert_decision_, 2, row.action);
  bind_text(insert_decision_, 3, row.target);
  bind_text(insert_decision_, 4, row.trigger);
  bind_text(insert_decision_, 5, row.reason);
  bind_text(insert_decision_, 6, row.inputs.empty() ? std::string{"{}"} : row.inputs);
  bind_text(insert_decision_, 7, row.policy);
  sqlite3_bind_double(insert_decision_, 8, row.confidence);
  bind_text(insert_decision_, 9, row.status);
  bind_text(insert_decision_, 10, row.error);
  bind_text(insert_decision_, 11, row.variant);
  bind_text(insert_decision_, 12, row.old_limits.empty() ? std::string{"{}"} : row.old_limits);
  bind_text(insert_decision_, 13, row.new_limits.empty() ? std::string{"{}"} : row.new_limits);
  if (sqlite3_step(insert_decision_) != SQLITE_DONE)
    return fail("insert decision"), -1;
  return sqlite3_last_insert_rowid(db_);
}

int64_t sqlite_store::insert_breaker(const breaker_row& row) {
  reset_guard guard{insert_breaker_};
  sqlite3_bind_double(insert_breaker_, 1, row.timestamp);
  bind_text(insert_breaker_, 2, row.target);
  bind_text(insert_breaker_, 3, row.from_state);
  bind_text(insert_breaker_, 4, row.to_state);
  bind_text(insert_breaker_, 5, row.reason);
  if (sqlite3_step(insert_breaker_) != SQLITE_DONE)
    return fail("insert breaker transition"), -1;
  return sqlite3_last_insert_rowid(db_);
}

int64_t sqlite_store::prune_metrics(double before, int limit) {
  reset_guard guard{prune_};
  sqlite3_bind_double(prune_, 1, before);
  sqlite3_bind_int(prune_, 2, limit);
  if (sqlite3_step(prune_) != SQLITE_DONE)
    return fail("prune metrics"), -1;
  return sqlite3_changes(db_);
}

bool sqlite_store::history(const history_query& q, std::vector<decision_row>& out) {
  out.clear();
  if (q.limit < 0 || q.offset < 0) {
    last_error_ = "history: limit and offset must be at least 0";
    return false;
  }
  auto* stmt = prepare(
    "SELECT timestamp, action, target, trigger, reason, inputs, policy, confidence, status,"
    " error, variant, old_limits, new_limits FROM autoscaler_history"
    " WHERE (?1 = 0 OR timestamp >= ?1) AND (?2 = 0 OR timestamp <= ?2)"
    " AND (?3 = '' OR target = ?3) ORDER BY timestamp DESC, id DESC LIMIT ?4 OFFSET ?5");
  if (!stmt)
    return false;
  sqlite3_bind_double(stmt, 1, q.from);
  sqlite3_bind_double(stmt, 2, q.to);
  bind_text(stmt, 3, q.plugin);
  sqlite3_bind_int64(stmt, 4, q.limit);
  sqlite3_bind_int64(stmt, 5, q.offset);
  auto text = [&](int col) {
    auto* t = sqlite3_column_text(stmt, col);
    return std::string{t ? reinterpret_cast<const char*>(t) : ""};
  };
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    out.push_back({sqlite3_column_double(stmt, 0), text(1), text(2), text(3), text(4), text(5),
                   text(6), sqlite3_column_double(stmt, 7), text(8), text(9), text(10),
                   text(11), text(12)});
  bool ok = rc == SQLITE_DONE || fail("history");
  sqlite3_finalize(stmt);
  return ok;
}

bool sqlite_store::metric_range(const std::string& source, const std::string& metric,
                                double from, double to, int points,
                                std::vector<metric_point>& out) {
  out.clear();
  if (!(to > from) || points < 1) {
    last_error_ = "metric_range: needs from < to and at least 1 point";
    return false;
  }
  // Buckets are computed in SQL, so a day of rows is never read into memory.
  auto* stmt = prepare(
    "SELECT AVG(timestamp), AVG(value) FROM autoscaler_metrics"
    " WHERE source = ?1 AND metric = ?2 AND timestamp >= ?3 AND timestamp <= ?4"
    " GROUP BY MIN(CAST((timestamp - ?3) / ?5 AS INTEGER), ?6) ORDER BY 1");
  if (!stmt)
    return false;
  bind_text(stmt, 1, source);
  bind_text(stmt, 2, metric);
  sqlite3_bind_double(stmt, 3, from);
  sqlite3_bind_double(stmt, 4, to);
  sqlite3_bind_double(stmt, 5, (to - from) / points);
  // The row at exactly `to` belongs to the last bucket, not one past it.
  sqlite3_bind_int(stmt, 6, points - 1);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    out.push_back({sqlite3_column_double(stmt, 0), sqlite3_column_double(stmt, 1)});
  bool ok = rc == SQLITE_DONE || fail("metric_range");
  sqlite3_finalize(stmt);
  return ok;
}

int64_t sqlite_store::count(const std::string& table) {
  // The table name cannot be bound: only the known tables are accepted.
  if (table != "autoscaler_metrics" && table != "autoscaler_history"
      && table != "breaker_transitions") {
    last_error_ = "count: unknown table " + table;
    return -1;
  }
  auto* stmt = prepare(("SELECT COUNT(*) FROM " + table).c_str());
  if (!stmt)
    return -1;
  int64_t n = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW)
    n = sqlite3_column_int64(stmt, 0);
  else
    fail("count");
  sqlite3_finalize(stmt);
  return n;
}

} // namespace conductor

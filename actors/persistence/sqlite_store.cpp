#include "actors/persistence/sqlite_store.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace conductor {

namespace {

/// The whole schema of the current version. IF NOT EXISTS throughout: on an
/// older database it runs after the migrations and adds what is new.
constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS autoscaler_metrics (
  id        INTEGER PRIMARY KEY,
  timestamp REAL NOT NULL,
  source    TEXT NOT NULL,
  metric    TEXT NOT NULL,
  value     REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS autoscaler_metrics_time ON autoscaler_metrics(timestamp);
CREATE INDEX IF NOT EXISTS autoscaler_metrics_series
  ON autoscaler_metrics(source, metric, timestamp);
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
  new_limits TEXT NOT NULL DEFAULT '{}',
  origin     TEXT NOT NULL DEFAULT ''
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
CREATE TABLE IF NOT EXISTS plugin_states (
  id        INTEGER PRIMARY KEY,
  timestamp REAL NOT NULL,
  plugin    TEXT NOT NULL,
  state     TEXT NOT NULL,
  pid       INTEGER NOT NULL DEFAULT 0,
  variant   TEXT NOT NULL DEFAULT '',
  reason    TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS autoscaler_config (
  key     TEXT PRIMARY KEY,
  value   TEXT NOT NULL,
  updated REAL NOT NULL
);
)sql";

/// What each version adds to the one before that CREATE ... IF NOT EXISTS
/// cannot: columns of existing tables. Index i takes version i + 1 to i + 2.
const std::vector<std::vector<const char*>>& migrations() {
  static const std::vector<std::vector<const char*>> steps{
    // 1 -> 2: each audit row's outcome and limits.
    {"ALTER TABLE autoscaler_history ADD COLUMN status TEXT NOT NULL DEFAULT ''",
     "ALTER TABLE autoscaler_history ADD COLUMN error TEXT NOT NULL DEFAULT ''",
     "ALTER TABLE autoscaler_history ADD COLUMN variant TEXT NOT NULL DEFAULT ''",
     "ALTER TABLE autoscaler_history ADD COLUMN old_limits TEXT NOT NULL DEFAULT '{}'",
     "ALTER TABLE autoscaler_history ADD COLUMN new_limits TEXT NOT NULL DEFAULT '{}'"},
    // 2 -> 3: who asked (plugin_states, autoscaler_config and the series
    // index come from the schema).
    {"ALTER TABLE autoscaler_history ADD COLUMN origin TEXT NOT NULL DEFAULT ''"},
  };
  return steps;
}

/// Why a file could not be opened, as far as its directory tells: "" or
/// " (directory ... does not exist)" and the like.
std::string directory_problem(const std::string& path) {
  auto slash = path.find_last_of('/');
  auto dir = slash == std::string::npos ? std::string{"."} : path.substr(0, slash);
  if (dir.empty())
    dir = "/";
  if (::access(dir.c_str(), F_OK) != 0)
    return " (directory " + dir + " does not exist)";
  if (::access(dir.c_str(), W_OK) != 0 || errno == EROFS)
    return " (directory " + dir + " is not writable: " + std::strerror(errno) + ")";
  return "";
}

store_failure classify(int extended_code) {
  switch (extended_code & 0xff) {
    case SQLITE_OK:
      return store_failure::none;
    case SQLITE_FULL:
      return store_failure::full;
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return store_failure::read_only;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return store_failure::locked;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return store_failure::corrupt;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return store_failure::io;
    default:
      return store_failure::other;
  }
}

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

std::unique_ptr<sqlite_store> sqlite_store::open(const std::string& path, std::string& error,
                                                store_failure* why) {
  std::unique_ptr<sqlite_store> store{new sqlite_store};
  auto failed = [&](std::string message, store_failure kind) {
    error = std::move(message);
    if (why)
      *why = kind;
    return nullptr;
  };
  auto rc = sqlite3_open_v2(path.c_str(), &store->db_,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                            nullptr);
  if (rc != SQLITE_OK)
    return failed("cannot open database " + path + ": "
                    + (store->db_ ? sqlite3_errmsg(store->db_) : sqlite3_errstr(rc))
                    + directory_problem(path),
                  classify(rc));
  sqlite3_extended_result_codes(store->db_, 1);
  // Another process (conductorctl, an operator's sqlite3) may hold a lock for
  // a moment; longer than this is reported, and the write retried later.
  sqlite3_busy_timeout(store->db_, 1000);
  sqlite3_stmt* version = store->prepare("PRAGMA user_version");
  int found = 0;
  rc = version ? sqlite3_step(version) : sqlite3_extended_errcode(store->db_);
  if (rc == SQLITE_ROW)
    found = sqlite3_column_int(version, 0);
  sqlite3_finalize(version);
  if (rc != SQLITE_ROW)
    return failed("cannot read database " + path + ": " + sqlite3_errmsg(store->db_) + " ("
                    + to_string(classify(sqlite3_extended_errcode(store->db_))) + ")",
                  classify(sqlite3_extended_errcode(store->db_)));
  if (found > schema_version)
    return failed("database " + path + " has schema version " + std::to_string(found)
                    + ", newer than this conductor's " + std::to_string(schema_version)
                    + ": refusing to open it (upgrade conductor or use another data_dir)",
                  store_failure::newer_schema);
  // WAL: readers never block the writer. NORMAL survives a crash of the
  // process; the audit asks for FULL per commit (insert_durably). The page
  // cache is capped at 512 KiB (SQLite's default is 2 MiB): the node appends
  // rows and rarely reads, so a bigger cache only grows its RSS.
  bool ok = store->exec("PRAGMA journal_mode=WAL") && store->exec("PRAGMA synchronous=NORMAL")
            && store->exec("PRAGMA cache_size=-512");
  // The migrations, the schema and the new version in one transaction: a
  // crash half way leaves the old version whole.
  ok = ok && store->exec("BEGIN IMMEDIATE");
  if (ok && found > 0 && found < schema_version && !store->migrate(found)) {
    store->rollback();
    return failed("cannot migrate database " + path + " from schema version "
                    + std::to_string(found) + ": " + store->last_error_,
                  store->last_failure_);
  }
  ok = ok && store->exec(schema_sql)
       && store->exec(("PRAGMA user_version=" + std::to_string(schema_version)).c_str())
       && (store->exec("COMMIT") || store->rollback());
  if (!ok)
    return failed("cannot initialise database " + path + ": " + store->last_error_,
                  store->last_failure_);
  if (found > 0 && found < schema_version)
    store->migrated_from_ = found;
  store->insert_metric_ = store->prepare(
    "INSERT INTO autoscaler_metrics(timestamp, source, metric, value) VALUES (?, ?, ?, ?)");
  store->insert_decision_ = store->prepare(
    "INSERT INTO autoscaler_history(timestamp, action, target, trigger, reason, inputs, policy,"
    " confidence, status, error, variant, old_limits, new_limits, origin)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  store->insert_breaker_ = store->prepare(
    "INSERT INTO breaker_transitions(timestamp, target, from_state, to_state, reason)"
    " VALUES (?, ?, ?, ?, ?)");
  store->insert_plugin_state_ = store->prepare(
    "INSERT INTO plugin_states(timestamp, plugin, state, pid, variant, reason)"
    " VALUES (?, ?, ?, ?, ?, ?)");
  store->upsert_config_ = store->prepare(
    "INSERT INTO autoscaler_config(key, value, updated) VALUES (?, ?, ?)"
    " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated = excluded.updated");
  store->prune_ = store->prepare(
    "DELETE FROM autoscaler_metrics WHERE id IN (SELECT id FROM autoscaler_metrics"
    " WHERE timestamp < ? ORDER BY id LIMIT ?)");
  if (!store->insert_metric_ || !store->insert_decision_ || !store->insert_breaker_
      || !store->insert_plugin_state_ || !store->upsert_config_ || !store->prune_)
    return failed("cannot prepare statements on " + path + ": " + store->last_error_,
                  store->last_failure_);
  return store;
}

const char* sqlite_store::schema() {
  return schema_sql;
}

bool sqlite_store::read_config(const std::string& path, std::map<std::string, std::string>& out,
                               std::string& error, store_failure& why) {
  out.clear();
  why = store_failure::none;
  if (::access(path.c_str(), F_OK) != 0)
    return true; // a first start
  std::unique_ptr<sqlite_store> store{new sqlite_store};
  auto failed = [&](const std::string& what, store_failure kind) {
    why = kind;
    error = "cannot read database " + path + ": " + what;
    return false;
  };
  if (sqlite3_open_v2(path.c_str(), &store->db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    return failed(store->db_ ? sqlite3_errmsg(store->db_) : "out of memory", store_failure::io);
  sqlite3_busy_timeout(store->db_, 1000);
  sqlite3_stmt* version = store->prepare("PRAGMA user_version");
  int found = -1;
  if (version && sqlite3_step(version) == SQLITE_ROW)
    found = sqlite3_column_int(version, 0);
  sqlite3_finalize(version);
  if (found < 0) {
    auto kind = classify(sqlite3_extended_errcode(store->db_));
    return failed(std::string{sqlite3_errmsg(store->db_)} + " (" + to_string(kind) + ")", kind);
  }
  if (found > schema_version)
    return failed("schema version " + std::to_string(found) + " is newer than this conductor's "
                    + std::to_string(schema_version)
                    + " (upgrade conductor or use another data_dir)",
                  store_failure::newer_schema);
  if (found < 3)
    return true; // autoscaler_config came with version 3
  if (!store->load_config(out))
    return failed(store->last_error_, store->last_failure_);
  return true;
}

sqlite_store::~sqlite_store() {
  for (auto* stmt : {insert_metric_, insert_decision_, insert_breaker_, insert_plugin_state_,
                     upsert_config_, prune_})
    sqlite3_finalize(stmt);
  // close_v2 defers the close until every statement is finalized.
  sqlite3_close_v2(db_);
}

const char* to_string(store_failure f) {
  switch (f) {
    case store_failure::none:
      return "no failure";
    case store_failure::full:
      return "the disk is full";
    case store_failure::read_only:
      return "the database or its directory is read-only";
    case store_failure::locked:
      return "another process holds a lock on the database";
    case store_failure::corrupt:
      return "the database file is corrupt: move it aside and conductor starts a new one";
    case store_failure::io:
      return "an I/O error";
    case store_failure::newer_schema:
      return "the database was written by a newer conductor";
    case store_failure::other:
      break;
  }
  return "a SQLite error";
}

bool sqlite_store::fail(const char* what) {
  last_failure_ = classify(sqlite3_extended_errcode(db_));
  last_error_ = std::string{what} + ": " + sqlite3_errmsg(db_) + " (" + to_string(last_failure_)
                + ")";
  return false;
}

bool sqlite_store::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    last_failure_ = classify(sqlite3_extended_errcode(db_));
    last_error_ = std::string{msg ? msg : sqlite3_errmsg(db_)} + " (" + to_string(last_failure_)
                  + ")";
    sqlite3_free(msg);
    return false;
  }
  return true;
}

bool sqlite_store::migrate(int from) {
  const auto& steps = migrations();
  for (int v = from; v < schema_version; ++v)
    for (const char* sql : steps.at(static_cast<size_t>(v - 1)))
      if (!exec(sql))
        return false;
  return true;
}

int64_t sqlite_store::insert_durably(sqlite3_stmt* stmt, const char* what) {
  // FULL for this one commit: SQLite fsyncs the WAL before it returns.
  if (!exec("PRAGMA synchronous=FULL"))
    return -1;
  int64_t id = -1;
  if (sqlite3_step(stmt) == SQLITE_DONE)
    id = sqlite3_last_insert_rowid(db_);
  else
    fail(what);
  quietly("PRAGMA synchronous=NORMAL");
  return id;
}

void sqlite_store::quietly(const char* sql) {
  // Keep the error that came before, not this statement's.
  auto cause = std::move(last_error_);
  auto kind = last_failure_;
  exec(sql);
  last_error_ = std::move(cause);
  last_failure_ = kind;
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
  quietly("ROLLBACK");
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
  bind_text(insert_decision_, 14, row.origin);
  return insert_durably(insert_decision_, "insert decision");
}

int64_t sqlite_store::insert_breaker(const breaker_row& row) {
  reset_guard guard{insert_breaker_};
  sqlite3_bind_double(insert_breaker_, 1, row.timestamp);
  bind_text(insert_breaker_, 2, row.target);
  bind_text(insert_breaker_, 3, row.from_state);
  bind_text(insert_breaker_, 4, row.to_state);
  bind_text(insert_breaker_, 5, row.reason);
  return insert_durably(insert_breaker_, "insert breaker transition");
}

int64_t sqlite_store::insert_plugin_state(const plugin_state_row& row) {
  reset_guard guard{insert_plugin_state_};
  sqlite3_bind_double(insert_plugin_state_, 1, row.timestamp);
  bind_text(insert_plugin_state_, 2, row.plugin);
  bind_text(insert_plugin_state_, 3, row.state);
  sqlite3_bind_int64(insert_plugin_state_, 4, row.pid);
  bind_text(insert_plugin_state_, 5, row.variant);
  bind_text(insert_plugin_state_, 6, row.reason);
  return insert_durably(insert_plugin_state_, "insert plugin state");
}

bool sqlite_store::save_config(const std::map<std::string, std::string>& entries,
                               double timestamp) {
  if (!exec("PRAGMA synchronous=FULL"))
    return false;
  bool ok = exec("BEGIN IMMEDIATE");
  for (auto i = entries.begin(); ok && i != entries.end(); ++i) {
    reset_guard guard{upsert_config_};
    bind_text(upsert_config_, 1, i->first);
    bind_text(upsert_config_, 2, i->second);
    sqlite3_bind_double(upsert_config_, 3, timestamp);
    ok = sqlite3_step(upsert_config_) == SQLITE_DONE || fail("save runtime state");
  }
  ok = ok ? exec("COMMIT") || rollback() : rollback();
  quietly("PRAGMA synchronous=NORMAL");
  return ok;
}

bool sqlite_store::load_config(std::map<std::string, std::string>& out) {
  out.clear();
  auto* stmt = prepare("SELECT key, value FROM autoscaler_config");
  if (!stmt)
    return false;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    auto* k = sqlite3_column_text(stmt, 0);
    auto* v = sqlite3_column_text(stmt, 1);
    out[k ? reinterpret_cast<const char*>(k) : ""] = v ? reinterpret_cast<const char*>(v) : "";
  }
  bool ok = rc == SQLITE_DONE || fail("load runtime state");
  sqlite3_finalize(stmt);
  return ok;
}

int64_t sqlite_store::prune_metrics(double before, int limit) {
  reset_guard guard{prune_};
  sqlite3_bind_double(prune_, 1, before);
  sqlite3_bind_int(prune_, 2, limit);
  if (sqlite3_step(prune_) != SQLITE_DONE)
    return fail("prune metrics"), -1;
  return sqlite3_changes(db_);
}

bool sqlite_store::history(const history_request& q, std::vector<decision_row>& out) {
  out.clear();
  if (q.limit < 0 || q.offset < 0) {
    last_error_ = "history: limit and offset must be at least 0";
    return false;
  }
  auto* stmt = prepare(
    "SELECT timestamp, action, target, trigger, reason, inputs, policy, confidence, status,"
    " error, variant, old_limits, new_limits, origin, id FROM autoscaler_history"
    " WHERE ?6 > 0 AND id = ?6 OR ?6 <= 0 AND (?1 = 0 OR timestamp >= ?1)"
    " AND (?2 = 0 OR timestamp <= ?2) AND (?3 = '' OR target = ?3)"
    " ORDER BY timestamp DESC, id DESC LIMIT ?4 OFFSET ?5");
  if (!stmt)
    return false;
  sqlite3_bind_double(stmt, 1, q.from);
  sqlite3_bind_double(stmt, 2, q.to);
  bind_text(stmt, 3, q.plugin);
  sqlite3_bind_int64(stmt, 4, q.limit);
  sqlite3_bind_int64(stmt, 5, q.offset);
  sqlite3_bind_int64(stmt, 6, q.id);
  auto text = [&](int col) {
    auto* t = sqlite3_column_text(stmt, col);
    return std::string{t ? reinterpret_cast<const char*>(t) : ""};
  };
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    out.push_back({sqlite3_column_double(stmt, 0), text(1), text(2), text(3), text(4), text(5),
                   text(6), sqlite3_column_double(stmt, 7), text(8), text(9), text(10),
                   text(11), text(12), text(13), sqlite3_column_int64(stmt, 14)});
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
      && table != "breaker_transitions" && table != "plugin_states"
      && table != "autoscaler_config") {
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

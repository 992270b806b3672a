// conductor's SQLite store (actors/persistence/sqlite_store.hpp) on
// ":memory:" and on a real file in a temporary directory, checked through a
// second, independent sqlite3 connection where it matters.
#define CAF_SUITE sqlite_store

#include <caf/test/unit_test.hpp>

#include <sqlite3.h>
#include <stdlib.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "actors/persistence/sqlite_store.hpp"
#include "tests/require.hpp"
#include "tests/sync_counting_vfs.hpp"
#include "tests/temp_dir.hpp"

using namespace conductor;

namespace {

using test::temp_dir;


/// A second connection, opened with the plain C API, closed on scope exit.
struct connection {
  sqlite3* db = nullptr;
  explicit connection(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr)
        != SQLITE_OK) {
      sqlite3_close(db);
      db = nullptr;
    }
  }
  ~connection() {
    sqlite3_close(db);
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  bool exec(const std::string& sql) {
    return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  }

  /// Every row of `sql`, each column as text ("NULL" for NULL).
  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      return out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        auto* text = sqlite3_column_text(stmt, i);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "NULL");
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    return out;
  }

  /// The first column of the first row, or "" when there is none.
  std::string text(const std::string& sql) {
    auto r = rows(sql);
    return r.empty() || r.front().empty() ? std::string{} : r.front().front();
  }

  /// The first column of the first row as a double (NaN when there is none).
  double number(const std::string& sql) {
    double out = std::nan("");
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      return out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
      out = sqlite3_column_double(stmt, 0);
    sqlite3_finalize(stmt);
    return out;
  }
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const char* const tables[] = {"autoscaler_metrics", "autoscaler_history",
                              "breaker_transitions", "plugin_states", "autoscaler_config"};

/// Around 2023-11-14 in Unix seconds: realistic timestamps.
constexpr double t0 = 1700000000.0;

metric_row metric(double ts, const std::string& name, double value) {
  return metric_row{ts, "host", name, value};
}

} // namespace

// -- open and schema ----------------------------------------------------------

CAF_TEST(open in memory creates the schema) {
  std::string error;
  auto store = sqlite_store::open(":memory:", error);
  REQUIRE_OR_RETURN(store != nullptr);
  CAF_CHECK(error.empty());
  for (auto* table : tables)
    CAF_CHECK_EQUAL(store->count(table), 0);
}

CAF_TEST(count of an unknown table is an error) {
  std::string error;
  auto store = sqlite_store::open(":memory:", error);
  REQUIRE_OR_RETURN(store != nullptr);
  CAF_CHECK_EQUAL(store->count("bogus"), -1);
  CAF_CHECK(has(store->last_error(), "bogus"));
  // Not a way around the allow-list either.
  CAF_CHECK_EQUAL(store->count("autoscaler_metrics; DROP TABLE autoscaler_history"), -1);
  CAF_CHECK_EQUAL(store->count("autoscaler_history"), 0);
}

CAF_TEST(open on a file creates the schema in wal mode) {
  temp_dir dir;
  auto path = dir.path() + "/conductor.db";
  std::string error;
  auto store = sqlite_store::open(path, error);
  REQUIRE_OR_RETURN(store != nullptr);
  CAF_CHECK(std::filesystem::exists(path));
  for (auto* table : tables)
    CAF_CHECK_EQUAL(store->count(table), 0);
  connection other{path};
  REQUIRE_OR_RETURN(other.db != nullptr);
  CAF_CHECK_EQUAL(other.text("PRAGMA journal_mode"), "wal");
  CAF_CHECK_EQUAL(other.text("PRAGMA user_version"),
                  std::to_string(sqlite_store::schema_version));
  CAF_CHECK_EQUAL(other.text("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name"
                             " IN ('autoscaler_metrics', 'autoscaler_history',"
                             " 'breaker_transitions')"),
                  "3");
}

CAF_TEST(reopening the same file keeps the data) {
  temp_dir dir;
  auto path = dir.path() + "/conductor.db";
  std::string error;
  {
    auto store = sqlite_store::open(path, error);
    REQUIRE_OR_RETURN(store != nullptr);
    auto written = store->insert_metrics({metric(t0, "cpu_percent", 12.5),
                                          metric(t0 + 1, "memory_percent", 40)});
    REQUIRE_OR_RETURN(written);
    auto id = store->insert_decision(
      {t0, "hold", "", "measured", "calm", "{}", "balanced", 1.0, "", "", "", "", "", ""});
    REQUIRE_EQUAL_OR_RETURN(id, 1);
  }
  auto again = sqlite_store::open(path, error);
  REQUIRE_OR_RETURN(again != nullptr);
  CAF_CHECK_EQUAL(again->count("autoscaler_metrics"), 2);
  CAF_CHECK_EQUAL(again->count("autoscaler_history"), 1);
  // Ids continue after the existing rows.
  CAF_CHECK_EQUAL(again->insert_decision({t0 + 5, "degrade", "", "measured", "hot", "{}",
                                          "balanced", 1.0, "", "", "", "", "", ""}),
                  2);
}

CAF_TEST(a version 1 database is migrated to the current schema and keeps its rows) {
  temp_dir dir;
  auto path = dir.path() + "/v1.db";
  {
    connection v1{path};
    REQUIRE_OR_RETURN(v1.db != nullptr);
    REQUIRE_OR_RETURN(v1.exec(
      "CREATE TABLE autoscaler_history (id INTEGER PRIMARY KEY, timestamp REAL NOT NULL,"
      " action TEXT NOT NULL, target TEXT NOT NULL DEFAULT '', trigger TEXT NOT NULL DEFAULT '',"
      " reason TEXT NOT NULL, inputs TEXT NOT NULL DEFAULT '{}', policy TEXT NOT NULL DEFAULT '',"
      " confidence REAL NOT NULL DEFAULT 1);"
      "INSERT INTO autoscaler_history(timestamp, action, reason) VALUES (1, 'hold', 'calm');"
      "PRAGMA user_version = 1"));
  }
  std::string error;
  auto store = sqlite_store::open(path, error);
  REQUIRE_OR_RETURN(store != nullptr);
  CAF_CHECK_EQUAL(store->insert_decision({t0, "disable", "batch", "measured", "hot", "{}", "",
                                          1.0, "failed", "busy", "", "{}", "{}", ""}),
                  2);
  connection check{path};
  REQUIRE_OR_RETURN(check.db != nullptr);
  CAF_CHECK_EQUAL(check.text("SELECT status || '/' || error FROM autoscaler_history WHERE id = 2"),
                  "failed/busy");
  CAF_CHECK_EQUAL(check.text("SELECT action || status FROM autoscaler_history WHERE id = 1"),
                  "hold");
  CAF_CHECK_EQUAL(check.text("PRAGMA user_version"), std::to_string(sqlite_store::schema_version));
  CAF_CHECK_EQUAL(store->migrated_from(), 1);
  // Version 3's parts: the origin column, the new tables and the series index.
  CAF_CHECK_EQUAL(check.text("SELECT origin FROM autoscaler_history WHERE id = 1"), "");
  CAF_CHECK_EQUAL(check.text("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('plugin_states',"
                             " 'autoscaler_config', 'autoscaler_metrics_series')"),
                  "3");
}

CAF_TEST(a version 2 database gains the origin column and the version 3 tables) {
  temp_dir dir;
  auto path = dir.path() + "/v2.db";
  {
    connection v2{path};
    REQUIRE_OR_RETURN(v2.db != nullptr);
    REQUIRE_OR_RETURN(v2.exec(
      "CREATE TABLE autoscaler_history (id INTEGER PRIMARY KEY, timestamp REAL NOT NULL,"
      " action TEXT NOT NULL, target TEXT NOT NULL DEFAULT '', trigger TEXT NOT NULL DEFAULT '',"
      " reason TEXT NOT NULL, inputs TEXT NOT NULL DEFAULT '{}', policy TEXT NOT NULL DEFAULT '',"
      " confidence REAL NOT NULL DEFAULT 1, status TEXT NOT NULL DEFAULT '',"
      " error TEXT NOT NULL DEFAULT '', variant TEXT NOT NULL DEFAULT '',"
      " old_limits TEXT NOT NULL DEFAULT '{}', new_limits TEXT NOT NULL DEFAULT '{}');"
      "CREATE TABLE autoscaler_metrics (id INTEGER PRIMARY KEY, timestamp REAL NOT NULL,"
      " source TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL);"
      "INSERT INTO autoscaler_history(timestamp, action, reason, status) VALUES (1, 'disable',"
      " 'hot', 'applied');"
      "INSERT INTO autoscaler_metrics(timestamp, source, metric, value) VALUES (1, 'host',"
      " 'cpu_percent', 12);"
      "PRAGMA user_version = 2"));
  }
  std::string error;
  auto store = sqlite_store::open(path, error);
  REQUIRE_OR_RETURN(store != nullptr);
  CAF_CHECK_EQUAL(store->migrated_from(), 2);
  decision_row row{t0, "mode", "", "operator", "mode enabled -> manual", "{}", "", 1.0,
                   "decided", "", "", "{}", "{}", "alice"};
  CAF_CHECK_EQUAL(store->insert_decision(row), 2);
  CAF_CHECK_GREATER(store->insert_plugin_state({t0, "chat", "running", 42, "small", "started"}),
                    0);
  connection check{path};
  REQUIRE_OR_RETURN(check.db != nullptr);
  CAF_CHECK_EQUAL(check.text("SELECT action || '/' || status FROM autoscaler_history"
                             " WHERE id = 1"),
                  "disable/applied");
  CAF_CHECK_EQUAL(check.text("SELECT origin FROM autoscaler_history WHERE id = 2"), "alice");
  CAF_CHECK_EQUAL(check.text("SELECT COUNT(*) FROM autoscaler_metrics"), "1");
  CAF_CHECK_EQUAL(check.text("SELECT plugin || ' ' || state || ' ' || pid || ' ' || variant"
                             " FROM plugin_states"),
                  "chat running 42 small");
  CAF_CHECK_EQUAL(check.text("PRAGMA user_version"), "3");
}

CAF_TEST(a corrupt file is refused with the path and the cause) {
  temp_dir dir;
  auto path = dir.path() + "/corrupt.db";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE_OR_RETURN(f != nullptr);
    std::string junk(8192, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  std::string error;
  store_failure why = store_failure::none;
  auto store = sqlite_store::open(path, error, &why);
  CAF_CHECK(store == nullptr);
  CAF_CHECK(why == store_failure::corrupt);
  CAF_CHECK(has(error, path));
  CAF_CHECK(has(error, "corrupt"));
  // Left as it was, for the operator to look at.
  CAF_CHECK_EQUAL(std::filesystem::file_size(path), 8192u);
}

CAF_TEST(the runtime state keys are saved durably and read back without writing) {
  temp_dir dir;
  auto path = dir.path() + "/state.db";
  std::map<std::string, std::string> rows;
  std::string error;
  store_failure why = store_failure::other;
  // No database yet: a first start, nothing to restore, nothing created.
  CAF_CHECK(sqlite_store::read_config(path, rows, error, why));
  CAF_CHECK(rows.empty());
  CAF_CHECK(!std::filesystem::exists(path));
  {
    auto store = sqlite_store::open(path, error);
    REQUIRE_OR_RETURN(store != nullptr);
    CAF_CHECK(store->save_config({{"mode", "manual"}, {"degraded", "[]"}}, t0));
    CAF_CHECK(store->save_config({{"mode", "enabled"}}, t0 + 1));
    CAF_CHECK_EQUAL(store->count("autoscaler_config"), 2);
  }
  CAF_CHECK(sqlite_store::read_config(path, rows, error, why));
  CAF_CHECK_EQUAL(rows.size(), 2u);
  CAF_CHECK_EQUAL(rows["mode"], "enabled");
  CAF_CHECK_EQUAL(rows["degraded"], "[]");
  connection check{path};
  REQUIRE_OR_RETURN(check.db != nullptr);
  CAF_CHECK_EQUAL(check.number("SELECT updated FROM autoscaler_config WHERE key = 'mode'"),
                  t0 + 1);
  // A newer conductor's database is refused, saying so.
  REQUIRE_OR_RETURN(check.exec("PRAGMA user_version = 99"));
  CAF_CHECK(!sqlite_store::read_config(path, rows, error, why));
  CAF_CHECK(why == store_failure::newer_schema);
  CAF_CHECK(has(error, "newer"));
}

CAF_TEST(a database from a newer conductor is refused) {
  temp_dir dir;
  auto path = dir.path() + "/future.db";
  {
    connection future{path};
    REQUIRE_OR_RETURN(future.db != nullptr);
    auto set = future.exec("PRAGMA user_version = "
                           + std::to_string(sqlite_store::schema_version + 1));
    REQUIRE_OR_RETURN(set);
  }
  std::string error;
  auto store = sqlite_store::open(path, error);
  CAF_CHECK(store == nullptr);
  CAF_CHECK(has(error, path));
  CAF_CHECK(has(error, "newer"));
  // Refused before touching it: no schema written, version unchanged.
  connection check{path};
  REQUIRE_OR_RETURN(check.db != nullptr);
  CAF_CHECK_EQUAL(check.text("PRAGMA user_version"),
                  std::to_string(sqlite_store::schema_version + 1));
  CAF_CHECK_EQUAL(check.text("SELECT COUNT(*) FROM sqlite_master"), "0");
}

CAF_TEST(a path in a missing directory fails with the path in the error) {
  temp_dir dir;
  auto path = dir.path() + "/no/such/dir/conductor.db";
  std::string error;
  auto store = sqlite_store::open(path, error);
  CAF_CHECK(store == nullptr);
  CAF_CHECK(has(error, path));
  CAF_CHECK(!std::filesystem::exists(dir.path() + "/no"));
}

// -- metrics ------------------------------------------------------------------

CAF_TEST(insert metrics writes every row) {
  std::string error;
  auto store = sqlite_store::open(":memory:", error);
  REQUIRE_OR_RETURN(store != nullptr);
  CAF_CHECK(store->insert_metrics({}));
  CAF_CHECK_EQUAL(store->count("autoscaler_metrics"), 0);
  CAF_CHECK(store->insert_metrics({metric(t0, "cpu_percent", 1), metric(t0, "memory_percent", 2),
                                   metric(t0, "filesystem_percent:/", 3)}));
  CAF_CHECK_EQUAL(store->count("autoscaler_metrics"), 3);
}

CAF_TEST(insert metrics is all or nothing) {
  std::string error;
  auto store = sqlite_store::open(":memory:", error);
  REQUIRE_OR_RETURN(store != nullptr);
  auto first = store->insert_metrics({metric(t0, "cpu_percent", 1)});
  REQUIRE_OR_RETURN(first);
  // SQLite binds NaN as NULL, which the NOT NULL value column rejects: the
  // third row fails after two were written inside the transaction.
  auto nan = std::numeric_limits<double>::quiet_NaN();
  CAF_CHECK(!store->insert_metrics({metric(t0 + 1, "cpu_percent", 2),
                                    metric(t0 + 1, "memory_percent", 3),
                                    metric(t0 + 1, "broken", nan),
                                    metric(t0 + 1, "after", 4)}));
  CAF_CHECK_EQUAL(store->count("autoscaler_metrics"), 1);
  CAF_CHECK(has(store->last_error(), "insert metric"));
  // No transaction left open, the statement was reset: the next batch works.
  CAF_CHECK(store->insert_metrics({metric(t0 + 2, "cpu_percent", 5),
                                   metric(t0 + 2, "memory_percent", 6)}));
  CAF_CHECK_EQUAL(store->count("autoscaler_metrics"), 3);
}

CAF_TEST(insert metrics all or nothing on a file) {
  temp_dir dir;
  auto path = dir.path() + "/conductor.db";
  std::string error;
  auto store = sqlite_store::open(path, error);
  REQUIRE_OR_RETURN(store != nullptr);
  auto nan = std::numeric_limits<double>::quiet_NaN();
  CAF_CHECK(!store->insert_metrics({metric(t0, "cpu_percent", 2), metric(t0, "x", nan)}));
  CAF_CHECK(store->insert_metrics({metric(t0, "cpu_percent", 7.25)}));
  connection other{path};
  REQUIRE_OR_RETURN(other.db != nullptr);
  auto rows = other.rows("SELECT timestamp, source, metric, value FROM autoscaler_metrics");
  REQUIRE_EQUAL_OR_RETURN(rows.size(), 1u);
  CAF_CHECK_EQUAL(rows[0][1], "host");
  CAF_CHECK_EQUAL(rows[0][2], "cpu_percent");
  // Exact comparisons: CAF_CHECK_EQUAL on doubles allows a relative 1e-5,
  // which is hours at Unix-time magnitudes.
  auto value = other.number("SELECT value FROM autoscaler_metrics");
  CAF_CHECK(value == 7.25);
  auto ts = other.number("SELECT timestamp FROM autoscaler_metrics");
  CAF_CHECK(ts == t0);
}

// -- decisions and breaker transitions ----------------------------------------

CAF_TEST(insert decision returns increasing ids and the row reads back) {
  temp_dir dir;
  auto path = dir.path() + "/conductor.db";
  std::string error;
  auto store = sqlite_store::open(path, error);
  REQUIRE_OR_RETURN(store != nullptr);
  decision_row first{t0 + 0.5, "degrade", "web", "forecast",
                     "memory forecast 85.0% in 5m >= degrade 80%",
                     R"({"memory_percent":60})", "balanced", 0.75, "decided", "", "", "", "", "scaler"};
  auto id1 = store->insert_decision(first);
  auto id2 = store->insert_decision({t0 + 1, "restore", "", "measured", "calm", "", "", 1.0, "", "", "", "", "", ""});
  auto id3 = store->insert_decision({t0 + 2, "hold", "", "config", "disabled", "{}", "", 1.0, "", "", "", "", "", ""});
  CAF_CHECK_GREATER(id1, 0);
  CAF_CHECK_GREATER(id2, id1);
  CAF_CHECK_GREATER(id3, id2);
  CAF_CHECK_EQUAL(store->count("autoscaler_history"), 3);
  connection other{path};
  REQUIRE_OR_RETURN(other.db != nullptr);
  auto rows = other.rows("SELECT id, action, target, trigger, reason, inputs, policy"
                         " FROM autoscaler_history WHERE id = "
                         + std::to_string(id1));
  REQUIRE_EQUAL_OR_RETURN(rows.size(), 1u);
  auto& r = rows[0];
  REQUIRE_EQUAL_OR_RETURN(r.size(), 7u);
  CAF_CHECK_EQUAL(r[0], std::to_string(id1));
  CAF_CHECK_EQUAL(r[1], "degrade");
  CAF_CHECK_EQUAL(r[2], "web");
  CAF_CHECK_EQUAL(r[3], "forecast");
  CAF_CHECK_EQUAL(r[4], "memory forecast 85.0% in 5m >= degrade 80%");
  CAF_CHECK_EQUAL(r[5], R"({"memory_percent":60})");
  CAF_CHECK_EQUAL(r[6], "balanced");
  auto where = " FROM autoscaler_history WHERE id = " + std::to_string(id1);
  auto ts = other.number("SELECT timestamp" + where);
  CAF_CHECK(ts == t0 + 0.5);
  auto confidence = other.number("SELECT confidence" + where);
  CAF_CHECK(confidence == 0.75);
  // Empty inputs are stored as an empty JSON object.
  CAF_CHECK_EQUAL(other.text("SELECT inputs FROM autoscaler_history WHERE id = "
                             + std::to_string(id2)),
                  "{}");
}

CAF_TEST(a failed decision insert returns minus one and the store stays usable) {
  std::string error;
  auto store = sqlite_store::open(":memory:", error);
  REQUIRE_OR_RETURN(store != nullptr);
  auto nan = std::numeric_limits<double>::quiet_NaN();
  CAF_CHECK_EQUAL(store->insert_decision({nan, "hold", "", "", "x", "", "", 1.0, "", "", "", "", "", ""}), -1);
  CAF_CHECK(has(store->last_error(), "insert decision"));
  CAF_MESSAGE("error: " << store->last_error());
  CAF_CHECK_EQUAL(store->count("autoscaler_history"), 0);
  CAF_CHECK_GREATER(store->insert_decision({t0, "hold", "", "", "x", "", "", 1.0, "", "", "", "", "", ""}), 0);
  CAF_CHECK_EQUAL(store->count("autoscaler_history"), 1);
}

CAF_TEST(every audit commit syncs the wal before it returns and a metric batch does not) {
  test::sync_counting_vfs vfs;
  temp_dir dir;
  std::string error;
  auto store = sqlite_store::open(dir.path() + "/sync.db", error);
  REQUIRE_OR_RETURN(store != nullptr);
  auto before = test::sync_counting_vfs::syncs();
  REQUIRE_OR_RETURN(store->insert_metrics({metric(t0, "cpu_percent", 1),
                                           metric(t0, "memory_percent", 2)}));
  // synchronous=NORMAL: a crash of the process loses nothing, no fsync per batch.
  CAF_CHECK_EQUAL(test::sync_counting_vfs::syncs(), before);
  auto synced = [&](auto write) {
    auto n = test::sync_counting_vfs::syncs();
    write();
    return test::sync_counting_vfs::syncs() > n;
  };
  CAF_CHECK(synced([&] {
    store->insert_decision({t0, "disable", "batch", "", "hot", "", "", 1.0, "applied", "", "",
                            "", "", "plugins"});
  }));
  CAF_CHECK(synced([&] { store->insert_breaker({t0, "web", "closed", "open", "3 failures"}); }));
  CAF_CHECK(synced([&] { store->insert_plugin_state({t0, "chat", "running", 1, "", ""}); }));
  CAF_CHECK(synced([&] { store->save_config({{"mode", "manual"}}, t0); }));
  // And back to NORMAL for the next batch.
  CAF_CHECK(!synced([&] { store->insert_metrics({metric(t0 + 1, "cpu_percent", 3)}); }));
}

CAF_TEST(insert breaker returns increasing ids and the row reads back) {
  temp_dir dir;
  auto path = dir.path() + "/conductor.db";
  std::string error;
  auto store = sqlite_store::open(path, error);
  REQUIRE_OR_RETURN(store != nullptr);
  auto id1 = store->insert_breaker({t0, "web", "closed", "open", "3 failures"});
  auto id2 = store->insert_breaker({t0 + 30, "web", "open", "half_open", "reset timeout"});
  CAF_CHECK_GREATER(id1, 0);
  CAF_CHECK_GREATER(id2, id1);
  CAF_CHECK_EQUAL(store->count("breaker_transitions"), 2);
  connection other{path};
  REQUIRE_OR_RETURN(other.db != nullptr);
  auto rows = other.rows("SELECT target, from_state, to_state, reason FROM breaker_transitions"
                         " ORDER BY id");
  REQUIRE_EQUAL_OR_RETURN(rows.size(), 2u);
  CAF_CHECK_EQUAL(rows[0][0], "web");
  CAF_CHECK_EQUAL(rows[0][1], "closed");
  CAF_CHECK_EQUAL(rows[0][2], "open");
  CAF_CHECK_EQUAL(rows[0][3], "3 failures");
  CAF_CHECK_EQUAL(rows[1][2], "half_open");
}

// -- pruning ------------------------------------------------------------------

CAF_TEST(prune deletes only rows older than the cutoff at most limit per call) {
  temp_dir dir;
  auto path = dir.path() + "/conductor.db";
  std::string error;
  auto store = sqlite_store::open(path, error);
  REQUIRE_OR_RETURN(store != nullptr);
  // Ten rows at t0 + 1 .. t0 + 10, inserted out of time order.
  std::vector<metric_row> rows;
  for (int i : {10, 1, 9, 2, 8, 3, 7, 4, 6, 5})
    rows.push_back(metric(t0 + i, "cpu_percent", i));
  auto written = store->insert_metrics(rows);
  REQUIRE_OR_RETURN(written);
  // Older than t0 + 6: five rows (1..5), removed three then two.
  auto cutoff = t0 + 6;
  CAF_CHECK_EQUAL(store->prune_metrics(cutoff, 3), 3);
  CAF_CHECK_EQUAL(store->count("autoscaler_metrics"), 7);
  CAF_CHECK_EQUAL(store->prune_metrics(cutoff, 3), 2);
  CAF_CHECK_EQUAL(store->count("autoscaler_metrics"), 5);
  CAF_CHECK_EQUAL(store->prune_metrics(cutoff, 3), 0);
  CAF_CHECK_EQUAL(store->count("autoscaler_metrics"), 5);
  connection other{path};
  REQUIRE_OR_RETURN(other.db != nullptr);
  // The row exactly at the cutoff stays; nothing newer was touched.
  auto oldest = other.number("SELECT MIN(timestamp) FROM autoscaler_metrics");
  CAF_CHECK(oldest == cutoff);
  auto newest = other.number("SELECT MAX(timestamp) FROM autoscaler_metrics");
  CAF_CHECK(newest == t0 + 10);
  CAF_CHECK_EQUAL(other.text("SELECT COUNT(*) FROM autoscaler_metrics WHERE timestamp < "
                             + std::to_string(static_cast<long long>(cutoff))),
                  "0");
}

CAF_TEST(prune does not touch the audit log) {
  std::string error;
  auto store = sqlite_store::open(":memory:", error);
  REQUIRE_OR_RETURN(store != nullptr);
  auto written = store->insert_metrics({metric(t0, "cpu_percent", 1)});
  REQUIRE_OR_RETURN(written);
  auto decision = store->insert_decision({t0, "hold", "", "", "x", "", "", 1.0, "", "", "", "", "", ""});
  REQUIRE_OR_RETURN(decision > 0);
  auto transition = store->insert_breaker({t0, "web", "closed", "open", "x"});
  REQUIRE_OR_RETURN(transition > 0);
  CAF_CHECK_EQUAL(store->prune_metrics(t0 + 100, 1000), 1);
  CAF_CHECK_EQUAL(store->count("autoscaler_metrics"), 0);
  CAF_CHECK_EQUAL(store->count("autoscaler_history"), 1);
  CAF_CHECK_EQUAL(store->count("breaker_transitions"), 1);
}

CAF_TEST(history reads the audit newest first with a filter a range and pages) {
  std::string error;
  auto store = sqlite_store::open(":memory:", error);
  REQUIRE_OR_RETURN(store != nullptr);
  for (int i = 0; i < 10; ++i)
    store->insert_decision({t0 + i, "disable", i % 2 == 0 ? "batch" : "chat", "measured",
                            "step " + std::to_string(i), "{}", "balanced", 1.0,
                            i % 3 == 0 ? "failed" : "applied", "", "", "{}", "{}", ""});
  std::vector<decision_row> rows;
  REQUIRE_OR_RETURN(store->history({}, rows));
  CAF_REQUIRE_EQUAL(rows.size(), 10u);
  CAF_CHECK_EQUAL(rows.front().reason, "step 9");
  CAF_CHECK_EQUAL(rows.back().reason, "step 0");
  CAF_CHECK_EQUAL(rows.back().status, "failed");
  // One plugin, a time range, then a page of it.
  history_request q;
  q.plugin = "batch";
  q.from = t0 + 2;
  q.to = t0 + 8;
  REQUIRE_OR_RETURN(store->history(q, rows));
  std::vector<std::string> reasons;
  for (const auto& r : rows)
    reasons.push_back(r.reason);
  CAF_CHECK_EQUAL(reasons, (std::vector<std::string>{"step 8", "step 6", "step 4", "step 2"}));
  q.limit = 2;
  q.offset = 1;
  REQUIRE_OR_RETURN(store->history(q, rows));
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  CAF_CHECK_EQUAL(rows[0].reason, "step 6");
  CAF_CHECK_EQUAL(rows[1].reason, "step 4");
  q.offset = -1;
  CAF_CHECK(!store->history(q, rows));
  CAF_CHECK(has(store->last_error(), "offset"));
}

CAF_TEST(a metric over a range comes back downsampled to bucket means) {
  std::string error;
  auto store = sqlite_store::open(":memory:", error);
  REQUIRE_OR_RETURN(store != nullptr);
  // 100 rows one second apart, value = second; another metric and another
  // source beside them that must not leak in.
  std::vector<metric_row> rows;
  for (int i = 0; i < 100; ++i) {
    rows.push_back(metric(t0 + i, "cpu_percent", i));
    rows.push_back(metric(t0 + i, "memory_percent", 1000));
    rows.push_back(metric_row{t0 + i, "chat", "cpu_percent", 2000});
  }
  REQUIRE_OR_RETURN(store->insert_metrics(rows));
  std::vector<metric_point> points;
  REQUIRE_OR_RETURN(store->metric_range("host", "cpu_percent", t0, t0 + 99, 10, points));
  CAF_REQUIRE_EQUAL(points.size(), 10u);
  // Buckets of 9.9 s: the first holds seconds 0..9, the last ends at 99 inclusive.
  CAF_CHECK_EQUAL(points.front().value, 4.5);
  CAF_CHECK_EQUAL(points.front().timestamp, t0 + 4.5);
  CAF_CHECK_EQUAL(points.back().value, 94.5);
  for (size_t i = 1; i < points.size(); ++i)
    CAF_CHECK_LESS(points[i - 1].timestamp, points[i].timestamp);
  // Fewer rows than points: each row is its own point; a part of the range.
  REQUIRE_OR_RETURN(store->metric_range("host", "cpu_percent", t0 + 10, t0 + 14, 50, points));
  CAF_CHECK_EQUAL(points.size(), 5u);
  // Nothing there: no points, no error. A bad range: an error.
  REQUIRE_OR_RETURN(store->metric_range("host", "swap_percent", t0, t0 + 99, 10, points));
  CAF_CHECK(points.empty());
  CAF_CHECK(!store->metric_range("host", "cpu_percent", t0 + 5, t0 + 5, 10, points));
  CAF_CHECK(!store->metric_range("host", "cpu_percent", t0, t0 + 5, 0, points));
}

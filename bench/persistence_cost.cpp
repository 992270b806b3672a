// persistence_cost.cpp -- what conductor's SQLite store costs against plain
// SQLite doing the same writes, measured in the same run, on the same disk.
// bench/persistence_cost.sh runs it; see bench/README.md.
//
//   persistence_cost metrics DIR ROWS BATCH
//   persistence_cost audit   DIR N
//
// metrics: ROWS metric rows written in batches of BATCH rows, one transaction
// a batch, into three fresh databases in DIR:
//   - DIR/conductor.db through sqlite_store::insert_metrics (the store's own
//     schema and pragmas: WAL, synchronous=NORMAL, its page cache cap);
//   - DIR/plain.db: sqlite3_open_v2, journal_mode=WAL, synchronous=NORMAL,
//     nothing else set; the autoscaler_metrics table with the same columns and
//     the same two indexes as the store's schema (copied below); one prepared
//     INSERT bound per row (SQLITE_STATIC) between BEGIN and COMMIT;
//   - DIR/plain_noindex.db: the same without the two secondary indexes, for
//     the record: what the indexes cost.
// The rows are built before any timing: 21 sources x 8 metrics (168 series),
// all series of one tick at the same timestamp, ticks 1 s apart, the shape of
// what the node writes. The batches go to the three databases in 10 rounds of
// ROWS/10 rows each, the order of the three rotated every round, so a stall of
// the disk hits all three alike; only the insert_metrics call (store) or
// BEGIN..COMMIT (plain) is timed. 10 batches to each first, untimed (warm-up).
// Prints: metrics rows=.. batch=.. store_rows_s=.. plain_rows_s=..
//         plain_noindex_rows_s=.. ratio=.. (store / plain)
//
// audit: N single audit rows (autoscaler_history), each committed durably:
//   - through sqlite_store::insert_decision (DIR/conductor.db), which sets
//     synchronous=FULL around that one commit, so the WAL is fsync'd;
//   - plain: DIR/plain.db, journal_mode=WAL, synchronous=FULL, the same
//     table and index as the store's, one prepared INSERT per commit
//     (autocommit: sqlite3_step, sqlite3_reset).
// Each row is a realistic decision: a reason of ~80 characters, inputs JSON of
// ~300. 10 rounds of N/10 commits, alternating which side goes first; 20
// commits to each first, untimed. Each commit is timed alone (bind, step,
// reset; for the store the whole insert_decision call).
// Prints: audit commits=.. store_median_ms=.. store_p99_ms=.. store_mean_ms=..
//         plain_median_ms=.. plain_p99_ms=.. plain_mean_ms=.. ratio=..
//         (store median / plain median)
//
// Time: std::chrono::steady_clock. Every database file (and its -wal, -shm)
// is removed before a run and after it.
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "actors/persistence/sqlite_store.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

// Plain SQLite gets the store's own schema (sqlite_store::schema()), so the
// comparison stays like for like; the unindexed variant drops the metric
// table's two secondary indexes from it.
constexpr const char* drop_metric_indexes_sql =
  "DROP INDEX autoscaler_metrics_time; DROP INDEX autoscaler_metrics_series;";

constexpr int rounds = 10;
constexpr long metric_warmup_batches = 10;
constexpr long audit_warmup = 20;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "persistence_cost: %s\n", what.c_str());
  std::exit(1);
}

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: persistence_cost metrics DIR ROWS BATCH\n"
                       "       persistence_cost audit DIR N\n");
  std::exit(2);
}

long positive(const char* text) {
  char* end = nullptr;
  errno = 0;
  long n = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || n < 1)
    usage();
  return n;
}

// Removes a database and its WAL and shared-memory files; a missing one is fine.
void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    auto file = path + suffix;
    if (::unlink(file.c_str()) != 0 && errno != ENOENT)
      die("cannot remove " + file + ": " + std::strerror(errno));
  }
}

void prepare_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    die("cannot create " + dir + ": " + std::strerror(errno));
}

// A plain SQLite connection: what a program with no store of its own would do.
struct plain_db {
  sqlite3* db = nullptr;
  sqlite3_stmt* insert = nullptr;

  plain_db(const std::string& path, const char* pragmas, const char* schema,
           const char* insert_sql) {
    // The store's open flags: one connection, one thread, no mutex.
    if (sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr)
        != SQLITE_OK)
      die("cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
    exec(pragmas);
    exec(schema);
    if (sqlite3_prepare_v2(db, insert_sql, -1, &insert, nullptr) != SQLITE_OK)
      die(std::string{"prepare: "} + sqlite3_errmsg(db));
  }
  ~plain_db() {
    sqlite3_finalize(insert);
    sqlite3_close(db);
  }
  plain_db(const plain_db&) = delete;
  plain_db& operator=(const plain_db&) = delete;

  void exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string why = msg ? msg : sqlite3_errmsg(db);
      sqlite3_free(msg);
      die(std::string{"exec "} + sql + ": " + why);
    }
  }
  void step() {
    if (sqlite3_step(insert) != SQLITE_DONE)
      die(std::string{"insert: "} + sqlite3_errmsg(db));
    sqlite3_reset(insert);
  }
};

void bind(sqlite3_stmt* stmt, int index, const std::string& text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

double seconds(clock_type::duration d) {
  return std::chrono::duration<double>(d).count();
}

// -- metrics ----------------------------------------------------------------------

// Row i of the stream: 168 series a tick, ticks 1 s apart.
conductor::metric_row metric_at(long i) {
  static const char* const metrics[] = {"cpu_percent",   "memory_bytes",       "memory_percent",
                                        "pids",          "cpu_pressure_some",  "io_pressure_some",
                                        "memory_pressure_some", "disk_used_percent"};
  constexpr long n_metrics = sizeof metrics / sizeof metrics[0];
  constexpr long n_sources = 21; // the host and 20 plugins
  constexpr long series = n_sources * n_metrics;
  long s = i % series;
  long source = s / n_metrics;
  conductor::metric_row row;
  row.timestamp = 1.8e9 + static_cast<double>(i / series);
  row.source = source == 0 ? std::string{"host"}
                           : "plugin-" + std::string(source < 10 ? "0" : "") + std::to_string(source);
  row.metric = metrics[s % n_metrics];
  row.value = static_cast<double>((i * 7919) % 100000) / 7.0;
  return row;
}

int run_metrics(const std::string& dir, long rows, long batch) {
  prepare_dir(dir);
  const std::string store_path = dir + "/conductor.db";
  const std::string plain_path = dir + "/plain.db";
  const std::string bare_path = dir + "/plain_noindex.db";
  for (const auto& p : {store_path, plain_path, bare_path})
    remove_db(p);

  // All rows, the warm-up's first, in batches; built before anything is timed.
  const long warm_rows = metric_warmup_batches * batch;
  const size_t n_warm = static_cast<size_t>(metric_warmup_batches);
  std::vector<std::vector<conductor::metric_row>> batches;
  for (long i = 0; i < warm_rows + rows; i += batch) {
    long end = std::min(i + batch, warm_rows + rows);
    std::vector<conductor::metric_row> b;
    b.reserve(static_cast<size_t>(end - i));
    for (long j = i; j < end; ++j)
      b.push_back(metric_at(j));
    batches.push_back(std::move(b));
  }

  std::string error;
  auto store = conductor::sqlite_store::open(store_path, error);
  if (!store)
    die(error);
  const char* pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
  const char* insert_sql =
    "INSERT INTO autoscaler_metrics(timestamp, source, metric, value) VALUES (?, ?, ?, ?)";
  std::string bare_schema = std::string{conductor::sqlite_store::schema()} + drop_metric_indexes_sql;
  auto plain = std::make_unique<plain_db>(plain_path, pragmas, conductor::sqlite_store::schema(),
                                          insert_sql);
  auto bare = std::make_unique<plain_db>(bare_path, pragmas, bare_schema.c_str(), insert_sql);

  auto store_write = [&](const std::vector<conductor::metric_row>& b) {
    if (!store->insert_metrics(b))
      die("insert_metrics: " + store->last_error());
  };
  auto plain_write = [](plain_db& p, const std::vector<conductor::metric_row>& b) {
    p.exec("BEGIN");
    for (const auto& row : b) {
      sqlite3_bind_double(p.insert, 1, row.timestamp);
      bind(p.insert, 2, row.source);
      bind(p.insert, 3, row.metric);
      sqlite3_bind_double(p.insert, 4, row.value);
      p.step();
    }
    p.exec("COMMIT");
  };
  // 0 = store, 1 = plain, 2 = plain without indexes.
  auto write = [&](int who, const std::vector<conductor::metric_row>& b) {
    if (who == 0)
      store_write(b);
    else
      plain_write(who == 1 ? *plain : *bare, b);
  };

  for (size_t k = 0; k < n_warm; ++k)
    for (int who = 0; who < 3; ++who)
      write(who, batches[k]);

  clock_type::duration spent[3] = {};
  size_t timed = batches.size() - n_warm;
  for (int r = 0; r < rounds; ++r) {
    size_t from = n_warm + timed * static_cast<size_t>(r) / rounds;
    size_t to = n_warm + timed * static_cast<size_t>(r + 1) / rounds;
    for (int k = 0; k < 3; ++k) {
      int who = (r + k) % 3;
      for (size_t i = from; i < to; ++i) {
        auto t0 = clock_type::now();
        write(who, batches[i]);
        spent[who] += clock_type::now() - t0;
      }
    }
  }

  double rate[3];
  for (int who = 0; who < 3; ++who)
    rate[who] = static_cast<double>(rows) / seconds(spent[who]);
  std::printf("metrics rows=%ld batch=%ld store_rows_s=%.0f plain_rows_s=%.0f "
              "plain_noindex_rows_s=%.0f ratio=%.3f\n",
              rows, batch, rate[0], rate[1], rate[2], rate[0] / rate[1]);
  auto stored = store->count("autoscaler_metrics");
  if (stored != warm_rows + rows)
    die("the store holds " + std::to_string(stored) + " rows, expected "
        + std::to_string(warm_rows + rows));
  store.reset();
  plain.reset();
  bare.reset();
  for (const auto& p : {store_path, plain_path, bare_path})
    remove_db(p);
  return 0;
}

// -- audit ------------------------------------------------------------------------

// Decision i: a resize as the scaler explains it.
conductor::decision_row decision_at(long i) {
  conductor::decision_row row;
  row.timestamp = 1.8e9 + static_cast<double>(i) * 30.0;
  row.action = "resize";
  row.target = "plugin-" + std::to_string(i % 20);
  row.trigger = "memory_pressure";
  // ~80 characters.
  row.reason = "memory at 87.4 % of its limit for 2 min (above 80 %): memory_max raised by 25 %";
  // ~300 characters.
  row.inputs = "{\"host\":{\"cpu_percent\":41.7,\"memory_percent\":63.2,\"memory_available\":"
               "9126805504,\"cpu_pressure_some\":0.42,\"memory_pressure_some\":1.87},"
               "\"plugin\":{\"memory_bytes\":469762048,\"memory_max\":536870912,"
               "\"memory_percent\":87.5,\"cpu_cores\":0.63,\"pids\":41,"
               "\"forecast_memory_bytes\":501219328,\"forecast_confidence\":0.81},"
               "\"tick\":"
               + std::to_string(i) + "}";
  row.policy = "pressure";
  row.confidence = 0.81;
  row.status = "decided";
  row.error = "";
  row.variant = "";
  row.old_limits = "{\"memory_max\":536870912}";
  row.new_limits = "{\"memory_max\":671088640}";
  row.origin = "scaler";
  return row;
}

struct latency_stats {
  double median_ms = 0;
  double p99_ms = 0;
  double mean_ms = 0;
};

latency_stats stats(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  latency_stats s;
  size_t n = ms.size();
  s.median_ms = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  // Nearest rank: the smallest value with at least 99 % of them at or below it.
  size_t rank = (n * 99 + 99) / 100; // ceil(0.99 n)
  s.p99_ms = ms[std::max<size_t>(rank, 1) - 1];
  double sum = 0;
  for (double v : ms)
    sum += v;
  s.mean_ms = sum / static_cast<double>(n);
  return s;
}

int run_audit(const std::string& dir, long n) {
  prepare_dir(dir);
  const std::string store_path = dir + "/conductor.db";
  const std::string plain_path = dir + "/plain.db";
  remove_db(store_path);
  remove_db(plain_path);

  std::vector<conductor::decision_row> rows;
  rows.reserve(static_cast<size_t>(audit_warmup + n));
  for (long i = 0; i < audit_warmup + n; ++i)
    rows.push_back(decision_at(i));

  std::string error;
  auto store = conductor::sqlite_store::open(store_path, error);
  if (!store)
    die(error);
  auto plain = std::make_unique<plain_db>(
    plain_path, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    conductor::sqlite_store::schema(),
    "INSERT INTO autoscaler_history(timestamp, action, target, trigger, reason,"
    " inputs, policy, confidence, status, error, variant, old_limits, new_limits,"
    " origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");

  auto store_commit = [&](const conductor::decision_row& row) {
    if (store->insert_decision(row) < 0)
      die("insert_decision: " + store->last_error());
  };
  auto plain_commit = [&](const conductor::decision_row& row) {
    auto* s = plain->insert;
    sqlite3_bind_double(s, 1, row.timestamp);
    bind(s, 2, row.action);
    bind(s, 3, row.target);
    bind(s, 4, row.trigger);
    bind(s, 5, row.reason);
    bind(s, 6, row.inputs);
    bind(s, 7, row.policy);
    sqlite3_bind_double(s, 8, row.confidence);
    bind(s, 9, row.status);
    bind(s, 10, row.error);
    bind(s, 11, row.variant);
    bind(s, 12, row.old_limits);
    bind(s, 13, row.new_limits);
    bind(s, 14, row.origin);
    plain->step();
  };

  for (long i = 0; i < audit_warmup; ++i) {
    store_commit(rows[static_cast<size_t>(i)]);
    plain_commit(rows[static_cast<size_t>(i)]);
  }

  std::vector<double> store_ms;
  std::vector<double> plain_ms;
  store_ms.reserve(static_cast<size_t>(n));
  plain_ms.reserve(static_cast<size_t>(n));
  for (int r = 0; r < rounds; ++r) {
    long from = audit_warmup + n * r / rounds;
    long to = audit_warmup + n * (r + 1) / rounds;
    for (int k = 0; k < 2; ++k) {
      bool store_turn = (r + k) % 2 == 0;
      for (long i = from; i < to; ++i) {
        const auto& row = rows[static_cast<size_t>(i)];
        auto t0 = clock_type::now();
        if (store_turn)
          store_commit(row);
        else
          plain_commit(row);
        double ms = seconds(clock_type::now() - t0) * 1e3;
        (store_turn ? store_ms : plain_ms).push_back(ms);
      }
    }
  }

  auto s = stats(store_ms);
  auto p = stats(plain_ms);
  std::printf("audit commits=%ld store_median_ms=%.4f store_p99_ms=%.4f store_mean_ms=%.4f "
              "plain_median_ms=%.4f plain_p99_ms=%.4f plain_mean_ms=%.4f ratio=%.3f\n",
              n, s.median_ms, s.p99_ms, s.mean_ms, p.median_ms, p.p99_ms, p.mean_ms,
              s.median_ms / p.median_ms);
  auto stored = store->count("autoscaler_history");
  if (stored != audit_warmup + n)
    die("the store holds " + std::to_string(stored) + " audit rows, expected "
        + std::to_string(audit_warmup + n));
  store.reset();
  plain.reset();
  remove_db(store_path);
  remove_db(plain_path);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    usage();
  std::string mode = argv[1];
  if (mode == "metrics" && argc == 5)
    return run_metrics(argv[2], positive(argv[3]), positive(argv[4]));
  if (mode == "audit" && argc == 4)
    return run_audit(argv[2], positive(argv[3]));
  usage();
}

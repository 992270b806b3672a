// persistence_actor_test.cpp -- the persistence actor on the deterministic
// test coordinator, writing a real SQLite file: audit rows acknowledged only
// once committed; a database that cannot be written (missing directory,
// corrupt file, held lock, full disk, read-only mount) said clearly, audit rows
// kept in order in the retry queue and written when it comes back, metric
// rows dropped and counted beyond their bound; the runtime state saved and
// read back; retention.
//
// The full disk and the read-only mount are real: a size-limited tmpfs and a
// read-only bind mount, which need root (CI runs as root); without it those
// two tests say so and pass vacuously.
#define CAF_SUITE persistence_actor

#include "actors/persistence/persistence_actor.hpp"

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <caf/test/dsl.hpp>
#include <sqlite3.h>

#include "actors/logger.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/db_query.hpp"
#include "tests/scoped_mount.hpp"
#include "tests/temp_dir.hpp"

using namespace conductor;
using namespace conductor::test;

namespace {

decision make_decision(const std::string& action, const std::string& target) {
  decision d;
  d.at = caf::make_timestamp();
  d.action = action;
  d.target = target;
  d.trigger = "measured";
  d.reason = action + " " + target + " because the test says so";
  d.status = "applied";
  d.origin = "plugins";
  return d;
}

resource_sample sample_at(caf::timestamp wall, double cpu) {
  resource_sample s;
  s.source = "host";
  s.wall = wall;
  s.values = {{"cpu_percent", cpu}, {"memory_percent", 50}};
  return s;
}

/// Fills the file system holding `path` until it has no space left.
void fill(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f)
    return;
  std::string block(4096, 'x');
  while (std::fwrite(block.data(), 1, block.size(), f) == block.size() && std::fflush(f) == 0)
    ;
  std::fclose(f);
}

struct fixture : actor_fixture {
  temp_dir dir;
  std::vector<std::string> log_lines;
  write_queue::limits limits;

  fixture() {
    log::configure(log::log_level::debug, log::log_format::text);
    log::set_sink([this](std::string_view line) { log_lines.emplace_back(line); });
  }

  ~fixture() override {
    log::set_sink({});
    log::configure(log::log_level::info, log::log_format::text);
  }

  persistence_actor spawn_at(const std::string& path) {
    persistence_settings s{path, std::chrono::hours(24), std::chrono::seconds(1)};
    auto p = sys.spawn(persistence, s, &hub->families, limits);
    sched.run();
    return p;
  }

  /// Asks for a durable audit row: its id, or the error.
  caf::expected<int64_t> audit(const persistence_actor& p, const decision& d) {
    caf::expected<int64_t> out = caf::make_error(ec::none);
    auto rp = self->request(p, caf::infinite, atom::audit_v, d);
    sched.run();
    rp.receive([&](int64_t id) { out = id; }, [&](caf::error& err) { out = std::move(err); });
    return out;
  }

  /// Lets the retry timer fire (at most 30 s away).
  void retry() {
    advance_time(std::chrono::seconds(31));
    sched.run();
  }

  bool logged(const std::string& part) {
    for (const auto& l : log_lines)
      if (l.find(part) != std::string::npos)
        return true;
    return false;
  }

  void stop(persistence_actor& p) {
    caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(persistence_actor_tests, fixture)

CAF_TEST(an audit row is acknowledged with its id once committed) {
  auto path = dir.file("conductor.db");
  auto p = spawn_at(path);
  auto id = audit(p, make_decision("disable", "batch"));
  CAF_REQUIRE(id);
  CAF_CHECK_EQUAL(*id, 1);
  // Committed when acknowledged: another connection sees it at once.
  CAF_CHECK_EQUAL(query_int(path, "SELECT COUNT(*) FROM autoscaler_history WHERE id = 1"
                                  " AND origin = 'plugins' AND action = 'disable'"),
                  1);
  CAF_CHECK(logged("committed autoscaler_history row 1"));
  // Breaker transitions and plugin states are audit rows too.
  self->send(p, breaker_transition{"web", "closed", "open", "3 failures", caf::make_timestamp()});
  self->send(p, plugin_event{"chat", "running", 42, "started", caf::make_timestamp(), "small"});
  sched.run();
  CAF_CHECK_EQUAL(query_int(path, "SELECT COUNT(*) FROM breaker_transitions"), 1);
  CAF_CHECK_EQUAL(query_int(path, "SELECT pid FROM plugin_states WHERE plugin = 'chat'"), 42);
  CAF_CHECK_EQUAL(metric_value("conductor_persistence_available"), 1);
  stop(p);
}

CAF_TEST(a database that cannot be opened is said once and the audit waits for it) {
  // The directory is missing: nothing can be created until an operator fixes it.
  auto path = dir.file("later/conductor.db");
  limits.max_metric_rows = 6;
  auto p = spawn_at(path);
  CAF_CHECK(logged("cannot open database " + path));
  CAF_CHECK(logged("does not exist"));
  CAF_CHECK_EQUAL(metric_value("conductor_persistence_available"), 0);
  auto first = audit(p, make_decision("disable", "batch"));
  CAF_REQUIRE(!first);
  CAF_CHECK(first.error() == ec::database_error);
  CAF_CHECK(caf::to_string(first.error()).find("retry queue") != std::string::npos);
  self->send(p, make_decision("variant", "chat"));
  // Four samples of two values: two rows over the bound of six, dropped.
  for (int i = 0; i < 4; ++i)
    self->send(p, sample_at(caf::make_timestamp(), i));
  sched.run();
  CAF_CHECK_EQUAL(metric_value("conductor_persistence_audit_backlog"), 2);
  CAF_CHECK_EQUAL(metric_value("conductor_persistence_dropped_total",
                               {{"table", "autoscaler_metrics"}}),
                  2);
  // Said once, not per row or per retry.
  retry();
  auto said = std::count_if(log_lines.begin(), log_lines.end(), [&](const std::string& l) {
    return l.find("cannot open database") != std::string::npos;
  });
  CAF_CHECK_EQUAL(said, 1);
  // The operator creates the directory: the next retry writes everything, in order.
  std::filesystem::create_directories(dir.file("later"));
  retry();
  CAF_CHECK_EQUAL(metric_value("conductor_persistence_audit_backlog"), 0);
  CAF_CHECK_EQUAL(metric_value("conductor_persistence_available"), 1);
  CAF_CHECK_EQUAL(query_texts(path, "SELECT action FROM autoscaler_history ORDER BY id"),
                  (std::vector<std::string>{"disable", "variant"}));
  CAF_CHECK_EQUAL(query_int(path, "SELECT COUNT(*) FROM autoscaler_metrics"), 6);
  CAF_CHECK(logged("writable again"));
  stop(p);
}

CAF_TEST(an audit row beyond the retry queue goes to the log whole) {
  auto path = dir.file("missing/conductor.db");
  limits.max_audit_rows = 1;
  auto p = spawn_at(path);
  CAF_CHECK(!audit(p, make_decision("disable", "batch")));
  auto refused = audit(p, make_decision("stop", "voice"));
  CAF_CHECK(!refused);
  CAF_CHECK_EQUAL(metric_value("conductor_persistence_dropped_total",
                               {{"table", "autoscaler_history"}}),
                  1);
  CAF_CHECK(logged("row not stored: {"));
  CAF_CHECK(logged("stop voice because the test says so"));
  stop(p);
}

CAF_TEST(a corrupt database is refused until an operator moves it aside) {
  auto path = dir.file("conductor.db");
  {
    std::ofstream junk{path};
    junk << std::string(8192, 'x');
  }
  auto p = spawn_at(path);
  CAF_CHECK(logged("corrupt"));
  CAF_CHECK(!audit(p, make_decision("disable", "batch")));
  // Never touched: the operator may want to look at it.
  CAF_CHECK_EQUAL(std::filesystem::file_size(path), 8192u);
  std::filesystem::rename(path, path + ".corrupt");
  retry();
  CAF_CHECK_EQUAL(query_int(path, "SELECT COUNT(*) FROM autoscaler_history"), 1);
  stop(p);
}

CAF_TEST(a lock held by another process delays the audit without losing it) {
  auto path = dir.file("conductor.db");
  auto p = spawn_at(path);
  sqlite3* other = nullptr;
  CAF_REQUIRE_EQUAL(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  CAF_REQUIRE_EQUAL(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  // The store waits its busy timeout (1 s), then queues the row.
  auto id = audit(p, make_decision("disable", "batch"));
  CAF_CHECK(!id);
  CAF_CHECK(logged("another process holds a lock"));
  sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  retry();
  CAF_CHECK_EQUAL(query_int(path, "SELECT COUNT(*) FROM autoscaler_history"), 1);
  stop(p);
}

CAF_TEST(a full disk keeps audit rows until space returns and the node learns of it) {
  auto mnt = dir.file("small");
  std::filesystem::create_directories(mnt);
  scoped_mount tmpfs{"tmpfs", mnt, "tmpfs", 0, "size=1m"};
  if (!tmpfs.ok) {
    CAF_MESSAGE("skipped: mounting a tmpfs needs root (" << std::strerror(errno) << ")");
    return;
  }
  auto path = mnt + "/conductor.db";
  auto p = spawn_at(path);
  CAF_REQUIRE(audit(p, make_decision("hold", "")));
  fill(mnt + "/filler");
  auto full = audit(p, make_decision("disable", "batch"));
  CAF_CHECK(!full);
  CAF_CHECK(logged("the disk is full"));
  CAF_CHECK(!audit(p, make_decision("variant", "chat")));
  CAF_CHECK_EQUAL(metric_value("conductor_persistence_audit_backlog"), 2);
  CAF_CHECK_EQUAL(metric_value("conductor_persistence_available"), 0);
  std::filesystem::remove(mnt + "/filler");
  retry();
  CAF_CHECK_EQUAL(metric_value("conductor_persistence_audit_backlog"), 0);
  CAF_CHECK_EQUAL(query_texts(path, "SELECT action FROM autoscaler_history ORDER BY id"),
                  (std::vector<std::string>{"hold", "disable", "variant"}));
  stop(p);
  CAF_CHECK_EQUAL(query_texts(path, "PRAGMA integrity_check"),
                  std::vector<std::string>{"ok"});
}

CAF_TEST(a read-only data dir is said clearly and written once it is writable) {
  auto data = dir.file("data");
  std::filesystem::create_directories(data);
  scoped_mount bind{data.c_str(), data, nullptr, MS_BIND, nullptr};
  if (!bind.ok) {
    CAF_MESSAGE("skipped: a bind mount needs root (" << std::strerror(errno) << ")");
    return;
  }
  CAF_REQUIRE_EQUAL(::mount(nullptr, data.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY,
                            nullptr),
                    0);
  auto path = data + "/conductor.db";
  auto p = spawn_at(path);
  CAF_CHECK(logged("cannot open database " + path));
  CAF_CHECK(logged("directory " + data + " is not writable"));
  CAF_CHECK(!audit(p, make_decision("disable", "batch")));
  CAF_REQUIRE_EQUAL(::mount(nullptr, data.c_str(), nullptr, MS_REMOUNT | MS_BIND, nullptr), 0);
  retry();
  CAF_CHECK_EQUAL(query_int(path, "SELECT COUNT(*) FROM autoscaler_history"), 1);
  stop(p);
}

CAF_TEST(the runtime state is kept and read back at the next start) {
  auto path = dir.file("conductor.db");
  auto p = spawn_at(path);
  runtime_state s;
  s.mode = "manual";
  s.mode_origin = "operator";
  s.config_mode = "enabled";
  s.policy = "balanced";
  s.steps = {{"batch", "disable", "", "", "lowest priority"}};
  s.saved = 1700000000;
  s.demand = {{"chat", "memory_max", {3.25e9f, -1, 1e9f}}};
  s.demand_saved = 1699999990;
  self->send(p, s);
  sched.run();
  stop(p);
  runtime_state back;
  std::string error;
  store_failure why = store_failure::other;
  CAF_REQUIRE(load_runtime_state(path, back, error, why));
  CAF_CHECK_EQUAL(error, "");
  CAF_CHECK_EQUAL(back, s);
}

CAF_TEST(metric rows past the retention are pruned and recent ones kept) {
  auto path = dir.file("conductor.db");
  auto p = spawn_at(path);
  auto now = caf::make_timestamp();
  self->send(p, sample_at(now - std::chrono::hours(25), 1));
  self->send(p, sample_at(now - std::chrono::hours(23), 2));
  self->send(p, sample_at(now, 3));
  sched.run();
  // The batch timer (1 s) writes them; the prune runs a minute after start.
  advance_time(std::chrono::minutes(1));
  sched.run();
  CAF_CHECK_EQUAL(query_int(path, "SELECT COUNT(*) FROM autoscaler_metrics"), 4);
  CAF_CHECK_EQUAL(query_int(path, "SELECT COUNT(*) FROM autoscaler_metrics WHERE value = 1"), 0);
  stop(p);
}

CAF_TEST(the audit and a metric range are read back for the api) {
  auto path = dir.file("conductor.db");
  auto p = spawn_at(path);
  auto base = caf::make_timestamp();
  for (int i = 0; i < 4; ++i) {
    auto d = make_decision(i % 2 == 0 ? "disable" : "enable", i < 2 ? "batch" : "chat");
    d.at = base + std::chrono::seconds(i);
    d.new_limits.memory_max = 1ull << 30;
    self->send(p, d);
    self->send(p, sample_at(base + std::chrono::seconds(i), 10.0 * i));
  }
  sched.run();
  auto ask = [&](auto request, auto& out) {
    caf::error failure;
    auto rp = self->request(p, caf::infinite, request);
    sched.run();
    rp.receive([&](decltype(out)& x) { out = std::move(x); },
               [&](caf::error& err) { failure = std::move(err); });
    return failure;
  };
  std::vector<decision> history;
  CAF_CHECK(!ask(history_request{0, 0, "batch", 10, 0, 0}, history));
  CAF_REQUIRE_EQUAL(history.size(), 2u);
  // Newest first, as written: limits and origin included.
  CAF_CHECK_EQUAL(history[0].action, "enable");
  CAF_CHECK_EQUAL(history[1].action, "disable");
  CAF_CHECK_EQUAL(history[0].new_limits.memory_max, 1ull << 30);
  CAF_CHECK_EQUAL(history[0].origin, "plugins");
  // Stored as Unix seconds in a double: microseconds survive.
  auto off = history[0].at - (base + std::chrono::seconds(1));
  CAF_CHECK_LESS(std::chrono::abs(off), std::chrono::microseconds(1));
  CAF_CHECK(ask(history_request{0, 0, "", -1, 0, 0}, history) == ec::invalid_argument);
  // The samples are still in the batch buffer: the read writes them first.
  metric_range range;
  auto from = std::chrono::duration<double>(base.time_since_epoch()).count();
  CAF_CHECK(!ask(metric_range_request{"host", "cpu_percent", from - 0.5, from + 3.5, 2}, range));
  CAF_REQUIRE_EQUAL(range.values.size(), 2u);
  CAF_CHECK_EQUAL(range.values[0], 5.0);
  CAF_CHECK_EQUAL(range.values[1], 25.0);
  CAF_CHECK(ask(metric_range_request{"host", "cpu_percent", from, from, 2}, range)
            == ec::invalid_argument);
  stop(p);
}

CAF_TEST(reads fail with a clear error while the database is unavailable) {
  auto p = spawn_at(dir.file("missing/conductor.db"));
  std::vector<decision> history;
  auto rp = self->request(p, caf::infinite, history_request{});
  sched.run();
  rp.receive([&](std::vector<decision>&) { CAF_FAIL("answered without a database"); },
             [&](caf::error& err) {
               CAF_CHECK(err == ec::database_error);
               CAF_CHECK(caf::to_string(err).find("does not exist") != std::string::npos);
             });
  stop(p);
}

CAF_TEST_FIXTURE_SCOPE_END()

// The conductor binary's database across crashes and restarts: kill -9 in a
// loop while it writes, and a restart that must resume the scaler's steps. A
// real process, a real SQLite file, real plugin processes.
#define CAF_SUITE node_persistence

#include <caf/test/unit_test.hpp>

#include <csignal>
#include <map>
#include <regex>
#include <set>

#include "actors/persistence/runtime_state_codec.hpp"
#include "actors/persistence/sqlite_store.hpp"
#include "tests/db_query.hpp"
#include "tests/system/node_fixture.hpp"

using namespace conductor;
using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

/// The audit rows the node acknowledged in its log ("committed <table> row
/// <id>"), per table.
std::map<std::string, std::set<int64_t>> acknowledged(const std::string& log) {
  std::map<std::string, std::set<int64_t>> out;
  static const std::regex line{"committed ([a-z_]+) row ([0-9]+)"};
  for (std::sregex_iterator i{log.begin(), log.end(), line}, end; i != end; ++i)
    out[(*i)[1]].insert(std::stoll((*i)[2]));
  return out;
}

size_t total(const std::map<std::string, std::set<int64_t>>& rows) {
  size_t n = 0;
  for (const auto& [table, ids] : rows)
    n += ids.size();
  return n;
}

} // namespace

CAF_TEST(kill -9 while writing never loses an acknowledged audit row nor the database) {
  node_fixture f;
  // A target on a closed port with a breaker that re-opens every 50 ms: a
  // steady stream of audit rows (breaker transitions), while samples are
  // written every 100 ms.
  auto closed_port = free_port();
  write_file(f.config, f.config_text()
                         + "logging:\n  level: debug\n"
                           "health:\n  interval: 50ms\n  timeout: 50ms\n"
                           "  breaker:\n    failure_threshold: 1\n    reset_timeout: 50ms\n"
                           "    backoff: 1\n    max_reset_timeout: 50ms\n"
                           "  targets:\n    - name: down\n      type: tcp\n"
                           "      address: 127.0.0.1:"
                         + std::to_string(closed_port) + "\n");
  auto db = f.dir.file("data/conductor.db");
  size_t checked = 0;
  for (int round = 0; round < 8; ++round) {
    auto err = f.dir.file("err-" + std::to_string(round));
    child_process node{{binary, "--config", f.config}, f.dir.file("out"), err};
    // Killed at a different point each round: after 3, 8, 13, ... rows.
    size_t wanted = 3 + 5 * static_cast<size_t>(round);
    CAF_CHECK(eventually([&] { return total(acknowledged(read_text(err))) >= wanted; }, 10s));
    node.signal(SIGKILL);
    node.wait(5s);
    auto rows = acknowledged(read_text(err));
    CAF_CHECK_EQUAL(query_texts(db, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
    for (const auto& [table, ids] : rows) {
      std::string list;
      for (auto id : ids)
        list += (list.empty() ? "" : ",") + std::to_string(id);
      auto found = query_int(db, "SELECT COUNT(*) FROM " + table + " WHERE id IN (" + list + ")");
      if (found != static_cast<int64_t>(ids.size()))
        CAF_FAIL("round " << round << ": " << table << " has " << found << " of the "
                          << ids.size() << " rows acknowledged");
      checked += ids.size();
    }
  }
  CAF_MESSAGE(checked << " acknowledged audit rows checked after 8 kills");
  CAF_CHECK_GREATER(checked, 100u);
  // And the database still takes a normal run and a clean stop.
  auto node = f.start();
  CAF_CHECK(f.scrape_shows("conductor_persistence_available 1"));
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(a restart resumes the mode and keeps degraded plugins where the scaler left them) {
  node_fixture f;
  // What a run stopped in the middle of a pressure event left behind: an
  // operator's manual mode, batch disabled, chat switched to its small variant.
  runtime_state left;
  left.mode = "manual";
  left.mode_origin = "operator";
  left.config_mode = "enabled";
  left.policy = "balanced";
  left.steps = {{"batch", "disable", "", "", "memory 91% >= degrade 85%: batch: lowest priority"},
                {"chat", "variant", "small", "large", "memory 90% >= degrade 85%: chat: smaller"}};
  left.saved = 1700000000;
  std::filesystem::create_directories(f.dir.file("data"));
  auto db = f.dir.file("data/conductor.db");
  {
    std::string error;
    auto store = sqlite_store::open(db, error);
    CAF_REQUIRE(store != nullptr);
    CAF_REQUIRE(store->save_config(encode_runtime_state(left), left.saved));
  }
  auto cfg = f.config_text();
  // The file's mode is what the saved state was saved under: the saved wins.
  cfg.replace(cfg.find("  mode: manual\n"), 15, "  mode: enabled\n  stabilization: 10m\n");
  cfg += "plugins:\n"
         "  - name: batch\n    priority: 1\n    command: [sleep, \"300\"]\n"
         "  - name: chat\n    priority: 5\n    command: [sleep, \"300\"]\n"
         "    variants:\n"
         "      - name: large\n        command: [sleep, \"301\"]\n"
         "      - name: small\n        command: [sleep, \"302\"]\n";
  write_file(f.config, cfg);
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_plugin_state{plugin=\"chat\",state=\"running\"} 1"));
  CAF_CHECK(f.scrape_shows("conductor_plugin_state{plugin=\"batch\",state=\"disabled\"} 1"));
  // chat runs its small variant's command.
  pid_t chat = child_named(node.pid(), "sleep");
  CAF_REQUIRE_GREATER(chat, 0);
  auto cmdline = read_text("/proc/" + std::to_string(chat) + "/cmdline");
  CAF_CHECK_NOT_EQUAL(cmdline.find("302"), std::string::npos);
  // The scaler said what it resumed, in the audit.
  CAF_CHECK(eventually([&] {
    return query_int(db, "SELECT COUNT(*) FROM autoscaler_history WHERE action = 'resume'"
                         " AND reason LIKE '%mode manual (set by operator)%'"
                         " AND reason LIKE '%2 plugin step(s) still in effect%'")
           == 1;
  }));
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
  CAF_CHECK_EQUAL(query_int(db, "SELECT COUNT(*) FROM plugin_states WHERE plugin = 'batch'"
                                " AND state = 'disabled' AND reason LIKE 'kept disabled%'"),
                  1);
  // Still manual and still degraded in the database for the next start.
  CAF_CHECK_EQUAL(query_texts(db, "SELECT value FROM autoscaler_config WHERE key = 'mode'"),
                  std::vector<std::string>{"manual"});
  auto degraded = query_texts(db, "SELECT value FROM autoscaler_config WHERE key = 'degraded'");
  CAF_REQUIRE_EQUAL(degraded.size(), 1u);
  CAF_CHECK_NOT_EQUAL(degraded[0].find("\"plugin\":\"batch\""), std::string::npos);
}

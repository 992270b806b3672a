// What-if on a node's own history (replay/whatif.hpp) without a node: clear
// errors for files that are not this conductor's database, unknown plugins
// and policies; on a database written through the node's own store, the
// samples replayed, the audit read back, and the figures of both sides.
#define CAF_SUITE whatif

#include <caf/test/unit_test.hpp>

#include <sqlite3.h>

#include <cmath>
#include <string>
#include <vector>

#include "actors/persistence/sqlite_store.hpp"
#include "api/json_views.hpp"
#include "api/node_api.hpp"
#include "config/loader.hpp"
#include "ctl/ctl_render.hpp"
#include "replay/whatif.hpp"
#include "tests/require.hpp"
#include "tests/temp_dir.hpp"

using namespace conductor;
using namespace conductor::replay;
using namespace std::chrono_literals;

namespace {

using test::temp_dir;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A plugin that idles under a big CPU quota, and a policy that lets it go
/// down fast: every second use is under scale_down, 2 in a row halve the
/// quota, down to its minimum of 20 % (400, 200, 100, 50, 25, 20). The host
/// never comes near a threshold.
const char* idle_config = R"(scaler:
  mode: manual
  policy: aggressive
  evaluation_interval: 1s
  confirm_down: 2
  cooldown: 1s
  down_factor: 0.5
  min_step: {cpu_quota: 1}
  flap_budget: 20
  probation: 1s
  reserves: {cpu_cores: 0, memory: 0}
  degrade: {cpu: 100, memory: 99.9}
  restore: {cpu: 99.8, memory: 99.8}
  emergency: {memory: 100}
prediction:
  min_confidence: 1
collector:
  interval: 1s
plugins:
  - name: idle
    command: [sleep, "300"]
    limits: {cpu_quota: 400, memory_max: 256MiB}
    bounds: {cpu_quota: [20, 400]}
)";

config::node_config idle_node_config() {
  auto loaded = config::load_config_text(idle_config, "idle.yaml");
  for (const auto& e : loaded.errors)
    CAF_MESSAGE(e.to_string());
  CAF_REQUIRE(loaded.ok());
  return loaded.config;
}

/// A database as the node writes it: `seconds` ticks one second apart from
/// t0, a host sample and a sample of the idle plugin at each, and the audit
/// rows given.
void write_history(const std::string& path, double t0, int seconds,
                   const std::vector<decision_row>& audit) {
  std::string error;
  auto store = sqlite_store::open(path, error);
  CAF_REQUIRE(store != nullptr);
  std::vector<metric_row> rows;
  for (int i = 0; i < seconds; ++i) {
    double t = t0 + i;
    rows.push_back({t, "host", "cpu_percent", 10});
    rows.push_back({t, "host", "memory_percent", 20});
    rows.push_back({t, "idle", "cpu_cores", 0.01});
    rows.push_back({t, "idle", "memory_bytes", 64.0 * 1024 * 1024});
    // A plugin no longer in the configuration is left out.
    rows.push_back({t, "gone", "cpu_cores", 3});
  }
  CAF_REQUIRE(store->insert_metrics(rows));
  for (const auto& r : audit)
    CAF_REQUIRE(store->insert_decision(r) > 0);
}

decision_row audit_row(double t, const std::string& action, const std::string& target,
                       const std::string& status, const std::string& new_limits = "{}") {
  decision_row r;
  r.timestamp = t;
  r.action = action;
  r.target = target;
  r.trigger = "measured";
  r.reason = action + " " + target;
  r.status = status;
  r.new_limits = new_limits;
  r.origin = "scaler";
  return r;
}

whatif_request request_for(const std::string& db, const std::string& plugin) {
  whatif_request req;
  req.db_path = db;
  req.plugin = plugin;
  req.since = 1h;
  req.config = idle_node_config();
  return req;
}

std::string failure(const whatif_request& req, whatif_failure expected) {
  whatif_report report;
  std::string error;
  auto why = whatif_failure::none;
  CAF_CHECK(!run_whatif(req, report, error, why));
  CAF_CHECK(why == expected);
  return error;
}

} // namespace

CAF_TEST(a database of another schema version is refused naming the file and both versions) {
  temp_dir dir;
  auto path = dir.file("conductor.db");
  sqlite3* db = nullptr;
  CAF_REQUIRE_EQUAL(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  CAF_CHECK_EQUAL(sqlite3_exec(db,
                               "CREATE TABLE autoscaler_metrics(id INTEGER PRIMARY KEY, x REAL);"
                               "CREATE TABLE autoscaler_history(id INTEGER PRIMARY KEY, y TEXT);"
                               "PRAGMA user_version=99;",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
  sqlite3_close(db);
  auto error = failure(request_for(path, "idle"), whatif_failure::database);
  CAF_MESSAGE(error);
  CAF_CHECK(has(error, path + ": schema version 99"));
  CAF_CHECK(has(error, "reads version " + std::to_string(sqlite_store::schema_version)));
  CAF_CHECK(has(error, "newer conductor"));
}

CAF_TEST(a missing file or one that is no conductor database is a clear error) {
  temp_dir dir;
  auto missing = failure(request_for(dir.file("nope.db"), "idle"), whatif_failure::database);
  CAF_CHECK_EQUAL(missing, dir.file("nope.db") + ": no such file");
  dir.write("text.db", "this is not a database, just some text that is long enough to fail\n");
  auto text = failure(request_for(dir.file("text.db"), "idle"), whatif_failure::database);
  CAF_MESSAGE(text);
  CAF_CHECK(has(text, dir.file("text.db") + ": not a conductor database"));
  // An empty SQLite database: no tables, version 0.
  sqlite3* db = nullptr;
  CAF_REQUIRE_EQUAL(sqlite3_open(dir.file("empty.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE other(x INTEGER)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto empty = failure(request_for(dir.file("empty.db"), "idle"), whatif_failure::database);
  CAF_CHECK(has(empty, "not a conductor database"));
}

CAF_TEST(an unknown plugin or policy is refused naming the known ones) {
  temp_dir dir;
  auto path = dir.file("conductor.db");
  write_history(path, 1000, 5, {});
  auto plugin = failure(request_for(path, "gone"), whatif_failure::bad_request);
  CAF_CHECK_EQUAL(plugin, "unknown plugin \"gone\": not in the configuration (known: host, idle)");
  auto req = request_for(path, "idle");
  req.policy = "reckless";
  auto policy = failure(req, whatif_failure::bad_request);
  CAF_CHECK(has(policy, "unknown policy \"reckless\" (known: "));
  CAF_CHECK(has(policy, "aggressive"));
  CAF_CHECK(has(policy, "balanced"));
  // Before the database is even looked at.
  auto missing = request_for(dir.file("nope.db"), "gone");
  CAF_CHECK(has(failure(missing, whatif_failure::bad_request), "unknown plugin"));
}

CAF_TEST(an empty database has no samples to replay) {
  temp_dir dir;
  auto path = dir.file("conductor.db");
  {
    std::string error;
    CAF_REQUIRE(sqlite_store::open(path, error) != nullptr);
  }
  auto error = failure(request_for(path, "idle"), whatif_failure::no_data);
  CAF_CHECK_EQUAL(error, path + ": no samples recorded");
}

CAF_TEST(the replay resizes as the policy says and sets it beside the audit) {
  temp_dir dir;
  auto path = dir.file("conductor.db");
  const double t0 = 1'700'000'000;
  // What the node did: its configured limits at start (before the window),
  // one resize decided
  // and applied 10 s in, a resize that failed (not in force), and a row of
  // another plugin.
  write_history(path, t0, 60,
                {audit_row(t0 - 4000, "limits", "idle", "applied",
                           R"({"cpu_quota":400,"memory_max":268435456})"),
                 audit_row(t0 + 10, "resize", "idle", "decided", R"({"cpu_quota":300})"),
                 audit_row(t0 + 10.5, "resize", "idle", "applied", R"({"cpu_quota":300})"),
                 audit_row(t0 + 30, "resize", "idle", "failed", R"({"cpu_quota":100})"),
                 audit_row(t0 + 20, "degrade", "", "decided"),
                 audit_row(t0 + 21, "disable", "other", "decided")});
  auto req = request_for(path, "idle");
  whatif_report r;
  std::string error;
  REQUIRE_OR_RETURN(run_whatif(req, r, error));
  CAF_CHECK_EQUAL(r.plugin, "idle");
  CAF_CHECK_EQUAL(r.policy, "aggressive");
  CAF_CHECK_EQUAL(r.to, t0 + 59);
  CAF_CHECK_EQUAL(r.from, t0 + 59 - 3600);
  // Host and idle: 4 rows a tick; "gone" is not read.
  CAF_CHECK_EQUAL(r.sample_rows, 240u);
  CAF_CHECK_EQUAL(r.evaluations, 60u);
  CAF_CHECK(!r.truncated);
  // would: the quota halves down to its minimum, in order (manual mode in
  // the file: the replay runs enabled all the same).
  std::vector<double> quotas;
  for (const auto& d : r.would) {
    CAF_CHECK_EQUAL(d.action, "resize");
    CAF_CHECK_EQUAL(d.target, "idle");
    quotas.push_back(d.new_limits.cpu_quota);
  }
  CAF_CHECK_EQUAL(quotas, (std::vector<double>{200, 100, 50, 25, 20}));
  REQUIRE_OR_RETURN(!r.would.empty());
  CAF_CHECK_EQUAL(r.would.front().old_limits.cpu_quota, 400);
  CAF_CHECK_GREATER_OR_EQUAL(api::unix_seconds(r.would.front().at), t0);
  // did: the plugin's rows in the window, in time order (not the host's or
  // another plugin's).
  std::vector<std::string> did;
  for (const auto& d : r.did)
    did.push_back(d.action + " " + d.status);
  CAF_CHECK_EQUAL(did, (std::vector<std::string>{"resize decided", "resize applied",
                                                 "resize failed"}));
  // CPU: 0.01 cores used; did: 4 cores for 11 rows, then 3 (the failed
  // resize never took effect); one change.
  CAF_CHECK_EQUAL(r.did_cpu.rows, 60u);
  CAF_CHECK_EQUAL(r.did_cpu.changes, 1u);
  CAF_CHECK_LESS(std::fabs(r.did_cpu.mean_limit - (11 * 4.0 + 49 * 3.0) / 60), 1e-9);
  CAF_CHECK_EQUAL(r.did_cpu.throttled_time, 0);
  CAF_CHECK_GREATER(r.did_cpu.slack, 0.99);
  // would: five changes, lower limits, so less slack.
  CAF_CHECK_EQUAL(r.would_cpu.rows, 60u);
  CAF_CHECK_EQUAL(r.would_cpu.changes, 5u);
  CAF_CHECK_LESS(r.would_cpu.mean_limit, r.did_cpu.mean_limit);
  CAF_CHECK_LESS(r.would_cpu.slack, r.did_cpu.slack);
  // Memory: 64 MiB of 256 MiB on both sides, never changed.
  CAF_CHECK_EQUAL(r.did_memory.changes, 0u);
  CAF_CHECK_EQUAL(r.would_memory.mean_limit, 256.0 * 1024 * 1024);
  CAF_CHECK_LESS(std::fabs(r.did_memory.slack - 0.75), 1e-9);
  CAF_CHECK_EQUAL(r.would_cascade_steps, 0u);
  CAF_CHECK_EQUAL(r.did_cascade_steps, 0u);
  // The host: the host-level and cascade rows, any plugin's.
  req.plugin = "host";
  whatif_report host;
  REQUIRE_OR_RETURN(run_whatif(req, host, error));
  did.clear();
  for (const auto& d : host.did)
    did.push_back(d.action + " " + d.target);
  CAF_CHECK_EQUAL(did, (std::vector<std::string>{"degrade ", "disable other"}));
  CAF_CHECK_EQUAL(host.did_cascade_steps, 1u);
  CAF_CHECK_EQUAL(host.did_cpu.rows, 0u);
  for (const auto& d : host.would)
    CAF_CHECK(d.target.empty());
}

CAF_TEST(the limits before the window are the ones last applied) {
  temp_dir dir;
  auto path = dir.file("conductor.db");
  const double t0 = 1'700'000'000;
  write_history(path, t0, 60,
                {audit_row(t0 - 100, "resize", "idle", "applied", R"({"cpu_quota":150})"),
                 audit_row(t0 - 50, "resize", "idle", "applied", R"({"memory_max":134217728})")});
  auto req = request_for(path, "idle");
  req.since = 30s;
  whatif_report r;
  std::string error;
  REQUIRE_OR_RETURN(run_whatif(req, r, error));
  CAF_CHECK(r.did.empty());
  CAF_CHECK_EQUAL(r.did_cpu.rows, 31u);
  CAF_CHECK_EQUAL(r.did_cpu.mean_limit, 1.5);
  CAF_CHECK_EQUAL(r.did_memory.mean_limit, 128.0 * 1024 * 1024);
  CAF_CHECK_EQUAL(r.did_cpu.changes, 0u);
  // The replay starts from them too: its first resize halves 150, not the
  // configured 400.
  REQUIRE_OR_RETURN(!r.would.empty());
  CAF_CHECK_EQUAL(r.would.front().old_limits.cpu_quota, 150);
  CAF_CHECK_EQUAL(r.would.front().new_limits.cpu_quota, 75);
}

CAF_TEST(max_rows cuts the replay short and says so) {
  temp_dir dir;
  auto path = dir.file("conductor.db");
  const double t0 = 1'700'000'000;
  write_history(path, t0, 60, {audit_row(t0 + 50, "resize", "idle", "decided")});
  auto req = request_for(path, "idle");
  req.max_rows = 42; // 10 ticks and half of one
  whatif_report r;
  std::string error;
  REQUIRE_OR_RETURN(run_whatif(req, r, error));
  CAF_CHECK(r.truncated);
  CAF_CHECK(has(r.truncated_why, "more than 42 sample rows"));
  // The split tick is dropped whole.
  CAF_CHECK_EQUAL(r.sample_rows, 40u);
  CAF_CHECK_EQUAL(r.to, t0 + 9);
  // The audit only as far as the replay went.
  CAF_CHECK(r.did.empty());
  // A policy given replaces the configuration's.
  req.policy = "conservative";
  REQUIRE_OR_RETURN(run_whatif(req, r, error));
  CAF_CHECK_EQUAL(r.policy, "conservative");
}

CAF_TEST(the report renders as JSON and as the table conductorctl prints) {
  temp_dir dir;
  auto path = dir.file("conductor.db");
  const double t0 = 1'700'000'000;
  write_history(path, t0, 30, {audit_row(t0 + 5, "resize", "idle", "decided")});
  whatif_report r;
  std::string error;
  REQUIRE_OR_RETURN(run_whatif(request_for(path, "idle"), r, error));
  auto j = whatif_json(r);
  CAF_CHECK_EQUAL(j["plugin"].get<std::string>(), "idle");
  CAF_CHECK_EQUAL(j["would"]["cpu"]["changes"].get<size_t>(), r.would_cpu.changes);
  CAF_CHECK_EQUAL(j["did"]["decisions"].size(), 1u);
  CAF_CHECK_EQUAL(j["did"]["decisions"][0]["action"].get<std::string>(), "resize");
  auto text = ctl::render_whatif(j, false);
  CAF_MESSAGE("\n" << text);
  CAF_CHECK(has(text, "what-if for idle under policy aggressive"));
  CAF_CHECK(has(text, "WOULD"));
  CAF_CHECK(has(text, "cpu limit changes"));
  CAF_CHECK(has(text, "cpu throttled time"));
  CAF_CHECK(has(text, "memory slack"));
  CAF_CHECK(has(text, "cascade steps"));
  CAF_CHECK(has(text, "cpu 200% (2 cores)"));
  CAF_CHECK(has(text, "did (1 audit rows)"));
  CAF_CHECK_EQUAL(ctl::render_whatif(j, true), j.dump(2) + "\n");
}

CAF_TEST(a what-if body and window are checked before anything is asked) {
  std::string plugin, since, policy;
  CAF_CHECK(!api::parse_whatif_body({{"plugin", "idle"}}, plugin, since, policy));
  CAF_CHECK_EQUAL(plugin, "idle");
  CAF_CHECK_EQUAL(since, "6h");
  CAF_CHECK_EQUAL(policy, "");
  CAF_CHECK(!api::parse_whatif_body(
    {{"plugin", "host"}, {"since", "24h"}, {"policy", "predictive"}}, plugin, since, policy));
  CAF_CHECK_EQUAL(policy, "predictive");
  auto bad = [&](const nlohmann::json& body, const std::string& field) {
    auto e = api::parse_whatif_body(body, plugin, since, policy);
    REQUIRE_OR_RETURN(e);
    CAF_CHECK_EQUAL(e->status, 400);
    CAF_CHECK_EQUAL(e->body["field"].get<std::string>(), field);
    CAF_MESSAGE(e->body["error"].dump());
  };
  bad({{"since", "6h"}}, "plugin");
  bad({{"plugin", ""}}, "plugin");
  bad({{"plugin", 3}}, "plugin");
  bad({{"plugin", "idle"}, {"since", "25h"}}, "since");
  bad({{"plugin", "idle"}, {"since", "6"}}, "since");
  bad({{"plugin", "idle"}, {"since", "0s"}}, "since");
  bad({{"plugin", "idle"}, {"limit", 3}}, "limit");
  std::chrono::seconds s{};
  std::string error;
  CAF_CHECK(parse_whatif_since("90m", s, error));
  CAF_CHECK_EQUAL(s.count(), 5400);
  CAF_CHECK(!parse_whatif_since("500ms", s, error));
  CAF_CHECK(!parse_whatif_since("2d", s, error));
}

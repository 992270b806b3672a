// What conductorctl prints (ctl/ctl_render.hpp), without a node: the table
// and the JSON of each answer, empty lists included.
#define CAF_SUITE ctl_render

#include <caf/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "ctl/ctl_render.hpp"

using namespace conductor;
using namespace conductor::ctl;
using nlohmann::json;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// 2023-11-14T22:13:20Z.
caf::timestamp at_1700000000() {
  return caf::timestamp{caf::timespan{std::chrono::seconds(1700000000)}};
}

child_info actor(std::string name, bool running, uint32_t restarts, std::string last_exit,
                 uint64_t mailbox) {
  child_info a;
  a.name = std::move(name);
  a.running = running;
  a.restarts = restarts;
  a.last_exit = std::move(last_exit);
  a.mailbox = mailbox;
  return a;
}

/// A plugin resize the scaler decided and the plugin manager applied.
decision resize() {
  decision d;
  d.id = 42;
  d.at = at_1700000000();
  d.action = "resize";
  d.target = "chat";
  d.trigger = "forecast";
  d.reason = "memory use heading for the limit";
  d.inputs = R"({"memory_percent":91.5,"forecast":{"h1":97}})";
  d.policy = "balanced";
  d.confidence = 0.875;
  d.status = "applied";
  d.old_limits.cpu_quota = 100;
  d.old_limits.memory_max = 256ull << 20;
  d.new_limits.cpu_quota = 150;
  d.new_limits.memory_max = 512ull << 20;
  d.new_limits.tasks_max = 64;
  d.origin = "scaler";
  return d;
}

} // namespace

CAF_TEST(tables pad each column to its widest cell) {
  CAF_CHECK_EQUAL(table({{"A", "BB"}, {"ccc", "d"}}), "A    BB\nccc  d\n");
  CAF_CHECK_EQUAL(table({}), "");
  CAF_CHECK_EQUAL(table({{"only"}}), "only\n");
}

CAF_TEST(status shows the scaler and counts the running actors) {
  scaler_status s;
  s.mode = "manual";
  s.suspended_reason = "3 failed resizes";
  s.host_state = "normal";
  s.policy = "conservative";
  s.tier = "standard";
  s.degraded = {"batch: disabled"};
  s.decisions = 7;
  std::vector<child_info> actors{actor("collector", true, 0, "", 0),
                                 actor("scaler", false, 2, "killed", 0)};
  auto text = render_status(s, actors, false);
  CAF_CHECK(has(text, "mode       manual (suspended: 3 failed resizes)\n"));
  CAF_CHECK(has(text, "policy     conservative\n"));
  CAF_CHECK(has(text, "degraded   batch: disabled\n"));
  CAF_CHECK(has(text, "probation  none\n"));
  CAF_CHECK(has(text, "decisions  7\n"));
  CAF_CHECK(has(text, "actors     1 of 2 running\n"));
  CAF_CHECK(has(render_status(scaler_status{}, {}, false), "actors     0 of 0 running"));
  auto j = json::parse(render_status(s, actors, true));
  CAF_CHECK_EQUAL(j["mode"], "manual");
  CAF_CHECK_EQUAL(j["policy"], "conservative");
  CAF_CHECK_EQUAL(j["decisions"], 7);
  CAF_CHECK_EQUAL(j["degraded"].size(), 1u);
  CAF_CHECK_EQUAL(j["actors"].size(), 2u);
  CAF_CHECK_EQUAL(j["actors"][1]["restarts"], 2);
  auto empty = json::parse(render_status(scaler_status{}, {}, true));
  CAF_CHECK(empty["actors"].is_array());
  CAF_CHECK(empty["actors"].empty());
}

CAF_TEST(actors show their mailbox) {
  std::vector<child_info> actors{actor("persistence", true, 1, "database locked", 12),
                                 actor("health", false, 0, "", 0)};
  CAF_CHECK_EQUAL(render_actors(actors, false),
                  "ACTOR        STATE    RESTARTS  MAILBOX  LAST EXIT\n"
                  "persistence  running  1         12       database locked\n"
                  "health       down     0         -        -\n");
  CAF_CHECK_EQUAL(render_actors({}, false), "ACTOR  STATE  RESTARTS  MAILBOX  LAST EXIT\n");
  auto j = json::parse(render_actors(actors, true));
  CAF_REQUIRE_EQUAL(j.size(), 2u);
  CAF_CHECK_EQUAL(j[0]["name"], "persistence");
  CAF_CHECK_EQUAL(j[0]["running"], true);
  CAF_CHECK_EQUAL(j[0]["mailbox"], 12);
  CAF_CHECK_EQUAL(j[0]["last_exit"], "database locked");
  CAF_CHECK_EQUAL(render_actors({}, true), "[]\n");
}

CAF_TEST(history shows each row with its id) {
  auto d = resize();
  decision mode;
  mode.id = 43;
  mode.at = at_1700000000();
  mode.action = "mode";
  mode.reason = "mode manual -> enabled";
  mode.error = "";
  mode.origin = "conductorctl:ops@box";
  decision unwritten;
  unwritten.action = "hold";
  unwritten.error = "disk full";
  unwritten.at = at_1700000000();
  auto text = render_history({mode, d, unwritten}, false);
  CAF_CHECK(has(text, "ID  TIME                  ACTION  TARGET  STATUS   ORIGIN"));
  CAF_CHECK(has(text, "43  2023-11-14T22:13:20Z  mode    -       -        conductorctl:ops@box"
                      "  mode manual -> enabled\n"));
  CAF_CHECK(has(text, "42  2023-11-14T22:13:20Z  resize  chat    applied  scaler"));
  CAF_CHECK(has(text, "-   2023-11-14T22:13:20Z  hold"));
  CAF_CHECK(has(text, "[error: disk full]"));
  CAF_CHECK_EQUAL(render_history({}, false), "no audit rows\n");
  auto j = json::parse(render_history({mode, d}, true));
  CAF_REQUIRE_EQUAL(j.size(), 2u);
  CAF_CHECK_EQUAL(j[0]["id"], 43);
  CAF_CHECK_EQUAL(j[1]["id"], 42);
  CAF_CHECK_EQUAL(j[1]["time"], 1700000000.0);
  CAF_CHECK_EQUAL(j[1]["inputs"]["memory_percent"], 91.5);
  CAF_CHECK_EQUAL(j[1]["new_limits"]["tasks_max"], 64);
  // Limits not set are left out.
  CAF_CHECK(!j[1]["old_limits"].contains("tasks_max"));
  CAF_CHECK_EQUAL(render_history({}, true), "[]\n");
}

CAF_TEST(one decision is explained field by field) {
  auto text = render_decision(resize(), false);
  CAF_CHECK_EQUAL(text,
                  "id          42\n"
                  "time        2023-11-14T22:13:20Z\n"
                  "action      resize\n"
                  "target      chat\n"
                  "status      applied\n"
                  "origin      scaler\n"
                  "trigger     forecast\n"
                  "policy      balanced\n"
                  "confidence  0.875\n"
                  "variant     -\n"
                  "reason      memory use heading for the limit\n"
                  "error       -\n"
                  "cpu_quota   100% (1 core) -> 150% (1.5 cores)\n"
                  "memory_max  256MiB -> 512MiB\n"
                  "tasks_max   - -> 64\n"
                  "inputs\n"
                  "  {\n"
                  "    \"forecast\": {\n"
                  "      \"h1\": 97\n"
                  "    },\n"
                  "    \"memory_percent\": 91.5\n"
                  "  }\n");
  // A host decision without limits; inputs that are not JSON stay as they are.
  decision host;
  host.id = 7;
  host.action = "degrade";
  host.inputs = "cpu 97";
  auto plain = render_decision(host, false);
  CAF_CHECK(has(plain, "target      host\n"));
  CAF_CHECK(has(plain, "limits      -\n"));
  CAF_CHECK(has(plain, "inputs\n  cpu 97\n"));
  host.inputs.clear();
  CAF_CHECK(has(render_decision(host, false), "inputs\n  -\n"));
  auto j = json::parse(render_decision(resize(), true));
  CAF_CHECK(j.is_object());
  CAF_CHECK_EQUAL(j["id"], 42);
  CAF_CHECK_EQUAL(j["action"], "resize");
  CAF_CHECK_EQUAL(j["policy"], "balanced");
  CAF_CHECK_EQUAL(j["confidence"], 0.875);
  CAF_CHECK_EQUAL(j["inputs"]["forecast"]["h1"], 97);
  CAF_CHECK_EQUAL(j["old_limits"]["cpu_quota"], 100.0);
  CAF_CHECK_EQUAL(j["new_limits"]["memory_max"], 512ull << 20);
  auto no_inputs = json::parse(render_decision(host, true));
  CAF_CHECK_EQUAL(no_inputs["inputs"], json::object());
}

CAF_TEST(a manual resize says its id and that the scaler is manual now) {
  auto d = resize();
  d.status = "decided";
  d.origin = "conductorctl:ops@box";
  auto text = render_scaled(d, false);
  CAF_CHECK(has(text, "decision 42: resize chat, decided (cpu 150% (1.5 cores), memory 512MiB,"
                      " tasks 64)\n"));
  CAF_CHECK(has(text, "the scaler is in manual mode now"));
  CAF_CHECK(has(text, "conductorctl mode enabled"));
  d.error = "cgroup refused it";
  CAF_CHECK(has(render_scaled(d, false), "error: cgroup refused it\n"));
  auto j = json::parse(render_scaled(d, true));
  CAF_CHECK_EQUAL(j["id"], 42);
  CAF_CHECK_EQUAL(j["status"], "decided");
  CAF_CHECK_EQUAL(j["origin"], "conductorctl:ops@box");
}

CAF_TEST(the last evaluation is one row per decision) {
  decision hold;
  hold.action = "hold";
  hold.status = "none";
  hold.reason = "cpu 40% below 85%";
  auto text = render_explanation({hold}, false);
  CAF_CHECK_EQUAL(text, "ACTION  TARGET  STATUS  WHY\nhold    host    none    cpu 40% below 85%\n");
  CAF_CHECK_EQUAL(render_explanation({}, false), "the scaler has not evaluated yet\n");
  auto j = json::parse(render_explanation({hold}, true));
  CAF_CHECK_EQUAL(j[0]["reason"], "cpu 40% below 85%");
  CAF_CHECK_EQUAL(render_explanation({}, true), "[]\n");
}

CAF_TEST(plugins show state pid and variant) {
  plugin_event p;
  p.plugin = "chat";
  p.state = "running";
  p.pid = 4711;
  p.reason = "started";
  p.variant = "small";
  p.at = at_1700000000();
  plugin_event q;
  q.plugin = "batch";
  q.state = "disabled";
  q.reason = "degraded";
  CAF_CHECK_EQUAL(render_plugins({p, q}, false),
                  "PLUGIN  STATE     PID   VARIANT  REASON\n"
                  "chat    running   4711  small    started\n"
                  "batch   disabled  -     -        degraded\n");
  CAF_CHECK_EQUAL(render_plugins({}, false), "no plugins configured\n");
  auto j = json::parse(render_plugins({p}, true));
  CAF_CHECK_EQUAL(j[0]["pid"], 4711);
  CAF_CHECK_EQUAL(j[0]["since"], 1700000000.0);
  CAF_CHECK_EQUAL(render_plugins({}, true), "[]\n");
}

CAF_TEST(health shows breakers and latencies) {
  target_health t;
  t.target = "web";
  t.type = "http";
  t.breaker = "open";
  t.forced = true;
  t.status = "failing";
  t.detail = "503";
  t.checks = 10;
  t.failures = 4;
  t.latency_p50 = std::chrono::microseconds(1500);
  t.latency_p95 = std::chrono::milliseconds(20);
  auto text = render_health({t}, false);
  CAF_CHECK_EQUAL(text,
                  "TARGET  TYPE  BREAKER        STATUS   CHECKS  FAILURES  P50     P95    DETAIL\n"
                  "web     http  open (forced)  failing  10      4         1.5 ms  20 ms  503\n");
  CAF_CHECK_EQUAL(render_health({}, false), "no health targets\n");
  auto j = json::parse(render_health({t}, true));
  CAF_CHECK_EQUAL(j[0]["forced"], true);
  CAF_CHECK_EQUAL(j[0]["latency_p50_ms"], 1.5);
  CAF_CHECK_EQUAL(render_health({}, true), "[]\n");
}

CAF_TEST(preflight says allowed or denied and why) {
  preflight_answer a;
  a.allow = true;
  a.reason = "2 GiB free";
  a.recommended_variant = "large";
  a.free_memory_bytes = 2ull << 30;
  a.free_cpu_cores = 1.5;
  CAF_CHECK_EQUAL(render_preflight(a, false), "allowed: 2 GiB free\nrecommended variant: large\n");
  preflight_answer no;
  no.reason = "not enough memory";
  CAF_CHECK_EQUAL(render_preflight(no, false), "denied: not enough memory\n");
  auto j = json::parse(render_preflight(a, true));
  CAF_CHECK_EQUAL(j["allow"], true);
  CAF_CHECK_EQUAL(j["free_memory_bytes"], 2ull << 30);
  CAF_CHECK_EQUAL(j["free_cpu_cores"], 1.5);
}

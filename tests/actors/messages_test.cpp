// Every message survives CAF's binary serializer unchanged (they will cross
// the network to conductorctl) and errors render through our category.
#define CAF_SUITE messages

#include "tests/actors/actor_fixture.hpp"

#include <caf/deep_to_string.hpp>

using namespace conductor;
using namespace conductor::test;

namespace {

caf::timestamp at(int64_t seconds) {
  return caf::timestamp{std::chrono::seconds(seconds)};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(messages_tests, actor_fixture)

CAF_TEST(resource samples roundtrip) {
  resource_sample x{"host", 42s, at(1700000000), {{"cpu_percent", 12.5}, {"memory_percent", 40}},
                    {{R"(conductor_host_cpu_ratio{cpu="0",mode="user"})", 0.125}}};
  CAF_CHECK_EQUAL(roundtrip(x), x);
}

CAF_TEST(forecasts roundtrip) {
  forecast x{"host", "memory_percent", at(1700000000), 5min, 50, 61.5, 55, 68, 0.75, 60,
             30s, {51, 55.5, 61.5}, {49, 50, 55}, {53, 60, 68}, 0.125, 48, 40, 60, 1.5};
  CAF_CHECK_EQUAL(roundtrip(x), x);
}

CAF_TEST(decisions roundtrip) {
  decision x{at(1700000000), "degrade", "voice", "forecast",
             "memory forecast 85% in 5m >= degrade 80%", R"({"memory_percent":70})",
             "balanced", 0.8, "failed", "write memory.max: Device or resource busy", "small",
             {200, 4ull << 30, 256}, {100, 1ull << 30, 0}, "alice"};
  CAF_CHECK_EQUAL(roundtrip(x), x);
}

CAF_TEST(runtime states roundtrip) {
  runtime_state x{"manual",
                  "suspension",
                  "enabled",
                  "3 consecutive failed actions",
                  "balanced",
                  {{"voice", "variant", "small", "large", "memory 91% >= 85%"},
                   {"batch", "disable", "", "", "lowest priority"}},
                  {{"chat", {150, 2ull << 30, 0}}},
                  1700000000.5,
                  {{"chat", "cpu_quota", {12.5f, -1, 0.25f}}},
                  1700000000.25};
  CAF_CHECK_EQUAL(roundtrip(x), x);
}

CAF_TEST(health messages roundtrip) {
  health_event h{"web",  false, 2s,  "timeout after 2s", at(1700000000),
                 "chat", 0.25,  5ms, 1500ms,             "open"};
  CAF_CHECK_EQUAL(roundtrip(h), h);
  breaker_transition b{"web", "closed", "open", "3 consecutive failures", at(1700000001)};
  CAF_CHECK_EQUAL(roundtrip(b), b);
  check_outcome o{42, "web", false, 2s, "HTTP 500"};
  CAF_CHECK_EQUAL(roundtrip(o), o);
  plugin_event p{"voice", "running", 1234, "started", at(1700000002), "small"};
  CAF_CHECK_EQUAL(roundtrip(p), p);
  std::vector<target_health> ts{{"web", "", "http", "open", true, "failing", "HTTP 500", 3, 0.5,
                                 10, 5, 2ms, 9ms, 60s}};
  CAF_CHECK_EQUAL(roundtrip(ts), ts);
}

CAF_TEST(supervisor views roundtrip) {
  std::vector<child_info> xs{{"collector", true, 2, "runtime_error"}, {"scaler", false, 0, ""}};
  CAF_CHECK_EQUAL(roundtrip(xs), xs);
}

CAF_TEST(settings roundtrip) {
  node_settings x;
  x.collector = {250ms, {"/", "/var"}, "/sys/fs/cgroup/conductor", {"voice", "chat"},
                 {{"voice", "http://127.0.0.1:7001/metrics", {"queue_depth"}}}};
  x.predictor = {30min, 5min, 0.9, 30s, "damped"};
  x.scaler.mode = "manual";
  x.scaler.evaluation_interval = 30s;
  x.scaler.degrade_memory = 80;
  x.scaler.profile.up_factor = 1.5;
  x.scaler.min_step = {50, 256 << 20, 32};
  x.scaler.tier = "medium";
  x.scaler.probation = 2min;
  plugin_settings voice;
  voice.name = "voice";
  voice.command = {"/bin/voice"};
  voice.variants.push_back({"large", {"/bin/voice", "--large"}, {0, 4ull << 30, 0}});
  voice.variants.push_back({"small", {}, {0, 1ull << 30, 0}});
  voice.max_limits.memory_max = 16ull << 30;
  x.plugins.plugins.push_back(voice);
  x.scaler.plugins = x.plugins.plugins;
  x.persistence = {"/tmp/c.db", 24h, 1s};
  x.health.targets.push_back(
    {"probe", "", "exec", "", "", {"/bin/true", "-x"}, {}, "", 10s, 1s});
  x.health.targets.push_back(
    {"web", "chat", "http", "http://127.0.0.1:8080/health", "", {}, {200, 204}, "ok", 5s, 2s});
  x.health.stagger = "jitter";
  x.health.breaker.reset_timeout = 1min;
  x.health.breaker.failure_rate = 0.4;
  CAF_CHECK_EQUAL(roundtrip(x), x);
}

CAF_TEST(typed sink handles roundtrip) {
  auto rec = sys.spawn(recorder);
  sample_sink s{rec};
  CAF_CHECK_EQUAL(roundtrip(s), s);
  caf::anon_send_exit(rec, caf::exit_reason::user_shutdown);
}

CAF_TEST(messages print by name) {
  health_event h;
  h.target = "web";
  CAF_CHECK_EQUAL(caf::deep_to_string(h).rfind("health_event(", 0), 0u);
}

CAF_TEST(errors render through the conductor category) {
  auto err = caf::make_error(ec::restart_intensity, "scaler");
  CAF_CHECK_EQUAL(sys.render(err), R"_(conductor: restart_intensity ("scaler"))_");
  CAF_CHECK(err == ec::restart_intensity);
  CAF_CHECK_EQUAL(err.category(), caf::atom("conductor"));
}

CAF_TEST_FIXTURE_SCOPE_END()

// notify.webhooks (node/webhook_sender.hpp) against a real receiver on
// loopback: the events a hook asked for, as JSON, retried after failures;
// URLs it cannot use are skipped.
#define CAF_SUITE webhook_sender

#include <caf/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "node/webhook_sender.hpp"
#include "tests/system/child_process.hpp"
#include "tests/system/hook_receiver.hpp"

using namespace conductor;
using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

config::webhook_spec hook_to(const hook_receiver& r, std::vector<std::string> events,
                             int retries = 3) {
  config::webhook_spec h;
  h.url = "http://127.0.0.1:" + std::to_string(r.port()) + "/hook";
  h.events = std::move(events);
  h.timeout = 1s;
  h.retries = retries;
  return h;
}

} // namespace

CAF_TEST(a hook gets the kinds it asked for as json) {
  hook_receiver r;
  event_hub hub;
  webhook_sender sender{hub, {hook_to(r, {"breaker"})}, "node-1"};
  CAF_REQUIRE_EQUAL(sender.active(), 1u);
  hub.publish("decision", R"({"action":"hold"})");
  hub.publish("breaker", R"({"target":"web","to":"open"})");
  CAF_REQUIRE(eventually([&] { return r.bodies().size() >= 1; }));
  auto body = nlohmann::json::parse(r.bodies().front());
  CAF_CHECK_EQUAL(body.value("event", ""), "breaker");
  CAF_CHECK_EQUAL(body.value("node", ""), "node-1");
  CAF_CHECK_EQUAL(body.value("seq", 0), 2);
  CAF_CHECK_EQUAL(body["data"].value("target", ""), "web");
  // The decision was not asked for: nothing else arrives after the breaker.
  hub.publish("breaker", R"({"target":"db"})");
  CAF_REQUIRE(eventually([&] { return r.bodies().size() >= 2; }));
  CAF_CHECK_EQUAL(r.bodies().size(), 2u);
}

CAF_TEST(a failed delivery is retried with backoff) {
  hook_receiver r{2};
  event_hub hub;
  webhook_sender sender{hub, {hook_to(r, {})}, "node-1"};
  auto start = std::chrono::steady_clock::now();
  hub.publish("cascade", R"({"action":"disable"})");
  // Two 500s, then a 200 after 1 s and 2 s of backoff.
  CAF_REQUIRE(eventually([&] { return r.bodies().size() >= 3; }, 10s));
  auto took = std::chrono::steady_clock::now() - start;
  CAF_CHECK(took >= 3s);
  auto bodies = r.bodies();
  CAF_CHECK_EQUAL(bodies[0], bodies[2]);
}

CAF_TEST(unusable urls are skipped) {
  event_hub hub;
  config::webhook_spec https;
  https.url = "https://hooks.example.org/conductor";
  config::webhook_spec name;
  name.url = "http://hooks.example.org/conductor";
  webhook_sender sender{hub, {https, name}, "node-1"};
  CAF_CHECK_EQUAL(sender.active(), 0u);
  CAF_CHECK_EQUAL(hub.subscribers(), 0u);
}

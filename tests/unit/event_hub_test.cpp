// The event hub (node/event_hub.hpp): every subscriber gets every event in
// order, a full queue loses its oldest events and says how many, the
// subscriber count is bounded, and close() ends every wait.
#define CAF_SUITE event_hub

#include <caf/test/unit_test.hpp>

#include <thread>

#include "node/event_hub.hpp"
#include "node/event_relay.hpp"

using namespace conductor;
using namespace std::chrono_literals;

CAF_TEST(every subscriber gets every event in order) {
  event_hub hub;
  auto a = hub.subscribe();
  auto b = hub.subscribe();
  hub.publish("breaker", "{\"n\":1}");
  hub.publish("plugin_state", "{\"n\":2}");
  std::vector<node_event> got;
  uint64_t dropped = 0;
  for (auto* s : {a.get(), b.get()}) {
    CAF_REQUIRE(s->wait(0ms, got, dropped));
    CAF_REQUIRE_EQUAL(got.size(), 2u);
    CAF_CHECK_EQUAL(got[0].seq, 1u);
    CAF_CHECK_EQUAL(got[0].kind, "breaker");
    CAF_CHECK_EQUAL(got[1].json, "{\"n\":2}");
    CAF_CHECK_EQUAL(dropped, 0u);
  }
  // Nothing new: the wait times out empty but open.
  CAF_CHECK(a->wait(1ms, got, dropped));
  CAF_CHECK(got.empty());
}

CAF_TEST(a slow subscriber loses the oldest events and is told) {
  event_hub hub{4, 3};
  auto s = hub.subscribe();
  for (int i = 1; i <= 5; ++i)
    hub.publish("decision", std::to_string(i));
  std::vector<node_event> got;
  uint64_t dropped = 0;
  CAF_REQUIRE(s->wait(0ms, got, dropped));
  CAF_CHECK_EQUAL(dropped, 2u);
  CAF_REQUIRE_EQUAL(got.size(), 3u);
  CAF_CHECK_EQUAL(got.front().json, "3");
  CAF_CHECK_EQUAL(got.back().seq, 5u);
}

CAF_TEST(subscribers are bounded and leave when destroyed) {
  event_hub hub{2, 10};
  auto a = hub.subscribe();
  auto b = hub.subscribe();
  CAF_CHECK(hub.subscribe() == nullptr);
  b.reset();
  CAF_CHECK_EQUAL(hub.subscribers(), 1u);
  CAF_CHECK(hub.subscribe() != nullptr);
}

CAF_TEST(close ends a waiting subscriber) {
  event_hub hub;
  auto s = hub.subscribe();
  bool open = true;
  std::thread waiter{[&] {
    std::vector<node_event> got;
    uint64_t dropped = 0;
    open = s->wait(60s, got, dropped);
  }};
  hub.close();
  waiter.join();
  CAF_CHECK(!open);
  CAF_CHECK(hub.subscribe() == nullptr);
}

CAF_TEST(decisions are sorted into event kinds) {
  decision d;
  d.action = "disable";
  d.trigger = "measured";
  CAF_CHECK_EQUAL(event_kind(d), "cascade");
  d.trigger = "operator";
  CAF_CHECK_EQUAL(event_kind(d), "decision");
  d.action = "stop";
  CAF_CHECK_EQUAL(event_kind(d), "emergency");
  d.action = "suspend";
  CAF_CHECK_EQUAL(event_kind(d), "scaler_suspended");
  d.action = "resize";
  CAF_CHECK_EQUAL(event_kind(d), "decision");
}

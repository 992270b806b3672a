// degradation_cascade (actors/scaler/degradation_cascade.hpp): the order plugins
// are stepped down in (open breaker, priority, idle before busy, name), variants
// before disabling, restoring in reverse, and the emergency pick. Three plugins
// as in an assistant host: a model server with 13b/7b/3b variants, voice, chat.
#define CAF_SUITE degradation_cascade

#include <caf/test/unit_test.hpp>

#include "actors/scaler/degradation_cascade.hpp"

using namespace conductor;

namespace {

std::vector<cascade_plugin> assistant() {
  cascade_plugin model{"model", 1, 3, 0, false, false, false};
  cascade_plugin voice{"voice", 5, 0, 0, false, false, false};
  cascade_plugin chat{"chat", 10, 0, 0, false, false, false};
  return {chat, voice, model};
}

cascade_plugin& named(std::vector<cascade_plugin>& xs, const std::string& name) {
  for (auto& x : xs)
    if (x.name == name)
      return x;
  throw std::logic_error("no plugin " + name);
}

/// Steps down until nothing is left, carrying each step out on `xs`.
std::vector<std::string> cascade_all(degradation_cascade& c, std::vector<cascade_plugin>& xs) {
  std::vector<std::string> out;
  while (auto step = c.next_down(xs)) {
    auto& p = named(xs, step->plugin);
    c.applied(*step, p.variant);
    if (step->kind == cascade_step::to_variant) {
      p.variant = step->variant;
      out.push_back(p.name + " -> " + std::to_string(step->variant));
    } else {
      p.disabled = true;
      out.push_back(p.name + " off");
    }
  }
  return out;
}

/// The plugin of a step, by value ("<none>" without one): CAF_CHECK_EQUAL
/// must not hold a reference into a temporary.
std::string plugin_of(const std::optional<cascade_step>& step) {
  return step ? step->plugin : std::string{"<none>"};
}

} // namespace

CAF_TEST(the lowest priority steps down through its variants before anything else) {
  degradation_cascade c;
  auto xs = assistant();
  CAF_CHECK_EQUAL(cascade_all(c, xs), (std::vector<std::string>{"model -> 1", "model -> 2",
                                                                 "model off", "voice off",
                                                                 "chat off"}));
  CAF_CHECK_EQUAL(c.depth(), 5u);
  CAF_CHECK(!c.next_down(xs));
}

CAF_TEST(restoring undoes the steps newest first) {
  degradation_cascade c;
  auto xs = assistant();
  cascade_all(c, xs);
  std::vector<std::string> up;
  while (auto step = c.next_up()) {
    auto& p = named(xs, step->plugin);
    if (step->kind == cascade_step::enable) {
      p.disabled = false;
      up.push_back(p.name + " on");
    } else {
      p.variant = step->variant;
      up.push_back(p.name + " -> " + std::to_string(step->variant));
    }
    c.restored();
  }
  CAF_CHECK_EQUAL(up, (std::vector<std::string>{"chat on", "voice on", "model on",
                                                 "model -> 1", "model -> 0"}));
  CAF_CHECK_EQUAL(c.depth(), 0u);
  // Re-enabled on the variant it ran when it was disabled (its smallest).
  CAF_CHECK_EQUAL(named(xs, "model").variant, 0u);
}

CAF_TEST(an open breaker goes first whatever its priority) {
  degradation_cascade c;
  auto xs = assistant();
  named(xs, "chat").breaker_open = true;
  auto step = c.next_down(xs);
  CAF_REQUIRE(step);
  CAF_CHECK_EQUAL(step->plugin, "chat");
  CAF_CHECK(step->kind == cascade_step::disable);
  CAF_CHECK_EQUAL(step->reason, "chat: its circuit breaker is open");
}

CAF_TEST(at equal priority an idle plugin goes before a busy one and busy ones still go) {
  degradation_cascade c;
  std::vector<cascade_plugin> xs{{"agent-a", 3, 0, 0, false, false, true},
                                 {"agent-b", 3, 0, 0, false, false, false}};
  auto first = c.next_down(xs);
  CAF_REQUIRE(first);
  CAF_CHECK_EQUAL(first->plugin, "agent-b");
  named(xs, "agent-b").disabled = true;
  auto second = c.next_down(xs);
  CAF_REQUIRE(second);
  CAF_CHECK_EQUAL(second->plugin, "agent-a");
  CAF_CHECK_EQUAL(second->reason,
                  "agent-a: lowest priority (3) still running, though busy: nothing idle is left");
  // A lower priority wins over being idle.
  std::vector<cascade_plugin> ys{{"low-busy", 1, 0, 0, false, false, true},
                                 {"high-idle", 2, 0, 0, false, false, false}};
  CAF_CHECK_EQUAL(plugin_of(c.next_down(ys)), "low-busy");
}

CAF_TEST(equal plugins are taken by name so the answer never changes) {
  degradation_cascade c;
  std::vector<cascade_plugin> xs{{"b", 1, 0, 0, false, false, false},
                                 {"a", 1, 0, 0, false, false, false}};
  CAF_CHECK_EQUAL(plugin_of(c.next_down(xs)), "a");
}

CAF_TEST(an emergency stops the lowest priority at once skipping its variants) {
  degradation_cascade c;
  auto xs = assistant();
  named(xs, "model").busy = true;
  auto step = c.next_emergency(xs);
  CAF_REQUIRE(step);
  CAF_CHECK_EQUAL(step->plugin, "model");
  CAF_CHECK(step->kind == cascade_step::disable);
  c.applied(*step, 0);
  named(xs, "model").disabled = true;
  CAF_CHECK_EQUAL(plugin_of(c.next_emergency(xs)), "voice");
  // It is restored like any other step.
  auto up = c.next_up();
  CAF_REQUIRE(up);
  CAF_CHECK(up->kind == cascade_step::enable);
  CAF_CHECK_EQUAL(up->plugin, "model");
  std::vector<cascade_plugin> none{{"x", 1, 0, 0, true, false, false}};
  CAF_CHECK(!c.next_emergency(none));
}

CAF_TEST(restoring with nothing stepped down gives nothing) {
  degradation_cascade c;
  CAF_CHECK(!c.next_up());
  c.restored();
  CAF_CHECK_EQUAL(c.depth(), 0u);
}

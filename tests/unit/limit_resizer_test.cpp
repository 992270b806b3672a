// limit_resizer (actors/scaler/limit_resizer.hpp) with the balanced policy of
// CONFIG.md (memory: up at 80 %, down at 50 %, 3 and 10 confirming
// evaluations, cooldown 5 m, x1.5 and x0.6; min_step 256 MiB): confirmation,
// bounds, host reserves, the floor of present use, min_step, cooldowns per
// direction, the flap budget, and an oscillation that never confirms.
#define CAF_SUITE limit_resizer

#include <caf/test/unit_test.hpp>

#include "actors/scaler/limit_resizer.hpp"

using namespace conductor;
using namespace std::chrono_literals;

namespace {

constexpr double mib = 1024.0 * 1024;
constexpr double gib = 1024 * mib;

resize_rules balanced() {
  resize_rules r;
  r.policy = config::default_policies().at("balanced");
  return r;
}

limit_use memory(double limit, double used) {
  limit_use u;
  u.resource = limit_resource::memory_max;
  u.limit = limit;
  u.used = used;
  u.min = 256 * mib;
  u.max = 16 * gib;
  u.headroom = 64 * gib;
  return u;
}

/// Evaluates `n` times one minute apart from `from`; the last result.
std::optional<resize_proposal> evaluate_n(limit_resizer& r, const limit_use& u, int n,
                                          std::chrono::nanoseconds from,
                                          std::string* why = nullptr,
                                          const std::string& plugin = "model") {
  std::optional<resize_proposal> out;
  for (int i = 0; i < n; ++i)
    out = r.evaluate(plugin, u, from + i * 1min, why);
  return out;
}

} // namespace

CAF_TEST(three evaluations over scale_up raise the limit by the up factor) {
  limit_resizer r{balanced()};
  auto u = memory(1 * gib, 900 * mib);
  std::string why;
  CAF_CHECK(!evaluate_n(r, u, 2, 0s, &why));
  CAF_CHECK_EQUAL(why, "");
  auto p = r.evaluate("model", u, 2min, &why);
  CAF_REQUIRE(p);
  CAF_CHECK(p->resource == limit_resource::memory_max);
  CAF_CHECK_EQUAL(p->from, 1 * gib);
  CAF_CHECK_EQUAL(p->to, 1.5 * gib);
  CAF_CHECK_EQUAL(p->reason,
                  "memory_max use 87.8906% of 1.07374e+09 >= 80% for 3 evaluation(s): x1.5 -> "
                  "1.61061e+09");
}

CAF_TEST(use between the thresholds resets the count so an oscillation never confirms) {
  limit_resizer r{balanced()};
  auto high = memory(1 * gib, 900 * mib);
  auto mid = memory(1 * gib, 700 * mib);
  for (int i = 0; i < 30; ++i)
    CAF_CHECK(!r.evaluate("model", i % 3 == 2 ? mid : high, i * 1min));
}

CAF_TEST(a raise is capped by the plugin's max and by the host's reserves) {
  limit_resizer r{balanced()};
  auto u = memory(1 * gib, 900 * mib);
  u.max = 1.25 * gib;
  auto p = evaluate_n(r, u, 3, 0s);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 1.25 * gib);
  CAF_CHECK_NOT_EQUAL(p->reason.find("capped at its max"), std::string::npos);
  limit_resizer tight{balanced()};
  u.max = 16 * gib;
  u.headroom = 300 * mib;
  p = evaluate_n(tight, u, 3, 0s);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 1 * gib + 300 * mib);
  CAF_CHECK_NOT_EQUAL(p->reason.find("capped by the host's reserves"), std::string::npos);
}

CAF_TEST(a change smaller than min_step is not made) {
  limit_resizer r{balanced()};
  auto u = memory(1 * gib, 900 * mib);
  u.headroom = 100 * mib;
  std::string why;
  CAF_CHECK(!evaluate_n(r, u, 3, 0s, &why));
  CAF_CHECK_EQUAL(why, "memory_max: 1.07374e+09 -> 1.1786e+09 is smaller than min_step 2.68435e+08");
}

CAF_TEST(ten evaluations under scale_down lower the limit but never below present use) {
  limit_resizer r{balanced()};
  auto idle = memory(2 * gib, 100 * mib);
  CAF_CHECK(!evaluate_n(r, idle, 9, 0s));
  auto p = r.evaluate("model", idle, 9min);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, std::floor(2 * gib * 0.6));
  // 1000 MiB of 2 GiB is under 50 %, but at x0.6 it would be 81 % of the new
  // limit, over scale_up at once: kept where the use is just at 80 %.
  limit_resizer q{balanced()};
  auto busy = memory(2 * gib, 1000 * mib);
  p = evaluate_n(q, busy, 10, 0s);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 1250 * mib);
  CAF_CHECK_NOT_EQUAL(p->reason.find("kept above its use"), std::string::npos);
  // And never below the plugin's min.
  limit_resizer m{balanced()};
  auto small = memory(300 * mib, 10 * mib);
  small.min = 256 * mib;
  std::string why;
  CAF_CHECK(!evaluate_n(m, small, 10, 0s, &why));
  CAF_CHECK_EQUAL(why, "memory_max: 3.14573e+08 -> 2.68435e+08 is smaller than min_step 2.68435e+08");
}

CAF_TEST(each direction has its own cooldown) {
  limit_resizer r{balanced()};
  auto u = memory(1 * gib, 900 * mib);
  CAF_REQUIRE(evaluate_n(r, u, 3, 0s));
  r.changed("model", limit_resource::memory_max, true, 2min);
  // Still over after the change: confirmed again, held by the 5 m cooldown.
  std::string why;
  CAF_CHECK(!evaluate_n(r, u, 3, 3min, &why));
  CAF_CHECK_EQUAL(why, "memory_max: up cooldown of 300s since the last change");
  CAF_CHECK(r.evaluate("model", u, 7min));
  // A scale-down right after a scale-up is not held by the up cooldown.
  limit_resizer d{balanced()};
  d.changed("model", limit_resource::memory_max, true, 0s);
  CAF_CHECK(evaluate_n(d, memory(2 * gib, 100 * mib), 10, 1min));
}

CAF_TEST(the flap budget allows so many changes per plugin per hour) {
  auto rules = balanced();
  rules.flap_budget = 2;
  rules.policy.cooldown = 0s;
  limit_resizer r{rules};
  auto u = memory(1 * gib, 900 * mib);
  r.changed("model", limit_resource::memory_max, true, 0s);
  r.changed("model", limit_resource::cpu_quota, false, 10min);
  std::string why;
  CAF_CHECK(!evaluate_n(r, u, 3, 20min, &why));
  CAF_CHECK_EQUAL(why, "model: flap budget of 2 changes per hour spent");
  // Other plugins have their own budget.
  CAF_CHECK(evaluate_n(r, u, 3, 20min, nullptr, "voice"));
  // An hour after the first change one is free again.
  CAF_CHECK(r.evaluate("model", u, 60min));
}

CAF_TEST(cpu quotas are kept to a tenth of a percent) {
  limit_resizer r{balanced()};
  limit_use cpu;
  cpu.resource = limit_resource::cpu_quota;
  cpu.limit = 133.3;
  cpu.used = 130;
  cpu.min = 50;
  cpu.max = 800;
  cpu.headroom = 400;
  auto p = evaluate_n(r, cpu, 3, 0s);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 200.0);
  CAF_CHECK_EQUAL(to_string(limit_resource::tasks_max), std::string{"tasks_max"});
}

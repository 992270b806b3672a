// limit_resizer with target sizing (the predictive profile): the limit goes
// to the expected peak plus headroom at once, ignores min_step, comes down
// only 15 % below and once per cooldown, remembers the same time yesterday,
// and keeps to bounds, host reserves and the flap budget.
#define CAF_SUITE target_sizing

#include <caf/test/unit_test.hpp>

#include "actors/scaler/limit_resizer.hpp"

using namespace conductor;
using namespace std::chrono_literals;

namespace {

resize_rules predictive() {
  resize_rules r;
  r.policy = config::default_policies().at("predictive");
  return r;
}

/// CPU in percent of a core, bounds [0.1, 400].
limit_use cpu(double limit, double used) {
  limit_use u;
  u.resource = limit_resource::cpu_quota;
  u.limit = limit;
  u.used = used;
  u.min = 0.1;
  u.max = 400;
  u.headroom = 1000;
  return u;
}

} // namespace

CAF_TEST(a rise goes to the peak plus headroom at once and ignores min_step) {
  limit_resizer r{predictive()};
  std::string why;
  // 10 -> 12 % of a core is far below min_step (50), and needed.
  auto p = r.evaluate("svc", cpu(10, 12), 0s, &why);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 13.2);
  CAF_CHECK(p->reason.find("expected peak 12") != std::string::npos);
  r.changed("svc", limit_resource::cpu_quota, true, 0s);
  // Up again the next minute: no cooldown holds back an increase.
  p = r.evaluate("svc", cpu(13.2, 20), 1min, &why);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 22);
}

CAF_TEST(a target within the hysteresis changes nothing) {
  limit_resizer r{predictive()};
  std::string why;
  // Peak 9 + 10 % = 9.9 of a limit of 11: 90 %, above scale_down 85 %.
  CAF_CHECK(!r.evaluate("svc", cpu(11, 9), 0s, &why));
  CAF_CHECK_EQUAL(why, "");
  // Exactly at the limit: nothing either.
  CAF_CHECK(!r.evaluate("svc", cpu(9.9, 9), 1min, &why));
}

CAF_TEST(a fall waits for the recent peak to leave and for the cooldown) {
  limit_resizer r{predictive()};
  std::string why;
  CAF_CHECK(!r.evaluate("svc", cpu(110, 100), 0s));
  // Use drops to 10, but the last hour's peak is still 100.
  for (auto t = 5min; t < 1h; t += 5min)
    CAF_CHECK(!r.evaluate("svc", cpu(110, 10), t));
  auto p = r.evaluate("svc", cpu(110, 10), 1h + 5min, &why);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 11);
  r.changed("svc", limit_resource::cpu_quota, false, 1h + 5min);
  // A further fall within the 2 h cooldown is held back, and says why.
  CAF_CHECK(!r.evaluate("svc", cpu(11, 1), 2h + 10min, &why));
  CAF_CHECK(!r.evaluate("svc", cpu(11, 1), 3h, &why));
  CAF_CHECK(why.find("down cooldown of 7200s") != std::string::npos);
  p = r.evaluate("svc", cpu(11, 1), 3h + 5min, &why);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 1.1);
}

CAF_TEST(the spike of yesterday raises the limit before it comes again) {
  limit_resizer r{predictive()};
  auto day = std::chrono::nanoseconds{24h};
  double limit = 2.2;
  // Day 0: a floor of 2 with a spike to 80 at 06:00; the limit follows.
  for (auto t = 0min; t < 24h + 5h; t += 5min) {
    double used = t == 6h ? 80 : 2;
    if (auto p = r.evaluate("svc", cpu(limit, used), t)) {
      r.changed("svc", limit_resource::cpu_quota, p->to > p->from, t);
      limit = p->to;
    }
  }
  CAF_CHECK_EQUAL(limit, 2.2);
  // At 05:20 the next day, 40 minutes ahead of it, the spike is expected.
  auto p = r.evaluate("svc", cpu(limit, 2), day + 5h + 20min);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 88);
  CAF_CHECK(p->reason.find("same time +-40m on the last 3 day(s) 80") != std::string::npos);
}

CAF_TEST(bounds and host reserves cap the target and the budget stops flapping) {
  limit_resizer r{predictive()};
  std::string why;
  auto p = r.evaluate("svc", cpu(100, 500), 0s, &why);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 400);
  CAF_CHECK(p->reason.find("capped at its max") != std::string::npos);
  auto tight = cpu(100, 300);
  tight.headroom = 50;
  p = r.evaluate("other", tight, 0s, &why);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 150);
  CAF_CHECK(p->reason.find("capped by the host's reserves") != std::string::npos);
  // Down never below the lower bound.
  limit_resizer low{predictive()};
  auto tiny = cpu(10, 0.01);
  tiny.min = 1;
  p = low.evaluate("svc", tiny, 0s, &why);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 1);
  // An idle plugin without a lower bound: no limit of 0 is proposed.
  auto idle = cpu(10, 0);
  idle.min = 0;
  CAF_CHECK(!low.evaluate("idle", idle, 0s, &why));
  // Six rises in an hour spend the flap budget; the seventh waits.
  limit_resizer f{predictive()};
  auto doubling = [](double limit) {
    auto u = cpu(limit, limit * 2);
    u.max = 1e9;
    u.headroom = 1e9;
    return u;
  };
  double limit = 10;
  for (int i = 0; i < 6; ++i) {
    auto q = f.evaluate("svc", doubling(limit), i * 1min);
    CAF_REQUIRE(q);
    f.changed("svc", limit_resource::cpu_quota, true, i * 1min);
    limit = q->to;
  }
  CAF_CHECK(!f.evaluate("svc", doubling(limit), 6min, &why));
  CAF_CHECK(why.find("flap budget of 6") != std::string::npos);
}

CAF_TEST(the use remembered comes back in another resizer at the same time of day) {
  limit_resizer r{predictive()};
  auto day = std::chrono::nanoseconds{24h};
  for (auto t = 0min; t < 24h; t += 5min)
    r.evaluate("svc", cpu(88, t == 6h ? 80 : 2), t);
  auto demand = r.demand(day);
  CAF_REQUIRE_EQUAL(demand.size(), 1u);
  CAF_CHECK_EQUAL(demand[0].plugin, "svc");
  CAF_CHECK_EQUAL(demand[0].resource, "cpu_quota");
  // Another resizer, its clock 1000 h on, 1 h after the reading (01:00 of
  // day 1): 05:20, 40 minutes ahead of the spike, is 4h20 away.
  limit_resizer back{predictive()};
  auto now = std::chrono::nanoseconds{1000h};
  CAF_CHECK(back.restore_demand(demand[0], now, 1h));
  auto p = back.evaluate("svc", cpu(2.2, 2), now + 4h + 20min);
  CAF_REQUIRE(p);
  CAF_CHECK_EQUAL(p->to, 88);
  // Not kept where it would not be used: threshold sizing, tasks, an
  // unknown resource.
  limit_resizer threshold{resize_rules{}};
  CAF_CHECK(!threshold.restore_demand(demand[0], now, 1h));
  CAF_CHECK(threshold.demand(now).empty());
  auto tasks = demand[0];
  tasks.resource = "tasks_max";
  CAF_CHECK(!back.restore_demand(tasks, now, 1h));
  tasks.resource = "disk";
  CAF_CHECK(!back.restore_demand(tasks, now, 1h));
}

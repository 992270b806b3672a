// health_schedule (actors/health/health_schedule.hpp): staggering, no
// overlap, skipped slots, breaker-driven suppression and trials, pressure
// backoff, operator commands. Time is a plain duration the test advances.
#define CAF_SUITE health_schedule

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <set>

#include "actors/health/health_schedule.hpp"

using namespace conductor;
using namespace conductor::health;
using namespace std::chrono_literals;

namespace {

target_plan http_target(std::string name, duration interval = 5s) {
  target_plan p;
  p.name = std::move(name);
  p.check.type = "http";
  p.check.url = "http://127.0.0.1:1/";
  p.interval = interval;
  p.timeout = 2s;
  return p;
}

std::vector<target_plan> targets(size_t n, duration interval = 5s) {
  std::vector<target_plan> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(http_target("t" + std::to_string(i), interval));
  return out;
}

/// Runs the schedule from `from` to `to` in `step`s, answering every check
/// at once with `healthy(target)`; returns (start time, target) of each.
template <class Healthy>
std::vector<std::pair<duration, size_t>> run(health_schedule& s, duration from, duration to,
                                             duration step, Healthy healthy) {
  std::vector<std::pair<duration, size_t>> starts;
  for (auto now = from; now <= to; now += step)
    for (auto& c : s.due(now)) {
      starts.emplace_back(now, c.target);
      s.record(c.id, healthy(c.target), 1ms, now);
    }
  return starts;
}

/// The transitions as "from>to" strings.
std::vector<std::string> moves(health_schedule& s) {
  std::vector<std::string> out;
  for (auto& t : s.take_transitions())
    out.push_back(std::string{to_string(t.change.from)} + ">" + to_string(t.change.to));
  return out;
}

} // namespace

CAF_TEST(even staggering spreads first starts over the interval) {
  health_schedule s{targets(4), {}, 100s};
  auto starts = run(s, 100s, 105s - 1ms, 1ms, [](size_t) { return true; });
  CAF_REQUIRE_EQUAL(starts.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    CAF_CHECK_EQUAL(starts[i].first, 100s + i * 1250ms);
    CAF_CHECK_EQUAL(starts[i].second, i);
  }
  // Then every target once per interval, on its own grid.
  auto next = run(s, 105s, 110s - 1ms, 1ms, [](size_t) { return true; });
  CAF_REQUIRE_EQUAL(next.size(), 4u);
  for (size_t i = 0; i < 4; ++i)
    CAF_CHECK_EQUAL(next[i].first, 105s + i * 1250ms);
}

CAF_TEST(jitter places starts inside the interval and never all together) {
  schedule_options o;
  o.stagger = config::stagger_kind::jitter;
  o.seed = 42;
  health_schedule s{targets(50), o, 0s};
  std::set<duration> firsts;
  for (size_t i = 0; i < s.size(); ++i) {
    CAF_REQUIRE(s.next_at(i));
    CAF_CHECK_GREATER_OR_EQUAL(s.next_at(i).value_or(-1s), 0s);
    CAF_CHECK_LESS(s.next_at(i).value_or(-1s), 5s);
    firsts.insert(s.next_at(i).value_or(-1s));
  }
  CAF_CHECK_GREATER(firsts.size(), 45u);
  // The same seed gives the same plan.
  health_schedule again{targets(50), o, 0s};
  for (size_t i = 0; i < s.size(); ++i)
    CAF_CHECK_EQUAL(again.next_at(i).value_or(-1s), s.next_at(i).value_or(-1s));
}

CAF_TEST(a start reports its lateness and passed slots are skipped not caught up) {
  health_schedule s{targets(1), {}, 0s};
  auto first = s.due(0s);
  CAF_REQUIRE_EQUAL(first.size(), 1u);
  CAF_CHECK_EQUAL(first[0].lateness, 0s);
  s.record(first[0].id, true, 1ms, 0s);
  // Nobody ran due() for 12.3 s: one check now, 7.3 s late, slots 10s skipped.
  auto late = s.due(12300ms);
  CAF_REQUIRE_EQUAL(late.size(), 1u);
  CAF_CHECK_EQUAL(late[0].planned, 5s);
  CAF_CHECK_EQUAL(late[0].lateness, 7300ms);
  CAF_CHECK_EQUAL(s.stats(0).missed, 1u);
  CAF_CHECK_EQUAL(s.next_at(0).value_or(-1s), 15s);
}

CAF_TEST(a check never overlaps its own previous run) {
  health_schedule s{targets(1), {}, 0s};
  auto first = s.due(0s);
  CAF_REQUIRE_EQUAL(first.size(), 1u);
  CAF_CHECK(s.in_flight(0));
  // Still running at the next slot: skipped and counted.
  CAF_CHECK(s.due(5s).empty());
  CAF_CHECK_EQUAL(s.stats(0).overlaps, 1u);
  CAF_CHECK(s.record(first[0].id, true, 5500ms, 5500ms));
  // A result recorded twice, or for an unknown id, is ignored.
  CAF_CHECK(!s.record(first[0].id, true, 1ms, 5500ms));
  CAF_CHECK(!s.record(999, false, 1ms, 5500ms));
  CAF_CHECK_EQUAL(s.stats(0).checks, 1u);
  CAF_CHECK_EQUAL(s.due(10s).size(), 1u);
}

CAF_TEST(three failures open the breaker and only the trial runs until it closes) {
  health_schedule s{targets(1), {}, 0s};
  bool up = false;
  // Failing checks at 0, 5 and 10 s: the third opens the breaker.
  auto starts = run(s, 0s, 10s, 1s, [&](size_t) { return up; });
  CAF_CHECK_EQUAL(starts.size(), 3u);
  CAF_CHECK_EQUAL(moves(s), std::vector<std::string>{"closed>open"});
  CAF_CHECK_EQUAL(s.breaker(0).state(), breaker_state::open);
  // Suppressed: the next start is the trial at 10 + 30 s.
  CAF_CHECK_EQUAL(s.next_at(0).value_or(-1s), 40s);
  CAF_CHECK(run(s, 11s, 39s, 1s, [&](size_t) { return up; }).empty());
  // The trial fails: open again, the reset timeout doubled.
  auto trial = s.due(40s);
  CAF_REQUIRE_EQUAL(trial.size(), 1u);
  CAF_CHECK(trial[0].trial);
  s.record(trial[0].id, false, 1ms, 40s);
  CAF_CHECK_EQUAL(moves(s), (std::vector<std::string>{"open>half_open", "half_open>open"}));
  CAF_CHECK_EQUAL(s.next_at(0).value_or(-1s), 100s);
  // The service is back: the trial at 100 s closes it; regular checks resume.
  up = true;
  auto back = run(s, 41s, 110s, 1s, [&](size_t) { return up; });
  CAF_REQUIRE_EQUAL(back.size(), 3u);
  CAF_CHECK_EQUAL(back[0].first, 100s);
  CAF_CHECK_EQUAL(back[1].first, 105s);
  CAF_CHECK_EQUAL(back[2].first, 110s);
  CAF_CHECK_EQUAL(moves(s), (std::vector<std::string>{"open>half_open", "half_open>closed"}));
  CAF_CHECK_EQUAL(s.stats(0).checks, 7u);
  CAF_CHECK_EQUAL(s.stats(0).failures, 4u);
}

CAF_TEST(several half open trials run back to back) {
  schedule_options o;
  o.breaker.half_open_trials = 3;
  health_schedule s{targets(1), o, 0s};
  run(s, 0s, 10s, 1s, [](size_t) { return false; });
  CAF_CHECK_EQUAL(s.breaker(0).state(), breaker_state::open);
  size_t trials = 0;
  for (int round = 0; round < 3; ++round) {
    auto c = s.due(40s);
    CAF_REQUIRE_EQUAL(c.size(), 1u);
    CAF_CHECK(c[0].trial);
    ++trials;
    s.record(c[0].id, true, 1ms, 40s);
  }
  CAF_CHECK_EQUAL(trials, 3u);
  CAF_CHECK_EQUAL(s.breaker(0).state(), breaker_state::closed);
}

CAF_TEST(under pressure healthy targets back off and failing ones do not) {
  health_schedule s{targets(2), {}, 0s};
  // t0 healthy, t1 failing once (breaker still closed).
  run(s, 0s, 4s, 1s, [](size_t t) { return t == 0; });
  s.set_pressure(true);
  CAF_CHECK_EQUAL(s.effective_interval(0), 10s);
  CAF_CHECK_EQUAL(s.effective_interval(1), 5s);
  auto starts = run(s, 5s, 25s, 500ms, [](size_t t) { return t == 0; });
  std::vector<duration> t0, t1;
  for (auto& [at, t] : starts)
    (t == 0 ? t0 : t1).push_back(at);
  // t0: 5 s (planned before the pressure), then every 10 s.
  CAF_CHECK_EQUAL(t0, (std::vector<duration>{5s, 15s, 25s}));
  // t1 failed at 3 s and keeps its interval: fails at 7.5 and 12.5 s, which
  // opens its breaker; then it is suppressed, not backed off.
  CAF_CHECK_EQUAL(t1, (std::vector<duration>{7500ms, 12500ms}));
  s.set_pressure(false);
  CAF_CHECK_EQUAL(s.effective_interval(0), 5s);
}

CAF_TEST(forced open targets are never due and close or reset makes them due at once) {
  health_schedule s{targets(2), {}, 0s};
  s.force_open(0, 1s, "maintenance");
  CAF_CHECK_EQUAL(moves(s), std::vector<std::string>{"closed>open"});
  CAF_CHECK(!s.next_at(0));
  auto starts = run(s, 0s, 200s, 1s, [](size_t) { return true; });
  CAF_CHECK(std::none_of(starts.begin(), starts.end(), [](auto& x) { return x.second == 0; }));
  s.force_close(0, 201s, "fixed");
  CAF_CHECK_EQUAL(moves(s), std::vector<std::string>{"open>closed"});
  CAF_CHECK_EQUAL(s.next_at(0).value_or(-1s), 201s);
  CAF_CHECK_EQUAL(s.due(201s).size(), 1u);
  // Only target 1 left with a slot when both are forced open.
  s.force_open(0, 202s, "");
  s.force_open(1, 202s, "");
  CAF_CHECK(!s.next_wakeup());
  s.reset(1, 203s);
  CAF_CHECK_EQUAL(s.next_wakeup().value_or(-1s), 203s);
  CAF_CHECK_EQUAL(s.breaker(1).state(), breaker_state::closed);
}

CAF_TEST(a process check waits for a pid) {
  auto plans = targets(1);
  plans[0].check.type = "process";
  plans[0].plugin = "voice";
  health_schedule s{plans, {}, 0s};
  CAF_CHECK(s.due(0s).empty());
  CAF_CHECK_EQUAL(s.next_at(0).value_or(-1s), 5s);
  s.set_pid(0, 1234);
  CAF_CHECK_EQUAL(s.due(5s).size(), 1u);
}

CAF_TEST(latency quantiles cover the breaker window) {
  schedule_options o;
  o.breaker.window = 4;
  health_schedule s{targets(1), o, 0s};
  CAF_CHECK_EQUAL(s.latency_quantile(0, 0.5), 0s);
  duration now = 0s;
  for (auto ms : {100, 10, 20, 30, 40}) {
    auto c = s.due(now);
    CAF_REQUIRE_EQUAL(c.size(), 1u);
    s.record(c[0].id, true, std::chrono::milliseconds(ms), now);
    now += 5s;
  }
  // The 100 ms one has left the window of 4.
  CAF_CHECK_EQUAL(s.latency_quantile(0, 1.0), 40ms);
  CAF_CHECK_EQUAL(s.latency_quantile(0, 0.5), 20ms);
  CAF_CHECK_EQUAL(s.latency_quantile(0, 0.0), 10ms);
}

CAF_TEST(a thousand targets at five seconds start about five milliseconds apart) {
  health_schedule s{targets(1000), {}, 0s};
  auto starts = run(s, 0s, 5s - 1ms, 1ms, [](size_t) { return true; });
  CAF_REQUIRE_EQUAL(starts.size(), 1000u);
  size_t together = 0;
  for (size_t i = 1; i < starts.size(); ++i)
    if (starts[i].first == starts[i - 1].first)
      ++together;
  CAF_CHECK_EQUAL(together, 0u);
}

CAF_TEST(a schedule that replaces another continues its check ids) {
  schedule_options o;
  o.first_id_after = 41;
  health_schedule s{targets(1), o, 0s};
  auto c = s.due(0s);
  CAF_REQUIRE_EQUAL(c.size(), 1u);
  CAF_CHECK_EQUAL(c[0].id, 42u);
  CAF_CHECK_EQUAL(s.last_id(), 42u);
  CAF_CHECK(!s.record(41, true, 1ms, 0s));
}

CAF_TEST(checks planned just ahead start with an earlier one and are not late) {
  health_schedule s{targets(4, 40ms), {}, 0s}; // planned at 0, 10, 20 and 30 ms
  auto c = s.due(0s, 20ms);
  CAF_REQUIRE_EQUAL(c.size(), 3u);
  for (auto& x : c)
    CAF_CHECK_EQUAL(x.lateness, 0s);
  CAF_CHECK_EQUAL(s.next_wakeup().value_or(-1s), 30ms);
  // Taken early, their next slots stay on their own grid.
  CAF_CHECK_EQUAL(s.next_at(1).value_or(-1s), 50ms);
  CAF_CHECK_EQUAL(s.next_at(2).value_or(-1s), 60ms);
}

CAF_TEST(the retry of an open breaker inside the window waits for its time) {
  health_schedule s{targets(1), {}, 0s};
  run(s, 0s, 10s, 1s, [](size_t) { return false; });
  CAF_REQUIRE_EQUAL(s.next_at(0).value_or(-1s), 40s);
  CAF_CHECK(s.due(39990ms, 20ms).empty());
  CAF_CHECK_EQUAL(s.next_wakeup().value_or(-1s), 40s);
  auto trial = s.due(40s, 20ms);
  CAF_REQUIRE_EQUAL(trial.size(), 1u);
  CAF_CHECK(trial[0].trial);
}

CAF_TEST(a reloaded schedule keeps the state of unchanged targets) {
  health_schedule old{targets(3), {}, 0s};
  // t0 opens after three failures; t1 is forced open; t2 has a check running.
  run(old, 0s, 10s, 1s, [](size_t t) { return t != 0; });
  CAF_REQUIRE(old.breaker(0).state() == breaker_state::open);
  old.force_open(1, 11s, "maintenance");
  auto running = old.due(13500ms);
  CAF_REQUIRE_EQUAL(running.size(), 1u);
  CAF_REQUIRE_EQUAL(running[0].target, 2u);
  old.take_transitions();
  // The new plan: t0 and t2 as they were, t1 with another URL, and t3.
  auto plans = targets(4);
  plans[1].check.url = "http://127.0.0.1:2/";
  schedule_options o;
  o.first_id_after = old.last_id();
  health_schedule next{plans, o, 14s};
  CAF_CHECK_EQUAL(next.adopt(old), 2u);
  CAF_CHECK(next.breaker(0).state() == breaker_state::open);
  CAF_CHECK_EQUAL(next.next_at(0).value_or(-1s), old.next_at(0).value_or(-2s));
  CAF_CHECK_EQUAL(next.stats(0).failures, 3u);
  // Changed: a new target, closed and not forced.
  CAF_CHECK(next.breaker(1).state() == breaker_state::closed);
  CAF_CHECK(!next.breaker(1).forced());
  // The check in flight is still known: its result counts.
  CAF_CHECK(next.in_flight(2));
  CAF_CHECK(next.record(running[0].id, true, 1ms, 14500ms));
  CAF_CHECK_EQUAL(next.stats(2).checks, old.stats(2).checks + 1);
  CAF_CHECK(next.take_transitions().empty());
  // Other breaker settings: nothing is taken over.
  schedule_options other;
  other.breaker.failure_threshold = 5;
  health_schedule strict{targets(3), other, 14s};
  CAF_CHECK_EQUAL(strict.adopt(old), 0u);
  CAF_CHECK(strict.breaker(0).state() == breaker_state::closed);
}

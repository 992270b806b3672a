// The health actor's circuit breaker (actors/health/circuit_breaker.hpp): every
// transition, its reason text, and the reset timeout's growth and decay, on an
// injected monotonic clock.
#define CAF_SUITE circuit_breaker

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <string>

#include "actors/health/circuit_breaker.hpp"
#include "tests/require.hpp"

using namespace conductor;
using namespace std::chrono_literals;

using duration = circuit_breaker::duration;

namespace {

using bs = breaker_state;

/// The defaults of config/node_config.hpp: threshold 3, rate off, window 20,
/// reset 30s, backoff 2, max 5m, one trial.
config::breaker_section defaults() {
  return config::breaker_section{};
}

/// A breaker opening only by rate: the consecutive threshold is out of reach.
config::breaker_section rate_only(int window, double rate) {
  auto s = defaults();
  s.failure_threshold = 1'000'000;
  s.window = window;
  s.failure_rate = rate;
  return s;
}

void record_n(circuit_breaker& b, int n, bool success, duration now) {
  for (int i = 0; i < n; ++i)
    b.record(success, now);
}

/// Opens a default-ish breaker with `failure_threshold` failures at `now` and
/// drains the transition.
void trip(circuit_breaker& b, duration now) {
  record_n(b, b.settings().failure_threshold, false, now);
  b.take_changes();
}

/// From OPEN at `opened`, waits out the current reset timeout and takes the
/// first trial permit; drains the transition.
bool enter_half_open(circuit_breaker& b) {
  auto at = *b.opened_at() + b.current_reset_timeout();
  auto ok = b.should_check(at);
  b.take_changes();
  return ok && b.state() == bs::half_open;
}

} // namespace

/// Exactly one transition was queued since the last drain, with these fields.
#define CHECK_CHANGE(breaker, from_state, to_state, reason_text)                              \
  do {                                                                                        \
    auto changes_ = (breaker).take_changes();                                                 \
    CAF_CHECK_EQUAL(changes_.size(), 1u);                                                     \
    if (changes_.size() == 1) {                                                               \
      CAF_CHECK_EQUAL(to_string(changes_[0].from), std::string{to_string(from_state)});       \
      CAF_CHECK_EQUAL(to_string(changes_[0].to), std::string{to_string(to_state)});           \
      CAF_CHECK_EQUAL(changes_[0].reason, std::string{reason_text});                          \
    }                                                                                         \
  } while (false)

#define CHECK_NO_CHANGE(breaker) CAF_CHECK_EQUAL((breaker).take_changes().size(), 0u)

#define CHECK_STATE(breaker, expected)                                                        \
  CAF_CHECK_EQUAL(std::string{to_string((breaker).state())}, std::string{to_string(expected)})

// -- states and the initial breaker ----------------------------------------------

CAF_TEST(state names are the ones messages metrics and the database use) {
  CAF_CHECK_EQUAL(std::string{to_string(breaker_state::closed)}, "closed");
  CAF_CHECK_EQUAL(std::string{to_string(breaker_state::open)}, "open");
  CAF_CHECK_EQUAL(std::string{to_string(breaker_state::half_open)}, "half_open");
}

CAF_TEST(a new breaker is closed with empty counters and checks) {
  circuit_breaker b{defaults()};
  CHECK_STATE(b, bs::closed);
  CAF_CHECK(!b.forced());
  CAF_CHECK(!b.on_probation());
  CAF_CHECK_EQUAL(b.consecutive_failures(), 0);
  CAF_CHECK_EQUAL(b.failure_rate(), 0.0);
  CAF_CHECK_EQUAL(b.window_size(), 0);
  CAF_CHECK(b.current_reset_timeout() == 30s);
  CAF_CHECK(!b.opened_at());
  CAF_CHECK(!b.retry_at());
  CAF_CHECK(b.should_check(0s));
  CAF_CHECK(b.should_check(0s));
  CHECK_NO_CHANGE(b);
}

CAF_TEST(out of range settings are clamped) {
  config::breaker_section s;
  s.failure_threshold = 0;
  s.window = 0;
  s.half_open_trials = 0;
  s.backoff = 0.5;
  s.failure_rate = 2;
  s.max_reset_timeout = 10s; // below reset_timeout (30s)
  circuit_breaker b{s};
  CAF_CHECK_EQUAL(b.settings().failure_threshold, 1);
  CAF_CHECK_EQUAL(b.settings().window, 1);
  CAF_CHECK_EQUAL(b.settings().half_open_trials, 1);
  CAF_CHECK_EQUAL(b.settings().backoff, 1.0);
  CAF_CHECK_EQUAL(b.settings().failure_rate, 1.0);
  CAF_CHECK(b.settings().max_reset_timeout == 30s);
  b.record(false, 1s);
  CHECK_CHANGE(b, bs::closed, bs::open, "1 consecutive failure");
}

// -- CLOSED -> OPEN by consecutive failures --------------------------------------

CAF_TEST(two failures do not open and the third does) {
  circuit_breaker b{defaults()};
  b.record(false, 1s);
  b.record(false, 2s);
  CHECK_STATE(b, bs::closed);
  CAF_CHECK_EQUAL(b.consecutive_failures(), 2);
  CHECK_NO_CHANGE(b);
  CAF_CHECK(b.should_check(2s));
  b.record(false, 3s);
  CHECK_STATE(b, bs::open);
  CAF_CHECK_EQUAL(b.consecutive_failures(), 3);
  auto changes = b.take_changes();
  REQUIRE_EQUAL_OR_RETURN(changes.size(), 1u);
  CAF_CHECK(changes[0].from == bs::closed);
  CAF_CHECK(changes[0].to == bs::open);
  CAF_CHECK_EQUAL(changes[0].reason, "3 consecutive failures");
  CAF_CHECK(changes[0].at == 3s);
  REQUIRE_OR_RETURN(b.opened_at().has_value());
  CAF_CHECK(*b.opened_at() == 3s);
  CAF_CHECK(b.current_reset_timeout() == 30s);
}

CAF_TEST(a success between failures resets the consecutive count) {
  circuit_breaker b{defaults()};
  b.record(false, 1s);
  b.record(false, 2s);
  b.record(true, 3s);
  CAF_CHECK_EQUAL(b.consecutive_failures(), 0);
  b.record(false, 4s);
  b.record(false, 5s);
  CHECK_STATE(b, bs::closed);
  CHECK_NO_CHANGE(b);
  b.record(false, 6s);
  CHECK_CHANGE(b, bs::closed, bs::open, "3 consecutive failures");
}

CAF_TEST(the threshold is the configured one) {
  auto one = defaults();
  one.failure_threshold = 1;
  circuit_breaker b1{one};
  b1.record(false, 1s);
  CHECK_CHANGE(b1, bs::closed, bs::open, "1 consecutive failure");

  auto five = defaults();
  five.failure_threshold = 5;
  circuit_breaker b5{five};
  record_n(b5, 4, false, 1s);
  CHECK_STATE(b5, bs::closed);
  b5.record(false, 2s);
  CHECK_CHANGE(b5, bs::closed, bs::open, "5 consecutive failures");
}

CAF_TEST(successes alone never open) {
  circuit_breaker b{defaults()};
  record_n(b, 1000, true, 1s);
  CHECK_STATE(b, bs::closed);
  CHECK_NO_CHANGE(b);
  CAF_CHECK(b.current_reset_timeout() == 30s);
}

// -- CLOSED -> OPEN by failure rate ---------------------------------------------

CAF_TEST(a failure rate opens only once the window is full) {
  // Window 10, rate 0.3: failures alternate with successes so the consecutive
  // rule is out of play (its threshold is unreachable anyway).
  circuit_breaker b{rate_only(10, 0.3)};
  // 9 checks, 5 failed (0.56 of them): not full, stays closed.
  for (int i = 0; i < 9; ++i)
    b.record(i % 2 != 0, 1s);
  CAF_CHECK_EQUAL(b.window_size(), 9);
  CAF_CHECK_EQUAL(b.window_failures(), 5);
  CAF_CHECK_EQUAL(b.failure_rate(), 5.0 / 9);
  CHECK_STATE(b, bs::closed);
  CHECK_NO_CHANGE(b);
  // The tenth fills it: 6 of 10 = 0.6 > 0.3.
  b.record(false, 2s);
  CHECK_CHANGE(b, bs::closed, bs::open, "failure rate 0.6 > 0.3 over the last 10 checks");
}

CAF_TEST(a failure rate equal to the limit does not open and one more failure does) {
  // Window 10, rate 0.3: 3 failures of 10 is exactly 0.3, not above it.
  circuit_breaker b{rate_only(10, 0.3)};
  record_n(b, 7, true, 1s);
  record_n(b, 3, false, 2s);
  CAF_CHECK_EQUAL(b.window_size(), 10);
  CAF_CHECK_EQUAL(b.failure_rate(), 0.3);
  CHECK_STATE(b, bs::closed);
  CHECK_NO_CHANGE(b);
  // The next failure evicts the oldest success: 4 of 10.
  b.record(false, 3s);
  CHECK_CHANGE(b, bs::closed, bs::open, "failure rate 0.4 > 0.3 over the last 10 checks");
}

CAF_TEST(the issue example reads failure rate 0.45 over 0.4 over the last 20 checks) {
  circuit_breaker b{rate_only(20, 0.4)};
  // 12 successes, then 8 failures: 0.4, not above.
  record_n(b, 12, true, 1s);
  record_n(b, 8, false, 2s);
  CAF_CHECK_EQUAL(b.failure_rate(), 0.4);
  CHECK_STATE(b, bs::closed);
  // A ninth failure replaces a success: 9 of 20 = 0.45.
  b.record(false, 3s);
  CHECK_CHANGE(b, bs::closed, bs::open, "failure rate 0.45 > 0.4 over the last 20 checks");
}

CAF_TEST(the window slides and forgets old failures) {
  circuit_breaker b{rate_only(4, 0.5)};
  // F S S S: full, 0.25.
  b.record(false, 1s);
  record_n(b, 3, true, 1s);
  CAF_CHECK_EQUAL(b.failure_rate(), 0.25);
  // The old failure is evicted by a success: 0.
  b.record(true, 2s);
  CAF_CHECK_EQUAL(b.window_failures(), 0);
  CAF_CHECK_EQUAL(b.failure_rate(), 0.0);
  // F S F: window S S F S -> S F S F: 0.5, not above.
  b.record(false, 3s);
  b.record(true, 3s);
  b.record(false, 3s);
  CAF_CHECK_EQUAL(b.window_size(), 4);
  CAF_CHECK_EQUAL(b.failure_rate(), 0.5);
  CHECK_STATE(b, bs::closed);
  // F: F S F F (evicts a success): 0.75.
  b.record(false, 4s);
  CHECK_CHANGE(b, bs::closed, bs::open, "failure rate 0.75 > 0.5 over the last 4 checks");
}

CAF_TEST(a rate just above the limit prints enough digits to differ) {
  circuit_breaker b{rate_only(10000, 0.4)};
  record_n(b, 6000, true, 1s);
  record_n(b, 4000, false, 2s);
  CHECK_STATE(b, bs::closed);
  b.record(false, 3s); // 4001 of 10000
  CHECK_CHANGE(b, bs::closed, bs::open, "failure rate 0.4001 > 0.4 over the last 10000 checks");
}

CAF_TEST(a window that fills on a success above the rate opens) {
  circuit_breaker b{rate_only(4, 0.5)};
  record_n(b, 3, false, 1s);
  CHECK_STATE(b, bs::closed);
  b.record(true, 2s); // full: 3 of 4
  CHECK_CHANGE(b, bs::closed, bs::open, "failure rate 0.75 > 0.5 over the last 4 checks");
}

CAF_TEST(a failure rate of 1 never trips by rate) {
  circuit_breaker b{rate_only(5, 1.0)};
  record_n(b, 50, false, 1s);
  CAF_CHECK_EQUAL(b.failure_rate(), 1.0);
  CHECK_STATE(b, bs::closed);
}

CAF_TEST(failure rate 0 ignores the rate) {
  // 2 of every 3 checks fail, never 3 in a row: with the rate off it stays
  // bs::closed, with rate 0.5 it opens as soon as the window is full.
  auto off = defaults();
  off.window = 6;
  auto on = off;
  on.failure_rate = 0.5;
  circuit_breaker b_off{off};
  circuit_breaker b_on{on};
  for (int i = 0; i < 30; ++i) {
    auto ok = i % 3 == 2;
    b_off.record(ok, std::chrono::seconds(i));
    if (b_on.state() == bs::closed)
      b_on.record(ok, std::chrono::seconds(i));
  }
  CHECK_STATE(b_off, bs::closed);
  CAF_CHECK_EQUAL(b_off.failure_rate(), 4.0 / 6);
  CHECK_NO_CHANGE(b_off);
  CHECK_CHANGE(b_on, bs::closed, bs::open, "failure rate 0.667 > 0.5 over the last 6 checks");
}

CAF_TEST(when both rules trip on one failure the consecutive count is reported) {
  auto s = defaults();
  s.window = 4;
  s.failure_rate = 0.5;
  circuit_breaker b{s};
  b.record(true, 1s);
  record_n(b, 3, false, 2s); // full, 0.75 > 0.5, and 3 in a row
  CHECK_CHANGE(b, bs::closed, bs::open, "3 consecutive failures");
}

// -- OPEN -> HALF_OPEN ------------------------------------------------------------

CAF_TEST(an open breaker suppresses checks until the reset timeout then goes half open) {
  circuit_breaker b{defaults()};
  trip(b, 100s);
  REQUIRE_OR_RETURN(b.retry_at().has_value());
  CAF_CHECK(*b.retry_at() == 130s);
  CAF_CHECK(!b.should_check(100s));
  CAF_CHECK(!b.should_check(129s));
  CAF_CHECK(!b.should_check(130s - 1ns));
  CHECK_STATE(b, bs::open);
  CHECK_NO_CHANGE(b);
  CAF_CHECK(b.should_check(130s));
  CHECK_STATE(b, bs::half_open);
  auto changes = b.take_changes();
  REQUIRE_EQUAL_OR_RETURN(changes.size(), 1u);
  CAF_CHECK(changes[0].from == bs::open);
  CAF_CHECK(changes[0].to == bs::half_open);
  CAF_CHECK_EQUAL(changes[0].reason, "reset timeout 30s elapsed");
  CAF_CHECK(changes[0].at == 130s);
  // opened_at survives HALF_OPEN; retry_at is only for OPEN.
  REQUIRE_OR_RETURN(b.opened_at().has_value());
  CAF_CHECK(*b.opened_at() == 100s);
  CAF_CHECK(!b.retry_at());
  CAF_CHECK_EQUAL(b.trials_started(), 1);
}

CAF_TEST(a late should_check after the timeout also goes half open) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  CAF_CHECK(b.should_check(1h));
  CHECK_CHANGE(b, bs::open, bs::half_open, "reset timeout 30s elapsed");
}

CAF_TEST(results arriving while open are stale and ignored) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  b.record(true, 1s);
  b.record(true, 2s);
  b.record(false, 3s);
  CHECK_STATE(b, bs::open);
  CHECK_NO_CHANGE(b);
  CAF_CHECK_EQUAL(b.consecutive_failures(), 3);
  CAF_CHECK_EQUAL(b.window_size(), 3);
}

// -- HALF_OPEN with one trial -------------------------------------------------------

CAF_TEST(a successful trial closes the breaker) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(true, 31s);
  CHECK_CHANGE(b, bs::half_open, bs::closed, "trial succeeded");
  CHECK_STATE(b, bs::closed);
  CAF_CHECK(!b.opened_at());
  CAF_CHECK_EQUAL(b.consecutive_failures(), 0);
  CAF_CHECK_EQUAL(b.window_size(), 0);
  CAF_CHECK(b.current_reset_timeout() == 30s);
  CAF_CHECK(b.on_probation());
  CAF_CHECK(b.should_check(31s));
}

CAF_TEST(one trial in flight blocks further checks) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  CAF_CHECK(!b.should_check(30s));
  CAF_CHECK(!b.should_check(100s));
  CAF_CHECK_EQUAL(b.trials_started(), 1);
  CHECK_STATE(b, bs::half_open);
}

CAF_TEST(a result in half open without a trial in flight is ignored) {
  // With three trials: the first finishes, and before the second is started a
  // stale result (a check started before the breaker opened) comes back.
  auto s = defaults();
  s.half_open_trials = 3;
  circuit_breaker b{s};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(true, 31s);
  CAF_CHECK_EQUAL(b.trials_succeeded(), 1);
  b.record(false, 32s); // no trial in flight: stale
  CHECK_STATE(b, bs::half_open);
  CHECK_NO_CHANGE(b);
  b.record(true, 32s); // stale too
  CAF_CHECK_EQUAL(b.trials_succeeded(), 1);
  CAF_CHECK(b.should_check(33s));
  b.record(true, 34s);
  CAF_CHECK(b.should_check(35s));
  b.record(true, 36s);
  CHECK_CHANGE(b, bs::half_open, bs::closed, "all 3 trials succeeded");
}

CAF_TEST(a failed trial reopens with the reset timeout doubled) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(false, 31s);
  CHECK_CHANGE(b, bs::half_open, bs::open, "trial failed: reopened, next reset timeout 1m");
  CHECK_STATE(b, bs::open);
  CAF_CHECK(b.current_reset_timeout() == 60s);
  REQUIRE_OR_RETURN(b.opened_at().has_value());
  CAF_CHECK(*b.opened_at() == 31s);
  // The next HALF_OPEN waits 60s from the re-opening, not 30s.
  CAF_CHECK(!b.should_check(61s));
  CAF_CHECK(!b.should_check(91s - 1ns));
  CAF_CHECK(b.should_check(91s));
  CHECK_CHANGE(b, bs::open, bs::half_open, "reset timeout 1m elapsed");
}

CAF_TEST(the reset timeout doubles on each failed trial up to the maximum) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  const char* expected[] = {
    "trial failed: reopened, next reset timeout 1m",
    "trial failed: reopened, next reset timeout 2m",
    "trial failed: reopened, next reset timeout 4m",
    "trial failed: reopened, next reset timeout 5m (the maximum)",
    "trial failed: reopened, next reset timeout 5m (the maximum)",
  };
  duration timeouts[] = {60s, 120s, 240s, 300s, 300s};
  for (int i = 0; i < 5; ++i) {
    REQUIRE_OR_RETURN(enter_half_open(b));
    auto now = *b.opened_at() + b.current_reset_timeout() + 1s;
    b.record(false, now);
    CHECK_CHANGE(b, bs::half_open, bs::open, expected[i]);
    CAF_CHECK(b.current_reset_timeout() == timeouts[i]);
  }
}

CAF_TEST(a backoff that is not a power of two) {
  auto s = defaults();
  s.backoff = 1.5;
  s.max_reset_timeout = 60s;
  circuit_breaker b{s};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(false, 30s);
  CHECK_CHANGE(b, bs::half_open, bs::open, "trial failed: reopened, next reset timeout 45s");
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(false, 75s);
  CHECK_CHANGE(b, bs::half_open, bs::open,
               "trial failed: reopened, next reset timeout 1m (the maximum)");
}

CAF_TEST(a backoff of 1 keeps the reset timeout) {
  auto s = defaults();
  s.backoff = 1;
  circuit_breaker b{s};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(false, 30s);
  CHECK_CHANGE(b, bs::half_open, bs::open, "trial failed: reopened, next reset timeout 30s");
  CAF_CHECK(b.current_reset_timeout() == 30s);
}

// -- HALF_OPEN with three trials ------------------------------------------------------

CAF_TEST(three trials need three successes) {
  auto s = defaults();
  s.half_open_trials = 3;
  circuit_breaker b{s};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b)); // trial 1 reserved
  CAF_CHECK(b.should_check(30s));        // trial 2
  CAF_CHECK(b.should_check(30s));        // trial 3
  CAF_CHECK(!b.should_check(30s));       // none left
  CAF_CHECK_EQUAL(b.trials_started(), 3);
  b.record(true, 31s);
  b.record(true, 32s);
  CHECK_STATE(b, bs::half_open);
  CHECK_NO_CHANGE(b);
  CAF_CHECK_EQUAL(b.trials_succeeded(), 2);
  CAF_CHECK(!b.should_check(32s));
  b.record(true, 33s);
  CHECK_CHANGE(b, bs::half_open, bs::closed, "all 3 trials succeeded");
}

CAF_TEST(three trials started one after another) {
  auto s = defaults();
  s.half_open_trials = 3;
  circuit_breaker b{s};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(true, 31s);
  CAF_CHECK(b.should_check(32s));
  b.record(true, 33s);
  CAF_CHECK(b.should_check(34s));
  CHECK_NO_CHANGE(b);
  b.record(true, 35s);
  CHECK_CHANGE(b, bs::half_open, bs::closed, "all 3 trials succeeded");
}

CAF_TEST(any failed trial of three reopens) {
  auto s = defaults();
  s.half_open_trials = 3;
  for (int failing = 1; failing <= 3; ++failing) {
    circuit_breaker b{s};
    trip(b, 0s);
    REQUIRE_OR_RETURN(enter_half_open(b));
    b.should_check(30s);
    b.should_check(30s);
    for (int trial = 1; trial < failing; ++trial)
      b.record(true, 31s);
    CHECK_STATE(b, bs::half_open);
    b.record(false, 32s);
    CHECK_CHANGE(b, bs::half_open, bs::open,
                 "trial " + std::to_string(failing)
                   + " of 3 failed: reopened, next reset timeout 1m");
    CAF_CHECK(b.current_reset_timeout() == 60s);
    // The other trials' results come back after the re-opening: ignored.
    for (int trial = failing + 1; trial <= 3; ++trial)
      b.record(true, 33s);
    CHECK_STATE(b, bs::open);
    CHECK_NO_CHANGE(b);
  }
}

// -- growth on re-opening from CLOSED, decay while healthy ----------------------------

CAF_TEST(opening again soon after closing grows the reset timeout) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(true, 31s);
  CHECK_CHANGE(b, bs::half_open, bs::closed, "trial succeeded");
  REQUIRE_OR_RETURN(b.on_probation());
  record_n(b, 3, false, 40s);
  CHECK_CHANGE(b, bs::closed, bs::open,
               "3 consecutive failures soon after closing: next reset timeout 1m");
  CAF_CHECK(b.current_reset_timeout() == 60s);
  CAF_CHECK(!b.on_probation());
  CAF_CHECK(!b.should_check(100s - 1ns));
  CAF_CHECK(b.should_check(100s));
}

CAF_TEST(a rate opening during probation grows the reset timeout too) {
  auto s = rate_only(4, 0.5);
  circuit_breaker b{s};
  record_n(b, 4, false, 0s);
  CHECK_CHANGE(b, bs::closed, bs::open, "failure rate 1 > 0.5 over the last 4 checks");
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(true, 31s);
  b.take_changes();
  // The window was cleared on closing: 3 more checks do not fill it.
  record_n(b, 3, false, 32s);
  CHECK_STATE(b, bs::closed);
  b.record(false, 33s);
  CHECK_CHANGE(b, bs::closed, bs::open,
               "failure rate 1 > 0.5 over the last 4 checks soon after closing: "
               "next reset timeout 1m");
}

CAF_TEST(the reset timeout decays by the backoff every window of consecutive successes) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  // Three failed trials: 1m, 2m, 4m.
  for (int i = 0; i < 3; ++i) {
    REQUIRE_OR_RETURN(enter_half_open(b));
    b.record(false, *b.opened_at() + b.current_reset_timeout());
  }
  REQUIRE_OR_RETURN(b.current_reset_timeout() == 240s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(true, 1h);
  b.take_changes();
  CHECK_STATE(b, bs::closed);
  // 19 successes: unchanged, still on probation.
  record_n(b, 19, true, 1h);
  CAF_CHECK(b.current_reset_timeout() == 240s);
  CAF_CHECK(b.on_probation());
  // The 20th: halved, probation over.
  b.record(true, 1h);
  CAF_CHECK(b.current_reset_timeout() == 120s);
  CAF_CHECK(!b.on_probation());
  // A failure restarts the count: 19 more successes do not decay.
  record_n(b, 10, true, 1h);
  b.record(false, 1h);
  record_n(b, 19, true, 1h);
  CAF_CHECK(b.current_reset_timeout() == 120s);
  b.record(true, 1h);
  CAF_CHECK(b.current_reset_timeout() == 60s);
  record_n(b, 20, true, 1h);
  CAF_CHECK(b.current_reset_timeout() == 30s);
  // Never below the base.
  record_n(b, 100, true, 1h);
  CAF_CHECK(b.current_reset_timeout() == 30s);
  CHECK_NO_CHANGE(b);
}

CAF_TEST(a decay step never goes below the base) {
  auto s = defaults();
  s.backoff = 4;
  s.window = 2;
  circuit_breaker b{s};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(false, 30s); // 2m
  REQUIRE_OR_RETURN(b.current_reset_timeout() == 120s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(true, 200s);
  record_n(b, 2, true, 201s);
  CAF_CHECK(b.current_reset_timeout() == 30s); // 120 / 4
  record_n(b, 2, true, 202s);
  CAF_CHECK(b.current_reset_timeout() == 30s); // 30 / 4 < base
}

CAF_TEST(opening after probation ended uses the decayed timeout without growing it) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(false, 30s); // 1m
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(false, 90s); // 2m
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(true, 210s);
  b.take_changes();
  record_n(b, 20, true, 300s); // 1m, probation over
  REQUIRE_OR_RETURN(b.current_reset_timeout() == 60s);
  record_n(b, 3, false, 400s);
  CHECK_CHANGE(b, bs::closed, bs::open, "3 consecutive failures");
  CAF_CHECK(b.current_reset_timeout() == 60s);
  CAF_CHECK(!b.should_check(460s - 1ns));
  CAF_CHECK(b.should_check(460s));
}

CAF_TEST(the first opening of a healthy breaker uses the base timeout) {
  circuit_breaker b{defaults()};
  record_n(b, 50, true, 0s);
  trip(b, 10s);
  CAF_CHECK(b.current_reset_timeout() == 30s);
  REQUIRE_OR_RETURN(b.retry_at().has_value());
  CAF_CHECK(*b.retry_at() == 40s);
}

// -- operators -------------------------------------------------------------------------

CAF_TEST(a forced open breaker stays open past every timeout) {
  circuit_breaker b{defaults()};
  b.force_open(10s, "maintenance");
  CHECK_CHANGE(b, bs::closed, bs::open, "forced open by operator: maintenance");
  CHECK_STATE(b, bs::open);
  CAF_CHECK(b.forced());
  CAF_CHECK(!b.retry_at());
  REQUIRE_OR_RETURN(b.opened_at().has_value());
  CAF_CHECK(*b.opened_at() == 10s);
  for (auto t : {10s, 40s, 301s, 3600s, 86400s})
    CAF_CHECK(!b.should_check(t));
  b.record(true, 100s);
  b.record(false, 100s);
  CHECK_STATE(b, bs::open);
  CHECK_NO_CHANGE(b);
  CAF_CHECK(b.current_reset_timeout() == 30s);
}

CAF_TEST(force_close ends a forced open) {
  circuit_breaker b{defaults()};
  b.force_open(10s, "maintenance");
  b.take_changes();
  b.force_close(20s, "maintenance done");
  auto changes = b.take_changes();
  REQUIRE_EQUAL_OR_RETURN(changes.size(), 1u);
  CAF_CHECK(changes[0].from == bs::open);
  CAF_CHECK(changes[0].to == bs::closed);
  CAF_CHECK_EQUAL(changes[0].reason, "forced closed by operator: maintenance done");
  CAF_CHECK(changes[0].at == 20s);
  CAF_CHECK(!b.forced());
  CAF_CHECK(!b.opened_at());
  CAF_CHECK(b.should_check(20s));
}

CAF_TEST(operator reasons may be empty) {
  circuit_breaker b{defaults()};
  b.force_open(1s, "");
  CHECK_CHANGE(b, bs::closed, bs::open, "forced open by operator");
  b.force_close(2s, "");
  CHECK_CHANGE(b, bs::open, bs::closed, "forced closed by operator");
}

CAF_TEST(force_open from half open discards the trials in flight) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.force_open(31s, "investigating");
  CHECK_CHANGE(b, bs::half_open, bs::open, "forced open by operator: investigating");
  b.record(true, 32s); // the trial comes back: ignored
  CHECK_STATE(b, bs::open);
  CHECK_NO_CHANGE(b);
  CAF_CHECK(!b.should_check(1h));
}

CAF_TEST(force_open on an open breaker latches it without a transition) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  b.force_open(5s, "keep it down");
  CHECK_NO_CHANGE(b);
  CAF_CHECK(b.forced());
  REQUIRE_OR_RETURN(b.opened_at().has_value());
  CAF_CHECK(*b.opened_at() == 0s);
  CAF_CHECK(!b.should_check(1h));
  // Forcing again changes nothing either.
  b.force_open(6s, "again");
  CHECK_NO_CHANGE(b);
}

CAF_TEST(force_close closes an automatically opened or half open breaker) {
  circuit_breaker open_one{defaults()};
  trip(open_one, 0s);
  open_one.force_close(5s, "false alarm");
  CHECK_CHANGE(open_one, bs::open, bs::closed, "forced closed by operator: false alarm");
  CAF_CHECK_EQUAL(open_one.consecutive_failures(), 0);
  CAF_CHECK_EQUAL(open_one.window_size(), 0);

  circuit_breaker half{defaults()};
  trip(half, 0s);
  REQUIRE_OR_RETURN(enter_half_open(half));
  half.force_close(31s, "looks fine");
  CHECK_CHANGE(half, bs::half_open, bs::closed, "forced closed by operator: looks fine");
  half.record(false, 32s); // the trial's late failure counts as a regular check
  CHECK_STATE(half, bs::closed);
  CAF_CHECK_EQUAL(half.consecutive_failures(), 1);
}

CAF_TEST(force_close keeps the reset timeout and puts the breaker on probation) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(false, 30s); // 1m
  b.force_close(40s, "deployed a fix");
  b.take_changes();
  CAF_CHECK(b.current_reset_timeout() == 60s);
  CAF_CHECK(b.on_probation());
  record_n(b, 3, false, 50s);
  CHECK_CHANGE(b, bs::closed, bs::open,
               "3 consecutive failures soon after closing: next reset timeout 2m");
}

CAF_TEST(force_close on a closed breaker does nothing) {
  circuit_breaker b{defaults()};
  b.record(false, 1s);
  b.force_close(2s, "nothing to do");
  CHECK_NO_CHANGE(b);
  CAF_CHECK_EQUAL(b.consecutive_failures(), 1);
  CAF_CHECK(!b.on_probation());
}

CAF_TEST(reset closes clears every counter and restores the base timeout) {
  circuit_breaker b{defaults()};
  trip(b, 0s);
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(false, 30s); // 1m
  REQUIRE_OR_RETURN(enter_half_open(b));
  b.record(false, 90s); // 2m
  REQUIRE_OR_RETURN(b.current_reset_timeout() == 120s);
  b.take_changes();
  b.reset(100s);
  CHECK_CHANGE(b, bs::open, bs::closed, "reset: counters cleared, reset timeout 30s");
  CHECK_STATE(b, bs::closed);
  CAF_CHECK(b.current_reset_timeout() == 30s);
  CAF_CHECK_EQUAL(b.consecutive_failures(), 0);
  CAF_CHECK_EQUAL(b.window_size(), 0);
  CAF_CHECK(!b.on_probation());
  CAF_CHECK(!b.opened_at());
  // As if new: the next opening uses the base timeout.
  record_n(b, 3, false, 110s);
  CHECK_CHANGE(b, bs::closed, bs::open, "3 consecutive failures");
  CAF_CHECK(b.current_reset_timeout() == 30s);
}

CAF_TEST(reset ends a forced open and a half open) {
  circuit_breaker forced{defaults()};
  forced.force_open(0s, "x");
  forced.take_changes();
  forced.reset(1s);
  CHECK_CHANGE(forced, bs::open, bs::closed, "reset: counters cleared, reset timeout 30s");
  CAF_CHECK(!forced.forced());

  circuit_breaker half{defaults()};
  trip(half, 0s);
  REQUIRE_OR_RETURN(enter_half_open(half));
  half.reset(31s);
  CHECK_CHANGE(half, bs::half_open, bs::closed, "reset: counters cleared, reset timeout 30s");
}

CAF_TEST(reset on a closed breaker clears counters without a transition) {
  auto s = rate_only(4, 0.9);
  circuit_breaker b{s};
  record_n(b, 2, false, 0s);
  b.reset(1s);
  CHECK_NO_CHANGE(b);
  CAF_CHECK_EQUAL(b.consecutive_failures(), 0);
  CAF_CHECK_EQUAL(b.window_size(), 0);
  CAF_CHECK_EQUAL(b.failure_rate(), 0.0);
  // And it ends probation after a recovery, restoring the base timeout.
  circuit_breaker c{defaults()};
  trip(c, 0s);
  REQUIRE_OR_RETURN(enter_half_open(c));
  c.record(false, 30s);
  REQUIRE_OR_RETURN(enter_half_open(c));
  c.record(true, 90s);
  c.take_changes();
  REQUIRE_OR_RETURN(c.on_probation());
  c.reset(100s);
  CHECK_NO_CHANGE(c);
  CAF_CHECK(!c.on_probation());
  CAF_CHECK(c.current_reset_timeout() == 30s);
}

// -- the transition queue ----------------------------------------------------------------

CAF_TEST(take_changes drains the queue in order) {
  circuit_breaker b{defaults()};
  trip(b, 0s); // drained by trip()
  CAF_CHECK(b.should_check(30s));
  b.record(true, 31s);
  b.force_open(40s, "a");
  b.force_close(50s, "b");
  auto changes = b.take_changes();
  REQUIRE_EQUAL_OR_RETURN(changes.size(), 4u);
  CAF_CHECK_EQUAL(changes[0].reason, "reset timeout 30s elapsed");
  CAF_CHECK(changes[0].at == 30s);
  CAF_CHECK_EQUAL(changes[1].reason, "trial succeeded");
  CAF_CHECK(changes[1].at == 31s);
  CAF_CHECK_EQUAL(changes[2].reason, "forced open by operator: a");
  CAF_CHECK(changes[2].from == bs::closed);
  CAF_CHECK_EQUAL(changes[3].reason, "forced closed by operator: b");
  CAF_CHECK(changes[3].at == 50s);
  CHECK_NO_CHANGE(b);
}

CAF_TEST(a full cycle closed open half open open half open closed) {
  circuit_breaker b{defaults()};
  record_n(b, 3, false, 0s);
  CHECK_CHANGE(b, bs::closed, bs::open, "3 consecutive failures");
  CAF_CHECK(!b.should_check(29s));
  CAF_CHECK(b.should_check(30s));
  CHECK_CHANGE(b, bs::open, bs::half_open, "reset timeout 30s elapsed");
  b.record(false, 31s);
  CHECK_CHANGE(b, bs::half_open, bs::open, "trial failed: reopened, next reset timeout 1m");
  CAF_CHECK(!b.should_check(90s));
  CAF_CHECK(b.should_check(91s));
  CHECK_CHANGE(b, bs::open, bs::half_open, "reset timeout 1m elapsed");
  b.record(true, 92s);
  CHECK_CHANGE(b, bs::half_open, bs::closed, "trial succeeded");
  CAF_CHECK(b.should_check(93s));
}

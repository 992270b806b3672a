// The supervisor's restart intensity (actors/supervisor/restart_intensity.hpp):
// at most N restarts within a sliding window.
#define CAF_SUITE restart_intensity

#include <caf/test/unit_test.hpp>

#include <chrono>

#include "actors/supervisor/restart_intensity.hpp"

using namespace conductor;
using namespace std::chrono_literals;

CAF_TEST(five restarts within the window are allowed and the sixth is refused) {
  restart_intensity r{5, 60s};
  CAF_CHECK_EQUAL(r.recent(), 0u);
  for (int i = 0; i < 5; ++i) {
    CAF_CHECK(r.allow(std::chrono::seconds(i)));
    CAF_CHECK_EQUAL(r.recent(), static_cast<size_t>(i + 1));
  }
  CAF_CHECK(!r.allow(5s));
  CAF_CHECK_EQUAL(r.recent(), 6u);
}

CAF_TEST(restarts at the same instant count separately) {
  restart_intensity r{2, 10s};
  CAF_CHECK(r.allow(1s));
  CAF_CHECK(r.allow(1s));
  CAF_CHECK(!r.allow(1s));
}

CAF_TEST(restarts older than the window are forgotten) {
  restart_intensity r{5, 60s};
  for (int i = 0; i < 5; ++i)
    CAF_REQUIRE(r.allow(std::chrono::seconds(10 * i)));
  // Restarts at t = 0, 10, 20, 30, 40. At t = 65 s the one at 0 is 65 s old
  // (forgotten); 10 .. 40 stay; with this one that makes 5: allowed.
  CAF_CHECK(r.allow(65s));
  CAF_CHECK_EQUAL(r.recent(), 5u);
  // Long after, everything is forgotten.
  CAF_CHECK(r.allow(1h));
  CAF_CHECK_EQUAL(r.recent(), 1u);
}

CAF_TEST(a restart exactly one window later no longer counts the old one) {
  // Five restarts at t = 0.
  restart_intensity at_window{5, 60s};
  for (int i = 0; i < 5; ++i)
    CAF_REQUIRE(at_window.allow(0s));
  // At exactly t = 60 s those five are a whole window old: forgotten.
  CAF_CHECK(at_window.allow(60s));
  CAF_CHECK_EQUAL(at_window.recent(), 1u);

  restart_intensity just_before{5, 60s};
  for (int i = 0; i < 5; ++i)
    CAF_REQUIRE(just_before.allow(0s));
  // One nanosecond earlier they still count: the sixth is refused.
  CAF_CHECK(!just_before.allow(60s - 1ns));
  CAF_CHECK_EQUAL(just_before.recent(), 6u);
}

CAF_TEST(a window sliding over a steady crash loop) {
  // One crash every 15 s with 5 per minute allowed: never more than 4 in the
  // last minute (t-45, t-30, t-15, t), so a slow loop keeps being restarted.
  restart_intensity slow{5, 60s};
  for (int i = 0; i < 40; ++i)
    CAF_CHECK(slow.allow(std::chrono::seconds(15 * i)));
  CAF_CHECK_EQUAL(slow.recent(), 4u);
  // One crash every 10 s: the sixth within a minute is refused.
  restart_intensity fast{5, 60s};
  for (int i = 0; i < 5; ++i)
    CAF_CHECK(fast.allow(std::chrono::seconds(10 * i)));
  CAF_CHECK(!fast.allow(50s));
}

CAF_TEST(zero restarts allowed refuses the first) {
  restart_intensity r{0, 60s};
  CAF_CHECK(!r.allow(0s));
}

// The least-squares forecaster (actors/predictor/ols_forecaster.hpp): time is
// a parameter, so every test drives its own clock.
#define CAF_SUITE ols_forecaster

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <cmath>

#include "actors/predictor/ols_forecaster.hpp"

using namespace conductor;
using namespace std::chrono_literals;

namespace {

/// Checks |x - y| <= tol and prints both values when it does not hold
/// (CAF_CHECK_EQUAL on doubles allows a relative 1e-5, too loose here).
#define CHECK_NEAR(x, y, tol)                                                                \
  do {                                                                                       \
    double cn_x = (x);                                                                       \
    double cn_y = (y);                                                                       \
    if (!(std::abs(cn_x - cn_y) <= (tol)))                                                   \
      CAF_MESSAGE("CHECK_NEAR: " << cn_x << " vs " << cn_y);                                \
    CAF_CHECK_LESS_OR_EQUAL(std::abs(cn_x - cn_y), (tol));                                   \
  } while (false)

/// y = 2t + 1 at t = 0, 1, ..., n-1 seconds.
ols_forecaster perfect_line(int n, ols_forecaster::duration window = 1h) {
  ols_forecaster f{window};
  for (int i = 0; i < n; ++i)
    f.add(std::chrono::seconds(i), 2.0 * i + 1);
  return f;
}

/// 50 +- 1, alternating, one point per second.
ols_forecaster noisy(int n) {
  ols_forecaster f{1h};
  for (int i = 0; i < n; ++i)
    f.add(std::chrono::seconds(i), i % 2 == 0 ? 49.0 : 51.0);
  return f;
}

} // namespace

// -- normal_quantile ----------------------------------------------------------

CAF_TEST(normal quantile matches the tables) {
  CHECK_NEAR(normal_quantile(0.95), 1.6449, 1e-3);
  CHECK_NEAR(normal_quantile(0.5), 0.0, 1e-3);
  CHECK_NEAR(normal_quantile(0.975), 1.96, 1e-3);
  CHECK_NEAR(normal_quantile(0.995), 2.5758, 1e-3);
  CHECK_NEAR(normal_quantile(0.841344746), 1.0, 1e-6);
  // Symmetric around the median.
  CHECK_NEAR(normal_quantile(0.05), -normal_quantile(0.95), 1e-9);
}

// -- a perfect line -----------------------------------------------------------

CAF_TEST(a perfect line is extrapolated exactly) {
  auto f = perfect_line(10);
  CAF_CHECK_EQUAL(f.size(), 10u);
  // The newest point is t = 9 s; 5 s later the line is at 2 * 14 + 1.
  auto fc = f.forecast(5s, 0.9);
  CAF_REQUIRE(fc);
  CHECK_NEAR(fc->predicted, 29.0, 1e-9);
  // No residuals: the interval collapses onto the value.
  CHECK_NEAR(fc->lower, 29.0, 1e-9);
  CHECK_NEAR(fc->upper, 29.0, 1e-9);
  // Horizon 0 is the newest fitted value.
  auto now = f.forecast(0s, 0.9);
  CAF_REQUIRE(now);
  CHECK_NEAR(now->predicted, 19.0, 1e-9);
  // Sub-second horizons count in fractions of a second.
  auto half = f.forecast(500ms, 0.9);
  CAF_REQUIRE(half);
  CHECK_NEAR(half->predicted, 20.0, 1e-9);
}

CAF_TEST(a perfect line at a large time offset stays exact) {
  // Monotonic clocks start anywhere: a week of uptime must not hurt precision.
  ols_forecaster f{1h};
  auto base = std::chrono::nanoseconds{std::chrono::hours(24 * 7)} + 123456789ns;
  for (int i = 0; i < 10; ++i)
    f.add(base + std::chrono::seconds(i), 2.0 * i + 1);
  auto fc = f.forecast(5s, 0.9);
  CAF_REQUIRE(fc);
  CHECK_NEAR(fc->predicted, 29.0, 1e-9);
}

// -- noisy data ---------------------------------------------------------------

CAF_TEST(noisy data gives bounds around the prediction) {
  auto f = noisy(20);
  auto fc = f.forecast(10s, 0.9);
  CAF_REQUIRE(fc);
  CAF_CHECK_LESS(fc->lower, fc->predicted);
  CAF_CHECK_LESS(fc->predicted, fc->upper);
  // Symmetric interval.
  CHECK_NEAR(fc->predicted - fc->lower, fc->upper - fc->predicted, 1e-9);
  // The level is about 50: the line must not wander off.
  CAF_CHECK_GREATER(fc->predicted, 48.0);
  CAF_CHECK_LESS(fc->predicted, 52.0);
}

CAF_TEST(bounds widen with the coverage in proportion to the quantile) {
  auto f = noisy(20);
  auto c50 = f.forecast(10s, 0.5);
  auto c90 = f.forecast(10s, 0.9);
  auto c99 = f.forecast(10s, 0.99);
  CAF_REQUIRE(c50 && c90 && c99);
  // The coverage moves the bounds, never the prediction.
  CHECK_NEAR(c50->predicted, c90->predicted, 1e-12);
  CHECK_NEAR(c90->predicted, c99->predicted, 1e-12);
  auto w50 = c50->upper - c50->lower;
  auto w90 = c90->upper - c90->lower;
  auto w99 = c99->upper - c99->lower;
  CAF_CHECK_GREATER(w50, 0.0);
  CAF_CHECK_LESS(w50, w90);
  CAF_CHECK_LESS(w90, w99);
  // Coverage c uses the (0.5 + c/2) quantile.
  CHECK_NEAR(w90 / w50, normal_quantile(0.95) / normal_quantile(0.75), 1e-9);
  CHECK_NEAR(w99 / w90, normal_quantile(0.995) / normal_quantile(0.95), 1e-9);
}

CAF_TEST(the interval is the least squares prediction interval) {
  // Four points at t = 0..3 s: 1, 3, 3, 5. By hand, with x relative to the
  // newest point (-3, -2, -1, 0): mean x -1.5, mean y 3, Sxx 5, Sxy 6,
  // slope 1.2, intercept 4.8, residuals -0.2 0.6 -0.6 0.2, SSR 0.8,
  // sd = sqrt(0.8 / 2).
  ols_forecaster f{1h};
  f.add(0s, 1);
  f.add(1s, 3);
  f.add(2s, 3);
  f.add(3s, 5);
  auto z = normal_quantile(0.95);
  auto sd = std::sqrt(0.4);
  {
    // h = 3 s: predicted 4.8 + 1.2 * 3 = 8.4; leverage (3 + 1.5)^2 / 5 = 4.05;
    // half = z sd sqrt(1 + 1/4 + 4.05); span 3 s over horizon 3 s: fill 4/10.
    auto fc = f.forecast(3s, 0.9);
    CAF_REQUIRE(fc);
    auto half = z * sd * std::sqrt(1 + 0.25 + 4.05);
    CHECK_NEAR(fc->predicted, 8.4, 1e-9);
    CHECK_NEAR(fc->lower, 8.4 - half, 1e-9);
    CHECK_NEAR(fc->upper, 8.4 + half, 1e-9);
    CHECK_NEAR(fc->confidence, 0.4 / (1 + half / 8.4), 1e-9);
  }
  {
    // h = 30 s: predicted 4.8 + 36 = 40.8; leverage 31.5^2 / 5 = 198.45;
    // the window covers 3 s of a 30 s horizon: fill 0.4 * 0.1.
    auto fc = f.forecast(30s, 0.9);
    CAF_REQUIRE(fc);
    auto half = z * sd * std::sqrt(1 + 0.25 + 198.45);
    CHECK_NEAR(fc->predicted, 40.8, 1e-9);
    CHECK_NEAR(fc->upper - fc->predicted, half, 1e-9);
    CHECK_NEAR(fc->confidence, 0.04 / (1 + half / 40.8), 1e-9);
  }
}

// -- confidence ---------------------------------------------------------------

CAF_TEST(confidence of a flat line is the window span over the horizon) {
  // Ten equal points over 9 s: no residuals, so precision is 1 and the
  // confidence is min(1, 10/10) * min(1, 9 s / horizon).
  ols_forecaster f{1h};
  for (int i = 0; i < 10; ++i)
    f.add(std::chrono::seconds(i), 50);
  auto short_h = f.forecast(90s, 0.9);
  CAF_REQUIRE(short_h);
  CHECK_NEAR(short_h->predicted, 50.0, 1e-12);
  CHECK_NEAR(short_h->confidence, 0.1, 1e-12);
  auto five_min = f.forecast(5min, 0.9);
  CAF_REQUIRE(five_min);
  CHECK_NEAR(five_min->confidence, 9.0 / 300.0, 1e-12);
  // A horizon within the span: full trust.
  auto within = f.forecast(9s, 0.9);
  CAF_REQUIRE(within);
  CHECK_NEAR(within->confidence, 1.0, 1e-12);
}

CAF_TEST(confidence counts points up to ten) {
  // Five equal points over 40 s, horizon 10 s: fill = 5/10 * 1.
  ols_forecaster f{1h};
  for (int i = 0; i < 5; ++i)
    f.add(std::chrono::seconds(10 * i), 20);
  auto fc = f.forecast(10s, 0.9);
  CAF_REQUIRE(fc);
  CHECK_NEAR(fc->confidence, 0.5, 1e-12);
}

CAF_TEST(confidence is low for a short window and grows with a long clean one) {
  // y = 2t + 1 every second; horizon 5 minutes.
  auto c9 = perfect_line(10).forecast(5min, 0.9);
  auto c60 = perfect_line(61).forecast(5min, 0.9);
  auto c150 = perfect_line(151).forecast(5min, 0.9);
  auto c300 = perfect_line(301).forecast(5min, 0.9);
  auto c600 = perfect_line(601).forecast(5min, 0.9);
  CAF_REQUIRE(c9 && c60 && c150 && c300 && c600);
  // Nine seconds of data about the next five minutes: span / horizon = 0.03.
  CAF_CHECK_LESS(c9->confidence, 0.05);
  CHECK_NEAR(c9->confidence, 9.0 / 300.0, 1e-6);
  CAF_CHECK_LESS(c9->confidence, c60->confidence);
  CAF_CHECK_LESS(c60->confidence, c150->confidence);
  CAF_CHECK_LESS(c150->confidence, c300->confidence);
  CAF_CHECK_GREATER(c300->confidence, 0.999);
  CAF_CHECK_GREATER(c600->confidence, 0.999);
  CAF_CHECK_LESS_OR_EQUAL(c600->confidence, 1.0);
}

CAF_TEST(noise lowers the confidence) {
  // Same span and point count; the noisy series' interval is wider.
  ols_forecaster clean{1h};
  for (int i = 0; i < 20; ++i)
    clean.add(std::chrono::seconds(i), 50);
  ols_forecaster rough{1h};
  for (int i = 0; i < 20; ++i)
    rough.add(std::chrono::seconds(i), i % 2 == 0 ? 30.0 : 70.0);
  auto a = clean.forecast(10s, 0.9);
  auto b = rough.forecast(10s, 0.9);
  CAF_REQUIRE(a && b);
  CHECK_NEAR(a->confidence, 1.0, 1e-12);
  CAF_CHECK_LESS(b->confidence, 0.6);
  CAF_CHECK_GREATER(b->confidence, 0.0);
}

// -- the window ---------------------------------------------------------------

CAF_TEST(points older than the window are dropped) {
  ols_forecaster f{10s};
  for (int i = 0; i <= 20; ++i)
    f.add(std::chrono::seconds(i), i);
  // Kept: t = 10 .. 20 (a point exactly one window old stays).
  CAF_CHECK_EQUAL(f.size(), 11u);
  auto last = f.last();
  CAF_REQUIRE(last);
  CAF_CHECK_EQUAL(*last, 20.0);
  // A point one nanosecond after t = 20 s pushes t = 10 s out ...
  f.add(20s + 1ns, 21);
  CAF_CHECK_EQUAL(f.size(), 11u);
  // ... while t = 11 s is exactly one window older than t = 21 s and stays.
  f.add(21s, 22);
  CAF_CHECK_EQUAL(f.size(), 12u);
  // Far in the future only the new point remains.
  f.add(1h, 0);
  CAF_CHECK_EQUAL(f.size(), 1u);
}

CAF_TEST(the window boundary is inclusive) {
  ols_forecaster f{10s};
  f.add(0s, 1);
  f.add(10s, 2);
  CAF_CHECK_EQUAL(f.size(), 2u);
  f.add(10s + 1ns, 3);
  CAF_CHECK_EQUAL(f.size(), 2u);
}

CAF_TEST(the dropped points no longer shape the line) {
  // An old level of 1000, then a clean line; once the old points leave the
  // window the forecast is the clean line's.
  ols_forecaster f{10s};
  for (int i = 0; i < 5; ++i)
    f.add(std::chrono::seconds(i), 1000);
  for (int i = 100; i <= 110; ++i)
    f.add(std::chrono::seconds(i), 2.0 * i + 1);
  CAF_CHECK_EQUAL(f.size(), 11u);
  auto fc = f.forecast(5s, 0.9);
  CAF_REQUIRE(fc);
  CHECK_NEAR(fc->predicted, 2.0 * 115 + 1, 1e-9);
}

CAF_TEST(a shorter window applies at the next add) {
  ols_forecaster f{1h};
  for (int i = 0; i <= 20; ++i)
    f.add(std::chrono::seconds(i), i);
  CAF_CHECK_EQUAL(f.size(), 21u);
  f.set_window(5s);
  CAF_CHECK_EQUAL(f.size(), 21u);
  f.add(21s, 21);
  // Kept: t = 16 .. 21.
  CAF_CHECK_EQUAL(f.size(), 6u);
}

CAF_TEST(an out of order point is ignored) {
  auto f = perfect_line(10);
  f.add(3s, 1000);
  CAF_CHECK_EQUAL(f.size(), 10u);
  auto last = f.last();
  CAF_REQUIRE(last);
  CAF_CHECK_EQUAL(*last, 19.0);
  auto fc = f.forecast(5s, 0.9);
  CAF_REQUIRE(fc);
  CHECK_NEAR(fc->predicted, 29.0, 1e-9);
  // Same time as the newest point is not out of order.
  f.add(9s, 19);
  CAF_CHECK_EQUAL(f.size(), 11u);
}

// -- too few points -----------------------------------------------------------

CAF_TEST(no points give no forecast) {
  ols_forecaster f{1h};
  CAF_CHECK_EQUAL(f.size(), 0u);
  CAF_CHECK(!f.last());
  CAF_CHECK(!f.forecast(5s, 0.9));
}

CAF_TEST(fewer than three points give the last value with confidence zero) {
  ols_forecaster f{1h};
  f.add(0s, 10);
  auto one = f.forecast(5s, 0.9);
  CAF_REQUIRE(one);
  CAF_CHECK_EQUAL(one->predicted, 10.0);
  CAF_CHECK_EQUAL(one->lower, 10.0);
  CAF_CHECK_EQUAL(one->upper, 10.0);
  CAF_CHECK_EQUAL(one->confidence, 0.0);
  f.add(1s, 20);
  auto two = f.forecast(5s, 0.9);
  CAF_REQUIRE(two);
  // Not extrapolated to 70: two points are no line.
  CAF_CHECK_EQUAL(two->predicted, 20.0);
  CAF_CHECK_EQUAL(two->lower, 20.0);
  CAF_CHECK_EQUAL(two->upper, 20.0);
  CAF_CHECK_EQUAL(two->confidence, 0.0);
  f.add(2s, 30);
  auto three = f.forecast(5s, 0.9);
  CAF_REQUIRE(three);
  CHECK_NEAR(three->predicted, 80.0, 1e-9);
  CAF_CHECK_GREATER(three->confidence, 0.0);
}

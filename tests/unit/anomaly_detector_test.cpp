// The anomaly detector (actors/predictor/anomaly_detector.hpp): plain C++, a
// step is a call, so every test feeds its own series from a fixed seed.
#define CAF_SUITE anomaly_detector

#include <caf/test/unit_test.hpp>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "actors/predictor/anomaly_detector.hpp"
#include "tests/require.hpp"

using namespace conductor;

namespace {

/// Standard normal draws from a fixed seed (Box-Muller over mt19937_64, whose
/// output is fully specified, so the series is the same on every platform).
class gauss {
public:
  explicit gauss(uint64_t seed) : rng_(seed) {
  }

  double uniform() {
    // 53 random bits in (0, 1).
    return (static_cast<double>(rng_() >> 11) + 0.5) * 0x1.0p-53;
  }

  double operator()() {
    double u1 = uniform();
    double u2 = uniform();
    return std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

private:
  std::mt19937_64 rng_;
};

/// Feeds `xs` to a new detector and returns the scores.
std::vector<double> scores_of(const std::vector<double>& xs) {
  anomaly_detector d;
  std::vector<double> out;
  out.reserve(xs.size());
  for (double x : xs)
    out.push_back(d.update(x));
  return out;
}

/// mean + sd * N(0, 1), n values.
std::vector<double> noise(size_t n, double mean, double sd, uint64_t seed) {
  gauss g{seed};
  std::vector<double> xs(n);
  for (auto& x : xs)
    x = mean + sd * g();
  return xs;
}

/// Steps in [from, to) whose score is at least `level`, not counting `skip`.
size_t count_at_least(const std::vector<double>& s, size_t from, size_t to, double level,
                      size_t skip = SIZE_MAX) {
  size_t n = 0;
  for (size_t i = from; i < to && i < s.size(); ++i)
    if (i != skip && s[i] >= level)
      ++n;
  return n;
}

bool all_in_unit_interval(const std::vector<double>& s) {
  for (double x : s)
    if (!(std::isfinite(x) && x >= 0 && x <= 1))
      return false;
  return true;
}

/// An alarm, as the NAB threshold puts it (0.525 for every profile).
constexpr double alarm = 0.5;

} // namespace

CAF_TEST(constant series scores zero) {
  for (double c : {0.0, -5.0, 42.0, 1e300, -1e-300, DBL_MAX}) {
    anomaly_detector d;
    double worst = 0;
    for (int i = 0; i < 5000; ++i)
      worst = std::max(worst, d.update(c));
    CAF_CHECK_EQUAL(worst, 0.0);
    CAF_CHECK_EQUAL(d.steps(), 5000u);
  }
}

CAF_TEST(a change after a constant start is one alarm) {
  std::vector<double> xs(1000, 3.0);
  for (size_t i = 600; i < xs.size(); ++i)
    xs[i] = 4.0;
  auto s = scores_of(xs);
  CAF_CHECK_EQUAL(count_at_least(s, 0, 600, 1e-12), 0u);
  CAF_CHECK_GREATER_OR_EQUAL(s[600], 0.9);
  CAF_CHECK_EQUAL(count_at_least(s, 601, s.size(), 1e-12), 0u);
}

CAF_TEST(a spike in noise scores high there and low elsewhere) {
  constexpr size_t spike = 2000;
  auto xs = noise(4000, 100, 2, 7);
  xs[spike] = 100 + 12 * 2;
  auto s = scores_of(xs);
  REQUIRE_OR_RETURN(all_in_unit_interval(s));
  CAF_CHECK_GREATER_OR_EQUAL(s[spike], 0.9);
  // New extremes of the noise itself alarm now and then, but rarely.
  auto others = count_at_least(s, 0, s.size(), alarm, spike);
  CAF_MESSAGE("other steps at or above " << alarm << ": " << others);
  CAF_CHECK_LESS_OR_EQUAL(others, s.size() / 200);
  // The spike's neighbourhood stays quiet: the rest period after it, and at
  // most one new extreme of the noise within 300 steps either side.
  CAF_CHECK_EQUAL(count_at_least(s, spike + 1, spike + 51, 1e-12), 0u);
  CAF_CHECK_LESS_OR_EQUAL(count_at_least(s, spike - 300, spike + 300, alarm, spike), 1u);
  // The warm-up scores 0.
  CAF_CHECK_EQUAL(count_at_least(s, 0, 200, 1e-12), 0u);
}

CAF_TEST(a sustained anomaly does not alarm on every step) {
  constexpr size_t start = 1500;
  constexpr size_t len = 400;
  auto xs = noise(3000, 0, 1, 11);
  gauss g{12};
  for (size_t i = start; i < start + len; ++i)
    xs[i] = 9 + 3 * g(); // far off and wide: many values never seen before
  auto s = scores_of(xs);
  REQUIRE_OR_RETURN(all_in_unit_interval(s));
  CAF_CHECK_GREATER_OR_EQUAL(s[start], 0.9);
  auto alarms = count_at_least(s, start, start + len, alarm);
  CAF_MESSAGE("alarms during the anomaly: " << alarms << " of " << len << " steps");
  CAF_CHECK_GREATER_OR_EQUAL(alarms, 1u);
  CAF_CHECK_LESS_OR_EQUAL(alarms, 4u);
  // After an alarm, the next 50 steps score 0.
  for (size_t i = start + 1; i <= start + 50; ++i)
    CAF_CHECK_EQUAL(s[i], 0.0);
}

CAF_TEST(after a level shift the new level becomes normal) {
  // Bounded noise, so the new level's cells are all visited quickly and
  // nothing after that is new: the bound below is exact.
  constexpr size_t shift = 1000;
  constexpr size_t settle = 150;
  gauss g{21};
  std::vector<double> xs(5000);
  for (size_t i = 0; i < xs.size(); ++i)
    xs[i] = (i < shift ? 10 : 60) + 4 * g.uniform();
  auto s = scores_of(xs);
  REQUIRE_OR_RETURN(all_in_unit_interval(s));
  CAF_CHECK_GREATER_OR_EQUAL(s[shift], 0.9);
  CAF_CHECK_EQUAL(count_at_least(s, shift + settle, s.size(), 1e-12), 0u);
  // Gaussian noise: after the shift, alarms are as rare as before it.
  auto ys = noise(6000, 0, 1, 22);
  for (size_t i = 2000; i < ys.size(); ++i)
    ys[i] += 15;
  auto t = scores_of(ys);
  CAF_CHECK_GREATER_OR_EQUAL(t[2000], 0.9);
  auto late = count_at_least(t, 2000 + 300, t.size(), alarm);
  CAF_MESSAGE("alarms in the 3700 steps from 300 after the shift: " << late);
  CAF_CHECK_LESS_OR_EQUAL(late, 15u);
}

CAF_TEST(nan and inf score zero and are not learned) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto xs = noise(1500, 5, 1, 31);
  xs[1000] = 30; // a spike, so that the scores are not all 0
  anomaly_detector clean;
  anomaly_detector dirty;
  size_t i = 0;
  bool same = true;
  for (double x : xs) {
    // Bad values in the warm-up, right before the spike and everywhere else.
    if (i % 97 == 0 || i == 999 || i == 10) {
      for (double bad : {nan, inf, -inf}) {
        double s = dirty.update(bad);
        if (s != 0.0) {
          CAF_MESSAGE("non-finite input scored " << s << " at step " << i);
          same = false;
        }
      }
    }
    if (clean.update(x) != dirty.update(x))
      same = false;
    ++i;
  }
  CAF_CHECK(same);
  CAF_CHECK_EQUAL(dirty.steps(), xs.size());
  CAF_CHECK_EQUAL(clean.steps(), xs.size());
  // Nothing but bad values: nothing learned.
  anomaly_detector only_bad;
  for (int k = 0; k < 1000; ++k)
    CAF_CHECK_EQUAL(only_bad.update(k % 2 ? nan : -inf), 0.0);
  CAF_CHECK_EQUAL(only_bad.steps(), 0u);
}

CAF_TEST(tiny and huge magnitudes stay finite in the unit interval) {
  // The same spike in noise at scales far apart: still found.
  auto base = noise(3000, 1, 0.05, 41);
  base[2500] = 2;
  for (double scale : {1e-300, 1e-150, 1e150, 1e300}) {
    std::vector<double> xs = base;
    for (auto& x : xs)
      x *= scale;
    auto s = scores_of(xs);
    REQUIRE_OR_RETURN(all_in_unit_interval(s));
    CAF_CHECK_GREATER_OR_EQUAL(s[2500], 0.9);
  }
  // Subnormals, the extremes of double and jumps between them.
  std::vector<std::vector<double>> wild(4);
  gauss g{42};
  for (size_t i = 0; i < 3000; ++i) {
    wild[0].push_back(4.9e-324 * static_cast<double>(i % 7));
    wild[1].push_back(i % 2 ? DBL_MAX : -DBL_MAX);
    wild[2].push_back(i < 1000 ? 1e-300 * g() : 1e300 * g());
    wild[3].push_back(i % 500 == 499 ? (i % 1000 == 999 ? -DBL_MAX : DBL_MAX) : g());
  }
  for (auto& xs : wild) {
    auto s = scores_of(xs);
    CAF_CHECK(all_in_unit_interval(s));
  }
}

CAF_TEST(a copy gives identical subsequent scores) {
  auto xs = noise(4000, 50, 5, 51);
  for (size_t i = 1200; i < 1600; ++i)
    xs[i] += 40; // a level shift inside the copied history
  xs[3000] = 200;
  anomaly_detector original;
  for (size_t i = 0; i < 1800; ++i)
    original.update(xs[i]);
  anomaly_detector copy = original;
  anomaly_detector moved_from = original;
  anomaly_detector moved = std::move(moved_from);
  anomaly_detector assigned;
  assigned.update(1.0);
  assigned = copy;
  CAF_CHECK_EQUAL(copy.steps(), original.steps());
  bool same = true;
  double top = 0;
  for (size_t i = 1800; i < xs.size(); ++i) {
    double a = original.update(xs[i]);
    top = std::max(top, a);
    same = same && copy.update(xs[i]) == a && moved.update(xs[i]) == a
           && assigned.update(xs[i]) == a;
  }
  CAF_CHECK(same);
  CAF_CHECK_GREATER_OR_EQUAL(top, 0.9); // the comparison was not of zeros
  // And two fresh detectors agree from the start.
  CAF_CHECK(scores_of(xs) == scores_of(xs));
}

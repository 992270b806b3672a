// normal_quantile (actors/predictor/normal_quantile.hpp) against the tables.
#define CAF_SUITE normal_quantile

#include <caf/test/unit_test.hpp>

#include <cmath>

#include "actors/predictor/normal_quantile.hpp"

using namespace conductor;

namespace {

/// CAF_CHECK_EQUAL on doubles allows a relative 1e-5, too loose here.
bool near(double x, double y, double tol) {
  return std::abs(x - y) <= tol;
}

} // namespace

CAF_TEST(normal quantile matches the tables) {
  CAF_CHECK(near(normal_quantile(0.95), 1.6449, 1e-3));
  CAF_CHECK(near(normal_quantile(0.5), 0.0, 1e-3));
  CAF_CHECK(near(normal_quantile(0.975), 1.96, 1e-3));
  CAF_CHECK(near(normal_quantile(0.995), 2.5758, 1e-3));
  CAF_CHECK(near(normal_quantile(0.841344746), 1.0, 1e-6));
  // Symmetric around the median; the extremes are clamped, not infinite.
  CAF_CHECK(near(normal_quantile(0.05), -normal_quantile(0.95), 1e-9));
  CAF_CHECK(std::isfinite(normal_quantile(0)));
  CAF_CHECK(std::isfinite(normal_quantile(1)));
}

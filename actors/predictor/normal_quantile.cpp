#include "actors/predictor/normal_quantile.hpp"

#include <algorithm>
#include <cmath>

namespace conductor {

double normal_quantile(double p) {
  // Bisection on the CDF: exact to double precision in 100 steps, and this is
  // computed once per predictor, not per step.
  p = std::clamp(p, 1e-12, 1 - 1e-12);
  double lo = -40;
  double hi = 40;
  for (int i = 0; i < 100; ++i) {
    double mid = (lo + hi) / 2;
    double cdf = 0.5 * std::erfc(-mid / std::sqrt(2.0));
    if (cdf < p)
      lo = mid;
    else
      hi = mid;
  }
  return (lo + hi) / 2;
}

} // namespace conductor

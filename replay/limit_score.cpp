#include "replay/limit_score.hpp"

#include <algorithm>
#include <cmath>

namespace conductor::replay {

limit_score score_limits(const std::vector<double>& seconds, const std::vector<double>& demand,
                         const std::vector<double>& limit) {
  limit_score s;
  double demand_sum = 0;
  double excess_sum = 0;
  double first = 0;
  double last = 0;
  double previous = 0;
  for (size_t i = 0; i < demand.size() && i < limit.size() && i < seconds.size(); ++i) {
    double d = std::max(demand[i], 0.0);
    double l = limit[i];
    if (!(l > 0))
      continue;
    if (s.rows == 0)
      first = seconds[i];
    else if (std::fabs(l - previous) > 1e-9 * std::max(l, previous))
      ++s.changes;
    last = seconds[i];
    previous = l;
    ++s.rows;
    s.slack += (l - std::min(d, l)) / l;
    // The same tolerance as scaling_eval.py: equal within rounding is not
    // throttled.
    if (d > l * (1 + 1e-9))
      s.throttled_time += 1;
    excess_sum += std::max(0.0, d - l);
    demand_sum += d;
  }
  if (s.rows == 0)
    return s;
  s.slack /= static_cast<double>(s.rows);
  s.throttled_time /= static_cast<double>(s.rows);
  s.throttled_work = demand_sum > 0 ? excess_sum / demand_sum : 0;
  // Rows are intervals: n rows at a fixed spacing span n spacings, as the
  // eval's 288 rows make a day.
  double span = s.rows > 1 ? (last - first) * static_cast<double>(s.rows)
                                   / static_cast<double>(s.rows - 1)
                           : 0;
  s.changes_per_day = span > 0 ? static_cast<double>(s.changes) * 86400.0 / span : 0;
  return s;
}

} // namespace conductor::replay

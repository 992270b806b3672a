// limit_score.hpp -- how well a series of limits served a series of demand,
// by the figures ../shared/eval/scaling_eval.py judges: slack (paid for,
// unused), throttled time and work, and limit changes per day.
#pragma once

#include <cstddef>
#include <vector>

namespace conductor::replay {

struct limit_score {
  size_t rows = 0;
  /// Mean over rows of (limit - min(demand, limit)) / limit.
  double slack = 0;
  /// Share of rows where the demand exceeded the limit.
  double throttled_time = 0;
  /// Demand above the limit, as a share of all demand.
  double throttled_work = 0;
  /// Rows whose limit differs from the row before.
  size_t changes = 0;
  /// Changes per 24 hours of the rows' span (0 when it spans no time).
  double changes_per_day = 0;
};

/// Scores `limit[i]` against `demand[i]` at `seconds[i]`; rows whose limit is
/// not positive (none in force) are left out. The three vectors have the
/// same length.
limit_score score_limits(const std::vector<double>& seconds, const std::vector<double>& demand,
                         const std::vector<double>& limit);

} // namespace conductor::replay

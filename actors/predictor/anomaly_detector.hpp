// anomaly_detector.hpp -- how unusual is the newest step of a series?
//
// One number in [0, 1] per step, from everything seen up to and including
// that step (never later data). It must mean something on real data nobody
// here made: it is scored on the Numenta Anomaly Benchmark (bench/nab.sh),
// one set of parameters for every series. One event raises one alarm, not a
// burst (repeated alarms are suppressed), and after a level shift the new
// level becomes normal quickly instead of alarming forever.
//
// Plain C++, no clock: a step is a call. Steady-state updates allocate
// nothing and cost O(1) or O(window).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace conductor {

class anomaly_detector {
public:
  anomaly_detector();

  /// Scores `value`, the newest step, then learns it. NaN or infinite values
  /// score 0 and are not learned.
  double update(double value);

  /// Steps learned so far.
  size_t steps() const;

private:
  // Which cell of the value grid holds x; coarsens the grid until x fits
  // (`now` is the current step's stamp, see last_seen_).
  size_t cell_of(double x, uint32_t now);

  // Doubles the cell width around the grid's centre, merging cell pairs.
  void coarsen(uint32_t now);

  // Places the grid over [lo, hi] (lo < hi) and marks the warm-up values.
  void build_grid(double lo, double hi, uint32_t now);

  // The first values, kept until the grid is built (sized at construction).
  std::vector<double> warmup_;
  size_t warmup_count_ = 0;
  // Per grid cell: (step + 1) mod 2^32 when a value last fell in it, 0 = never.
  std::vector<uint32_t> last_seen_;
  bool grid_ready_ = false;
  double centre_ = 0;
  double width_ = 0;
  // Moving average of "the value fell in a cell not seen lately".
  double novelty_rate_ = 0;
  // Steps learned so far, and the step of the last alarm.
  uint64_t steps_ = 0;
  uint64_t last_alarm_ = 0;
  bool alarmed_ = false;
};

} // namespace conductor

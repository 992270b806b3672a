// step_aggregator.hpp -- turns samples at any spacing into one value per step.
//
// Forecasting per sample would make a 1 s collector interval mean 300-step
// horizons and models fitted to sampling noise. A sample taken at t measures
// the period that ends at t (CPU use since the last tick), so step k covers
// (k * step, (k + 1) * step] on the monotonic clock; its value is the mean of
// its samples. A step is complete when a sample lands on its end exactly, or
// else when the first sample of a later step arrives. Steps without samples
// (the node was busy, the plugin was down) are not invented: the next
// completed step says how many were skipped.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace conductor {

class step_aggregator {
public:
  using duration = std::chrono::nanoseconds;

  struct completed {
    /// Mean of the step's samples.
    double value;
    /// Index of the step: it ends at (index + 1) * step.
    int64_t index;
    /// Empty steps between the previous completed step and this one.
    int64_t skipped;
  };

  /// `step` must be positive.
  explicit step_aggregator(duration step);

  /// Adds a sample at monotonic time `t` and calls `on_complete(completed)`
  /// for each step it completes, oldest first (none, one, or two: the step
  /// before, left open, and its own when `t` is its end). A sample older than
  /// the open step is ignored; NaN and infinite values too.
  template <class F>
  void add(duration t, double value, F&& on_complete) {
    if (auto done = close_before(t, value))
      on_complete(*done);
    if (auto done = close_at(t))
      on_complete(*done);
  }

  duration step() const {
    return step_;
  }

private:
  /// Accepts the sample; returns the open step it closed by being later.
  std::optional<completed> close_before(duration t, double value);
  /// Returns the open step when `t` is its end.
  std::optional<completed> close_at(duration t);
  completed finish();

  duration step_;
  /// The open step, while it has samples.
  std::optional<int64_t> open_;
  std::optional<int64_t> last_completed_;
  bool accepted_ = false;
  double sum_ = 0;
  int64_t count_ = 0;
};

} // namespace conductor

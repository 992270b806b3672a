#include "actors/predictor/step_aggregator.hpp"

#include <cmath>
#include <stdexcept>

namespace conductor {

namespace {

/// floor(a / b) for b > 0.
int64_t floor_div(int64_t a, int64_t b) {
  auto q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

} // namespace

step_aggregator::step_aggregator(duration step) : step_(step) {
  if (step_.count() <= 0)
    throw std::invalid_argument("step_aggregator: the step must be positive");
}

step_aggregator::completed step_aggregator::finish() {
  auto skipped = last_completed_ ? *open_ - *last_completed_ - 1 : 0;
  completed out{sum_ / static_cast<double>(count_), *open_, skipped};
  last_completed_ = open_;
  open_.reset();
  sum_ = 0;
  count_ = 0;
  return out;
}

std::optional<step_aggregator::completed> step_aggregator::close_before(duration t,
                                                                        double value) {
  accepted_ = false;
  if (!std::isfinite(value))
    return std::nullopt;
  // Step k covers (k * step, (k + 1) * step]: t belongs to ceil(t / step) - 1.
  auto index = floor_div(t.count() - 1, step_.count());
  if ((open_ && index < *open_) || (last_completed_ && index <= *last_completed_))
    return std::nullopt;
  std::optional<completed> out;
  if (open_ && index > *open_)
    out = finish();
  open_ = index;
  sum_ += value;
  ++count_;
  accepted_ = true;
  return out;
}

std::optional<step_aggregator::completed> step_aggregator::close_at(duration t) {
  if (!accepted_ || !open_ || t.count() != (*open_ + 1) * step_.count())
    return std::nullopt;
  return finish();
}

} // namespace conductor

#include "replay/replay_runner.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>

#include "actors/predictor/step_aggregator.hpp"
#include "actors/scaler/pressure_policy.hpp"

namespace conductor::replay {

namespace {

/// An output buffer flushed in large writes: formatting, not the kernel,
/// should be the cost of a replay.
class csv_writer {
public:
  explicit csv_writer(std::FILE* out) : out_(out) {
  }

  void text(std::string_view s) {
    reserve(s.size());
    std::memcpy(buf_ + used_, s.data(), s.size());
    used_ += s.size();
  }

  /// Up to six decimals, trailing zeros dropped: far below any metric's
  /// resolution, and integer formatting is ~10x cheaper than the shortest
  /// round-trip form, which was half of a replay's time. Magnitudes outside
  /// [1e-4, 1e12) take the shortest round-trip form.
  void number(double x) {
    reserve(40);
    char* p = buf_ + used_;
    double ax = std::fabs(x);
    if (!(ax < 1e12) || (ax != 0 && ax < 1e-4)) {
      used_ = static_cast<size_t>(std::to_chars(p, p + 40, x).ptr - buf_);
      return;
    }
    // ax < 1e12, so ax * 1e6 + 0.5 fits a uint64_t; the cast rounds down.
    auto scaled = static_cast<uint64_t>(ax * 1e6 + 0.5);
    if (scaled == 0) {
      *p++ = '0';
    } else {
      if (x < 0)
        *p++ = '-';
      p = std::to_chars(p, p + 20, scaled / 1000000).ptr;
      auto fraction = static_cast<unsigned>(scaled % 1000000);
      if (fraction != 0) {
        // Six digits, zero-padded on the left, trailing zeros dropped;
        // to_chars does the digits two at a time.
        char digits[8];
        auto* end = std::to_chars(digits, digits + sizeof(digits), fraction).ptr;
        auto n = static_cast<size_t>(end - digits);
        *p++ = '.';
        for (size_t i = n; i < 6; ++i)
          *p++ = '0';
        while (digits[n - 1] == '0')
          --n;
        std::memcpy(p, digits, n);
        p += n;
      }
    }
    used_ = static_cast<size_t>(p - buf_);
  }

  void comma() {
    reserve(1);
    buf_[used_++] = ',';
  }

  bool end_row() {
    reserve(1);
    buf_[used_++] = '\n';
    return ok_;
  }

  bool flush() {
    if (used_ > 0 && std::fwrite(buf_, 1, used_, out_) != used_)
      ok_ = false;
    used_ = 0;
    return ok_;
  }

private:
  /// Room for `n` more bytes, flushing when the buffer is near full.
  void reserve(size_t n) {
    if (used_ + n > sizeof(buf_))
      flush();
  }

  std::FILE* out_;
  char buf_[1 << 16];
  size_t used_ = 0;
  bool ok_ = true;
};

} // namespace

bool run_replay(const trace& t, const replay_options& o, std::FILE* out, std::string& error) {
  const auto horizon = o.prediction.horizon_steps;
  series_predictor predictor{o.prediction};
  step_aggregator steps{o.step};
  pressure_policy policy{o.scaler};
  auto writer = std::make_unique<csv_writer>(out);
  auto& w = *writer;
  // Header.
  w.text("timestamp,value,anomaly_score");
  for (const char* part : {"forecast_h", "lower_h", "upper_h"})
    for (size_t k = 1; k <= horizon; ++k) {
      w.comma();
      w.text(part);
      w.text(std::to_string(k));
    }
  w.text(",confidence,decision");
  w.end_row();
  if (t.rows.empty())
    return w.flush();
  // The virtual clock: the first row ends the first step, as a sample ends
  // the period it measured.
  const double first = t.rows.front().seconds;
  auto mono = [&](const trace_row& r) {
    return o.step + std::chrono::nanoseconds(
                      static_cast<int64_t>(std::llround((r.seconds - first) * 1e9)));
  };
  const auto horizon_time = o.step * static_cast<int64_t>(horizon);
  std::chrono::nanoseconds next_evaluation = mono(t.rows.front());
  std::chrono::nanoseconds now{0};
  for (const auto& row : t.rows) {
    // A monotonic clock never goes back: a row out of order happens at the
    // previous row's time (and falls into a step that may be complete).
    now = std::max(now, mono(row));
    steps.add(now, row.value,
              [&](const step_aggregator::completed& c) { predictor.add_step(c.value); });
    // The scaler sees what the node's scaler sees: the newest measured value
    // and the forecast at the horizon, evaluated on its own schedule.
    policy.observe_measured(o.as_metric, row.value);
    if (predictor.steps() > 0)
      policy.observe_forecast(o.as_metric, predictor.forecast().back(), predictor.confidence(),
                              horizon_time);
    std::optional<policy_decision> decision;
    if (now >= next_evaluation) {
      decision = policy.evaluate(now);
      while (next_evaluation <= now)
        next_evaluation += o.scaler.evaluation_interval;
    }
    w.text(row.timestamp);
    w.comma();
    w.text(row.value_text);
    w.comma();
    bool ready = predictor.steps() > 0;
    if (ready)
      w.number(predictor.anomaly());
    for (const auto* values : {&predictor.forecast(), &predictor.lower(), &predictor.upper()})
      for (size_t k = 0; k < horizon; ++k) {
        w.comma();
        if (ready)
          w.number((*values)[k]);
      }
    w.comma();
    if (ready)
      w.number(predictor.confidence());
    w.comma();
    if (decision)
      w.text(decision->action);
    if (!w.end_row()) {
      error = "cannot write the output";
      return false;
    }
  }
  if (!w.flush()) {
    error = "cannot write the output";
    return false;
  }
  return true;
}

} // namespace conductor::replay

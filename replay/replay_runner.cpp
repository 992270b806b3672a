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

/// "00" "01" ... "99": two decimal digits per lookup.
constexpr char digit_pairs[] = "000102030405060708091011121314151617181920212223242526272829"
                               "303132333435363738394041424344454647484950515253545556575859"
                               "606162636465666768697071727374757677787980818283848586878889"
                               "90919293949596979899";

/// The two digits of `i` (< 100) as a little-endian word: the first digit in
/// the lowest byte.
inline uint64_t digit_pair(unsigned i) {
  uint16_t pair;
  std::memcpy(&pair, digit_pairs + 2 * i, sizeof(pair));
  return pair;
}

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "csv_writer::format() writes digits as the bytes of a word");

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
  /// [1e-4, 1e12) take the shortest round-trip form. A row repeats numbers
  /// (a flat forecast over the horizon, bounds equal across horizons): the
  /// same value as the previous call's copies that call's text (a fixed-size
  /// copy, of which only the text's length counts).
  void number(double x) {
    reserve(max_number_size);
    char* p = buf_ + used_;
    uint64_t bits;
    std::memcpy(&bits, &x, sizeof(bits));
    if (bits == last_bits_ && last_size_ > 0) {
      std::memcpy(p, last_text_, max_number_size);
      used_ += last_size_;
      return;
    }
    format(p, x);
    last_bits_ = bits;
    last_size_ = used_ - static_cast<size_t>(p - buf_);
    std::memcpy(last_text_, p, max_number_size);
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
  /// Formats `x` at `p` (in buf_, with room for max_number_size bytes)
  /// as number() promises, and moves used_ past it.
  void format(char* p, double x) {
    double ax = std::fabs(x);
    if (!(ax < 1e12) || (ax != 0 && ax < 1e-4)) {
      used_ = static_cast<size_t>(std::to_chars(p, p + max_number_size, x).ptr - buf_);
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
        // '.' and the six digits, zero-padded on the left, as the bytes of
        // one word, first byte lowest, written by one store (a memcpy of the
        // word puts its lowest byte first: little-endian). Digits come in
        // pairs from a table. Trailing '0' digits are dropped by counting:
        // xor-ing '0' out of the digit bytes leaves those bytes zero, so the
        // zero bytes at the top -- the unused eighth and the trailing '0's --
        // are the word's leading zero bits / 8; the '.' keeps it non-zero.
        uint64_t word = '.' | digit_pair(fraction / 10000) << 8
                        | digit_pair(fraction / 100 % 100) << 24
                        | digit_pair(fraction % 100) << 40;
        constexpr uint64_t zero_digits = 0x0030'3030'3030'3000;
        auto unused = static_cast<size_t>(__builtin_clzll(word ^ zero_digits)) / 8;
        std::memcpy(p, &word, sizeof(word));
        p += sizeof(word) - unused;
      }
    }
    used_ = static_cast<size_t>(p - buf_);
  }

  /// Room for `n` more bytes, flushing when the buffer is near full.
  void reserve(size_t n) {
    if (used_ + n > sizeof(buf_))
      flush();
  }

  std::FILE* out_;
  /// Room reserved for a number: its text is at most 24 bytes (the shortest
  /// round-trip form of any double), the rest is slack for the fixed-size
  /// copies.
  static constexpr size_t max_number_size = 32;
  /// The bits of the last number written and its text; last_size_ 0: none
  /// yet.
  uint64_t last_bits_ = 0;
  char last_text_[max_number_size];
  size_t last_size_ = 0;
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

// csv_fuzz.cpp -- conductor-replay's CSV reader (replay/csv_trace.hpp).
//
// Input: the text of a trace file, read as "fuzz.csv" for the column "value"
// (what conductor-replay reads without --column). Invariants:
// - no crash, hang or sanitizer report whatever the text;
// - a failure says where: the error starts with "fuzz.csv:<line>: ";
// - a success has rows, each with a finite time and value whose texts point
//   into the trace's own copy of the text (rows are views into it);
// - the out-of-order count and its first line agree;
// - every time lies within 4e9 s of 1970, and the trace's spacing (what
//   replay takes as its step when none is given) is finite and fits the
//   replay's int64 nanosecond clock.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "replay/csv_trace.hpp"

namespace {

/// Whether `view` lies inside `text`'s bytes (std::less: a total order on pointers).
bool inside(std::string_view view, const std::string& text) {
  std::less<const char*> before;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  return view.empty() || (!before(view.data(), begin) && !before(end, view.data() + view.size()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace conductor::replay;
  std::string text{reinterpret_cast<const char*>(data), size};
  trace t;
  std::string error;
  bool ok = parse_trace(text, "fuzz.csv", "value", t, error);
  if (!ok) {
    FUZZ_CHECK(error.compare(0, 9, "fuzz.csv:") == 0, "an error names the file");
    FUZZ_CHECK(error.size() > 9 && error[9] >= '1' && error[9] <= '9', "and the line");
    return 0;
  }
  FUZZ_CHECK(!t.rows.empty(), "a trace has rows");
  FUZZ_CHECK(t.text == text, "the trace keeps the text");
  for (const auto& row : t.rows) {
    FUZZ_CHECK(std::isfinite(row.seconds) && std::fabs(row.seconds) <= 4e9, "a time in range");
    FUZZ_CHECK(std::isfinite(row.value), "a finite value");
    FUZZ_CHECK(inside(row.timestamp, t.text) && inside(row.value_text, t.text),
               "rows point into the trace's text");
  }
  FUZZ_CHECK((t.out_of_order == 0) == (t.first_out_of_order_line == 0),
             "an out-of-order count has its first line");
  FUZZ_CHECK(t.out_of_order < t.rows.size(), "the first row is never out of order");
  auto spacing = median_spacing(t);
  FUZZ_CHECK(std::isfinite(spacing) && std::fabs(spacing) * 1e9 < 9.2e18,
             "a spacing that fits the nanosecond clock");
  // Each timestamp alone reads as it did in the trace.
  for (size_t i = 0; i < t.rows.size() && i < 16; ++i) {
    double again = 0;
    FUZZ_CHECK(parse_timestamp(t.rows[i].timestamp, again) && again == t.rows[i].seconds,
               "a timestamp reads the same alone");
  }
  return 0;
}

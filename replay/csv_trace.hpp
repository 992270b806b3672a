// csv_trace.hpp -- a time series trace in CSV, as the NAB data and conductor's
// own exports are written: a header, then `timestamp,value[,value...]`.
//
// Read whole into memory and parsed in place (string_views into the text), so
// a replay runs at millions of rows per second. Nothing is skipped silently:
// a malformed row is an error naming its line.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace conductor::replay {

struct trace_row {
  /// The timestamp as written, echoed to the output.
  std::string_view timestamp;
  /// Seconds since the Unix epoch (UTC), possibly fractional.
  double seconds = 0;
  double value = 0;
  /// The value as written, echoed to the output.
  std::string_view value_text;
};

struct trace {
  /// The file's bytes; rows point into it.
  std::string text;
  std::vector<trace_row> rows;
  std::string column;
  /// Rows whose timestamp does not come after the previous row's (real
  /// traces have them: a daylight-saving hour logged twice, a clock step),
  /// and the line of the first. They are kept; the replay says what it did.
  size_t out_of_order = 0;
  size_t first_out_of_order_line = 0;
};

/// Parses a timestamp: `YYYY-MM-DD HH:MM:SS` (or with `T`, optional fraction
/// and `Z`), or a number of seconds since the epoch. False when it is neither.
bool parse_timestamp(std::string_view text, double& seconds);

/// Reads `text` (named `name` in errors) and the value column `column`
/// (a header name). On failure returns false with `error` set, e.g.
/// `trace.csv:17: value "abc" is not a number`. Times must lie within 4e9 s
/// of 1970 (1843-04 to 2096-10), so that any two rows' distance fits the
/// replay's nanosecond clock.
bool parse_trace(std::string text, const std::string& name, const std::string& column,
                 trace& out, std::string& error);

/// The same from a file; "-" is standard input.
bool read_trace(const std::string& path, const std::string& column, trace& out,
                std::string& error);

/// The trace's own spacing: the median of the first differences (robust to a
/// gap), in seconds; 0 with fewer than two rows.
double median_spacing(const trace& t);

} // namespace conductor::replay

// conductor-replay's library (replay/): trace parsing with errors that name
// the line, timestamps, and the runner's output shape and determinism.
#define CAF_SUITE replay

#include <caf/test/unit_test.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "replay/csv_trace.hpp"
#include "replay/replay_runner.hpp"
#include "tests/require.hpp"

using namespace conductor;
using namespace conductor::replay;
using namespace std::chrono_literals;

namespace {

std::string trace_error(const std::string& text, const std::string& column = "value") {
  trace t;
  std::string error;
  CAF_CHECK(!parse_trace(text, "t.csv", column, t, error));
  return error;
}

/// A sine with noise-free steps every 5 minutes, `n` rows.
std::string sine_trace(int n) {
  std::string text = "timestamp,value\n";
  char buf[64];
  for (int i = 0; i < n; ++i) {
    auto minutes = 5 * i;
    std::snprintf(buf, sizeof(buf), "2014-02-14 %02d:%02d:00,%.3f\n", minutes / 60 % 24,
                  minutes % 60, 50 + 20 * std::sin(i / 10.0));
    text += buf;
    if (minutes / 60 >= 24)
      break;
  }
  return text;
}

/// Runs the replay into a string.
std::string replay_to_string(const trace& t, const replay_options& o) {
  std::FILE* f = std::tmpfile();
  std::string error;
  CAF_CHECK(run_replay(t, o, f, error));
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
    out.append(buf, n);
  std::fclose(f);
  return out;
}

replay_options options(size_t horizon_steps) {
  replay_options o;
  o.step = 5min;
  o.prediction.horizon_steps = horizon_steps;
  o.prediction.window_steps = 12;
  o.scaler.mode = "enabled";
  o.scaler.policy = "balanced";
  o.scaler.evaluation_interval = 30s;
  o.scaler.degrade_cpu = 90;
  o.scaler.degrade_memory = 80;
  o.scaler.restore_cpu = 65;
  o.scaler.restore_memory = 65;
  o.scaler.emergency_memory = 95;
  o.scaler.stabilization = 5min;
  o.scaler.confirm_up = 2;
  o.scaler.min_confidence = 0.6;
  return o;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

size_t count_fields(const std::string& line) {
  return static_cast<size_t>(std::count(line.begin(), line.end(), ',')) + 1;
}

} // namespace

CAF_TEST(timestamps in the nab form and as epoch seconds) {
  double s = 0;
  CAF_REQUIRE(parse_timestamp("1970-01-01 00:00:00", s));
  CAF_CHECK_EQUAL(s, 0.0);
  CAF_REQUIRE(parse_timestamp("2014-02-14 14:30:00", s));
  CAF_CHECK_EQUAL(s, 1392388200.0);
  CAF_REQUIRE(parse_timestamp("2014-02-14T14:30:00.250Z", s));
  CAF_CHECK_EQUAL(s, 1392388200.25);
  CAF_REQUIRE(parse_timestamp("1392388200", s));
  CAF_CHECK_EQUAL(s, 1392388200.0);
  // 2016 is a leap year: 29 February exists and counts.
  double feb28 = 0, mar1 = 0;
  CAF_REQUIRE(parse_timestamp("2016-02-28 00:00:00", feb28));
  CAF_REQUIRE(parse_timestamp("2016-03-01 00:00:00", mar1));
  CAF_CHECK_EQUAL(mar1 - feb28, 2 * 86400.0);
  for (const char* bad : {"", "yesterday", "2014-13-01 00:00:00", "2014-02-14 25:00:00",
                          "2014-02-14 14:30", "2014-02-14 14:30:00.x"})
    CAF_CHECK(!parse_timestamp(bad, s));
}

CAF_TEST(a malformed trace is an error naming the line) {
  CAF_CHECK_EQUAL(trace_error(""), "t.csv:1: empty file: expected a header such as "
                                   "\"timestamp,value\"");
  CAF_CHECK_EQUAL(trace_error("time,value\n1,2\n"),
                  "t.csv:1: no \"timestamp\" column in the header (columns: time, value)");
  CAF_CHECK_EQUAL(trace_error("timestamp,value\n1,2\n", "cpu"),
                  "t.csv:1: no column \"cpu\" in the header (columns: timestamp, value)");
  CAF_CHECK_EQUAL(trace_error("timestamp,value\n1,2\n2,abc\n"),
                  "t.csv:3: value \"abc\" is not a finite number");
  CAF_CHECK_EQUAL(trace_error("timestamp,value\n1,2\n2\n"),
                  "t.csv:3: expected at least 2 fields, got 1");
  CAF_CHECK_EQUAL(trace_error("timestamp,value\nnoon,2\n"),
                  "t.csv:2: timestamp \"noon\" is neither YYYY-MM-DD HH:MM:SS nor epoch seconds");
  CAF_CHECK_EQUAL(trace_error("timestamp,value\n1,nan\n"),
                  "t.csv:2: value \"nan\" is not a finite number");
  CAF_CHECK_EQUAL(trace_error("timestamp,value\n"), "t.csv:2: no rows after the header");
  // An empty line in the middle is a malformed row, not skipped.
  CAF_CHECK_EQUAL(trace_error("timestamp,value\n1,2\n\n3,4\n"),
                  "t.csv:3: expected at least 2 fields, got 1");
}

CAF_TEST(rows out of order are kept and counted) {
  trace t;
  std::string error;
  REQUIRE_OR_RETURN(parse_trace("timestamp,value\n5,1\n6,2\n6,3\n4,4\n7,5\n", "t.csv", "value",
                                t, error));
  CAF_CHECK_EQUAL(t.rows.size(), 5u);
  CAF_CHECK_EQUAL(t.out_of_order, 2u);
  CAF_CHECK_EQUAL(t.first_out_of_order_line, 4u);
  // Every row is in the output, in input order.
  auto o = options(1);
  o.step = 1s;
  auto out = lines_of(replay_to_string(t, o));
  REQUIRE_EQUAL_OR_RETURN(out.size(), 6u);
  CAF_CHECK_EQUAL(out[3].substr(0, 4), "6,3,");
  CAF_CHECK_EQUAL(out[4].substr(0, 4), "4,4,");
}

CAF_TEST(a column is chosen by name and crlf lines are read) {
  trace t;
  std::string error;
  REQUIRE_OR_RETURN(parse_trace("timestamp,cpu,memory\r\n1,10,70\r\n2,20,71\r\n", "t.csv",
                                "memory", t, error));
  REQUIRE_EQUAL_OR_RETURN(t.rows.size(), 2u);
  CAF_CHECK_EQUAL(t.rows[1].value, 71.0);
  CAF_CHECK_EQUAL(std::string{t.rows[1].timestamp}, "2");
  CAF_CHECK_EQUAL(median_spacing(t), 1.0);
}

CAF_TEST(the output has a column per horizon step and a row per input row) {
  trace t;
  std::string error;
  REQUIRE_OR_RETURN(parse_trace(sine_trace(100), "sine.csv", "value", t, error));
  auto out = lines_of(replay_to_string(t, options(3)));
  REQUIRE_EQUAL_OR_RETURN(out.size(), t.rows.size() + 1);
  CAF_CHECK_EQUAL(out[0], "timestamp,value,anomaly_score,forecast_h1,forecast_h2,forecast_h3,"
                          "lower_h1,lower_h2,lower_h3,upper_h1,upper_h2,upper_h3,confidence,"
                          "decision");
  for (const auto& line : out)
    CAF_CHECK_EQUAL(count_fields(line), 14u);
  // Row 1 echoes its timestamp and value as written, and already has a
  // forecast: it is its own step.
  CAF_CHECK_EQUAL(out[1].substr(0, 31), "2014-02-14 00:00:00,50.000,0,50");
  // The first evaluation of the scaler says where the host stands.
  CAF_CHECK_EQUAL(out[1].substr(out[1].rfind(',') + 1), "hold");
}

CAF_TEST(numbers are written with at most six decimals) {
  trace t;
  std::string error;
  REQUIRE_OR_RETURN(parse_trace("timestamp,value\n1,0.1234567\n", "t.csv", "value", t, error));
  auto o = options(1);
  o.step = 1s;
  o.prediction.model = "naive";
  auto out = lines_of(replay_to_string(t, o));
  REQUIRE_EQUAL_OR_RETURN(out.size(), 2u);
  // value as written, anomaly 0, the forecast rounded to six decimals.
  CAF_CHECK_EQUAL(out[1].substr(0, 22), "1,0.1234567,0,0.123457");
  REQUIRE_OR_RETURN(parse_trace("timestamp,value\n1,-2500000.5\n2,1e-9\n3,3e15\n", "t.csv",
                                "value", t, error));
  out = lines_of(replay_to_string(t, o));
  REQUIRE_EQUAL_OR_RETURN(out.size(), 4u);
  CAF_CHECK_EQUAL(out[1].substr(0, 26), "1,-2500000.5,0,-2500000.5,");
  // Magnitudes outside [1e-4, 1e12) keep their shortest exact form.
  CAF_CHECK_EQUAL(out[2].substr(0, 14), "2,1e-9,0,1e-09");
  CAF_CHECK_EQUAL(out[3].substr(0, 14), "3,3e15,0,3e+15");
}

CAF_TEST(replays are deterministic byte for byte) {
  trace t;
  std::string error;
  REQUIRE_OR_RETURN(parse_trace(sine_trace(200), "sine.csv", "value", t, error));
  auto a = replay_to_string(t, options(2));
  auto b = replay_to_string(t, options(2));
  CAF_CHECK_EQUAL(a, b);
  CAF_CHECK_GREATER(a.size(), 1000u);
}

CAF_TEST(a coarser step aggregates rows) {
  trace t;
  std::string error;
  REQUIRE_OR_RETURN(parse_trace("timestamp,value\n300,10\n600,20\n900,30\n1200,40\n", "t.csv",
                                "value", t, error));
  auto o = options(1);
  o.step = 10min;
  o.prediction.model = "naive";
  auto out = lines_of(replay_to_string(t, o));
  REQUIRE_EQUAL_OR_RETURN(out.size(), 5u);
  auto forecast_h1 = [&](size_t row) {
    auto fields = out[row];
    for (int i = 0; i < 3; ++i)
      fields = fields.substr(fields.find(',') + 1);
    return fields.substr(0, fields.find(','));
  };
  // The clock starts at the end of the first step, so row 1 is a step of its
  // own; rows 2 and 3 make the second (mean 25), which completes at row 3.
  CAF_CHECK_EQUAL(forecast_h1(1), "10");
  CAF_CHECK_EQUAL(forecast_h1(2), "10");
  CAF_CHECK_EQUAL(forecast_h1(3), "25");
  CAF_CHECK_EQUAL(forecast_h1(4), "25");
}

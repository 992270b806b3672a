// The predictor actor on the deterministic scheduler: samples into steps, a
// forecast per completed step, and the same numbers conductor-replay writes
// for the same values (the node and the replay run the same code).
#define CAF_SUITE predictor_actor

#include "actors/predictor/predictor_actor.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "replay/replay_runner.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/require.hpp"

using namespace conductor;
using namespace conductor::test;

namespace {

predictor_settings five_minute_steps() {
  predictor_settings s;
  s.window = 5h;
  s.horizon = 15min;
  s.interval = 0.9;
  s.step = 5min;
  s.model = "auto";
  return s;
}

/// A deterministic, noisy, slowly varying series.
double value_at(int i) {
  return 40 + 15 * std::sin(i / 7.0) + 3 * std::sin(i * 1.7) + (i > 60 ? 20 : 0);
}

struct fixture : actor_fixture {
  predictor_actor pred;
  recorder_actor rec;

  fixture() {
    pred = sys.spawn(predictor, five_minute_steps());
    rec = sys.spawn(recorder);
    caf::anon_send(pred, atom::subscribe_v, forecast_sink{rec});
    sched.run();
  }

  ~fixture() override {
    caf::anon_send_exit(pred, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(rec, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void send(caf::timespan mono, const std::string& metric, double value) {
    resource_sample s;
    s.source = "host";
    s.mono = mono;
    s.wall = caf::timestamp{std::chrono::seconds(1400000000) + mono};
    s.values = {{metric, value}};
    caf::anon_send(pred, s);
    sched.run();
  }

  std::vector<forecast>& forecasts() {
    return deref<recorder_impl>(rec).state.forecasts;
  }
};

/// The replay's output for the same values as rows 5 minutes apart.
std::vector<std::vector<std::string>> replay_rows(int n, size_t horizon_steps) {
  std::string text = "timestamp,value\n";
  char buf[64];
  for (int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof(buf), "%d,%.17g\n", 1400000000 + 300 * i, value_at(i));
    text += buf;
  }
  replay::trace t;
  std::string error;
  CAF_CHECK(replay::parse_trace(text, "mem", "value", t, error));
  replay::replay_options o;
  o.step = 5min;
  o.prediction = make_prediction_params(five_minute_steps());
  CAF_CHECK_EQUAL(o.prediction.horizon_steps, horizon_steps);
  o.scaler.mode = "disabled";
  o.scaler.evaluation_interval = 30s;
  std::FILE* f = std::tmpfile();
  CAF_CHECK(replay::run_replay(t, o, f, error));
  std::rewind(f);
  std::vector<std::vector<std::string>> rows;
  char line[8192];
  while (std::fgets(line, sizeof(line), f)) {
    std::vector<std::string> fields;
    std::stringstream in{line};
    for (std::string field; std::getline(in, field, ',');)
      fields.push_back(field);
    rows.push_back(fields);
  }
  std::fclose(f);
  return rows;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(predictor_actor_tests, fixture)

CAF_TEST(a forecast per completed step not per sample) {
  // Five samples a minute apart make the first five-minute step.
  for (int i = 1; i <= 4; ++i)
    send(std::chrono::minutes(i), "load1", i);
  CAF_CHECK_EQUAL(forecasts().size(), 0u);
  send(5min, "load1", 5);
  CAF_REQUIRE_EQUAL(forecasts().size(), 1u);
  const auto& fc = forecasts()[0];
  CAF_CHECK_EQUAL(fc.source, "host");
  CAF_CHECK_EQUAL(fc.metric, "load1");
  CAF_CHECK_EQUAL(fc.current, 3.0);
  CAF_CHECK_EQUAL(fc.step, caf::timespan{5min});
  CAF_CHECK_EQUAL(fc.horizon, caf::timespan{15min});
  CAF_CHECK_EQUAL(fc.path.size(), 3u);
  CAF_CHECK_EQUAL(fc.path_lower.size(), 3u);
  CAF_CHECK_EQUAL(fc.predicted, fc.path.back());
  CAF_CHECK_EQUAL(fc.samples, 1u);
}

CAF_TEST(percentages are forecast within 0 and 100) {
  // A steep climb: a trend model would run past 100 within the horizon.
  for (int i = 1; i <= 40; ++i)
    send(std::chrono::minutes(5 * i), "memory_percent", std::min(99.0, 2.5 * i));
  CAF_REQUIRE(!forecasts().empty());
  for (const auto& fc : forecasts())
    for (const auto* xs : {&fc.path, &fc.path_lower, &fc.path_upper})
      for (double x : *xs) {
        CAF_CHECK_GREATER_OR_EQUAL(x, 0.0);
        CAF_CHECK_LESS_OR_EQUAL(x, 100.0);
      }
}

CAF_TEST(the node and the replay agree on the same samples) {
  const int n = 120;
  for (int i = 0; i < n; ++i)
    send(std::chrono::minutes(5 * (i + 1)), "load1", value_at(i));
  REQUIRE_EQUAL_OR_RETURN(forecasts().size(), static_cast<size_t>(n));
  auto rows = replay_rows(n, 3);
  REQUIRE_EQUAL_OR_RETURN(rows.size(), static_cast<size_t>(n + 1));
  // Columns: timestamp, value, anomaly, forecast_h1..3, lower_h1..3,
  // upper_h1..3, confidence, decision.
  for (int i = 0; i < n; ++i) {
    const auto& fc = forecasts()[static_cast<size_t>(i)];
    const auto& row = rows[static_cast<size_t>(i) + 1];
    REQUIRE_OR_RETURN(row.size() >= 13);
    // The replay writes six decimals.
    auto same = [](const std::string& text, double x) {
      return std::abs(std::stod(text) - x) <= 5e-7;
    };
    CAF_CHECK(same(row[2], fc.anomaly));
    for (size_t k = 0; k < 3; ++k) {
      CAF_CHECK(same(row[3 + k], fc.path[k]));
      CAF_CHECK(same(row[6 + k], fc.path_lower[k]));
      CAF_CHECK(same(row[9 + k], fc.path_upper[k]));
    }
    CAF_CHECK(same(row[12], fc.confidence));
  }
}

CAF_TEST(new settings start every series afresh) {
  for (int i = 1; i <= 3; ++i)
    send(std::chrono::minutes(5 * i), "load1", i);
  CAF_CHECK_EQUAL(forecasts().back().samples, 3u);
  auto s = five_minute_steps();
  s.model = "naive";
  caf::anon_send(pred, atom::update_v, s);
  sched.run();
  send(20min, "load1", 7);
  CAF_CHECK_EQUAL(forecasts().back().samples, 1u);
  CAF_CHECK_EQUAL(forecasts().back().predicted, 7.0);
}

CAF_TEST_FIXTURE_SCOPE_END()

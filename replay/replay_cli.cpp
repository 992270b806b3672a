#include "replay/replay_cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "actors/predictor/prediction_settings.hpp"
#include "config/units.hpp"
#include "replay/cli_flags.hpp"
#include "replay/replay_runner.hpp"
#include "replay/simulate_cli.hpp"
#include "replay/whatif_cli.hpp"

namespace conductor::replay {

namespace {

constexpr const char* usage_text = R"(usage: conductor-replay --input FILE [options]

Runs a CSV trace (timestamp,value[,...]) through conductor's own predictor and
scaler on a virtual clock driven by the trace's timestamps, and writes CSV:
timestamp,value,anomaly_score,forecast_h1..hN,lower_h1..hN,upper_h1..hN,confidence,decision

  --input FILE      the trace ("-" for standard input)
  --output FILE     where to write ("-", the default, for standard output)
  --column NAME     the value column (default: value)
  --model NAME      auto | ols | naive | damped (default: prediction.model)
  --step DURATION   aggregation step, e.g. 5m (default: the trace's own spacing)
  --horizon DUR     how far to forecast, e.g. 15m: horizon / step forecasts
                    (default: prediction.horizon)
  --window DUR      the predictor's window (default: prediction.window)
  --horizon-steps N, --window-steps N
                    the same in steps, for traces of different spacings
  --as METRIC       what the values are to the scaler: cpu_percent (default)
                    or memory_percent
  --config FILE     a node config whose prediction and scaler sections apply
  --help            this text

What-if modes (each with its own --help):
  --simulate cpu|memory --capacity N --input FILE
                    the scaler's resizing loop over a utilisation trace
  --from-db DATA_DIR/conductor.db --plugin NAME
                    a node's recorded history through a chosen policy
)";

using flags = cli_flags;

std::optional<std::chrono::nanoseconds> duration_flag(const flags& f, const char* name,
                                                      std::string& error) {
  auto i = f.values.find(name);
  if (i == f.values.end())
    return std::nullopt;
  auto d = config::parse_duration(i->second);
  if (!d || d.value->count() <= 0) {
    error = std::string{"--"} + name + ": invalid duration \"" + i->second + "\""
            + (d ? ": must be positive" : ": " + d.error);
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(*d.value);
}

/// A positive whole number of steps, if the flag is given.
std::optional<size_t> steps_flag(const flags& f, const char* name, std::string& error) {
  auto i = f.values.find(name);
  if (i == f.values.end())
    return std::nullopt;
  size_t n = 0;
  auto& v = i->second;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || ptr != v.data() + v.size() || n == 0) {
    error = std::string{"--"} + name + ": expected a positive whole number, got "" + v + """;
    return std::nullopt;
  }
  return n;
}


} // namespace

int replay_main(int argc, char** argv) {
  // The what-if modes have flags of their own.
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--simulate" || arg.rfind("--simulate=", 0) == 0)
      return simulate_main(argc, argv);
    if (arg == "--from-db" || arg.rfind("--from-db=", 0) == 0)
      return whatif_main(argc, argv);
  }
  flags f;
  std::string error;
  if (!parse_cli_flags(argc, argv,
                       {"input", "output", "column", "model", "step", "horizon", "window", "as",
                        "config", "horizon-steps", "window-steps"},
                       {}, f, error))
    return cli_fail(error + " (see --help)", 2);
  if (f.values.count("help")) {
    std::cout << usage_text;
    return 0;
  }
  if (!f.values.count("input"))
    return cli_fail("--input is required (see --help)", 2);
  config::node_config cfg;
  if (auto c = f.values.find("config"); c != f.values.end() && !load_cli_config(c->second, cfg))
    return 2;
  auto column = f.values.count("column") ? f.values["column"] : "value";
  trace t;
  if (!read_trace(f.values["input"], column, t, error))
    return cli_fail(error, 2);
  if (t.out_of_order > 0)
    std::cerr << "conductor-replay: warning: " << f.values["input"] << ":"
              << t.first_out_of_order_line << ": " << t.out_of_order
              << " row(s) from here on do not come after the previous row; each is taken at "
                 "the previous row's time: written, and learned only if its step is still "
                 "open\n";

  replay_options o;
  auto settings = make_settings(cfg);
  o.scaler = settings.scaler;
  if (auto as = f.values.find("as"); as != f.values.end()) {
    if (as->second != "cpu_percent" && as->second != "memory_percent")
      return cli_fail("--as: expected cpu_percent or memory_percent, got \"" + as->second + "\"", 2);
    o.as_metric = as->second;
  }
  auto step = duration_flag(f, "step", error);
  auto horizon = duration_flag(f, "horizon", error);
  auto window = duration_flag(f, "window", error);
  auto horizon_steps = steps_flag(f, "horizon-steps", error);
  auto window_steps = steps_flag(f, "window-steps", error);
  if (error.empty() && ((horizon && horizon_steps) || (window && window_steps)))
    error = "give a horizon or a window either as a duration or in steps, not both";
  if (!error.empty())
    return cli_fail(error, 2);
  if (!step) {
    auto spacing = median_spacing(t);
    if (spacing <= 0)
      return cli_fail(f.values["input"] + ": one row gives no spacing: pass --step", 2);
    step = std::chrono::nanoseconds(static_cast<int64_t>(std::llround(spacing * 1e9)));
  }
  auto& p = settings.predictor;
  p.step = *step;
  p.horizon = horizon_steps ? *step * static_cast<int64_t>(*horizon_steps)
                            : horizon.value_or(cfg.prediction.horizon);
  p.window = window_steps ? *step * static_cast<int64_t>(*window_steps)
                          : window.value_or(cfg.prediction.window);
  if (f.values.count("model"))
    p.model = f.values["model"];
  if (p.horizon < p.step)
    return cli_fail("--horizon must be at least one step", 2);
  o.step = p.step;
  o.prediction = make_prediction_params(p);
  const auto& models = prediction_models();
  if (std::find(models.begin(), models.end(), o.prediction.model) == models.end()) {
    std::string list;
    for (const auto& m : models)
      list += (list.empty() ? "" : " | ") + m;
    return cli_fail("--model: unknown model \"" + o.prediction.model + "\" (expected " + list + ")",
                2);
  }

  std::FILE* out = stdout;
  auto output = f.values.count("output") ? f.values["output"] : "-";
  if (output != "-") {
    out = std::fopen(output.c_str(), "wb");
    if (!out)
      return cli_fail(output + ": cannot open for writing", 1);
  }
  bool ok = run_replay(t, o, out, error);
  if (out != stdout && std::fclose(out) != 0)
    ok = false;
  else if (out == stdout)
    ok = std::fflush(stdout) == 0 && ok;
  if (!ok)
    return cli_fail(output + ": " + (error.empty() ? "cannot write the output" : error), 1);
  return 0;
}

} // namespace conductor::replay

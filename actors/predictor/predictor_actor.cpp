#include "actors/predictor/predictor_actor.hpp"

#include "actors/mailbox_probe.hpp"
#include <algorithm>

#include <caf/system_messages.hpp>

namespace conductor {

bool is_percent(const std::string& metric) {
  return metric.find("_percent") != std::string::npos;
}

forecast make_forecast(const std::string& source, const std::string& metric,
                       caf::timestamp wall, const series_predictor& p,
                       std::chrono::nanoseconds step) {
  forecast fc;
  fc.source = source;
  fc.metric = metric;
  fc.wall = wall;
  fc.step = step;
  fc.horizon = step * static_cast<int64_t>(p.params().horizon_steps);
  fc.current = p.last();
  fc.path = p.forecast();
  fc.path_lower = p.lower();
  fc.path_upper = p.upper();
  // A share cannot leave [0, 100]: a trend through a rising percentage must
  // not forecast 130 %.
  if (is_percent(metric))
    for (auto* xs : {&fc.path, &fc.path_lower, &fc.path_upper})
      for (auto& x : *xs)
        x = std::clamp(x, 0.0, 100.0);
  fc.predicted = fc.path.back();
  fc.lower = fc.path_lower.back();
  fc.upper = fc.path_upper.back();
  fc.confidence = p.confidence();
  fc.samples = static_cast<uint32_t>(p.steps());
  fc.anomaly = p.anomaly();
  auto stats = p.stats();
  fc.mean = stats.mean;
  fc.min = stats.min;
  fc.max = stats.max;
  fc.rate_per_minute = stats.slope_per_step * (60.0 / std::chrono::duration<double>(step).count());
  return fc;
}

predictor_actor::behavior_type predictor(predictor_actor::stateful_pointer<predictor_state> self,
                                         predictor_settings settings) {
  answer_mailbox_queries(self);
  self->state.settings = std::move(settings);
  self->set_down_handler([=](const caf::down_msg& dm) { self->state.sinks.remove(dm.source); });
  return {
    [=](const resource_sample& sample) {
      auto& st = self->state;
      auto step = effective_step(st.settings);
      for (const auto& [metric, value] : sample.values) {
        auto key = std::make_pair(sample.source, metric);
        auto it = st.series.find(key);
        if (it == st.series.end())
          it = st.series
                 .emplace(key, tracked_series{step_aggregator{step},
                                              series_predictor{make_prediction_params(st.settings)}})
                 .first;
        auto& series = it->second;
        // A lambda may not capture a structured binding before C++20 (clang
        // refuses; gcc allows): capture a plain reference instead.
        const auto& name = metric;
        series.steps.add(sample.mono, value, [&](const step_aggregator::completed& c) {
          series.predictor.add_step(c.value);
          st.sinks.publish(self, make_forecast(sample.source, name, sample.wall,
                                               series.predictor, step));
        });
      }
    },
    [=](atom::subscribe, forecast_sink sink) {
      if (self->state.sinks.add(sink))
        self->monitor(sink);
    },
    [=](atom::update, predictor_settings settings) {
      auto& st = self->state;
      // Windows, steps and models are the shape of every series' state:
      // new ones start afresh rather than mixing two shapes.
      if (settings != st.settings)
        st.series.clear();
      st.settings = std::move(settings);
    },
  };
}

} // namespace conductor

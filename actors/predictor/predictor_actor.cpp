#include "actors/predictor/predictor_actor.hpp"

#include <algorithm>

#include <caf/system_messages.hpp>

namespace conductor {

bool is_percent(const std::string& metric) {
  return metric.find("_percent") != std::string::npos;
}

predictor_actor::behavior_type predictor(predictor_actor::stateful_pointer<predictor_state> self,
                                         predictor_settings settings) {
  self->state.settings = std::move(settings);
  self->set_down_handler([=](const caf::down_msg& dm) { self->state.sinks.remove(dm.source); });
  return {
    [=](const resource_sample& sample) {
      auto& st = self->state;
      for (const auto& [metric, value] : sample.values) {
        auto key = std::make_pair(sample.source, metric);
        auto it = st.series.try_emplace(key, st.settings.window).first;
        it->second.add(sample.mono, value);
        auto result = it->second.forecast(st.settings.horizon, st.settings.interval);
        if (!result)
          continue;
        // A share cannot leave [0, 100]: a line through a rising percentage
        // must not forecast 130 %.
        if (is_percent(metric)) {
          result->predicted = std::clamp(result->predicted, 0.0, 100.0);
          result->lower = std::clamp(result->lower, 0.0, 100.0);
          result->upper = std::clamp(result->upper, 0.0, 100.0);
        }
        forecast fc{sample.source,     metric,        sample.wall,
                    st.settings.horizon, value,         result->predicted,
                    result->lower,     result->upper, result->confidence,
                    static_cast<uint32_t>(it->second.size())};
        st.sinks.publish(self, fc);
      }
    },
    [=](atom::subscribe, forecast_sink sink) {
      if (self->state.sinks.add(sink))
        self->monitor(sink);
    },
    [=](atom::update, predictor_settings settings) {
      auto& st = self->state;
      st.settings = std::move(settings);
      for (auto& [key, series] : st.series)
        series.set_window(st.settings.window);
    },
  };
}

} // namespace conductor

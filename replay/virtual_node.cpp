#include "replay/virtual_node.hpp"

#include <algorithm>
#include <cmath>

#include "actors/predictor/predictor_actor.hpp"
#include "messages/metric_names.hpp"

namespace conductor::replay {

virtual_node::virtual_node(scaler_settings scaler, prediction_params prediction, duration step)
  : engine_(scaler), settings_(std::move(scaler)), prediction_(std::move(prediction)),
    step_(step) {
  for (const auto& p : settings_.plugins) {
    limits_[p.name] = limits_of(p, 0);
    states_[p.name] = "running";
    variants_[p.name] = 0;
    plugin_event e;
    e.plugin = p.name;
    e.state = "running";
    e.variant = p.variants.empty() ? "" : p.variants.front().name;
    engine_.observe(e);
  }
}

void virtual_node::start_with(const std::vector<plugin_limits>& limits) {
  runtime_state state;
  state.saved = 1;
  state.mode_origin = "config";
  for (const auto& l : limits)
    if (auto i = limits_.find(l.plugin); i != limits_.end()) {
      lay_over(i->second, l.limits);
      state.limits.push_back(plugin_limits{l.plugin, i->second});
    }
  engine_.restore(state, now_, duration::zero());
}

void virtual_node::take(const timed_sample& s) {
  if (!started_) {
    started_ = true;
    first_seconds_ = s.seconds;
    // The first sample ends the first step, as a tick ends the period it
    // measured; the first evaluation follows it.
    now_ = step_;
    next_evaluation_ = now_;
  }
  // A monotonic clock never goes back: a sample out of order is taken at the
  // latest time seen.
  auto at = step_ + duration{static_cast<int64_t>(std::llround((s.seconds - first_seconds_) * 1e9))};
  now_ = std::max(now_, at);
  resource_sample sample;
  sample.source = s.source;
  sample.mono = now_;
  sample.wall = caf::timestamp{std::chrono::duration_cast<caf::timestamp::duration>(
    std::chrono::duration<double>(s.seconds))};
  sample.values = s.values;
  engine_.observe(sample);
  if (s.source != "host")
    return;
  // The host's forecasts, which the pressure policy and cascade act on.
  for (const char* metric : {metric_name::cpu_percent, metric_name::memory_percent}) {
    auto v = s.values.find(metric);
    if (v == s.values.end())
      continue;
    auto it = host_.find(metric);
    if (it == host_.end())
      it = host_.emplace(metric, host_series{step_aggregator{step_}, series_predictor{prediction_}})
             .first;
    auto& series = it->second;
    series.steps.add(now_, v->second, [&](const step_aggregator::completed& c) {
      series.predictor.add_step(c.value);
      engine_.observe(make_forecast("host", metric, sample.wall, series.predictor, step_));
    });
  }
}

std::vector<decision> virtual_node::evaluate_due() {
  if (!started_ || now_ < next_evaluation_)
    return {};
  while (next_evaluation_ <= now_)
    next_evaluation_ += settings_.evaluation_interval;
  auto decisions = engine_.evaluate(now_);
  std::vector<decision> out;
  for (size_t i = 0; i < decisions.size(); ++i) {
    carry_out(decisions[i], now_);
    out.push_back(decisions[i]);
    // An outcome may lead to more (a suspension); they are carried out too.
    if (decisions[i].status == "applied")
      for (auto& more : engine_.outcome(decisions[i], now_))
        decisions.push_back(std::move(more));
  }
  return out;
}

void virtual_node::carry_out(decision& d, duration) {
  auto limits = limits_.find(d.target);
  if (d.target.empty() || limits == limits_.end() || d.status != "decided")
    return;
  // What the plugin manager would do, done at once and always successfully.
  const plugin_settings* p = nullptr;
  for (const auto& candidate : settings_.plugins)
    if (candidate.name == d.target)
      p = &candidate;
  auto& variant = variants_[d.target];
  auto& state = states_[d.target];
  if (d.action == "resize" || d.action == "revert") {
    lay_over(limits->second, d.new_limits);
  } else if (d.action == "variant" || d.action == "enable") {
    for (size_t i = 0; i < p->variants.size(); ++i)
      if (p->variants[i].name == d.variant)
        variant = i;
    lay_over(limits->second, limits_of(*p, variant));
    state = "running";
  } else if (d.action == "disable" || d.action == "stop") {
    state = "disabled";
  } else {
    return;
  }
  d.status = "applied";
  plugin_event e;
  e.plugin = d.target;
  e.state = state;
  e.variant = p->variants.empty() ? "" : p->variants[variant].name;
  engine_.observe(e);
}

limit_values virtual_node::limits(const std::string& plugin) const {
  auto i = limits_.find(plugin);
  return i == limits_.end() ? limit_values{} : i->second;
}

std::string virtual_node::state(const std::string& plugin) const {
  auto i = states_.find(plugin);
  return i == states_.end() ? std::string{} : i->second;
}

} // namespace conductor::replay

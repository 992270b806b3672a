#include "actors/scaler/degradation_cascade.hpp"

#include <algorithm>

namespace conductor {

namespace {

/// True when `a` is degraded before `b` (see the header for the order).
bool before(const cascade_plugin& a, const cascade_plugin& b) {
  if (a.breaker_open != b.breaker_open)
    return a.breaker_open;
  if (a.priority != b.priority)
    return a.priority < b.priority;
  if (a.busy != b.busy)
    return !a.busy;
  return a.name < b.name;
}

std::string why(const cascade_plugin& p) {
  if (p.breaker_open)
    return p.name + ": its circuit breaker is open";
  auto out = p.name + ": lowest priority (" + std::to_string(p.priority) + ") still running";
  if (p.busy)
    out += ", though busy: nothing idle is left";
  return out;
}

} // namespace

std::optional<cascade_step>
degradation_cascade::next_down(const std::vector<cascade_plugin>& plugins) const {
  const cascade_plugin* pick = nullptr;
  for (const auto& p : plugins)
    if (!p.disabled && (!pick || before(p, *pick)))
      pick = &p;
  if (!pick)
    return std::nullopt;
  cascade_step step;
  step.plugin = pick->name;
  if (pick->variants > 0 && pick->variant + 1 < pick->variants) {
    step.kind = cascade_step::to_variant;
    step.variant = pick->variant + 1;
    step.reason = why(*pick) + "; next smaller variant";
  } else {
    step.kind = cascade_step::disable;
    step.reason = why(*pick) + (pick->variants > 0 ? "; already on its smallest variant" : "");
  }
  return step;
}

std::optional<cascade_step>
degradation_cascade::next_emergency(const std::vector<cascade_plugin>& plugins) const {
  const cascade_plugin* pick = nullptr;
  for (const auto& p : plugins) {
    if (p.disabled)
      continue;
    // Priority alone: in an emergency a busy plugin is no better off.
    if (!pick || p.priority < pick->priority
        || (p.priority == pick->priority && p.name < pick->name))
      pick = &p;
  }
  if (!pick)
    return std::nullopt;
  cascade_step step;
  step.kind = cascade_step::disable;
  step.plugin = pick->name;
  step.reason = pick->name + ": lowest priority (" + std::to_string(pick->priority)
                + ") still running, stopped at once";
  return step;
}

void degradation_cascade::applied(const cascade_step& step, size_t from_variant) {
  taken_.push_back({step, from_variant});
}

std::optional<cascade_step> degradation_cascade::next_up() const {
  if (taken_.empty())
    return std::nullopt;
  const auto& last = taken_.back();
  cascade_step up;
  up.plugin = last.step.plugin;
  if (last.step.kind == cascade_step::disable) {
    up.kind = cascade_step::enable;
    up.variant = last.from_variant;
    up.reason = last.step.plugin + ": restored, as the last one stepped down";
  } else {
    up.kind = cascade_step::to_variant;
    up.variant = last.from_variant;
    up.reason = last.step.plugin + ": back to its larger variant, as the last one stepped down";
  }
  return up;
}

void degradation_cascade::restored() {
  if (!taken_.empty())
    taken_.pop_back();
}

} // namespace conductor

#include "actors/scaler/limit_resizer.hpp"

#include "actors/number_text.hpp"
#include "config/units.hpp"

#include <algorithm>
#include <cmath>

namespace conductor {

namespace {

constexpr std::chrono::hours flap_window{1};

/// Whole units for memory and tasks; CPU in tenths of a percent. `up`
/// rounds up (target sizing), so that a target is never undercut.
double round_for(limit_resource r, double x, bool up = false) {
  if (r == limit_resource::cpu_quota)
    return (up ? std::ceil(x * 10 - 1e-9) : std::round(x * 10)) / 10;
  return up ? std::ceil(x) : std::floor(x);
}

} // namespace

const char* to_string(limit_resource r) {
  switch (r) {
    case limit_resource::cpu_quota:
      return "cpu_quota";
    case limit_resource::memory_max:
      return "memory_max";
    case limit_resource::tasks_max:
      return "tasks_max";
  }
  return "unknown";
}

limit_resizer::limit_resizer(resize_rules rules) : rules_(std::move(rules)) {
}

void limit_resizer::update_rules(resize_rules rules) {
  const auto& a = rules_.policy;
  const auto& b = rules.policy;
  if (a.peak_window != b.peak_window || a.seasonal_days != b.seasonal_days
      || a.seasonal_window != b.seasonal_window)
    memories_.clear();
  rules_ = std::move(rules);
}

double limit_resizer::target_of(const std::string& plugin, const limit_use& use, duration now,
                                std::string& how) {
  const auto& p = rules_.policy;
  auto& memory = memory_of(plugin, use.resource);
  memory.record(now, use.used);
  double recent = memory.recent_peak(now, p.peak_window);
  double seasonal = memory.seasonal_peak(now, p.seasonal_days, p.seasonal_window);
  double target = std::max(recent, seasonal) * (1 + p.headroom / 100);
  how = "expected peak " + number_text(std::max(recent, seasonal)) + " (last "
        + config::format_duration(p.peak_window) + " " + number_text(recent);
  if (p.seasonal_days > 0)
    how += ", same time +-" + config::format_duration(p.seasonal_window) + " on the last "
           + std::to_string(p.seasonal_days) + " day(s) " + number_text(seasonal);
  how += ") + " + number_text(p.headroom) + "% = " + number_text(target);
  return target;
}

demand_memory& limit_resizer::memory_of(const std::string& plugin, limit_resource r) {
  const auto& p = rules_.policy;
  auto key = std::pair{plugin, r};
  auto i = memories_.find(key);
  if (i == memories_.end())
    i = memories_.emplace(key, demand_memory{p.peak_window, p.seasonal_days, p.seasonal_window})
          .first;
  return i->second;
}

std::vector<demand_peaks> limit_resizer::demand(duration now) const {
  std::vector<demand_peaks> out;
  for (const auto& [key, memory] : memories_)
    if (auto peaks = memory.peaks(now); !peaks.empty())
      out.push_back({key.first, to_string(key.second), std::move(peaks)});
  return out;
}

bool limit_resizer::restore_demand(const demand_peaks& remembered, duration now, duration age) {
  for (auto r : {limit_resource::cpu_quota, limit_resource::memory_max})
    if (remembered.resource == to_string(r) && target_sizing(r)) {
      memory_of(remembered.plugin, r).restore(now - age, remembered.peaks);
      return true;
    }
  return false;
}

double limit_resizer::min_step(limit_resource r) const {
  switch (r) {
    case limit_resource::cpu_quota:
      return rules_.min_step_cpu_quota;
    case limit_resource::memory_max:
      return rules_.min_step_memory_max;
    default:
      return rules_.min_step_tasks_max;
  }
}

double limit_resizer::scale_up(limit_resource r) const {
  const auto& p = rules_.policy.scale_up;
  return r == limit_resource::cpu_quota ? p.cpu : r == limit_resource::memory_max ? p.memory : p.tasks;
}

double limit_resizer::scale_down(limit_resource r) const {
  const auto& p = rules_.policy.scale_down;
  return r == limit_resource::cpu_quota ? p.cpu : r == limit_resource::memory_max ? p.memory : p.tasks;
}

std::optional<resize_proposal> limit_resizer::evaluate(const std::string& plugin,
                                                       const limit_use& use, duration now,
                                                       std::string* why_not) {
  auto hold = [&](std::string why) -> std::optional<resize_proposal> {
    if (why_not)
      *why_not = std::move(why);
    return std::nullopt;
  };
  if (why_not)
    why_not->clear();
  auto r = use.resource;
  auto& c = counters_[{plugin, r}];
  if (use.limit <= 0)
    return hold("");
  const bool sized = target_sizing(r);
  std::string how;
  double target = sized ? target_of(plugin, use, now, how) : 0;
  double percent = 100.0 * (sized ? target : use.used) / use.limit;
  bool over = percent >= scale_up(r);
  bool under = percent <= scale_down(r);
  c.over = over ? c.over + 1 : 0;
  c.under = under ? c.under + 1 : 0;
  bool up = c.over >= rules_.policy.confirm_up;
  bool down = c.under >= rules_.policy.confirm_down;
  if (!up && !down)
    return hold("");
  auto name = std::string{to_string(r)};
  auto use_text = name + " use " + number_text(percent) + "% of " + number_text(use.limit);
  double to = 0;
  std::string reason;
  if (sized) {
    to = up ? std::min({target, use.max, use.limit + use.headroom}) : std::max(target, use.min);
    reason = name + ": " + how + ", " + number_text(percent) + "% of the limit "
             + number_text(use.limit);
    if (up && to < target)
      reason += use.max <= use.limit + use.headroom ? ", capped at its max" : ", capped by the host's reserves";
    if (!up && to > target)
      reason += ", held at its min";
    // Rounded up either way: a limit under the target would throttle. A
    // target of nothing (an idle plugin without a lower bound) is no limit
    // to set.
    to = round_for(r, to, true);
    if (to <= 0 || (up ? to <= use.limit : to >= use.limit))
      return hold("");
  } else if (up) {
    to = std::min({use.limit * rules_.policy.up_factor, use.max, use.limit + use.headroom});
    reason = use_text + " >= " + number_text(scale_up(r)) + "% for "
             + std::to_string(rules_.policy.confirm_up) + " evaluation(s): x"
             + number_text(rules_.policy.up_factor);
    if (to < use.limit * rules_.policy.up_factor)
      reason += use.max <= use.limit + use.headroom ? ", capped at its max" : ", capped by the host's reserves";
  } else {
    // Not so low that the present use would be over scale_up at once.
    double floor_for_use = use.used * 100.0 / scale_up(r);
    to = std::max({use.limit * rules_.policy.down_factor, use.min, floor_for_use});
    reason = use_text + " <= " + number_text(scale_down(r)) + "% for "
             + std::to_string(rules_.policy.confirm_down) + " evaluation(s): x"
             + number_text(rules_.policy.down_factor);
    if (to > use.limit * rules_.policy.down_factor)
      reason += to == use.min ? ", held at its min" : ", kept above its use";
  }
  if (!sized)
    to = round_for(r, to);
  if (!sized && std::abs(to - use.limit) < min_step(r))
    return hold(name + ": " + number_text(use.limit) + " -> " + number_text(to) + " is smaller than min_step "
                + number_text(min_step(r)));
  auto& last = up ? c.last_up : c.last_down;
  if ((!up || !sized) && last && now - *last < rules_.policy.cooldown)
    return hold(name + ": " + (up ? "up" : "down") + " cooldown of "
                + number_text(std::chrono::duration<double>(rules_.policy.cooldown).count())
                + "s since the last change");
  auto& times = changes_[plugin];
  while (!times.empty() && now - times.front() >= flap_window)
    times.pop_front();
  if (static_cast<int>(times.size()) >= rules_.flap_budget)
    return hold(plugin + ": flap budget of " + std::to_string(rules_.flap_budget)
                + " changes per hour spent");
  return resize_proposal{r, use.limit, to, reason + " -> " + number_text(to)};
}

void limit_resizer::changed(const std::string& plugin, limit_resource resource, bool up,
                            duration now) {
  auto& c = counters_[{plugin, resource}];
  (up ? c.last_up : c.last_down) = now;
  c.over = c.under = 0;
  changes_[plugin].push_back(now);
}

} // namespace conductor

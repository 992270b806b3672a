#include "actors/health/health_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace conductor::health {

health_schedule::health_schedule(std::vector<target_plan> targets, schedule_options options,
                                 duration now)
  : options_(std::move(options)), last_id_(options_.first_id_after) {
  options_.pressure_backoff = std::max(1.0, options_.pressure_backoff);
  targets_.reserve(targets.size());
  for (auto& p : targets) {
    p.interval = std::max(p.interval, duration{1});
    targets_.emplace_back(std::move(p), options_.breaker);
    targets_.back().latencies.resize(
      static_cast<size_t>(std::max(1, options_.breaker.window)));
  }
  std::mt19937_64 rng{options_.seed};
  auto n = targets_.size();
  for (size_t i = 0; i < n; ++i) {
    auto interval = targets_[i].plan.interval;
    duration offset{0};
    if (options_.stagger == config::stagger_kind::even) {
      // interval * i / n without overflow for long intervals.
      offset = duration{static_cast<int64_t>(static_cast<double>(interval.count())
                                              * static_cast<double>(i)
                                              / static_cast<double>(n))};
    } else {
      std::uniform_int_distribution<int64_t> pick{0, interval.count() - 1};
      offset = duration{pick(rng)};
    }
    schedule(i, now + offset);
  }
}

duration health_schedule::effective_interval(size_t i) const {
  const auto& t = targets_[i];
  bool healthy = t.breaker.state() == breaker_state::closed && t.stats.last_healthy.value_or(false);
  if (!pressure_ || !healthy)
    return t.plan.interval;
  return duration{static_cast<int64_t>(static_cast<double>(t.plan.interval.count())
                                       * options_.pressure_backoff)};
}

void health_schedule::schedule(size_t i, std::optional<duration> at) {
  auto& t = targets_[i];
  if (t.next_at)
    queue_.erase({*t.next_at, i});
  t.next_at = at;
  if (at)
    queue_.insert({*at, i});
}

void health_schedule::schedule_after(size_t i, duration planned, duration now) {
  auto step = effective_interval(i);
  auto next = planned + step;
  if (next <= now) {
    // Slots that passed while nobody ran them are dropped, not caught up.
    auto behind = (now - next) / step + 1;
    targets_[i].stats.missed += static_cast<uint64_t>(behind);
    next += behind * step;
  }
  schedule(i, next);
}

void health_schedule::drain(size_t i) {
  for (auto& c : targets_[i].breaker.take_changes())
    transitions_.push_back({i, std::move(c)});
}

std::vector<check_start> health_schedule::due(duration now, duration ahead) {
  std::vector<check_start> out;
  auto until = now + ahead;
  // Taken off the queue first: a slot put back within `until` (an open
  // breaker's retry) waits for the next call instead of looping here.
  std::vector<std::pair<duration, size_t>> ready;
  while (!queue_.empty() && queue_.begin()->first <= until) {
    ready.push_back(*queue_.begin());
    queue_.erase(queue_.begin());
    targets_[ready.back().second].next_at.reset();
  }
  for (auto [planned, i] : ready) {
    auto& t = targets_[i];
    // A slot taken early is still this slot: the next is a whole interval on.
    auto taken = std::max(planned, now);
    if (t.in_flight != 0) {
      ++t.stats.overlaps;
      schedule_after(i, planned, taken);
      continue;
    }
    if (t.plan.check.type == "process" && t.pid <= 0) {
      schedule_after(i, planned, taken);
      continue;
    }
    bool permitted = t.breaker.should_check(now);
    drain(i);
    if (!permitted) {
      // OPEN: next due when the reset timeout ends; forced: never.
      schedule(i, t.breaker.retry_at());
      continue;
    }
    auto id = ++last_id_;
    t.in_flight = id;
    in_flight_.emplace(id, i);
    out.push_back({i, id, planned, std::max(duration{0}, now - planned),
                   t.breaker.state() == breaker_state::half_open});
    schedule_after(i, planned, taken);
  }
  return out;
}

std::optional<duration> health_schedule::next_wakeup() const {
  if (queue_.empty())
    return std::nullopt;
  return queue_.begin()->first;
}

std::optional<size_t> health_schedule::record(uint64_t id, bool healthy, duration latency,
                                              duration now, std::string detail) {
  auto found = in_flight_.find(id);
  if (found == in_flight_.end())
    return std::nullopt;
  auto i = found->second;
  in_flight_.erase(found);
  auto& t = targets_[i];
  t.in_flight = 0;
  ++t.stats.checks;
  if (!healthy)
    ++t.stats.failures;
  t.stats.last_healthy = healthy;
  t.stats.last_latency = latency;
  t.stats.last_detail = std::move(detail);
  t.latencies[t.latency_next % t.latencies.size()] = latency;
  ++t.latency_next;
  auto before = t.breaker.state();
  t.breaker.record(healthy, now);
  drain(i);
  auto after = t.breaker.state();
  if (after == breaker_state::open && !t.breaker.forced())
    schedule(i, t.breaker.retry_at());
  else if (before == breaker_state::half_open && after == breaker_state::half_open)
    schedule(i, now); // more trials to run: the next one at once
  return i;
}

void health_schedule::set_pid(size_t i, pid_t pid) {
  targets_[i].pid = pid;
}

void health_schedule::force_open(size_t i, duration now, const std::string& reason) {
  targets_[i].breaker.force_open(now, reason);
  drain(i);
  schedule(i, std::nullopt);
}

void health_schedule::force_close(size_t i, duration now, const std::string& reason) {
  targets_[i].breaker.force_close(now, reason);
  drain(i);
  schedule(i, now);
}

void health_schedule::reset(size_t i, duration now, const std::string& by) {
  targets_[i].breaker.reset(now, by);
  drain(i);
  schedule(i, now);
}

namespace {

bool same_target(const target_plan& a, const target_plan& b) {
  const auto& x = a.check;
  const auto& y = b.check;
  return a.name == b.name && a.plugin == b.plugin && a.interval == b.interval
         && a.timeout == b.timeout && x.type == y.type && x.url == y.url
         && x.address == y.address && x.command == y.command
         && x.expect_status == y.expect_status && x.expect_body == y.expect_body;
}

bool same_breaker(const config::breaker_section& a, const config::breaker_section& b) {
  return a.failure_threshold == b.failure_threshold && a.failure_rate == b.failure_rate
         && a.window == b.window && a.reset_timeout == b.reset_timeout && a.backoff == b.backoff
         && a.max_reset_timeout == b.max_reset_timeout
         && a.half_open_trials == b.half_open_trials;
}

} // namespace

size_t health_schedule::adopt(const health_schedule& old) {
  if (!same_breaker(options_.breaker, old.options_.breaker))
    return 0;
  size_t taken = 0;
  for (size_t i = 0; i < targets_.size(); ++i) {
    auto j = old.find(targets_[i].plan.name);
    if (!j || !same_target(targets_[i].plan, old.targets_[*j].plan))
      continue;
    const auto& from = old.targets_[*j];
    auto& t = targets_[i];
    t.breaker = from.breaker;
    t.stats = from.stats;
    t.latencies = from.latencies;
    t.latency_next = from.latency_next;
    t.pid = from.pid;
    t.in_flight = from.in_flight;
    if (t.in_flight != 0)
      in_flight_[t.in_flight] = i;
    schedule(i, from.next_at);
    ++taken;
  }
  return taken;
}

std::vector<target_transition> health_schedule::take_transitions() {
  return std::exchange(transitions_, {});
}

std::optional<size_t> health_schedule::find(const std::string& name) const {
  for (size_t i = 0; i < targets_.size(); ++i)
    if (targets_[i].plan.name == name)
      return i;
  return std::nullopt;
}

duration health_schedule::latency_quantile(size_t i, double q) const {
  const auto& t = targets_[i];
  auto n = std::min(t.latency_next, t.latencies.size());
  if (n == 0)
    return duration{0};
  std::vector<duration> sorted(t.latencies.begin(), t.latencies.begin() + n);
  std::sort(sorted.begin(), sorted.end());
  auto rank = static_cast<size_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(n)));
  return sorted[rank == 0 ? 0 : rank - 1];
}

} // namespace conductor::health

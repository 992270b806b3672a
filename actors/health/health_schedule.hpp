// health_schedule.hpp -- when each health target is checked, and what its
// results do to its circuit breaker.
//
// The health actor's logic, without CAF and without I/O: the actor asks due()
// which checks to start now, hands them to the check engine, feeds each
// result back with record(), and sleeps until next_wakeup(). Time is the
// caller's monotonic `now`.
//
// Rules:
// - Start offsets are spread over each target's interval, so checks never
//   fire together: `even` puts target i of n at interval * i / n, `jitter` at
//   a uniformly random point of the interval (seeded, so tests can repeat it).
// - Slots are planned from the schedule, not from when a check finished; a
//   start's lateness is `now - planned`. Slots already past when due() runs
//   (the actor was held up) are skipped and counted, never run in a burst.
// - A check never overlaps its own previous run: a slot that comes while the
//   previous check is in flight is skipped and counted.
// - The breaker decides whether a slot runs: an OPEN breaker suppresses the
//   regular checks and the target is next due when its reset timeout ends
//   (the HALF_OPEN trial); a forced-open one is not due at all.
// - Under host pressure (set_pressure) the interval of a target whose breaker
//   is closed and whose last check passed is multiplied by pressure_backoff,
//   so health checking never adds load when the host can least afford it; a
//   failing target keeps its interval.
// - A process check needs the plugin's pid (set_pid); until there is one the
//   target's slots pass without a check.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "actors/health/circuit_breaker.hpp"
#include "config/node_config.hpp"

namespace conductor::health {

using duration = std::chrono::nanoseconds;

/// One target with its settings resolved (defaults applied).
struct target_plan {
  std::string name;
  config::check_spec check;
  duration interval{std::chrono::seconds(5)};
  duration timeout{std::chrono::seconds(2)};
  /// The plugin this is the health check of; empty for health.targets.
  std::string plugin;
};

struct schedule_options {
  config::breaker_section breaker;
  config::stagger_kind stagger = config::stagger_kind::even;
  /// Interval factor for healthy targets under pressure (>= 1).
  double pressure_backoff = 2.0;
  /// Seeds the jitter.
  uint64_t seed = 0;
  /// Check ids start after this: a schedule that replaces another (a reload)
  /// never reuses the id of a check the old one still has in flight.
  uint64_t first_id_after = 0;
};

/// A check to start now.
struct check_start {
  size_t target = 0;
  /// Identifies the result that belongs to it (record()).
  uint64_t id = 0;
  /// When it was planned, and how late it starts.
  duration planned{0};
  duration lateness{0};
  /// A HALF_OPEN trial rather than a regular check.
  bool trial = false;
};

/// A breaker transition of one target.
struct target_transition {
  size_t target = 0;
  breaker_change change;
};

/// What is known about one target's checks.
struct target_stats {
  uint64_t checks = 0;
  uint64_t failures = 0;
  /// Slots skipped because the previous check was still running.
  uint64_t overlaps = 0;
  /// Slots skipped because they were already past when due() ran.
  uint64_t missed = 0;
  /// The last result, if any.
  std::optional<bool> last_healthy;
  duration last_latency{0};
  std::string last_detail;
};

class health_schedule {
public:
  /// Plans the first slot of every target from `now`. Names are unique (the
  /// config loader guarantees it).
  health_schedule(std::vector<target_plan> targets, schedule_options options, duration now);

  /// The checks to start at `now`, in planned order; each is in flight until
  /// its record(). With `ahead`, checks planned up to `now + ahead` start too
  /// (their lateness is 0): one wake-up then serves the checks of a short
  /// stretch instead of one each, which is what many targets cost most.
  std::vector<check_start> due(duration now, duration ahead = duration{0});

  /// When due() next has something to do; empty when no target is due ever
  /// (none configured, or all forced open).
  std::optional<duration> next_wakeup() const;

  /// The result of the check `id`. Returns the target, or empty when `id` is
  /// not a check in flight (already recorded, or from before a restart).
  std::optional<size_t> record(uint64_t id, bool healthy, duration latency, duration now,
                               std::string detail = {});

  /// Host pressure on or off; applies from each target's next slot.
  void set_pressure(bool on) {
    pressure_ = on;
  }
  bool pressure() const {
    return pressure_;
  }

  /// The pid a process check looks at (0: none, the plugin is not running).
  void set_pid(size_t target, pid_t pid);

  /// Operator commands (circuit_breaker.hpp has their semantics). After
  /// force_close and reset the target is due at once.
  void force_open(size_t target, duration now, const std::string& reason);
  void force_close(size_t target, duration now, const std::string& reason);
  void reset(size_t target, duration now, const std::string& by = "");

  /// Breaker transitions since the last call, oldest first.
  std::vector<target_transition> take_transitions();

  /// After a reload: every target that `old` had with the same name, check,
  /// interval and timeout, under the same breaker settings, takes over its
  /// state from `old` (breaker, forced or not, counts, latencies, pid, the
  /// check in flight and the next slot), so a reload that changes other
  /// targets is invisible to it. Returns how many were taken over.
  size_t adopt(const health_schedule& old);

  // -- inspection -------------------------------------------------------------

  size_t size() const {
    return targets_.size();
  }
  std::optional<size_t> find(const std::string& name) const;
  const target_plan& plan(size_t target) const {
    return targets_[target].plan;
  }
  const circuit_breaker& breaker(size_t target) const {
    return targets_[target].breaker;
  }
  const target_stats& stats(size_t target) const {
    return targets_[target].stats;
  }
  pid_t pid(size_t target) const {
    return targets_[target].pid;
  }
  /// The target's next slot; empty while forced open.
  std::optional<duration> next_at(size_t target) const {
    return targets_[target].next_at;
  }
  bool in_flight(size_t target) const {
    return targets_[target].in_flight != 0;
  }
  /// The interval the next slot is planned with (backed off under pressure).
  duration effective_interval(size_t target) const;
  /// The id of the last check started.
  uint64_t last_id() const {
    return last_id_;
  }
  /// Failed share of the breaker's window of recent checks.
  double failure_rate(size_t target) const {
    return targets_[target].breaker.failure_rate();
  }
  /// The q-quantile (0..1, nearest rank) of the last `window` latencies; 0
  /// without any.
  duration latency_quantile(size_t target, double q) const;

private:
  struct target {
    target(target_plan p, const config::breaker_section& b) : plan(std::move(p)), breaker(b) {
    }
    target_plan plan;
    circuit_breaker breaker;
    target_stats stats;
    std::optional<duration> next_at;
    /// The id of the check in flight, 0 if none.
    uint64_t in_flight = 0;
    pid_t pid = 0;
    /// The newest latencies, a ring of the breaker's window size.
    std::vector<duration> latencies;
    size_t latency_next = 0;
  };

  void schedule(size_t i, std::optional<duration> at);
  /// The first slot after `now` on the grid of `planned` + k * interval.
  void schedule_after(size_t i, duration planned, duration now);
  void drain(size_t i);

  schedule_options options_;
  std::vector<target> targets_;
  /// (next_at, target) of every target that has a next slot.
  std::set<std::pair<duration, size_t>> queue_;
  /// Check id in flight -> target.
  std::map<uint64_t, size_t> in_flight_;
  uint64_t last_id_ = 0;
  bool pressure_ = false;
  std::vector<target_transition> transitions_;
};

} // namespace conductor::health

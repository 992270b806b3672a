// circuit_breaker.hpp -- should this target be checked now, and is it failing?
//
// The per-target circuit breaker of the health actor (ARCHITECTURE.md, health):
//
//   CLOSED    -> OPEN       `failure_threshold` consecutive failures, or (when
//                           `failure_rate` > 0) more than `failure_rate` of the
//                           last `window` checks failed, once the window is full
//   OPEN      -> HALF_OPEN  the current reset timeout has elapsed since opening
//   HALF_OPEN -> CLOSED     all `half_open_trials` trials succeeded
//   HALF_OPEN -> OPEN       the first failed trial (the reset timeout grows)
//
// Plain C++, no CAF: time is the caller's monotonic `now`, nothing here reads a
// clock, and a record() allocates nothing (the window is a ring sized once).
//
// The rules the settings leave open, decided here:
//
// - Transitions are queued and drained with take_changes(), one list for every
//   call: should_check() must answer a bool and may also move OPEN -> HALF_OPEN,
//   so a single drain point is simpler than a return value on some calls only.
//   Every call causes at most one transition; a call that changes no state
//   queues nothing.
// - should_check() is a permit: `true` means "run one check now and record()
//   its outcome". In HALF_OPEN it reserves one trial, so at most
//   `half_open_trials` trials are ever started per HALF_OPEN period.
// - Results that belong to no check of the current state are stale and ignored:
//   record() in OPEN, and record() in HALF_OPEN with no trial in flight (checks
//   started before the breaker opened or reopened).
// - Reset timeout T: starts at `reset_timeout`. It grows, T = min(T * backoff,
//   max_reset_timeout), on every re-opening: a failed trial (HALF_OPEN -> OPEN),
//   or CLOSED -> OPEN while on probation. The breaker is on probation from the
//   moment it closes (after trials or force_close) until it has seen `window`
//   consecutive successes. Decay: every `window` consecutive successes in CLOSED
//   divide T by `backoff`, never below `reset_timeout` (the first such run also
//   ends probation). Any failure restarts that count. So a target that recovers
//   and stays healthy for `window` checks per step walks back to the base; one
//   that fails again soon after recovering waits longer each time.
// - The window and the consecutive-failure count hold results seen while
//   CLOSED (plus trials, for the count); both are cleared on entering CLOSED,
//   so a recovered target starts with a fresh window, and while OPEN they show
//   what opened the breaker. The rate is evaluated after every result recorded
//   in CLOSED once the window is full (so a success that fills the window can
//   open it), and opens only when strictly greater than `failure_rate` (so
//   `failure_rate: 1` never trips by rate). When both rules trip on one
//   failure, the consecutive count is reported.
// - force_open() latches: a forced-open breaker never goes HALF_OPEN, ignores
//   results and answers should_check() false, whatever the time, until
//   force_close() or reset(). Forcing an already open breaker latches it
//   without a transition. T is unchanged.
// - force_close(): CLOSED, window and counts cleared, T kept, on probation (the
//   operator vouches for the target; its history still counts if it fails
//   again soon). reset(): CLOSED, everything cleared, T back to the base, no
//   probation, as if new.
// - Durations in reasons use config::format_duration (`30s`, `1m`, `5m`), the
//   form users write in node.yaml.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/node_config.hpp"

namespace conductor {

/// The three breaker states; to_string() gives the names used in messages,
/// metrics and the database (closed | open | half_open).
enum class breaker_state { closed, open, half_open };

/// "closed", "open" or "half_open".
const char* to_string(breaker_state x);

/// One state change, with the human reason the audit log and operators see.
struct breaker_change {
  breaker_state from = breaker_state::closed;
  breaker_state to = breaker_state::closed;
  /// e.g. "3 consecutive failures", "reset timeout 30s elapsed".
  std::string reason;
  /// The monotonic `now` of the call that caused it.
  std::chrono::nanoseconds at{0};
};

class circuit_breaker {
public:
  using duration = std::chrono::nanoseconds;

  /// Settings as validated by the config loader; out-of-range values are
  /// clamped (threshold, window, trials at least 1, backoff at least 1, max
  /// reset timeout at least the reset timeout) so the logic never divides by
  /// zero or shrinks on "growth".
  explicit circuit_breaker(config::breaker_section settings);

  // -- the check loop ---------------------------------------------------------

  /// Whether to run a check now. CLOSED: true. OPEN: false until the reset
  /// timeout has elapsed (now - opened_at >= T), then the breaker goes
  /// HALF_OPEN and this reserves the first trial; never true when forced.
  /// HALF_OPEN: true, reserving a trial, while un-started trials remain.
  bool should_check(duration now);

  /// The outcome of a check. Counts in CLOSED and for a trial in flight in
  /// HALF_OPEN; ignored as stale otherwise (see the header comment).
  void record(bool success, duration now);

  // -- operators ----------------------------------------------------------------

  /// Opens and latches the breaker (no automatic HALF_OPEN) until
  /// force_close() or reset(). `reason` goes into the transition.
  void force_open(duration now, const std::string& reason);

  /// Closes the breaker, clearing the window and counts but keeping the reset
  /// timeout, on probation. No-op when already CLOSED.
  void force_close(duration now, const std::string& reason);

  /// CLOSED, every counter cleared, reset timeout back to the base.
  void reset(duration now, const std::string& by = "");

  // -- transitions --------------------------------------------------------------

  /// The transitions since the last call, oldest first. Drain after each call
  /// that may change state; the queue is not bounded.
  std::vector<breaker_change> take_changes();

  // -- inspection ---------------------------------------------------------------

  breaker_state state() const {
    return state_;
  }

  /// True while opened by force_open() and not yet closed or reset.
  bool forced() const {
    return forced_;
  }

  /// Failures in a row (CLOSED checks and trials); cleared on entering CLOSED.
  int consecutive_failures() const {
    return consecutive_failures_;
  }

  /// Failed share of the results in the window (of those seen so far while
  /// the window is not full); 0 when empty.
  double failure_rate() const;

  /// Results in the window (at most `window`), and how many of them failed.
  int window_size() const {
    return count_;
  }
  int window_failures() const {
    return failures_;
  }

  /// The reset timeout in effect while OPEN, or for the next opening.
  duration current_reset_timeout() const {
    return reset_timeout_;
  }

  /// When the breaker last opened; kept through HALF_OPEN, empty when CLOSED.
  std::optional<duration> opened_at() const {
    return opened_at_;
  }

  /// When should_check() will next answer true while OPEN (opened_at + T), so
  /// the caller can schedule it; empty unless OPEN and not forced.
  std::optional<duration> retry_at() const;

  /// True from closing (after trials or force_close) until `window`
  /// consecutive successes: opening in that time grows the reset timeout.
  bool on_probation() const {
    return probation_;
  }

  /// Trials started (permits given) and succeeded in this HALF_OPEN period.
  int trials_started() const {
    return trials_started_;
  }
  int trials_succeeded() const {
    return trials_succeeded_;
  }

  const config::breaker_section& settings() const {
    return settings_;
  }

private:
  void open(duration now, std::string reason);
  void close(duration now, std::string reason, bool probation);
  void change(breaker_state to, duration now, std::string reason);
  void clear_counts();
  void push_window(bool success);
  /// T * backoff, capped; returns true when T changed.
  bool grow();
  std::string next_timeout_text() const;

  config::breaker_section settings_;
  breaker_state state_ = breaker_state::closed;
  bool forced_ = false;
  bool probation_ = false;
  int consecutive_failures_ = 0;
  /// Consecutive successes in CLOSED since the last decay step or failure.
  int healthy_streak_ = 0;
  /// The ring: `window` slots, `next_` is where the next result goes.
  std::vector<bool> ring_;
  int next_ = 0;
  int count_ = 0;
  int failures_ = 0;
  int trials_started_ = 0;
  int trials_finished_ = 0;
  int trials_succeeded_ = 0;
  duration reset_timeout_;
  std::optional<duration> opened_at_;
  std::vector<breaker_change> changes_;
};

} // namespace conductor

#include "actors/health/circuit_breaker.hpp"

#include "actors/number_text.hpp"

#include <algorithm>
#include <utility>

#include "config/units.hpp"

namespace conductor {

namespace {

using duration = circuit_breaker::duration;

/// `T * factor` in nanoseconds, without overflowing on absurd factors.
duration scaled(duration d, double factor, duration cap) {
  auto x = static_cast<double>(d.count()) * factor;
  if (x >= static_cast<double>(cap.count()))
    return cap;
  return duration{static_cast<duration::rep>(x)};
}

config::breaker_section clamped(config::breaker_section s) {
  s.failure_threshold = std::max(s.failure_threshold, 1);
  s.window = std::max(s.window, 1);
  s.half_open_trials = std::max(s.half_open_trials, 1);
  s.failure_rate = std::clamp(s.failure_rate, 0.0, 1.0);
  if (!(s.backoff >= 1)) // also catches NaN
    s.backoff = 1;
  s.reset_timeout = std::max(s.reset_timeout, duration{0});
  s.max_reset_timeout = std::max(s.max_reset_timeout, s.reset_timeout);
  return s;
}

} // namespace

const char* to_string(breaker_state x) {
  switch (x) {
    case breaker_state::closed:
      return "closed";
    case breaker_state::open:
      return "open";
    case breaker_state::half_open:
      return "half_open";
  }
  return "unknown";
}

circuit_breaker::circuit_breaker(config::breaker_section settings)
  : settings_(clamped(std::move(settings))),
    ring_(static_cast<size_t>(settings_.window), true),
    reset_timeout_(settings_.reset_timeout) {
}

bool circuit_breaker::should_check(duration now) {
  switch (state_) {
    case breaker_state::closed:
      return true;
    case breaker_state::open:
      if (forced_ || now - *opened_at_ < reset_timeout_)
        return false;
      trials_started_ = trials_finished_ = trials_succeeded_ = 0;
      change(breaker_state::half_open, now,
             "reset timeout " + config::format_duration(reset_timeout_) + " elapsed");
      ++trials_started_;
      return true;
    case breaker_state::half_open:
      if (trials_started_ >= settings_.half_open_trials)
        return false;
      ++trials_started_;
      return true;
  }
  return false;
}

void circuit_breaker::record(bool success, duration now) {
  switch (state_) {
    case breaker_state::open:
      return; // stale: started before the breaker opened
    case breaker_state::half_open: {
      if (trials_finished_ >= trials_started_)
        return; // stale: no trial in flight
      ++trials_finished_;
      if (!success) {
        ++consecutive_failures_;
        grow();
        std::string which = settings_.half_open_trials == 1
                              ? "trial"
                              : "trial " + std::to_string(trials_finished_) + " of "
                                  + std::to_string(settings_.half_open_trials);
        open(now, which + " failed: reopened, " + next_timeout_text());
        return;
      }
      consecutive_failures_ = 0;
      if (++trials_succeeded_ < settings_.half_open_trials)
        return;
      close(now,
            settings_.half_open_trials == 1
              ? std::string{"trial succeeded"}
              : "all " + std::to_string(settings_.half_open_trials) + " trials succeeded",
            true);
      return;
    }
    case breaker_state::closed:
      break;
  }
  push_window(success);
  if (success) {
    consecutive_failures_ = 0;
    if (++healthy_streak_ >= settings_.window) {
      healthy_streak_ = 0;
      probation_ = false;
      auto decayed = static_cast<double>(reset_timeout_.count()) / settings_.backoff;
      reset_timeout_ = std::max(settings_.reset_timeout,
                                duration{static_cast<duration::rep>(decayed)});
    }
  } else {
    healthy_streak_ = 0;
    ++consecutive_failures_;
  }
  std::string reason;
  if (!success && consecutive_failures_ >= settings_.failure_threshold) {
    reason = std::to_string(consecutive_failures_) + " consecutive failure"
             + (consecutive_failures_ == 1 ? "" : "s");
  } else if (settings_.failure_rate > 0 && count_ == settings_.window
             && failure_rate() > settings_.failure_rate) {
    // Enough digits that the two numbers never print equal.
    auto limit = number_text(settings_.failure_rate, 6);
    auto shown = number_text(failure_rate(), 3);
    for (int p = 4; shown == limit && p <= 17; ++p)
      shown = number_text(failure_rate(), p);
    reason = "failure rate " + shown + " > " + limit + " over the last "
             + std::to_string(settings_.window) + " checks";
  }
  if (reason.empty())
    return;
  if (probation_) {
    grow();
    reason += " soon after closing: " + next_timeout_text();
  }
  open(now, std::move(reason));
}

void circuit_breaker::force_open(duration now, const std::string& reason) {
  if (state_ == breaker_state::open) {
    forced_ = true;
    return;
  }
  forced_ = true;
  open(now, reason.empty() ? std::string{"forced open by operator"}
                           : "forced open by operator: " + reason);
}

void circuit_breaker::force_close(duration now, const std::string& reason) {
  if (state_ == breaker_state::closed)
    return;
  close(now,
        reason.empty() ? std::string{"forced closed by operator"}
                       : "forced closed by operator: " + reason,
        true);
}

void circuit_breaker::reset(duration now, const std::string& by) {
  reset_timeout_ = settings_.reset_timeout;
  auto reason = std::string{"reset"} + (by.empty() ? "" : " by " + by)
                + ": counters cleared, reset timeout "
                + config::format_duration(reset_timeout_);
  if (state_ != breaker_state::closed) {
    close(now, std::move(reason), false);
    return;
  }
  clear_counts();
  probation_ = false;
}

std::vector<breaker_change> circuit_breaker::take_changes() {
  std::vector<breaker_change> result;
  result.swap(changes_);
  return result;
}

double circuit_breaker::failure_rate() const {
  return count_ == 0 ? 0.0 : static_cast<double>(failures_) / count_;
}

std::optional<duration> circuit_breaker::retry_at() const {
  if (state_ != breaker_state::open || forced_)
    return std::nullopt;
  return *opened_at_ + reset_timeout_;
}

void circuit_breaker::open(duration now, std::string reason) {
  opened_at_ = now;
  trials_started_ = trials_finished_ = trials_succeeded_ = 0;
  probation_ = false;
  change(breaker_state::open, now, std::move(reason));
}

void circuit_breaker::close(duration now, std::string reason, bool probation) {
  clear_counts();
  forced_ = false;
  probation_ = probation;
  opened_at_.reset();
  change(breaker_state::closed, now, std::move(reason));
}

void circuit_breaker::change(breaker_state to, duration now, std::string reason) {
  changes_.push_back(breaker_change{state_, to, std::move(reason), now});
  state_ = to;
}

void circuit_breaker::clear_counts() {
  consecutive_failures_ = 0;
  healthy_streak_ = 0;
  next_ = count_ = failures_ = 0;
  trials_started_ = trials_finished_ = trials_succeeded_ = 0;
}

void circuit_breaker::push_window(bool success) {
  if (count_ == settings_.window) {
    if (!ring_[static_cast<size_t>(next_)])
      --failures_;
  } else {
    ++count_;
  }
  ring_[static_cast<size_t>(next_)] = success;
  if (!success)
    ++failures_;
  next_ = (next_ + 1) % settings_.window;
}

bool circuit_breaker::grow() {
  auto before = reset_timeout_;
  reset_timeout_ = scaled(reset_timeout_, settings_.backoff, settings_.max_reset_timeout);
  return reset_timeout_ != before;
}

std::string circuit_breaker::next_timeout_text() const {
  auto text = "next reset timeout " + config::format_duration(reset_timeout_);
  if (reset_timeout_ == settings_.max_reset_timeout)
    text += " (the maximum)";
  return text;
}

} // namespace conductor

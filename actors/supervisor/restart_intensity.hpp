// restart_intensity.hpp -- how often may a child crash before the node gives up?
//
// Erlang/OTP's rule: more than `max_restarts` restarts within `window` means
// restarting does not help, and the supervisor stops instead of looping.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>

namespace conductor {

class restart_intensity {
public:
  using duration = std::chrono::nanoseconds;

  restart_intensity(int max_restarts, duration window)
    : max_restarts_(max_restarts), window_(window) {
  }

  /// Records a restart at monotonic time `now`; false when this restart
  /// exceeds the intensity (the caller should stop, not restart).
  bool allow(duration now) {
    while (!restarts_.empty() && now - restarts_.front() >= window_)
      restarts_.pop_front();
    restarts_.push_back(now);
    return static_cast<int>(restarts_.size()) <= max_restarts_;
  }

  /// Restarts within the current window.
  size_t recent() const {
    return restarts_.size();
  }

private:
  int max_restarts_;
  duration window_;
  std::deque<duration> restarts_;
};

} // namespace conductor

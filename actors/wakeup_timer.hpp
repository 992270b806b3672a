// wakeup_timer.hpp -- one pending tick for the earliest of many deadlines.
//
// An actor with many deadlines (health targets' slots, plugins' backoffs and
// grace periods) keeps one timer, for the earliest: arm() sends itself a
// delayed atom::tick unless one already comes at or before that time. A tick
// that fires for nothing (the plan moved on) is harmless: the actor looks at
// what is due and arms again.
#pragma once

#include <optional>

#include <caf/actor_clock.hpp>

#include "messages/type_ids.hpp"

namespace conductor {

class wakeup_timer {
public:
  using time_point = caf::actor_clock::time_point;

  /// A tick at `at` (now if that has passed), unless one comes sooner.
  template <class Self>
  void arm(Self* self, time_point at) {
    if (armed_ && *armed_ <= at)
      return;
    auto now = self->clock().now();
    armed_ = at;
    self->delayed_send(self, at > now ? at - now : caf::timespan{0}, atom::tick_v);
  }

  /// Call on every tick: the pending timer is spent once its time has come.
  void fired(time_point now) {
    if (armed_ && now >= *armed_)
      armed_.reset();
  }

  /// Forgets the pending timer (a new plan arms its own; the old tick is harmless).
  void reset() {
    armed_.reset();
  }

private:
  std::optional<time_point> armed_;
};

} // namespace conductor

// degradation_cascade.hpp -- which plugin to step down next under host
// pressure, which to restore next once it is gone, and whom to stop in an
// emergency.
//
// Stepping down takes one plugin one step per call: to its next smaller
// variant, or, from its smallest (or without variants), disabled. The order:
//   1. a plugin whose circuit breaker is open (it is failing anyway);
//   2. then the lowest priority;
//   3. at equal priority, one without active work before a busy one (the old
//      design's "agents still working go last");
//   4. then by name, so the same inputs always give the same answer.
// A busy plugin is still stepped down when nothing else is left: pressure
// wins over work in progress, which the plugin manager drains first.
// Restoring undoes the steps taken, newest first (so the most important
// plugin comes back first). An emergency stops the lowest-priority plugin
// still running, variants skipped, and restores like any other step.
//
// Plain C++: the scaler feeds it what it knows of the plugins and records the
// steps it had carried out; nothing here reads a clock or touches a process.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace conductor {

/// What the cascade needs to know of one plugin now.
struct cascade_plugin {
  std::string name;
  int priority = 0;
  /// How many variants it has (0: none); variant 0 is the largest.
  size_t variants = 0;
  /// The variant it runs (meaningless without variants).
  size_t variant = 0;
  bool disabled = false;
  bool breaker_open = false;
  /// It reported active work (queue depth, active jobs) at the last sample.
  bool busy = false;
};

/// One step of the cascade.
struct cascade_step {
  enum kind_t { to_variant, disable, enable } kind = disable;
  std::string plugin;
  /// to_variant: the variant to run.
  size_t variant = 0;
  /// Why this plugin, in words for the audit log.
  std::string reason;
};

class degradation_cascade {
public:
  /// A step down in effect, and the variant its plugin ran before.
  struct taken_step {
    cascade_step step;
    size_t from_variant = 0;
  };

  /// The next step down, or nothing when every plugin is disabled already.
  std::optional<cascade_step> next_down(const std::vector<cascade_plugin>& plugins) const;

  /// The plugin to stop at once in an emergency (the lowest priority still
  /// running, variants skipped), or nothing.
  std::optional<cascade_step> next_emergency(const std::vector<cascade_plugin>& plugins) const;

  /// Records a step down the scaler carried out; `from_variant` is the
  /// variant the plugin ran before it.
  void applied(const cascade_step& step, size_t from_variant);

  /// The next step up: the inverse of the newest step still in effect, or
  /// nothing when everything is restored.
  std::optional<cascade_step> next_up() const;

  /// Records that next_up() was carried out.
  void restored();

  /// Steps down in effect, oldest first.
  size_t depth() const {
    return taken_.size();
  }

  const std::vector<taken_step>& steps() const {
    return taken_;
  }

private:
  std::vector<taken_step> taken_;
};

} // namespace conductor

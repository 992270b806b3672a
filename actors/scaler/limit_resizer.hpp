// limit_resizer.hpp -- when and how far a plugin's own cgroup limits follow
// its use of them: the scaler's first loop (CONFIG.md, scaler).
//
// Per plugin and resource (CPU quota, memory, tasks), each evaluation sees the
// limit and the use. Use at or over the policy's scale_up percent of the limit
// for confirm_up evaluations in a row proposes limit x up_factor; at or under
// scale_down for confirm_down in a row proposes limit x down_factor. Then, in
// this order, a proposal is held back (with the reason) or trimmed:
//   - within the plugin's bounds [min, max];
//   - up: no more than the host can give without touching its reserves
//     (`headroom`, the caller's sum); down: never so low that today's use
//     would be over scale_up right away;
//   - a change smaller than the resource's min_step is not made;
//   - the cooldown of its direction since the last change of that resource;
//   - the flap budget: at most `flap_budget` changes per plugin per hour.
// With target sizing (policy_profile::sizing) the expected peak plus its
// headroom (demand_memory) takes the use's place in the comparison, the limit
// is set to it, min_step does not apply and the cooldown holds back only
// decreases (CPU and memory; tasks keep threshold sizing).
// Plain C++: time is the caller's monotonic `now`.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "actors/scaler/demand_memory.hpp"
#include "config/node_config.hpp"
#include "messages/types.hpp"

namespace conductor {

enum class limit_resource { cpu_quota, memory_max, tasks_max };

/// "cpu_quota", "memory_max", "tasks_max": the YAML names.
const char* to_string(limit_resource r);

struct resize_rules {
  config::policy_profile policy;
  /// scaler.min_step, in each resource's unit (percent of a core, bytes, tasks).
  double min_step_cpu_quota = 50;
  double min_step_memory_max = 256.0 * 1024 * 1024;
  double min_step_tasks_max = 32;
  /// scaler.flap_budget: changes per plugin per hour.
  int flap_budget = 6;
};

/// What one evaluation sees of one resource of one plugin.
struct limit_use {
  limit_resource resource = limit_resource::memory_max;
  /// The limit in force and the use, in the resource's unit.
  double limit = 0;
  double used = 0;
  /// The plugin's bounds for this limit.
  double min = 0;
  double max = 0;
  /// How much more of it the host can hand out without touching its reserves.
  double headroom = 0;
};

/// A limit to change, and why.
struct resize_proposal {
  limit_resource resource = limit_resource::memory_max;
  double from = 0;
  double to = 0;
  std::string reason;
};

class limit_resizer {
public:
  using duration = std::chrono::nanoseconds;

  explicit limit_resizer(resize_rules rules);

  /// New rules (a reload); confirmations, cooldowns and the flap budget's
  /// history are kept, and the use remembered unless the windows it is kept
  /// for changed.
  void update_rules(resize_rules rules);

  /// One evaluation. A proposal when the limit should change now; otherwise
  /// nothing, and `why_not` says what held a confirmed change back (empty
  /// when nothing was confirmed).
  std::optional<resize_proposal> evaluate(const std::string& plugin, const limit_use& use,
                                          duration now, std::string* why_not = nullptr);

  /// The scaler changed the limit (or tried to: a failed change counts
  /// against the flap budget and the cooldown too, so a broken cgroup is not
  /// hammered).
  void changed(const std::string& plugin, limit_resource resource, bool up, duration now);

  /// Target sizing's memory of use, per plugin and resource, as of `now`
  /// (demand_memory::peaks), for the runtime state.
  std::vector<demand_peaks> demand(duration now) const;

  /// Takes back use remembered `age` before `now`. False, and nothing kept,
  /// for a resource not target sized under the rules in force or one it does
  /// not know.
  bool restore_demand(const demand_peaks& remembered, duration now, duration age);

private:
  struct counters {
    int over = 0;
    int under = 0;
    std::optional<duration> last_up;
    std::optional<duration> last_down;
  };

  /// Target sizing is for CPU and memory; a task limit a few tasks above
  /// the peak would make the next fork fail, so tasks keep threshold sizing.
  bool target_sizing(limit_resource r) const {
    return rules_.policy.sizing == "target" && r != limit_resource::tasks_max;
  }
  /// The expected peak plus headroom, after recording `use`, and the text
  /// saying how it was reached.
  double target_of(const std::string& plugin, const limit_use& use, duration now,
                   std::string& how);
  demand_memory& memory_of(const std::string& plugin, limit_resource r);
  double min_step(limit_resource r) const;
  double scale_up(limit_resource r) const;
  double scale_down(limit_resource r) const;

  resize_rules rules_;
  std::map<std::pair<std::string, limit_resource>, counters> counters_;
  /// Per plugin, the times of its changes within the last hour.
  std::map<std::string, std::deque<duration>> changes_;
  /// Target sizing: the use seen, per plugin and resource.
  std::map<std::pair<std::string, limit_resource>, demand_memory> memories_;
};

} // namespace conductor

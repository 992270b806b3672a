// cgroup_limits.hpp -- applies a plugin's cgroup limits as one change: every
// value is written and read back, and if any write fails, every value already
// written in that change is restored before the failure is reported.
//
// Files, per controller and hierarchy (cgroup_layout.hpp):
//   cpu_quota (percent of one core)
//     v2  cpu.max            "<quota_us> <period_us>", period kept as it is
//     v1  cpu.cfs_quota_us   quota_us, against cpu.cfs_period_us as it is
//   memory_max (bytes)
//     v2  memory.max
//     v1  memory.limit_in_bytes
//   tasks_max
//         pids.max           (both)
// A change writes memory, then tasks, then CPU. The kernel rounds memory
// limits down to a page, so the read-back accepts that and reports the value
// in force. Plain C++, no CAF: the plugin manager's actor calls it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/cgroup_layout.hpp"
#include "config/node_config.hpp"

namespace conductor {

/// The outcome of one change.
struct limit_change {
  bool ok = false;
  /// "" on success; else what failed, e.g. "write 5 to
  /// /sys/fs/cgroup/cpu/conductor/chat/cpu.cfs_quota_us: Invalid argument".
  std::string error;
  /// The writes made, as "memory.max 2147483648" (on failure: those made
  /// and then restored).
  std::vector<std::string> written;
  /// Restores that failed in their turn (the cgroup is then left as these
  /// say); empty when the rollback was complete.
  std::vector<std::string> restore_errors;
  /// The limits in force after the change, as read back.
  config::limit_set in_force;
};

class cgroup_limits {
public:
  /// The plugin's cgroup is `<mount>/<relative_path>` in each hierarchy.
  cgroup_limits(cgroup_layout layout, std::string relative_path);

  /// Applies the limits that are set in `limits` (unset ones are left as
  /// they are). A limit whose controller no hierarchy serves fails the
  /// change.
  limit_change apply(const config::limit_set& limits) const;

  /// The limits in force now; a limit that is unlimited or unreadable is
  /// empty.
  config::limit_set read() const;

private:
  std::optional<std::string> file(const std::optional<cgroup_place>& place,
                                  const char* name) const;

  cgroup_layout layout_;
  std::string relative_path_;
};

} // namespace conductor

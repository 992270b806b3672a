// plugin_cgroup.hpp -- a plugin's own cgroup, `<mount>/<relative path>` in
// every hierarchy the node uses: created before the plugin starts (with the
// v2 controllers it needs enabled on the way down), listed for the spawn, and
// removed once it is empty.
//
// The hierarchies: those serving memory, pids, CPU use and CPU limits, and
// the cgroup2 mount (for memory.pressure even when it serves no controller).
// On a cgroup2 mount that serves some of those controllers they are enabled
// in cgroup.subtree_control of the mount's root and of every ancestor of the
// plugin's cgroup, which is what makes memory.max, pids.max and cpu.max
// appear in it. Plain C++, no CAF.
#pragma once

#include <string>
#include <vector>

#include "actors/cgroup_layout.hpp"

namespace conductor {

/// The mount points the plugin's cgroup lives under, each once.
std::vector<std::string> plugin_cgroup_mounts(const cgroup_layout& layout);

/// Creates the cgroup (and its parents) in every hierarchy. "" or what
/// failed, with the path and the system's reason. Existing directories are
/// fine: a restarted node takes over its plugins' cgroups.
std::string create_plugin_cgroup(const cgroup_layout& layout, const std::string& relative_path);

/// The cgroup.procs file of the plugin's cgroup in every hierarchy.
std::vector<std::string> plugin_cgroup_procs(const cgroup_layout& layout,
                                             const std::string& relative_path);

/// Removes the plugin's cgroup (not its parents) in every hierarchy; a
/// cgroup that is already gone is fine. "" or what failed (EBUSY while a
/// process is still in it).
std::string remove_plugin_cgroup(const cgroup_layout& layout, const std::string& relative_path);

} // namespace conductor

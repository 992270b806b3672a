// cgroup_layout.hpp -- which cgroup hierarchy serves each controller the
// collector reads and the plugin manager limits, found at start from
// /proc/self/mountinfo.
//
// Hosts differ: a systemd host has pure cgroup v2 at /sys/fs/cgroup; an older
// or containerised one has v1 controllers, each at its own mount, perhaps
// beside a cgroup2 mount without controllers (/sys/fs/cgroup/unified). The
// collector asks per controller, never per host. Plain C++; the root prefix
// lets tests point it at a fixture tree.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conductor {

enum class cgroup_version { v1, v2 };

const char* to_string(cgroup_version v);

/// One cgroup or cgroup2 line of /proc/self/mountinfo.
struct cgroup_mount {
  cgroup_version version = cgroup_version::v2;
  /// Where it is mounted, e.g. "/sys/fs/cgroup/memory" (field 5).
  std::string mount_point;
  /// v1: the controllers in its super options ("cpu", "cpuacct", "memory",
  /// "pids", ...; "name=systemd" is not a controller and is left out).
  /// v2: empty here; what it serves is in its cgroup.controllers file.
  std::vector<std::string> controllers;
};

/// The cgroup and cgroup2 mounts listed in a mountinfo text, in file order.
/// Lines of other filesystems and malformed lines are skipped.
std::vector<cgroup_mount> parse_cgroup_mounts(std::string_view mountinfo);

/// Where one controller is served.
struct cgroup_place {
  cgroup_version version = cgroup_version::v2;
  /// The hierarchy's mount point, with the root prefix (see detect).
  std::string mount_point;
};

/// What the collector reads, per controller. A controller no hierarchy serves
/// is nullopt and its metrics are simply not reported.
struct cgroup_layout {
  /// CPU use: v1 "cpuacct" (cpuacct.usage); v2 "cpu" (cpu.stat usage_usec).
  std::optional<cgroup_place> cpu;
  /// memory.usage_in_bytes / limit_in_bytes (v1), memory.current / max (v2).
  std::optional<cgroup_place> memory;
  /// pids.current / pids.max, the same file names in both versions.
  std::optional<cgroup_place> pids;
  /// CPU limits: v1 "cpu" (cpu.cfs_quota_us; often, but not always, mounted
  /// together with cpuacct); v2 "cpu" (cpu.max).
  std::optional<cgroup_place> cpu_limit;
  /// The cgroup2 mount point, if any, even without controllers: it still
  /// has the *.pressure files where the kernel has PSI.
  std::optional<std::string> unified;
  /// Every cgroup mount point, with the root prefix: a configured cgroup root
  /// may lie under any of them (the plugin manager creates a plugin's cgroup
  /// in every hierarchy, whether the collector reads it or not).
  std::vector<std::string> mount_points;

  /// One line for the start-up log, e.g.
  /// "cpu: v1 /sys/fs/cgroup/cpuacct, memory: v1 /sys/fs/cgroup/memory,
  ///  pids: v1 /sys/fs/cgroup/pids, unified: /sys/fs/cgroup/unified".
  std::string describe() const;
};

/// Detects the layout: reads `root + "/proc/self/mountinfo"` and, for a
/// cgroup2 mount, `root + mount_point + "/cgroup.controllers"`. `root` is ""
/// on a real host and a fixture directory in tests; the mount points in the
/// result carry the prefix. v1 wins over v2 for a controller both list (a v1
/// mount holds it; the kernel then cannot enable it in v2 anyway).
cgroup_layout detect_cgroup_layout(const std::string& root = "");

/// Reads a cgroup2 mount's cgroup.controllers; nullopt when it cannot.
using controllers_reader = std::function<std::optional<std::string>(const std::string& path)>;

/// The same from a mountinfo text already read: `read(path)` is called with
/// `root + mount_point + "/cgroup.controllers"` for each cgroup2 mount.
cgroup_layout make_cgroup_layout(std::string_view mountinfo, const std::string& root,
                                 const controllers_reader& read);

/// Where plugin cgroups live, relative to every hierarchy's mount point
/// ("conductor" for collector.cgroup_root "auto"). An absolute path must lie
/// under one of the layout's mount points; the part after it is the relative
/// root, applied to every hierarchy. nullopt (and `error` set) otherwise.
std::optional<std::string> relative_cgroup_root(const cgroup_layout& layout,
                                                const std::string& cgroup_root,
                                                std::string& error);

} // namespace conductor

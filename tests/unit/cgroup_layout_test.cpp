// cgroup_layout (actors/cgroup_layout.hpp): mountinfo texts of the
// host shapes the collector meets, over fixture trees in a temporary
// directory, and once against this host's real /proc/self/mountinfo.
#define CAF_SUITE cgroup_layout

#include <caf/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "actors/cgroup_layout.hpp"
#include "tests/require.hpp"
#include "tests/temp_dir.hpp"

using namespace conductor;

namespace {

using test::temp_dir;

/// This build machine: v1 controllers each at their own mount (cpu and
/// cpuacct apart), a named systemd hierarchy, and a cgroup2 mount serving
/// only hugetlb.
constexpr const char* hybrid_mountinfo
  = "22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/// A systemd host: one cgroup2 hierarchy, optional fields before the "-".
constexpr const char* pure_v2_mountinfo
  = "24 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw,errors=remount-ro\n"
    "30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 "
    "cgroup2 rw,nsdelegate,memory_recursiveprot\n";

/// An older host: v1 only, cpu and cpuacct co-mounted.
constexpr const char* v1_only_mountinfo
  = "25 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid shared:10 - cgroup cgroup "
    "rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd\n"
    "29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:13 - cgroup cgroup "
    "rw,cpu,cpuacct\n"
    "30 25 0:27 / /sys/fs/cgroup/memory rw,nosuid shared:14 - cgroup cgroup rw,memory\n"
    "31 25 0:28 / /sys/fs/cgroup/pids rw,nosuid shared:15 - cgroup cgroup rw,pids\n"
    "32 25 0:29 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:16 - cgroup cgroup "
    "rw,net_cls,net_prio\n";

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

} // namespace

CAF_TEST(v1 mounts list their controllers and v2 mounts none) {
  auto mounts = parse_cgroup_mounts(hybrid_mountinfo);
  REQUIRE_EQUAL_OR_RETURN(mounts.size(), 8u);
  CAF_CHECK(mounts[0].version == cgroup_version::v1);
  CAF_CHECK_EQUAL(mounts[0].mount_point, "/sys/fs/cgroup/cpu");
  CAF_CHECK_EQUAL(mounts[0].controllers, std::vector<std::string>{"cpu"});
  CAF_CHECK_EQUAL(mounts[1].controllers, std::vector<std::string>{"cpuacct"});
  CAF_CHECK_EQUAL(mounts[3].mount_point, "/sys/fs/cgroup/memory");
  CAF_CHECK_EQUAL(mounts[3].controllers, std::vector<std::string>{"memory"});
  // name=systemd is a named hierarchy, not a controller.
  CAF_CHECK_EQUAL(mounts[6].mount_point, "/sys/fs/cgroup/systemd");
  CAF_CHECK(mounts[6].controllers.empty());
  CAF_CHECK(mounts[7].version == cgroup_version::v2);
  CAF_CHECK_EQUAL(mounts[7].mount_point, "/sys/fs/cgroup/unified");
  CAF_CHECK(mounts[7].controllers.empty());

  auto combined = parse_cgroup_mounts(v1_only_mountinfo);
  REQUIRE_EQUAL_OR_RETURN(combined.size(), 5u);
  CAF_CHECK(combined[0].controllers.empty());
  CAF_CHECK_EQUAL(combined[1].mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  CAF_CHECK_EQUAL(combined[1].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  CAF_CHECK_EQUAL(combined[4].controllers, (std::vector<std::string>{"net_cls", "net_prio"}));
}

CAF_TEST(this machine: v1 controllers beside a cgroup2 mount serving only hugetlb) {
  temp_dir root;
  root.write("proc/self/mountinfo", hybrid_mountinfo);
  root.write("sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
  auto layout = detect_cgroup_layout(root.path());
  auto base = root.path() + "/sys/fs/cgroup";
  REQUIRE_OR_RETURN(layout.cpu && layout.memory && layout.pids && layout.unified);
  // CPU use comes from cpuacct, not from the cpu controller's own mount.
  CAF_CHECK(layout.cpu->version == cgroup_version::v1);
  CAF_CHECK_EQUAL(layout.cpu->mount_point, base + "/cpuacct");
  CAF_CHECK(layout.memory->version == cgroup_version::v1);
  CAF_CHECK_EQUAL(layout.memory->mount_point, base + "/memory");
  CAF_CHECK(layout.pids->version == cgroup_version::v1);
  CAF_CHECK_EQUAL(layout.pids->mount_point, base + "/pids");
  // CPU limits live in the cpu controller's own mount.
  REQUIRE_OR_RETURN(layout.cpu_limit);
  CAF_CHECK(layout.cpu_limit->version == cgroup_version::v1);
  CAF_CHECK_EQUAL(layout.cpu_limit->mount_point, base + "/cpu");
  CAF_CHECK_EQUAL(*layout.unified, base + "/unified");
  CAF_CHECK_EQUAL(layout.describe(), "cpu: v1 " + base + "/cpuacct, memory: v1 " + base
                                       + "/memory, pids: v1 " + base
                                       + "/pids, unified: " + base + "/unified");
}

CAF_TEST(pure v2 systemd host serves everything from one mount) {
  temp_dir root;
  root.write("proc/self/mountinfo", pure_v2_mountinfo);
  root.write("sys/fs/cgroup/cgroup.controllers",
      "cpuset cpu io memory hugetlb pids rdma misc\n");
  auto layout = detect_cgroup_layout(root.path());
  auto mp = root.path() + "/sys/fs/cgroup";
  REQUIRE_OR_RETURN(layout.cpu && layout.memory && layout.pids && layout.unified);
  CAF_CHECK(layout.cpu->version == cgroup_version::v2);
  CAF_CHECK_EQUAL(layout.cpu->mount_point, mp);
  CAF_CHECK(layout.memory->version == cgroup_version::v2);
  CAF_CHECK_EQUAL(layout.memory->mount_point, mp);
  CAF_CHECK(layout.pids->version == cgroup_version::v2);
  CAF_CHECK_EQUAL(layout.pids->mount_point, mp);
  REQUIRE_OR_RETURN(layout.cpu_limit);
  CAF_CHECK(layout.cpu_limit->version == cgroup_version::v2);
  CAF_CHECK_EQUAL(layout.cpu_limit->mount_point, mp);
  CAF_CHECK_EQUAL(*layout.unified, mp);
  CAF_CHECK_EQUAL(layout.describe(), "cpu: v2 " + mp + ", memory: v2 " + mp + ", pids: v2 "
                                       + mp + ", unified: " + mp);
}

CAF_TEST(v1 only host with cpu and cpuacct co-mounted) {
  temp_dir root;
  root.write("proc/self/mountinfo", v1_only_mountinfo);
  auto layout = detect_cgroup_layout(root.path());
  auto base = root.path() + "/sys/fs/cgroup";
  REQUIRE_OR_RETURN(layout.cpu && layout.memory && layout.pids);
  CAF_CHECK(layout.cpu->version == cgroup_version::v1);
  CAF_CHECK_EQUAL(layout.cpu->mount_point, base + "/cpu,cpuacct");
  CAF_CHECK_EQUAL(layout.cpu_limit.value_or(cgroup_place{}).mount_point, base + "/cpu,cpuacct");
  CAF_CHECK_EQUAL(layout.memory->mount_point, base + "/memory");
  CAF_CHECK_EQUAL(layout.pids->mount_point, base + "/pids");
  CAF_CHECK(!layout.unified);
  CAF_CHECK_EQUAL(layout.describe(), "cpu: v1 " + base + "/cpu,cpuacct, memory: v1 " + base
                                       + "/memory, pids: v1 " + base
                                       + "/pids, unified: none");
}

CAF_TEST(v2 host without the pids controller reports no pids place) {
  temp_dir root;
  root.write("proc/self/mountinfo", pure_v2_mountinfo);
  root.write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory\n");
  auto layout = detect_cgroup_layout(root.path());
  CAF_CHECK(layout.cpu);
  CAF_CHECK(layout.memory);
  CAF_CHECK(!layout.pids);
  CAF_CHECK(layout.unified);
  auto mp = root.path() + "/sys/fs/cgroup";
  CAF_CHECK_EQUAL(layout.describe(), "cpu: v2 " + mp + ", memory: v2 " + mp
                                       + ", pids: none, unified: " + mp);
}

CAF_TEST(an unreadable cgroup.controllers leaves only the unified mount) {
  temp_dir root;
  root.write("proc/self/mountinfo", pure_v2_mountinfo);
  auto layout = detect_cgroup_layout(root.path());
  CAF_CHECK(!layout.cpu);
  CAF_CHECK(!layout.memory);
  CAF_CHECK(!layout.pids);
  CAF_CHECK(layout.unified);
}

CAF_TEST(v1 wins over v2 for a controller both list) {
  std::string mountinfo
    = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  std::vector<std::string> asked;
  auto layout = make_cgroup_layout(mountinfo, "/r", [&](const std::string& path) {
    asked.push_back(path);
    return std::optional<std::string>{"cpu memory pids\n"};
  });
  CAF_CHECK_EQUAL(asked, std::vector<std::string>{"/r/sys/fs/cgroup/unified/cgroup.controllers"});
  REQUIRE_OR_RETURN(layout.cpu && layout.memory && layout.pids);
  CAF_CHECK(layout.memory->version == cgroup_version::v1);
  CAF_CHECK_EQUAL(layout.memory->mount_point, "/r/sys/fs/cgroup/memory");
  CAF_CHECK(layout.cpu->version == cgroup_version::v2);
  CAF_CHECK_EQUAL(layout.cpu->mount_point, "/r/sys/fs/cgroup/unified");
  CAF_CHECK(layout.pids->version == cgroup_version::v2);
}

CAF_TEST(escaped mount points are decoded) {
  std::string mountinfo = "50 31 0:40 / /mnt/my\\040cgroups/mem\\134x rw - cgroup cgroup "
                          "rw,memory\n"
                          "51 31 0:41 / /mnt/odd\\04 rw - cgroup cgroup rw,pids\n";
  auto mounts = parse_cgroup_mounts(mountinfo);
  REQUIRE_EQUAL_OR_RETURN(mounts.size(), 2u);
  CAF_CHECK_EQUAL(mounts[0].mount_point, "/mnt/my cgroups/mem\\x");
  // A backslash without three octal digits is kept as written.
  CAF_CHECK_EQUAL(mounts[1].mount_point, "/mnt/odd\\04");
  auto layout = make_cgroup_layout(mountinfo, "", {});
  REQUIRE_OR_RETURN(layout.memory);
  CAF_CHECK_EQUAL(layout.memory->mount_point, "/mnt/my cgroups/mem\\x");
}

CAF_TEST(garbage and other filesystems are skipped) {
  std::string mountinfo
    = "\n"
      "garbage\n"
      "1 2 3\n"
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime cgroup cgroup rw,memory\n" // no "-"
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup\n"                 // short
      "x 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" // bad id
      "36 31 0:33 / relative rw,relatime - cgroup cgroup rw,pids\n"                 // not a path
      "37 31 0:34 / /sys/fs/cgroup/x rw - cgroupfs cgroup rw,cpuacct\n"             // not cgroup
      "38 31 0:35 / /proc rw - proc proc rw\n"
      "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n";
  auto mounts = parse_cgroup_mounts(mountinfo);
  REQUIRE_EQUAL_OR_RETURN(mounts.size(), 1u);
  CAF_CHECK_EQUAL(mounts[0].mount_point, "/sys/fs/cgroup/pids");
  CAF_CHECK(parse_cgroup_mounts("").empty());
  auto layout = make_cgroup_layout(mountinfo, "", {});
  CAF_CHECK(!layout.cpu);
  CAF_CHECK(!layout.memory);
  CAF_CHECK(layout.pids);
  CAF_CHECK(!layout.unified);
}

CAF_TEST(a missing mountinfo gives an empty layout) {
  temp_dir root;
  auto layout = detect_cgroup_layout(root.path());
  CAF_CHECK(!layout.cpu && !layout.memory && !layout.pids && !layout.unified);
  CAF_CHECK_EQUAL(layout.describe(), "cpu: none, memory: none, pids: none, unified: none");
}

CAF_TEST(version names) {
  CAF_CHECK_EQUAL(std::string{to_string(cgroup_version::v1)}, "v1");
  CAF_CHECK_EQUAL(std::string{to_string(cgroup_version::v2)}, "v2");
}

CAF_TEST(relative cgroup root) {
  auto hybrid = make_cgroup_layout(hybrid_mountinfo, "", [](const std::string&) {
    return std::optional<std::string>{"hugetlb\n"};
  });
  std::string error;
  auto rel = [&](const cgroup_layout& layout, const std::string& root) {
    error.clear();
    return relative_cgroup_root(layout, root, error);
  };
  using opt = std::optional<std::string>;
  CAF_CHECK_EQUAL(rel(hybrid, "auto"), opt{"conductor"});
  CAF_CHECK(error.empty());
  CAF_CHECK_EQUAL(rel(hybrid, "/sys/fs/cgroup/memory/conductor"), opt{"conductor"});
  CAF_CHECK_EQUAL(rel(hybrid, "/sys/fs/cgroup/pids/a/b/"), opt{"a/b"});
  CAF_CHECK_EQUAL(rel(hybrid, "/sys/fs/cgroup/cpuacct//a//b"), opt{"a/b"});
  CAF_CHECK_EQUAL(rel(hybrid, "/sys/fs/cgroup/unified/plugins"), opt{"plugins"});
  // The mount point itself names no directory under it.
  CAF_CHECK(!rel(hybrid, "/sys/fs/cgroup/memory"));
  CAF_CHECK(!rel(hybrid, "/sys/fs/cgroup/memory/"));
  CAF_CHECK(error.find("/sys/fs/cgroup/memory") != std::string::npos);
  // A prefix that is not a whole path component does not count.
  CAF_CHECK(!rel(hybrid, "/sys/fs/cgroup/memoryx/conductor"));
  // Any cgroup mount counts, also one the collector reads nothing from
  // (cpuacct serves CPU here, not the cpu mount).
  CAF_CHECK_EQUAL(rel(hybrid, "/sys/fs/cgroup/cpu/conductor"), opt{"conductor"});
  CAF_CHECK(!rel(hybrid, "/srv/conductor"));
  CAF_CHECK(error.find("/srv/conductor") != std::string::npos);
  CAF_CHECK(error.find("/sys/fs/cgroup/cpuacct") != std::string::npos);
  CAF_CHECK(error.find("/sys/fs/cgroup/unified") != std::string::npos);
  CAF_CHECK(!rel(hybrid, "/sys/fs/cgroup/memory/../etc"));
  CAF_CHECK(!error.empty());
  CAF_CHECK(!rel(hybrid, "conductor"));
  CAF_CHECK(!error.empty());
  CAF_CHECK(!rel(hybrid, ""));
  CAF_CHECK(!error.empty());

  auto v2 = make_cgroup_layout(pure_v2_mountinfo, "", [](const std::string&) {
    return std::optional<std::string>{"cpu memory pids\n"};
  });
  CAF_CHECK_EQUAL(rel(v2, "/sys/fs/cgroup/conductor.slice/plugins"),
                  opt{"conductor.slice/plugins"});
  CAF_CHECK(!rel(v2, "/sys/fs/cgroupx/a"));

  cgroup_layout empty;
  CAF_CHECK_EQUAL(rel(empty, "auto"), opt{"conductor"});
  CAF_CHECK(!rel(empty, "/sys/fs/cgroup/memory/conductor"));
  CAF_CHECK(error.find("no cgroup mounts") != std::string::npos);
}

CAF_TEST(the real host has memory and pids hierarchies) {
  auto layout = detect_cgroup_layout("");
  CAF_MESSAGE("real layout: " << layout.describe());
  REQUIRE_OR_RETURN(layout.memory);
  REQUIRE_OR_RETURN(layout.pids);
  CAF_CHECK(is_directory(layout.memory->mount_point));
  CAF_CHECK(is_directory(layout.pids->mount_point));
  if (layout.cpu)
    CAF_CHECK(is_directory(layout.cpu->mount_point));
  if (layout.unified)
    CAF_CHECK(is_directory(*layout.unified));
}

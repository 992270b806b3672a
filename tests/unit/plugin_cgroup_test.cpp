// plugin_cgroup (actors/plugins/plugin_cgroup.hpp) over fixture trees of a
// hybrid v1 host and a pure v2 host: which directories are made, which v2
// controllers are enabled on the way, the cgroup.procs list, removal and its
// errors. tests/system/plugin_process_test.cpp does it on the real host.
#define CAF_SUITE plugin_cgroup

#include <caf/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "actors/plugins/plugin_cgroup.hpp"
#include "tests/temp_dir.hpp"

using namespace conductor;
using namespace conductor::test;

namespace {

bool is_dir(const std::string& path) {
  return std::filesystem::is_directory(path);
}

std::string contents(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

cgroup_layout hybrid(const temp_dir& root) {
  cgroup_layout l;
  for (auto d : {"memory", "pids", "cpuacct", "cpu", "unified"})
    std::filesystem::create_directories(root.file(d));
  l.memory = cgroup_place{cgroup_version::v1, root.file("memory")};
  l.pids = cgroup_place{cgroup_version::v1, root.file("pids")};
  l.cpu = cgroup_place{cgroup_version::v1, root.file("cpuacct")};
  l.cpu_limit = cgroup_place{cgroup_version::v1, root.file("cpu")};
  l.unified = root.file("unified");
  return l;
}

} // namespace

CAF_TEST(a hybrid host gets the cgroup in every v1 hierarchy and the cgroup2 mount) {
  temp_dir root;
  auto layout = hybrid(root);
  CAF_CHECK_EQUAL(create_plugin_cgroup(layout, "conductor/chat"), "");
  for (auto d : {"memory", "pids", "cpuacct", "cpu", "unified"})
    CAF_CHECK(is_dir(root.file(std::string{d} + "/conductor/chat")));
  CAF_CHECK_EQUAL(plugin_cgroup_procs(layout, "conductor/chat"),
                  (std::vector<std::string>{root.file("memory/conductor/chat/cgroup.procs"),
                                            root.file("pids/conductor/chat/cgroup.procs"),
                                            root.file("cpuacct/conductor/chat/cgroup.procs"),
                                            root.file("cpu/conductor/chat/cgroup.procs"),
                                            root.file("unified/conductor/chat/cgroup.procs")}));
  // Created again (a restarted node): fine.
  CAF_CHECK_EQUAL(create_plugin_cgroup(layout, "conductor/chat"), "");
  // Removed: the plugin's cgroup goes, the shared parent stays.
  CAF_CHECK_EQUAL(remove_plugin_cgroup(layout, "conductor/chat"), "");
  CAF_CHECK(!is_dir(root.file("memory/conductor/chat")));
  CAF_CHECK(is_dir(root.file("memory/conductor")));
  CAF_CHECK_EQUAL(remove_plugin_cgroup(layout, "conductor/chat"), "");
}

CAF_TEST(a pure v2 host enables the controllers on the way down) {
  temp_dir root;
  auto mp = root.file("cg");
  root.write("cg/cgroup.subtree_control", "cpuset\n");
  // What the kernel would show in the intermediate cgroup once created.
  root.write("cg/conductor/cgroup.subtree_control", "cpu memory pids\n");
  cgroup_layout layout;
  layout.memory = layout.pids = layout.cpu = layout.cpu_limit = cgroup_place{cgroup_version::v2, mp};
  layout.unified = mp;
  CAF_CHECK_EQUAL(plugin_cgroup_mounts(layout), std::vector<std::string>{mp});
  CAF_CHECK_EQUAL(create_plugin_cgroup(layout, "conductor/chat"), "");
  CAF_CHECK_EQUAL(contents(mp + "/cgroup.subtree_control"), "+cpu +memory +pids");
  // Already enabled one level down: nothing written there.
  CAF_CHECK_EQUAL(contents(mp + "/conductor/cgroup.subtree_control"), "cpu memory pids\n");
  CAF_CHECK(is_dir(mp + "/conductor/chat"));
}

CAF_TEST(failures name the path and the reason) {
  temp_dir root;
  auto layout = hybrid(root);
  layout.pids = cgroup_place{cgroup_version::v1, root.file("no-such-mount")};
  CAF_CHECK_EQUAL(create_plugin_cgroup(layout, "conductor/chat"),
                  "cannot create cgroup " + root.file("no-such-mount/conductor")
                    + ": No such file or directory");
  temp_dir v2;
  cgroup_layout pure;
  pure.memory = cgroup_place{cgroup_version::v2, v2.path()};
  CAF_CHECK_EQUAL(create_plugin_cgroup(pure, "conductor/chat"),
                  "cannot read " + v2.file("cgroup.subtree_control")
                    + ": No such file or directory");
  // A cgroup that still holds something is not removed.
  auto ok = hybrid(root);
  CAF_REQUIRE_EQUAL(create_plugin_cgroup(ok, "conductor/chat"), "");
  root.write("memory/conductor/chat/held", "");
  auto err = remove_plugin_cgroup(ok, "conductor/chat");
  CAF_CHECK_EQUAL(err.rfind("cannot remove cgroup " + root.file("memory/conductor/chat"), 0), 0u);
  CAF_CHECK(!is_dir(root.file("pids/conductor/chat")));
}

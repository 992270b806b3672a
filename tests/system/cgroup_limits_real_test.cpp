// cgroup_limits against the real kernel: limits applied to a real cgroup with
// a real child in it, read back from the kernel's files, a quota under 1 % of
// a core written with a 1 s period, and a change the kernel refuses halfway (a
// CPU quota under its 1 ms minimum even then) rolled back.
// Needs root and writable cgroup mounts; skips with a printed reason otherwise.
#define CAF_SUITE cgroup_limits_real

#include <caf/test/unit_test.hpp>

#include "actors/plugins/cgroup_limits.hpp"
#include "tests/require.hpp"
#include "tests/system/real_cgroups.hpp"

using namespace conductor;
using namespace conductor::test;

namespace {

config::limit_set limits(double cpu, uint64_t memory, uint64_t tasks) {
  config::limit_set l;
  l.cpu_quota = cpu;
  l.memory_max = memory;
  l.tasks_max = tasks;
  return l;
}

} // namespace

CAF_TEST(limits on a real cgroup are taken and a refused change is rolled back) {
  if (::geteuid() != 0) {
    CAF_MESSAGE("skipped: not root (euid " << ::geteuid() << "), cannot create cgroups");
    return;
  }
  auto layout = detect_cgroup_layout("");
  if (!layout.memory || !layout.pids || !layout.cpu_limit) {
    CAF_MESSAGE("skipped: no memory, pids or cpu hierarchy on this host: " << layout.describe());
    return;
  }
  for (auto* p : {&layout.memory, &layout.pids, &layout.cpu_limit})
    if (::access((*p)->mount_point.c_str(), W_OK) != 0) {
      CAF_MESSAGE("skipped: " << (*p)->mount_point << " is not writable");
      return;
    }
  real_cgroups cg{layout, "conductor-limits-test-" + std::to_string(::getpid())};
  if (!create_or_skip(cg))
    return;
  REQUIRE_EQUAL_OR_RETURN(cg.start_child(), "");
  REQUIRE_EQUAL_OR_RETURN(cg.move_child(), "");
  REQUIRE_OR_RETURN(cg.child_allocates());
  cgroup_limits cgl{layout, cg.rel()};
  // A fresh cgroup has no limits.
  auto fresh = cgl.read();
  CAF_CHECK(!fresh.memory_max);
  CAF_CHECK(!fresh.cpu_quota);
  auto applied = cgl.apply(limits(150, 256 * mib, 50));
  CAF_CHECK_EQUAL(applied.error, "");
  CAF_REQUIRE(applied.ok);
  CAF_CHECK_EQUAL(applied.in_force.memory_max.value_or(0), 256 * mib);
  CAF_CHECK_EQUAL(applied.in_force.tasks_max.value_or(0), 50u);
  CAF_CHECK_EQUAL(applied.in_force.cpu_quota.value_or(0), 150.0);
  CAF_CHECK_EQUAL(words(read_file(cg.dir(layout.pids->mount_point) + "/pids.max")),
                  std::vector<std::string>{"50"});
  // A memory limit that is not a whole page is rounded down by the kernel,
  // and that is what is in force.
  config::limit_set odd;
  odd.memory_max = 300 * mib + 100;
  auto rounded = cgl.apply(odd);
  CAF_CHECK(rounded.ok);
  CAF_CHECK_EQUAL(rounded.in_force.memory_max.value_or(0), 300 * mib);
  // Half a percent of a core is 0.5 ms per 100 ms, under the kernel's 1 ms
  // minimum: it is written as 5 ms per second.
  config::limit_set small;
  small.cpu_quota = 0.5;
  auto slow = cgl.apply(small);
  CAF_CHECK_EQUAL(slow.error, "");
  CAF_CHECK(slow.ok);
  CAF_CHECK_EQUAL(slow.in_force.cpu_quota.value_or(0), 0.5);
  const auto& cpu_dir = cg.dir(layout.cpu_limit->mount_point);
  if (layout.cpu_limit->version == cgroup_version::v1)
    CAF_CHECK_EQUAL(words(read_file(cpu_dir + "/cpu.cfs_period_us")),
                    std::vector<std::string>{"1000000"});
  else
    CAF_CHECK_EQUAL(words(read_file(cpu_dir + "/cpu.max")),
                    (std::vector<std::string>{"5000", "1000000"}));
  CAF_REQUIRE(cgl.apply(limits(150, 300 * mib, 50)).ok);
  // The kernel refuses a CPU quota under 1 ms even per second, after memory
  // and tasks were already written: both are put back.
  auto refused = cgl.apply(limits(0.05, 512 * mib, 40));
  CAF_CHECK(!refused.ok);
  CAF_MESSAGE("refused: " << refused.error);
  CAF_CHECK_NOT_EQUAL(refused.error.find("Invalid argument"), std::string::npos);
  CAF_CHECK_EQUAL(refused.written.size(), 2u);
  CAF_CHECK(refused.restore_errors.empty());
  CAF_CHECK_EQUAL(refused.in_force.memory_max.value_or(0), 300 * mib);
  CAF_CHECK_EQUAL(refused.in_force.tasks_max.value_or(0), 50u);
  CAF_CHECK_EQUAL(refused.in_force.cpu_quota.value_or(0), 150.0);
  cg.kill_child();
}

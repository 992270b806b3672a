// cgroup_limits (actors/plugins/cgroup_limits.hpp) over fixture cgroup trees
// of a pure v2 host and a v1 host: the files and values written, what is read
// back, and the rollback of a change whose last write fails. The real kernel's
// answers are in tests/system/cgroup_limits_real_test.cpp.
#define CAF_SUITE cgroup_limits

#include <caf/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "actors/plugins/cgroup_limits.hpp"
#include "tests/temp_dir.hpp"

using namespace conductor;
using namespace conductor::test;

namespace {

const std::string rel = "conductor/chat";

std::string contents(const temp_dir& root, const std::string& name) {
  std::ifstream in{root.file(name)};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

cgroup_layout v2_layout(const temp_dir& root) {
  cgroup_layout l;
  cgroup_place p{cgroup_version::v2, root.file("cg")};
  l.memory = l.pids = l.cpu = l.cpu_limit = p;
  l.unified = p.mount_point;
  return l;
}

cgroup_layout v1_layout(const temp_dir& root) {
  cgroup_layout l;
  l.memory = cgroup_place{cgroup_version::v1, root.file("memory")};
  l.pids = cgroup_place{cgroup_version::v1, root.file("pids")};
  l.cpu = cgroup_place{cgroup_version::v1, root.file("cpuacct")};
  l.cpu_limit = cgroup_place{cgroup_version::v1, root.file("cpu")};
  return l;
}

void write_v2(const temp_dir& root) {
  root.write("cg/" + rel + "/memory.max", "max\n");
  root.write("cg/" + rel + "/pids.max", "max\n");
  root.write("cg/" + rel + "/cpu.max", "max 100000\n");
}

void write_v1(const temp_dir& root) {
  root.write("memory/" + rel + "/memory.limit_in_bytes", "9223372036854771712\n");
  root.write("pids/" + rel + "/pids.max", "max\n");
  root.write("cpu/" + rel + "/cpu.cfs_quota_us", "-1\n");
  root.write("cpu/" + rel + "/cpu.cfs_period_us", "100000\n");
}

config::limit_set limits(double cpu, uint64_t memory, uint64_t tasks) {
  config::limit_set l;
  l.cpu_quota = cpu;
  l.memory_max = memory;
  l.tasks_max = tasks;
  return l;
}

} // namespace

CAF_TEST(v2 limits are written to memory.max pids.max and cpu.max) {
  temp_dir root;
  write_v2(root);
  cgroup_limits cg{v2_layout(root), rel};
  auto before = cg.read();
  CAF_CHECK(!before.memory_max && !before.tasks_max && !before.cpu_quota);
  auto r = cg.apply(limits(150, 512u << 20, 64));
  CAF_CHECK(r.ok);
  CAF_CHECK_EQUAL(r.error, "");
  CAF_CHECK_EQUAL(r.written, (std::vector<std::string>{"memory.max 536870912", "pids.max 64",
                                                       "cpu.max 150000 100000"}));
  CAF_CHECK_EQUAL(contents(root, "cg/" + rel + "/memory.max"), "536870912");
  CAF_CHECK_EQUAL(contents(root, "cg/" + rel + "/cpu.max"), "150000 100000");
  CAF_CHECK_EQUAL(r.in_force.memory_max.value_or(0), 536870912u);
  CAF_CHECK_EQUAL(r.in_force.tasks_max.value_or(0), 64u);
  CAF_CHECK_EQUAL(r.in_force.cpu_quota.value_or(0), 150.0);
}

CAF_TEST(v1 limits use limit_in_bytes and the cfs quota against its period) {
  temp_dir root;
  write_v1(root);
  root.write("cpu/" + rel + "/cpu.cfs_period_us", "50000\n");
  cgroup_limits cg{v1_layout(root), rel};
  auto r = cg.apply(limits(250, 1u << 30, 128));
  CAF_CHECK(r.ok);
  CAF_CHECK_EQUAL(contents(root, "memory/" + rel + "/memory.limit_in_bytes"), "1073741824");
  CAF_CHECK_EQUAL(contents(root, "pids/" + rel + "/pids.max"), "128");
  // 250 % of a core with a 50 ms period: 125 ms per period.
  CAF_CHECK_EQUAL(contents(root, "cpu/" + rel + "/cpu.cfs_quota_us"), "125000");
  CAF_CHECK_EQUAL(r.in_force.cpu_quota.value_or(0), 250.0);
}

CAF_TEST(unset limits are left alone) {
  temp_dir root;
  write_v2(root);
  config::limit_set only_memory;
  only_memory.memory_max = 1u << 30;
  auto r = cgroup_limits{v2_layout(root), rel}.apply(only_memory);
  CAF_CHECK(r.ok);
  CAF_CHECK_EQUAL(r.written.size(), 1u);
  CAF_CHECK_EQUAL(contents(root, "cg/" + rel + "/pids.max"), "max\n");
  CAF_CHECK_EQUAL(contents(root, "cg/" + rel + "/cpu.max"), "max 100000\n");
}

CAF_TEST(a failed write restores every value the change wrote) {
  temp_dir root;
  write_v2(root);
  root.write("cg/" + rel + "/memory.max", "1073741824\n");
  // cpu.max cannot be written (a directory stands where the file should be):
  // the memory and tasks limits written before it must be put back.
  std::filesystem::remove(root.file("cg/" + rel + "/cpu.max"));
  std::filesystem::create_directories(root.file("cg/" + rel + "/cpu.max"));
  root.write("cg/" + rel + "/cpu.max/x", "");
  cgroup_limits cg{v2_layout(root), rel};
  auto r = cg.apply(limits(150, 512u << 20, 64));
  CAF_CHECK(!r.ok);
  CAF_CHECK_NOT_EQUAL(r.error.find("cpu.max"), std::string::npos);
  CAF_CHECK_EQUAL(r.written, (std::vector<std::string>{"memory.max 536870912", "pids.max 64"}));
  CAF_CHECK(r.restore_errors.empty());
  CAF_CHECK_EQUAL(contents(root, "cg/" + rel + "/memory.max"), "1073741824");
  CAF_CHECK_EQUAL(contents(root, "cg/" + rel + "/pids.max"), "max");
  CAF_CHECK_EQUAL(r.in_force.memory_max.value_or(0), 1073741824u);
  CAF_CHECK(!r.in_force.tasks_max);
}

CAF_TEST(a limit no hierarchy serves fails the change and undoes the rest) {
  temp_dir root;
  write_v2(root);
  auto layout = v2_layout(root);
  layout.pids.reset();
  auto r = cgroup_limits{layout, rel}.apply(limits(150, 512u << 20, 64));
  CAF_CHECK(!r.ok);
  CAF_CHECK_EQUAL(r.error, "no cgroup hierarchy serves the pids controller");
  // memory was written first, and put back.
  CAF_CHECK_EQUAL(r.written.size(), 1u);
  CAF_CHECK_EQUAL(contents(root, "cg/" + rel + "/memory.max"), "max");
}

CAF_TEST(a vanished cgroup fails naming the path and the system error) {
  temp_dir root;
  auto r = cgroup_limits{v2_layout(root), rel}.apply(limits(150, 512u << 20, 64));
  CAF_CHECK(!r.ok);
  CAF_CHECK_EQUAL(r.error, "cannot read " + root.file("cg/" + rel + "/memory.max")
                             + ": No such file or directory");
  CAF_CHECK(r.written.empty());
}

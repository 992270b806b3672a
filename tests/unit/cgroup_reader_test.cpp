// cgroup_reader (actors/collector/cgroup_reader.hpp) over fixture cgroup
// trees in a temporary directory: v2, v1, no PSI, a vanished cgroup, a
// corrupted file, and the OOM kill count of both versions.
#define CAF_SUITE cgroup_reader

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "actors/collector/cgroup_reader.hpp"
#include "tests/require.hpp"
#include "tests/temp_dir.hpp"

using namespace conductor;

namespace {

using test::temp_dir;

constexpr const char* rel = "conductor/web";

constexpr const char* pressure_text
  = "some avg10=1.50 avg60=0.75 avg300=0.25 total=123456\n"
    "full avg10=0.50 avg60=0.25 avg300=0.00 total=45678\n";

/// memory.events of a 6.x kernel: oom_kill between lines that share its
/// prefix (oom) and its stem (oom_group_kill).
constexpr const char* memory_events_text = "low 0\n"
                                           "high 12\n"
                                           "max 40\n"
                                           "oom 3\n"
                                           "oom_kill 2\n"
                                           "oom_group_kill 0\n";

/// memory.oom_control of a v1 kernel >= 4.13; oom_kill_disable comes first.
constexpr const char* oom_control_text = "oom_kill_disable 1\n"
                                         "under_oom 0\n"
                                         "oom_kill 5\n";

/// A pure v2 host: everything under <root>/cg.
cgroup_layout v2_layout(const temp_dir& root) {
  cgroup_layout l;
  auto mp = root.path() + "/cg";
  l.cpu = cgroup_place{cgroup_version::v2, mp};
  l.memory = cgroup_place{cgroup_version::v2, mp};
  l.pids = cgroup_place{cgroup_version::v2, mp};
  l.unified = mp;
  return l;
}

/// A v2 plugin cgroup with every file the reader wants.
void write_v2_cgroup(const temp_dir& root, bool with_pressure = true) {
  auto dir = std::string{"cg/"} + rel + "/";
  root.write(dir + "cpu.stat",
      "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n"
      "nr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
  root.write(dir + "memory.current", "73400320\n");
  root.write(dir + "memory.max", "max\n");
  root.write(dir + "memory.events", memory_events_text);
  root.write(dir + "pids.current", "7\n");
  root.write(dir + "pids.max", "100\n");
  if (with_pressure)
    root.write(dir + "memory.pressure", pressure_text);
}

/// This machine's shape: v1 controllers apart, a cgroup2 mount for PSI.
cgroup_layout v1_layout(const temp_dir& root) {
  cgroup_layout l;
  l.cpu = cgroup_place{cgroup_version::v1, root.path() + "/cpuacct"};
  l.memory = cgroup_place{cgroup_version::v1, root.path() + "/memory"};
  l.pids = cgroup_place{cgroup_version::v1, root.path() + "/pids"};
  l.unified = root.path() + "/unified";
  return l;
}

void write_v1_cgroup(const temp_dir& root) {
  auto r = std::string{rel};
  root.write("cpuacct/" + r + "/cpuacct.usage", "987654321\n");
  root.write("memory/" + r + "/memory.usage_in_bytes", "10485760\n");
  // LONG_MAX rounded down to a 4 KiB page: what v1 shows for "no limit".
  root.write("memory/" + r + "/memory.limit_in_bytes", "9223372036854771712\n");
  root.write("memory/" + r + "/memory.oom_control", oom_control_text);
  root.write("pids/" + r + "/pids.current", "3\n");
  root.write("pids/" + r + "/pids.max", "max\n");
  root.write("unified/" + r + "/memory.pressure", pressure_text);
}

bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

/// Checks the pressure_text values.
void check_pressure(const std::optional<psi_reading>& psi) {
  REQUIRE_OR_RETURN(psi);
  REQUIRE_OR_RETURN(psi->some);
  REQUIRE_OR_RETURN(psi->full);
  CAF_CHECK_EQUAL(psi->some->avg10, 1.5);
  CAF_CHECK_EQUAL(psi->some->avg60, 0.75);
  CAF_CHECK_EQUAL(psi->some->avg300, 0.25);
  CAF_CHECK_EQUAL(psi->some->total_us, 123456u);
  CAF_CHECK_EQUAL(psi->full->avg10, 0.5);
  CAF_CHECK_EQUAL(psi->full->total_us, 45678u);
}

/// optional<uint64_t> equal to `v`.
bool is(const std::optional<uint64_t>& x, uint64_t v) {
  return x && *x == v;
}

} // namespace

CAF_TEST(v2 cgroup) {
  temp_dir root;
  write_v2_cgroup(root);
  cgroup_reader reader{v2_layout(root), rel};
  CAF_CHECK_EQUAL(reader.relative_path(), rel);
  auto r = reader.read();
  CAF_CHECK(r.exists);
  CAF_CHECK(r.failed.empty());
  CAF_CHECK(is(r.cpu_ns, 2'500'000'000u));
  CAF_CHECK(is(r.memory_bytes, 73'400'320u));
  CAF_CHECK(!r.memory_limit_bytes);
  CAF_CHECK(is(r.pids, 7));
  CAF_CHECK(is(r.pids_limit, 100));
  CAF_CHECK(is(r.oom_kills, 2));
  check_pressure(r.memory_pressure);
  // A limit that is set is reported as is.
  root.write(std::string{"cg/"} + rel + "/memory.max", "536870912\n");
  auto limited = reader.read();
  CAF_CHECK(is(limited.memory_limit_bytes, 536'870'912u));
  CAF_CHECK(limited.failed.empty());
}

CAF_TEST(v1 cgroup) {
  temp_dir root;
  write_v1_cgroup(root);
  auto r = cgroup_reader{v1_layout(root), rel}.read();
  CAF_CHECK(r.exists);
  CAF_CHECK(r.failed.empty());
  CAF_CHECK(is(r.cpu_ns, 987'654'321u));
  CAF_CHECK(is(r.memory_bytes, 10'485'760u));
  CAF_CHECK(!r.memory_limit_bytes);
  CAF_CHECK(is(r.pids, 3));
  CAF_CHECK(!r.pids_limit);
  CAF_CHECK(is(r.oom_kills, 5));
  check_pressure(r.memory_pressure);
  // Just under 2^62 is still a limit; 2^62 itself is not.
  root.write(std::string{"memory/"} + rel + "/memory.limit_in_bytes", "4611686018427383808\n");
  CAF_CHECK(is(cgroup_reader{v1_layout(root), rel}.read().memory_limit_bytes,
               4'611'686'018'427'383'808u));
  root.write(std::string{"memory/"} + rel + "/memory.limit_in_bytes", "4611686018427387904\n");
  CAF_CHECK(!cgroup_reader{v1_layout(root), rel}.read().memory_limit_bytes);
}

CAF_TEST(v1 host whose plugin cgroup is missing in the unified mount) {
  temp_dir root;
  write_v1_cgroup(root);
  std::filesystem::remove_all(root.path() + "/unified/" + rel);
  auto r = cgroup_reader{v1_layout(root), rel}.read();
  CAF_CHECK(r.exists);
  CAF_CHECK(r.failed.empty());
  CAF_CHECK(is(r.memory_bytes, 10'485'760u));
  CAF_CHECK(!r.memory_pressure);
}

CAF_TEST(kernel without PSI has no memory pressure and no failure) {
  temp_dir root;
  write_v2_cgroup(root, false);
  auto r = cgroup_reader{v2_layout(root), rel}.read();
  CAF_CHECK(r.exists);
  CAF_CHECK(r.failed.empty());
  CAF_CHECK(!r.memory_pressure);
  CAF_CHECK(is(r.memory_bytes, 73'400'320u));
  CAF_CHECK(is(r.pids, 7));
}

CAF_TEST(vanished cgroup is no failure) {
  temp_dir root;
  write_v2_cgroup(root);
  std::filesystem::remove_all(root.path() + "/cg/" + rel);
  auto r = cgroup_reader{v2_layout(root), rel}.read();
  CAF_CHECK(!r.exists);
  CAF_CHECK(r.failed.empty());
  CAF_CHECK(!r.cpu_ns);
  CAF_CHECK(!r.memory_bytes);
  CAF_CHECK(!r.memory_limit_bytes);
  CAF_CHECK(!r.pids);
  CAF_CHECK(!r.pids_limit);
  CAF_CHECK(!r.memory_pressure);
  // The same on v1, with every hierarchy's directory gone.
  temp_dir v1_root;
  auto v1 = cgroup_reader{v1_layout(v1_root), rel}.read();
  CAF_CHECK(!v1.exists);
  CAF_CHECK(v1.failed.empty());
  // A layout with no hierarchy at all finds nothing either.
  auto none = cgroup_reader{cgroup_layout{}, rel}.read();
  CAF_CHECK(!none.exists);
  CAF_CHECK(none.failed.empty());
}

CAF_TEST(corrupted and missing files are failures and the rest is still read) {
  temp_dir root;
  write_v2_cgroup(root);
  auto dir = std::string{"cg/"} + rel + "/";
  root.write(dir + "memory.current", "12x34\n");
  root.write(dir + "pids.max", "\n");
  root.write(dir + "cpu.stat", "user_usec 5\n");
  root.write(dir + "memory.pressure", "nonsense\n");
  auto r = cgroup_reader{v2_layout(root), rel}.read();
  CAF_CHECK(r.exists);
  CAF_CHECK_EQUAL(r.failed.size(), 4u);
  CAF_CHECK(contains(r.failed, "cgroup:memory.current"));
  CAF_CHECK(contains(r.failed, "cgroup:pids.max"));
  CAF_CHECK(contains(r.failed, "cgroup:cpu.stat"));
  CAF_CHECK(contains(r.failed, "cgroup:memory.pressure"));
  CAF_CHECK(!r.memory_bytes);
  CAF_CHECK(!r.pids_limit);
  CAF_CHECK(!r.cpu_ns);
  CAF_CHECK(!r.memory_pressure);
  CAF_CHECK(!r.memory_limit_bytes);
  CAF_CHECK(is(r.pids, 7));

  // A file missing from a cgroup that exists is a failure too.
  temp_dir v1_root;
  write_v1_cgroup(v1_root);
  std::filesystem::remove(v1_root.path() + "/memory/" + rel + "/memory.usage_in_bytes");
  v1_root.write(std::string{"cpuacct/"} + rel + "/cpuacct.usage", "-5\n");
  auto v1 = cgroup_reader{v1_layout(v1_root), rel}.read();
  CAF_CHECK(v1.exists);
  CAF_CHECK_EQUAL(v1.failed,
                  (std::vector<std::string>{"cgroup:cpuacct.usage", "cgroup:memory.usage_in_bytes"}));
  CAF_CHECK(is(v1.pids, 3));
  CAF_CHECK(!v1.memory_limit_bytes);
}

CAF_TEST(oom kills are read from the kept file as they grow) {
  temp_dir root;
  write_v2_cgroup(root);
  cgroup_reader reader{v2_layout(root), rel};
  CAF_CHECK(is(reader.read().oom_kills, 2));
  // The same descriptor, read again: the count the kernel shows now.
  root.write(std::string{"cg/"} + rel + "/memory.events",
             "low 0\nhigh 0\nmax 0\noom 9\noom_kill 7\n");
  auto r = reader.read();
  CAF_CHECK(is(r.oom_kills, 7));
  CAF_CHECK(r.failed.empty());
  // Zero is a count like any other.
  root.write(std::string{"cg/"} + rel + "/memory.events", "oom 0\noom_kill 0");
  CAF_CHECK(is(reader.read().oom_kills, 0));
}

CAF_TEST(a v1 kernel before 4.13 has no oom kill count and no failure) {
  temp_dir root;
  write_v1_cgroup(root);
  root.write(std::string{"memory/"} + rel + "/memory.oom_control",
             "oom_kill_disable 0\nunder_oom 0\n");
  auto r = cgroup_reader{v1_layout(root), rel}.read();
  CAF_CHECK(r.exists);
  CAF_CHECK(r.failed.empty());
  // Unknown, not zero.
  CAF_CHECK(!r.oom_kills);
  CAF_CHECK(is(r.memory_bytes, 10'485'760u));
}

CAF_TEST(an unreadable oom kill count is absent and counted as a failure) {
  temp_dir root;
  write_v2_cgroup(root);
  auto dir = std::string{"cg/"} + rel + "/";
  root.write(dir + "memory.events", "oom 1\noom_kill lots\n");
  auto bad = cgroup_reader{v2_layout(root), rel}.read();
  CAF_CHECK(!bad.oom_kills);
  CAF_CHECK_EQUAL(bad.failed, std::vector<std::string>{"cgroup:memory.events"});
  std::filesystem::remove(root.path() + "/" + dir + "memory.events");
  auto missing = cgroup_reader{v2_layout(root), rel}.read();
  CAF_CHECK(!missing.oom_kills);
  CAF_CHECK_EQUAL(missing.failed, std::vector<std::string>{"cgroup:memory.events"});
  CAF_CHECK(is(missing.memory_bytes, 73'400'320u));
}

CAF_TEST(cgroup dir joins mount point and relative path) {
  cgroup_place p{cgroup_version::v1, "/sys/fs/cgroup/memory"};
  CAF_CHECK_EQUAL(cgroup_dir(p, "conductor/web"), "/sys/fs/cgroup/memory/conductor/web");
  CAF_CHECK_EQUAL(cgroup_dir(p, ""), "/sys/fs/cgroup/memory");
}

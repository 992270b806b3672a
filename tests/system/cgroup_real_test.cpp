// cgroup_reader and the collector's node_probe against a real child process
// in real cgroups this test creates on the host (memory, pids and CPU hierarchies, and the cgroup2 mount
// for PSI where there is one), up to an OOM kill in the cgroup on a host
// without swap. Needs root and writable cgroup mounts; skips
// with a printed reason otherwise. Everything it creates is removed by a scope
// guard, whatever check fails.
#define CAF_SUITE cgroup_real

#include <caf/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "actors/collector/cgroup_reader.hpp"
#include "actors/collector/node_probe.hpp"
#include "messages/metric_names.hpp"
#include "messages/series.hpp"
#include "tests/require.hpp"
#include "tests/system/child_process.hpp"
#include "tests/system/real_cgroups.hpp"

using namespace conductor;
using namespace conductor::test;

namespace {

std::string mib_text(uint64_t bytes) {
  return std::to_string(static_cast<double>(bytes) / mib) + " MiB";
}

} // namespace

CAF_TEST(a real child in a real cgroup) {
  if (::geteuid() != 0) {
    CAF_MESSAGE("skipped: not root (euid " << ::geteuid() << "), cannot create cgroups");
    return;
  }
  auto layout = detect_cgroup_layout("");
  CAF_MESSAGE("layout: " << layout.describe());
  if (!layout.memory || !layout.pids) {
    CAF_MESSAGE("skipped: no memory or pids hierarchy on this host");
    return;
  }
  for (auto* p : {&layout.memory, &layout.pids})
    if (::access((*p)->mount_point.c_str(), W_OK) != 0) {
      CAF_MESSAGE("skipped: " << (*p)->mount_point << " is not writable: "
                              << std::strerror(errno));
      return;
    }

  real_cgroups cg{layout, "conductor-test-" + std::to_string(::getpid())};
  if (!create_or_skip(cg))
    return;
  REQUIRE_EQUAL_OR_RETURN(cg.start_child(), "");
  REQUIRE_EQUAL_OR_RETURN(cg.move_child(), "");
  cgroup_reader reader{layout, cg.rel()};
  // What the collector reads each tick: the host and the plugin "plugin"
  // under the test's cgroup root, one tick before and one after the growth.
  auto root = cg.rel().substr(0, cg.rel().rfind('/'));
  node_probe probe{"/proc", {}, layout, root, {"plugin"}};
  auto plugin_sample = [&](std::chrono::nanoseconds now) -> std::optional<probe_reading> {
    for (auto& r : probe.read(now))
      if (r.source == "plugin")
        return r;
    return std::nullopt;
  };
  auto tick_before = plugin_sample(std::chrono::seconds(1));

  auto before = reader.read();
  CAF_CHECK(before.exists);
  CAF_CHECK_EQUAL(before.failed, std::vector<std::string>{});
  REQUIRE_OR_RETURN(before.pids);
  CAF_CHECK_EQUAL(*before.pids, 1u);
  REQUIRE_OR_RETURN(before.memory_bytes);
  CAF_CHECK(!before.pids_limit);
  CAF_CHECK(!before.memory_limit_bytes);
  if (layout.cpu)
    CAF_CHECK(before.cpu_ns);
  // Where the kernel has PSI the cgroup2 directory has memory.pressure.
  bool has_psi = layout.unified && exists(*layout.unified + "/" + cg.rel() + "/memory.pressure");
  if (has_psi)
    CAF_CHECK(before.memory_pressure);
  // Kernels since 4.13 count OOM kills in v1 too; none happened here yet.
  CAF_CHECK_EQUAL(before.oom_kills.value_or(99), 0u);
  CAF_MESSAGE("before: memory " << mib_text(*before.memory_bytes) << ", pids " << *before.pids
                                << ", cpu_ns " << before.cpu_ns.value_or(0) << ", psi "
                                << (before.memory_pressure ? "yes" : "no"));

  REQUIRE_OR_RETURN(cg.child_allocates());
  auto after = reader.read();
  CAF_CHECK(after.exists);
  CAF_CHECK_EQUAL(after.failed, std::vector<std::string>{});
  REQUIRE_OR_RETURN(after.memory_bytes);
  CAF_MESSAGE("after touching 64 MiB: memory " << mib_text(*after.memory_bytes) << ", cpu_ns "
                                               << after.cpu_ns.value_or(0));
  CAF_CHECK_GREATER_OR_EQUAL(*after.memory_bytes, *before.memory_bytes + 48 * mib);
  // The next collector tick reports the growth, as a headline value and as
  // the Prometheus series; CPU use is the delta over the tick, in cores.
  auto tick_after = plugin_sample(std::chrono::seconds(2));
  REQUIRE_OR_RETURN(tick_before && tick_after);
  auto grown = tick_after->values[metric_name::memory_bytes]
               - tick_before->values[metric_name::memory_bytes];
  CAF_MESSAGE("collector: memory grew by " << grown / mib << " MiB within one tick");
  CAF_CHECK_GREATER_OR_EQUAL(grown, 48.0 * mib);
  CAF_CHECK_EQUAL(tick_after->series[series_key(series::plugin_memory, {{"plugin", "plugin"}})],
                  tick_after->values[metric_name::memory_bytes]);
  CAF_CHECK_EQUAL(tick_after->values.count(metric_name::pids), 1u);
  if (layout.cpu)
    CAF_CHECK_GREATER_OR_EQUAL(tick_after->values[metric_name::cpu_cores], 0.0);
  if (layout.cpu) {
    CAF_CHECK(after.cpu_ns);
    CAF_CHECK_GREATER(after.cpu_ns.value_or(0), 0u);
  }

  auto dir_of = [&](const std::optional<cgroup_place>& p) { return cg.dir(p->mount_point); };
  CAF_CHECK_EQUAL(write_existing(dir_of(layout.pids) + "/pids.max", "50"), 0);
  auto limit_file = layout.memory->version == cgroup_version::v1 ? "/memory.limit_in_bytes"
                                                                 : "/memory.max";
  CAF_CHECK_EQUAL(write_existing(dir_of(layout.memory) + limit_file, std::to_string(512 * mib)), 0);
  auto limited = reader.read();
  CAF_CHECK_EQUAL(limited.failed, std::vector<std::string>{});
  CAF_CHECK_EQUAL(limited.pids_limit.value_or(0), 50u);
  CAF_CHECK_EQUAL(limited.memory_limit_bytes.value_or(0), 512 * mib);
  auto tick_limited = plugin_sample(std::chrono::seconds(3));
  REQUIRE_OR_RETURN(tick_limited);
  CAF_CHECK_EQUAL(tick_limited->values[metric_name::pids_percent], 2.0);
  CAF_CHECK_GREATER(tick_limited->values[metric_name::memory_percent], 9.0);
  CAF_CHECK_EQUAL(tick_limited->values[metric_name::oom_kills], 0.0);

  // A limit just above what the child holds, then 64 MiB more: the kernel
  // OOM-kills it inside the cgroup. With swap it could page out instead, so
  // this part needs a host without swap (/proc/swaps has its header only).
  auto swaps = read_file("/proc/swaps");
  if (std::count(swaps.begin(), swaps.end(), '\n') <= 1) {
    auto held = reader.read().memory_bytes.value_or(0);
    CAF_CHECK_EQUAL(write_existing(dir_of(layout.memory) + limit_file, std::to_string(held + 16 * mib)),
                    0);
    CAF_CHECK(!cg.child_allocates());
    auto killed = reader.read();
    CAF_CHECK_EQUAL(killed.failed, std::vector<std::string>{});
    CAF_CHECK_EQUAL(killed.oom_kills.value_or(0), 1u);
    auto tick_killed = plugin_sample(std::chrono::milliseconds(3500));
    REQUIRE_OR_RETURN(tick_killed);
    CAF_CHECK_EQUAL(tick_killed->values[metric_name::oom_kills], 1.0);
    CAF_CHECK_EQUAL(
      tick_killed->series[series_key(series::plugin_oom_kills, {{"plugin", "plugin"}})],
      1.0);
  } else {
    CAF_MESSAGE("OOM kill not provoked: the host has swap");
  }

  cg.kill_child();
  std::string rmdir_errors;
  CAF_CHECK(cg.remove_dirs(rmdir_errors));
  CAF_CHECK_EQUAL(rmdir_errors, "");
  auto gone = reader.read();
  CAF_CHECK(!gone.exists);
  CAF_CHECK_EQUAL(gone.failed, std::vector<std::string>{});
  CAF_CHECK(!gone.memory_bytes);
  CAF_CHECK(!gone.pids);
  // A stopped plugin is left out of the tick quietly.
  auto readings = probe.read(std::chrono::seconds(4));
  CAF_CHECK_EQUAL(readings.size(), 1u);
  CAF_CHECK_EQUAL(readings.front().source, "host");

  // The plugin restarts in a new cgroup of the same name: the reader keeps
  // its files open, so it must see the new cgroup (no limits, no tasks), not
  // fail on the removed one's descriptors.
  REQUIRE_OR_RETURN(create_or_skip(cg));
  auto again = reader.read();
  CAF_CHECK(again.exists);
  CAF_CHECK_EQUAL(again.failed, std::vector<std::string>{});
  CAF_CHECK_EQUAL(again.pids.value_or(99), 0u);
  CAF_CHECK(!again.pids_limit);
  CAF_CHECK(!again.memory_limit_bytes);
  CAF_CHECK_EQUAL(probe.read(std::chrono::seconds(5)).size(), 2u);
}

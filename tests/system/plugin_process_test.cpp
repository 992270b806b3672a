// plugin_process (actors/plugins/plugin_process.hpp) with real processes: the
// argv without a shell, environment, working directory and log; start
// failures that say why; and, as root, a plugin and what it starts placed in
// a real cgroup before they run and stopped together through their process
// group. Exits are awaited on the pidfd, never with a blind sleep.
#define CAF_SUITE plugin_process

#include <caf/test/unit_test.hpp>

#include <poll.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "actors/plugins/plugin_cgroup.hpp"
#include "actors/plugins/plugin_process.hpp"
#include "tests/require.hpp"
#include "tests/system/real_cgroups.hpp"
#include "tests/temp_dir.hpp"

using namespace conductor;
using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

/// Waits (at most 5 s) for the plugin to exit and reaps it; its status, or
/// "<still running>".
std::string wait_exit(const plugin_pid& p) {
  pollfd fd{p.pidfd, POLLIN, 0};
  ::poll(&fd, 1, 5000);
  std::string status;
  if (!reap_plugin(p.pid, status))
    return "<still running>";
  ::close(p.pidfd);
  return status;
}

std::string contents(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

CAF_TEST(a plugin runs its argv with its environment and directory and logs its output) {
  temp_dir dir;
  plugin_spawn req;
  req.argv = {"sh", "-c", "echo \"$GREETING from $(pwd)\"; echo oops >&2; exit 3"};
  req.env = {{"GREETING", "hello"}};
  req.working_dir = dir.path();
  req.log_file = dir.file("plugin.log");
  plugin_pid p;
  CAF_REQUIRE_EQUAL(spawn_plugin(req, p), "");
  CAF_CHECK_GREATER(p.pid, 0);
  CAF_CHECK_GREATER_OR_EQUAL(p.pidfd, 0);
  CAF_CHECK_EQUAL(wait_exit(p), "exit code 3");
  CAF_CHECK_EQUAL(contents(req.log_file), "hello from " + dir.path() + "\noops\n");
}

CAF_TEST(start failures say why and leave nothing running) {
  plugin_pid p;
  plugin_spawn missing;
  missing.argv = {"/no/such/program"};
  CAF_CHECK_EQUAL(spawn_plugin(missing, p), "command not found: \"/no/such/program\"");
  CAF_CHECK_EQUAL(p.pid, -1);
  plugin_spawn not_on_path;
  not_on_path.argv = {"no-such-program-on-path"};
  CAF_CHECK_EQUAL(spawn_plugin(not_on_path, p),
                  "command not found: \"no-such-program-on-path\"");
  plugin_spawn bad_dir;
  bad_dir.argv = {"true"};
  bad_dir.working_dir = "/no/such/dir";
  CAF_CHECK_EQUAL(spawn_plugin(bad_dir, p),
                  "cannot change to working directory /no/such/dir: No such file or directory");
  plugin_spawn bad_cgroup;
  bad_cgroup.argv = {"true"};
  bad_cgroup.cgroup_procs = {"/no/such/cgroup/cgroup.procs"};
  CAF_CHECK_EQUAL(spawn_plugin(bad_cgroup, p),
                  "cannot join cgroup /no/such/cgroup/cgroup.procs: No such file or directory");
  plugin_spawn empty;
  CAF_CHECK_EQUAL(spawn_plugin(empty, p), "empty command");
  // Every failed child was reaped: none is left as a zombie of this process.
  int status = 0;
  CAF_CHECK_EQUAL(::waitpid(-1, &status, WNOHANG), -1);
}

CAF_TEST(a plugin and what it starts run in its cgroup and stop together) {
  if (::geteuid() != 0) {
    CAF_MESSAGE("skipped: not root (euid " << ::geteuid() << "), cannot create cgroups");
    return;
  }
  auto layout = detect_cgroup_layout("");
  if (!layout.memory || ::access(layout.memory->mount_point.c_str(), W_OK) != 0) {
    CAF_MESSAGE("skipped: no writable memory hierarchy: " << layout.describe());
    return;
  }
  real_cgroups cg{layout, "conductor-spawn-test-" + std::to_string(::getpid())};
  if (!create_or_skip(cg))
    return;
  plugin_spawn req;
  req.argv = {"sh", "-c", "sleep 30 & sleep 30 & wait"};
  for (const auto& mp : cg.mounts())
    req.cgroup_procs.push_back(cg.dir(mp) + "/cgroup.procs");
  plugin_pid p;
  REQUIRE_EQUAL_OR_RETURN(spawn_plugin(req, p), "");
  // The shell and both sleeps, in the memory hierarchy's cgroup.
  auto procs = cg.dir(layout.memory->mount_point) + "/cgroup.procs";
  CAF_CHECK(eventually([&] { return words(read_file(procs)).size() == 3; }, 5s));
  CAF_CHECK_NOT_EQUAL(read_file("/proc/" + std::to_string(p.pid) + "/cgroup").find(cg.rel()),
                      std::string::npos);
  // One signal to the group stops all three.
  CAF_CHECK(signal_plugin(p.pid, SIGTERM));
  CAF_CHECK_EQUAL(wait_exit(p), "killed by signal 15 (TERM)");
  CAF_CHECK(eventually([&] { return words(read_file(procs)).empty(); }, 5s));
}

CAF_TEST(the plugin cgroup is made on this host and removed once empty) {
  if (::geteuid() != 0) {
    CAF_MESSAGE("skipped: not root (euid " << ::geteuid() << "), cannot create cgroups");
    return;
  }
  auto layout = detect_cgroup_layout("");
  auto mounts = plugin_cgroup_mounts(layout);
  for (const auto& mp : mounts)
    if (::access(mp.c_str(), W_OK) != 0) {
      CAF_MESSAGE("skipped: " << mp << " is not writable");
      return;
    }
  auto parent = "conductor-pcg-test-" + std::to_string(::getpid());
  auto rel = parent + "/plugin";
  // Whatever fails, nothing stays behind.
  struct cleanup {
    const cgroup_layout& layout;
    std::string rel;
    std::string parent;
    pid_t pid = -1;
    ~cleanup() {
      if (pid > 0 && signal_plugin(pid, SIGKILL)) {
        int status = 0;
        ::waitpid(pid, &status, 0);
      }
      remove_plugin_cgroup(layout, rel);
      remove_plugin_cgroup(layout, parent);
    }
  } guard{layout, rel, parent};
  REQUIRE_EQUAL_OR_RETURN(create_plugin_cgroup(layout, rel), "");
  plugin_spawn req;
  req.argv = {"sleep", "30"};
  req.cgroup_procs = plugin_cgroup_procs(layout, rel);
  plugin_pid p;
  REQUIRE_EQUAL_OR_RETURN(spawn_plugin(req, p), "");
  guard.pid = p.pid;
  // In every hierarchy: /proc/<pid>/cgroup has one line per hierarchy.
  auto lines = read_file("/proc/" + std::to_string(p.pid) + "/cgroup");
  size_t in_it = 0;
  for (size_t pos = 0; (pos = lines.find("/" + rel + "\n", pos)) != std::string::npos; ++pos)
    ++in_it;
  CAF_CHECK_EQUAL(in_it, mounts.size());
  // Not removable while the plugin runs; removable once it is gone.
  CAF_CHECK_NOT_EQUAL(remove_plugin_cgroup(layout, rel), "");
  CAF_CHECK(signal_plugin(p.pid, SIGKILL));
  CAF_CHECK_EQUAL(wait_exit(p), "killed by signal 9 (KILL)");
  guard.pid = -1;
  CAF_CHECK(eventually([&] { return remove_plugin_cgroup(layout, rel).empty(); }, 5s));
  CAF_CHECK(!exists(mounts.front() + "/" + rel));
}

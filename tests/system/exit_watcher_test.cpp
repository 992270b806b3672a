// exit_watcher (actors/plugins/exit_watcher.hpp) with real processes: exits
// reported with their status, in any order, a process that exited before it
// was watched, and a watcher destroyed while processes still run. Results
// are awaited on a condition variable, never with a blind sleep.
#define CAF_SUITE exit_watcher

#include <caf/test/unit_test.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "actors/plugins/exit_watcher.hpp"
#include "actors/plugins/plugin_process.hpp"
#include "tests/require.hpp"

using namespace conductor;
using namespace std::chrono_literals;

namespace {

/// Collects the watcher's reports for the test thread.
struct exits {
  std::mutex mutex;
  std::condition_variable cv;
  std::map<pid_t, std::string> seen;

  exit_watcher::callback callback() {
    return [this](pid_t pid, std::string status) {
      std::lock_guard<std::mutex> guard{mutex};
      seen[pid] = std::move(status);
      cv.notify_all();
    };
  }

  /// The status reported for `pid` (waiting up to 5 s), or "<none>".
  std::string of(pid_t pid) {
    std::unique_lock<std::mutex> lock{mutex};
    cv.wait_for(lock, 5s, [&] { return seen.count(pid) > 0; });
    auto i = seen.find(pid);
    return i == seen.end() ? "<none>" : i->second;
  }

  size_t count() {
    std::lock_guard<std::mutex> guard{mutex};
    return seen.size();
  }
};

plugin_pid start(std::vector<std::string> argv) {
  plugin_spawn req;
  req.argv = std::move(argv);
  plugin_pid p;
  auto err = spawn_plugin(req, p);
  CAF_REQUIRE_EQUAL(err, "");
  return p;
}

} // namespace

CAF_TEST(exits are reported with their status whatever their order) {
  exits e;
  exit_watcher w{e.callback()};
  auto slow = start({"sleep", "30"});
  auto quick = start({"sh", "-c", "exit 7"});
  w.watch(slow.pid, slow.pidfd);
  w.watch(quick.pid, quick.pidfd);
  CAF_CHECK_EQUAL(e.of(quick.pid), "exit code 7");
  CAF_CHECK(signal_plugin(slow.pid, SIGKILL));
  CAF_CHECK_EQUAL(e.of(slow.pid), "killed by signal 9 (KILL)");
  // Both were reaped by the watcher: no child of this process is left.
  int status = 0;
  CAF_CHECK_EQUAL(::waitpid(-1, &status, WNOHANG), -1);
}

CAF_TEST(a process that exited before it was watched is reported) {
  exits e;
  exit_watcher w{e.callback()};
  auto done = start({"true"});
  // Its pidfd is readable from the start.
  pollfd fd{done.pidfd, POLLIN, 0};
  CAF_REQUIRE_EQUAL(::poll(&fd, 1, 5000), 1);
  w.watch(done.pid, done.pidfd);
  CAF_CHECK_EQUAL(e.of(done.pid), "exit code 0");
}

CAF_TEST(a watcher destroyed while processes run returns and leaves them be) {
  exits e;
  auto alive = start({"sleep", "30"});
  {
    exit_watcher w{e.callback()};
    w.watch(alive.pid, alive.pidfd);
  }
  CAF_CHECK_EQUAL(e.count(), 0u);
  CAF_CHECK(signal_plugin(alive.pid, 0));
  signal_plugin(alive.pid, SIGKILL);
  int status = 0;
  CAF_CHECK_EQUAL(::waitpid(alive.pid, &status, 0), alive.pid);
}

// exec_check.hpp -- starting, killing, reaping and judging the command of an
// exec health check. The engine watches the returned descriptors with epoll;
// nothing here blocks except reap_now (used on shutdown only).
//
// The command runs without a shell, in a new process group (so a timeout
// kills everything it started), stdin from /dev/null, stdout and stderr into
// one pipe, signal mask and dispositions reset. The exit is learned through a
// pidfd (pidfd_open), never through SIGCHLD, so no signal handler is needed;
// SIGCHLD must not be set to SIG_IGN in the process (children would be reaped
// by the kernel and their exit codes lost), and nothing else in the process may
// wait for arbitrary children (waitpid(-1, ...)). No CAF.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace conductor::health {

/// The descriptors of a started check command; all close-on-exec.
struct spawned_process {
  pid_t pid = -1;
  /// Readable once the process has exited.
  int pidfd = -1;
  /// The read end of the stdout+stderr pipe, non-blocking.
  int output = -1;
};

/// Starts `argv` (argv[0] searched in PATH when it has no '/'). "" on
/// success, else the detail of the failed check, e.g.
/// `command not found: "/no/such"`; nothing is left running then.
std::string spawn_check_process(const std::vector<std::string>& argv, spawned_process& out);

/// Sends SIGKILL to the process group the check command leads. Call it only
/// before the leader is reaped: until then its pid and group id cannot be
/// reused by an unrelated process.
void kill_process_group(pid_t pid);

/// Reaps `pid` if it has exited (WNOHANG); true with the wait status when it was.
bool try_reap(pid_t pid, int& status);

/// Waits for `pidfd` to be readable for up to `limit_ms` and reaps `pid`;
/// false when it did not exit in time (shutdown only).
bool reap_within(pid_t pid, int pidfd, int limit_ms);

/// The verdict on a wait status: healthy on exit 0. Sets `exit_code` (-1 when
/// killed by a signal) and `detail`: "exit code 0", "exit code 3",
/// "killed by signal 9 (KILL)".
bool judge_exit(int status, int& exit_code, std::string& detail);

} // namespace conductor::health

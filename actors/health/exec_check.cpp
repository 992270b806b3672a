// exec_check.cpp -- see exec_check.hpp.
#include "actors/health/exec_check.hpp"

#include "actors/wait_status.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace conductor::health {

namespace {

/// pidfd_open(2) through syscall(): glibc's wrapper needs <sys/pidfd.h>
/// (2.36+); the syscall number is all Linux 5.3+ needs.
int open_pidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

std::string spawn_error(int error, const std::string& file) {
  auto quoted = "\"" + file + "\"";
  switch (error) {
    case ENOENT:
      return "command not found: " + quoted;
    case EACCES:
      return "permission denied: " + quoted;
    case ENOEXEC:
      return "not an executable: " + quoted;
    default:
      return "cannot run " + quoted + ": " + std::strerror(error);
  }
}

/// posix_spawn attributes and file actions, destroyed whatever happens.
struct spawn_setup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  spawn_setup() {
    ::posix_spawnattr_init(&attr);
    ::posix_spawn_file_actions_init(&actions);
  }
  ~spawn_setup() {
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
  }
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
};

} // namespace

std::string spawn_check_process(const std::vector<std::string>& argv, spawned_process& out) {
  out = spawned_process{};
  if (argv.empty() || argv.front().empty())
    return "empty command";
  int pipe_fds[2];
  // Close-on-exec for both ends; only the read end is non-blocking (the
  // flag belongs to the open file description, and the child's stdout must
  // block as usual).
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return std::string{"pipe: "} + std::strerror(errno);
  int read_end = pipe_fds[0];
  int write_end = pipe_fds[1];
  ::fcntl(read_end, F_SETFL, ::fcntl(read_end, F_GETFL) | O_NONBLOCK);
  spawn_setup s;
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK
                                        | POSIX_SPAWN_SETSIGDEF);
  ::posix_spawnattr_setpgroup(&s.attr, 0);
  ::posix_spawnattr_setsigmask(&s.attr, &none);
  ::posix_spawnattr_setsigdefault(&s.attr, &all);
  ::posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&s.actions, write_end, 1);
  ::posix_spawn_file_actions_adddup2(&s.actions, write_end, 2);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int error = ::posix_spawnp(&pid, args[0], &s.actions, &s.attr, args.data(), environ);
  ::close(write_end);
  if (error != 0) {
    // glibc reports a failed exec here and has already reaped the child.
    ::close(read_end);
    return spawn_error(error, argv.front());
  }
  int pidfd = open_pidfd(pid);
  if (pidfd < 0) {
    error = errno;
    kill_process_group(pid);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ::close(read_end);
    return std::string{"pidfd_open: "} + std::strerror(error);
  }
  out.pid = pid;
  out.pidfd = pidfd;
  out.output = read_end;
  return {};
}

void kill_process_group(pid_t pid) {
  if (pid > 0)
    ::kill(-pid, SIGKILL);
}

bool try_reap(pid_t pid, int& status) {
  for (;;) {
    auto r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return true;
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && errno == ECHILD) {
      // Reaped by someone else (SIGCHLD ignored, or a waitpid(-1)): the exit
      // code is lost.
      status = -1;
      return true;
    }
    return false;
  }
}

bool reap_within(pid_t pid, int pidfd, int limit_ms) {
  int status = 0;
  if (try_reap(pid, status))
    return true;
  pollfd p{pidfd, POLLIN, 0};
  while (::poll(&p, 1, limit_ms) < 0 && errno == EINTR) {
  }
  return try_reap(pid, status);
}

bool judge_exit(int status, int& exit_code, std::string& detail) {
  detail = describe_wait_status(status);
  exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return exit_code == 0;
}

} // namespace conductor::health

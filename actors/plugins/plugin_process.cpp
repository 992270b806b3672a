#include "actors/plugins/plugin_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "actors/wait_status.hpp"

extern char** environ;

namespace conductor {

namespace {

/// What the child reports through the error pipe before it _exits.
struct child_error {
  enum step_t : int32_t { cgroup, directory, output, exec } step;
  int32_t error;
  /// cgroup: which cgroup.procs file.
  int32_t index;
};

/// The program for argv[0]: as is with a '/', else the first executable of
/// that name on PATH (searched here, before the fork, not in the child).
std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos)
    return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t pos = 0;
  while (pos <= dirs.size()) {
    auto end = dirs.find(':', pos);
    if (end == std::string::npos)
      end = dirs.size();
    auto dir = dirs.substr(pos, end - pos);
    auto candidate = (dir.empty() ? std::string{"."} : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    pos = end + 1;
  }
  return name;
}

/// The node's environment with `env` added or replacing.
std::vector<std::string> environment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string entry{*e};
    auto key = entry.substr(0, entry.find('='));
    if (env.count(key) == 0)
      out.push_back(std::move(entry));
  }
  for (const auto& [key, value] : env)
    out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& xs) {
  std::vector<char*> out;
  out.reserve(xs.size() + 1);
  for (auto& x : xs)
    out.push_back(x.data());
  out.push_back(nullptr);
  return out;
}

/// Writes a pid in decimal without allocating (async-signal-safe).
size_t format_pid(pid_t pid, char* buf) {
  char digits[16];
  size_t n = 0;
  auto v = static_cast<unsigned long>(pid);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (size_t i = 0; i < n; ++i)
    buf[i] = digits[n - 1 - i];
  return n;
}

[[noreturn]] void child_fail(int pipe_fd, child_error::step_t step, int index) {
  child_error e{step, errno, index};
  [[maybe_unused]] auto n = ::write(pipe_fd, &e, sizeof(e));
  ::_exit(127);
}

/// The child between fork and exec: async-signal-safe calls only.
[[noreturn]] void run_child(int pipe_fd, const std::vector<const char*>& procs, const char* dir,
                            int log_fd, const char* program, char* const* argv,
                            char* const* envp) {
  ::setpgid(0, 0);
  // A clean slate: the node blocks its termination signals in every thread.
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  char pid_text[16];
  auto len = format_pid(::getpid(), pid_text);
  for (size_t i = 0; i < procs.size(); ++i) {
    int fd = ::open(procs[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, pid_text, len) != static_cast<ssize_t>(len))
      child_fail(pipe_fd, child_error::cgroup, static_cast<int>(i));
    ::close(fd);
  }
  if (dir && ::chdir(dir) != 0)
    child_fail(pipe_fd, child_error::directory, 0);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0 || ::dup2(null_fd, 0) < 0)
    child_fail(pipe_fd, child_error::output, 0);
  if (log_fd < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0)
    child_fail(pipe_fd, child_error::output, 0);
  ::execve(program, argv, envp);
  child_fail(pipe_fd, child_error::exec, 0);
}

std::string describe(const child_error& e, const plugin_spawn& request) {
  auto why = std::string{": "} + std::strerror(e.error);
  switch (e.step) {
    case child_error::cgroup:
      return "cannot join cgroup " + request.cgroup_procs.at(static_cast<size_t>(e.index)) + why;
    case child_error::directory:
      return "cannot change to working directory " + request.working_dir + why;
    case child_error::output:
      return "cannot set up stdin, stdout and stderr" + why;
    case child_error::exec:
      break;
  }
  auto quoted = "\"" + request.argv.front() + "\"";
  switch (e.error) {
    case ENOENT:
      return "command not found: " + quoted;
    case EACCES:
      return "permission denied: " + quoted;
    default:
      return "cannot run " + quoted + why;
  }
}

} // namespace

std::string spawn_plugin(const plugin_spawn& request, plugin_pid& out) {
  out = plugin_pid{};
  if (request.argv.empty() || request.argv.front().empty())
    return "empty command";
  // Everything the child needs, made before the fork.
  auto program = resolve_program(request.argv.front());
  auto args = request.argv;
  auto argv = pointers(args);
  auto env_strings = environment(request.env);
  auto envp = pointers(env_strings);
  std::vector<const char*> procs;
  for (const auto& p : request.cgroup_procs)
    procs.push_back(p.c_str());
  const char* dir = request.working_dir.empty() ? nullptr : request.working_dir.c_str();
  int log_fd = request.log_file.empty()
                 ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                 : ::open(request.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                          0600);
  if (log_fd < 0)
    return "cannot open " + (request.log_file.empty() ? std::string{"/dev/null"} : request.log_file)
           + ": " + std::strerror(errno);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(log_fd);
    return std::string{"pipe: "} + std::strerror(err);
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipe_fds[0]);
    run_child(pipe_fds[1], procs, dir, log_fd, program.c_str(), argv.data(), envp.data());
  }
  int fork_error = errno;
  ::close(pipe_fds[1]);
  ::close(log_fd);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    return std::string{"fork: "} + std::strerror(fork_error);
  }
  // EOF: the exec closed the pipe, the program runs. Data: why it did not.
  child_error e{};
  ssize_t n;
  while ((n = ::read(pipe_fds[0], &e, sizeof(e))) < 0 && errno == EINTR) {
  }
  ::close(pipe_fds[0]);
  if (n == static_cast<ssize_t>(sizeof(e))) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return describe(e, request);
  }
  out.pid = pid;
  out.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  return {};
}

bool signal_plugin(pid_t pid, int signo) {
  return pid > 0 && ::kill(-pid, signo) == 0;
}

bool reap_plugin(pid_t pid, std::string& status) {
  int raw = 0;
  for (;;) {
    auto r = ::waitpid(pid, &raw, WNOHANG);
    if (r == pid) {
      status = describe_wait_status(raw);
      return true;
    }
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && errno == ECHILD) {
      status = describe_wait_status(-1);
      return true;
    }
    return false;
  }
}

} // namespace conductor

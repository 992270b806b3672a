// process_check.cpp -- see process_check.hpp.
#include "actors/health/process_check.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace conductor::health {

namespace {

/// The state letter of /proc/<pid>/stat, '\0' when the file is unreadable
/// (`gone` tells whether because the process no longer exists).
char process_state(pid_t pid, bool& gone) {
  gone = false;
  char path[40];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    gone = errno == ENOENT || errno == ESRCH;
    return '\0';
  }
  char buf[512];
  auto n = ::read(fd, buf, sizeof(buf));
  int error = errno;
  ::close(fd);
  if (n <= 0) {
    gone = n < 0 && error == ESRCH;
    return '\0';
  }
  // "pid (comm) S ...": comm may hold spaces and ')', so use the last ')'.
  std::string_view text{buf, static_cast<size_t>(n)};
  auto close = text.rfind(')');
  if (close == std::string_view::npos || close + 2 >= text.size())
    return '\0';
  return text[close + 2];
}

} // namespace

bool check_process(pid_t pid, std::string& detail) {
  if (pid <= 0) {
    detail = "no pid";
    return false;
  }
  if (::kill(pid, 0) != 0 && errno != EPERM) {
    detail = errno == ESRCH ? "not running" : std::string{"kill: "} + std::strerror(errno);
    return false;
  }
  bool gone = false;
  char state = process_state(pid, gone);
  if (gone) {
    detail = "not running";
    return false;
  }
  if (state == 'Z') {
    detail = "zombie (exited, not reaped)";
    return false;
  }
  if (state == 'X' || state == 'x') {
    detail = "dead";
    return false;
  }
  detail = state ? std::string{"running (state "} + state + ")" : std::string{"running"};
  return true;
}

} // namespace conductor::health

#include "actors/wait_status.hpp"

#include <sys/wait.h>

#include <cstring>

namespace conductor {

std::string describe_wait_status(int status) {
  if (status == -1)
    return "exit status lost (reaped elsewhere)";
  if (WIFEXITED(status))
    return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    auto out = "killed by signal " + std::to_string(sig);
    if (auto* name = ::sigabbrev_np(sig))
      out.append(" (").append(name).append(")");
    return out;
  }
  return "ended with wait status " + std::to_string(status);
}

} // namespace conductor

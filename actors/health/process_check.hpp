// process_check.hpp -- whether a process (a plugin the node started) is alive.
// Answered at once from kill(pid, 0) and /proc/<pid>/stat; no CAF.
#pragma once

#include <sys/types.h>

#include <string>

namespace conductor::health {

/// Healthy when `pid` exists (kill(pid, 0) succeeds or fails with EPERM) and
/// is not a zombie. `detail`: "running (state S)", "not running", "zombie
/// (exited, not reaped)", "no pid".
bool check_process(pid_t pid, std::string& detail);

} // namespace conductor::health

// wait_status.hpp -- a child's wait status in words, as logs, health details
// and the audit show it. Shared by the health checks' exec and the plugin
// manager.
#pragma once

#include <string>

namespace conductor {

/// "exit code 0", "exit code 3", "killed by signal 9 (KILL)"; -1 (the
/// status was lost: reaped elsewhere) gives "exit status lost (reaped
/// elsewhere)".
std::string describe_wait_status(int status);

} // namespace conductor

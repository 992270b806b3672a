// plugin_process.hpp -- starting a plugin's process: its argv without a
// shell, in its own process group, in its cgroup in every hierarchy before it
// runs a single instruction of its own, with its environment and working
// directory; and signalling and reaping it.
//
// The child is forked and, before exec, writes its pid to each cgroup.procs
// file and changes directory: only async-signal-safe calls, everything else
// (the program's path, argv, the environment) is prepared before the fork.
// A failure in the child (a cgroup that refuses it, a missing directory, an
// exec error) comes back to the parent through a close-on-exec pipe, so the
// start fails with the reason instead of a plugin that exits at once. The
// exit is learned through a pidfd. No CAF.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace conductor {

struct plugin_spawn {
  std::vector<std::string> argv;
  /// Added to (or replacing in) the node's own environment.
  std::map<std::string, std::string> env;
  /// "" = the node's working directory.
  std::string working_dir;
  /// The cgroup.procs file of the plugin's cgroup in each hierarchy.
  std::vector<std::string> cgroup_procs;
  /// Where stdout and stderr go (appended); "" = /dev/null.
  std::string log_file;
};

struct plugin_pid {
  pid_t pid = -1;
  /// Readable once the process has exited.
  int pidfd = -1;
};

/// Starts the process. "" on success, else why not (nothing is left
/// running then), e.g. `command not found: "/no/such"` or
/// `cannot join cgroup /sys/fs/cgroup/memory/conductor/chat/cgroup.procs: No
/// such file or directory`.
std::string spawn_plugin(const plugin_spawn& request, plugin_pid& out);

/// Sends `signo` to the plugin's whole process group (what it started too).
/// False when there is no such group any more.
bool signal_plugin(pid_t pid, int signo);

/// Reaps the plugin if it has exited: true with a description of its end
/// ("exit code 0", "killed by signal 9 (KILL)").
bool reap_plugin(pid_t pid, std::string& status);

} // namespace conductor

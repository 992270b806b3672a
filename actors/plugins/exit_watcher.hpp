// exit_watcher.hpp -- learns when plugin processes exit, on one thread.
//
// The plugin manager's actor cannot block on its children. This thread waits
// on their pidfds with epoll, reaps each one that exits and reports it
// through a callback (the actor sends itself a message from there). A pidfd
// is watched from watch() until its process exits; the watcher never signals
// or kills anything. No CAF.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>

namespace conductor {

class exit_watcher {
public:
  /// Called on the watcher's thread, once per watched process, after it was
  /// reaped, with its status in words ("exit code 0", "killed by signal 9
  /// (KILL)"). Must be quick and must not throw.
  using callback = std::function<void(pid_t pid, std::string status)>;

  /// Starts the thread. Throws std::system_error when epoll, the eventfd or
  /// the thread cannot be made.
  explicit exit_watcher(callback on_exit);

  /// Stops the thread and closes the pidfds still watched; their processes
  /// are left as they are (the plugin manager stops them before this).
  ~exit_watcher();

  exit_watcher(const exit_watcher&) = delete;
  exit_watcher& operator=(const exit_watcher&) = delete;

  /// Watches `pid` through `pidfd`, which the watcher now owns. A process
  /// that already exited is reported at once. Thread-safe.
  void watch(pid_t pid, int pidfd);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace conductor

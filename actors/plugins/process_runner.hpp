// process_runner.hpp -- what the plugin manager's actor does to processes.
//
// In the node: plugin_process.hpp's spawn and signals, an exit_watcher that
// reaps, and drain URLs called off the actor's thread. Actor tests give the
// actor a recording runner instead and report exits themselves, so the actor
// runs on CAF's deterministic test scheduler without real processes (those
// have their own suites).
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>

#include "actors/plugins/exit_watcher.hpp"
#include "actors/plugins/plugin_process.hpp"

namespace conductor {

class process_runner {
public:
  virtual ~process_runner() = default;

  /// Starts the process: "" with `pid` set, or why not. Its exit is reported
  /// to the callback the factory was given.
  virtual std::string start(const plugin_spawn& request, pid_t& pid) = 0;

  /// Sends `signo` to the plugin's process group.
  virtual void signal(pid_t pid, int signo) = 0;

  /// Asks a plugin to drain through its URL (a POST), without waiting for
  /// the answer; failures are only logged: the grace period follows anyway.
  virtual void call_drain_url(const std::string& plugin, const std::string& url) = 0;
};

using process_runner_factory
  = std::function<std::unique_ptr<process_runner>(exit_watcher::callback on_exit)>;

/// The real one.
std::unique_ptr<process_runner> make_process_runner(exit_watcher::callback on_exit);

} // namespace conductor

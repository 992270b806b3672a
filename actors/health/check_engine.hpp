// check_engine.hpp -- runs health checks asynchronously on one I/O thread.
//
// The health actor submits checks and receives each result through a
// callback. One thread multiplexes every check with epoll over non-blocking
// sockets, pipes and pidfds, so a slow or hung target never delays another
// one and a thousand targets cost a thread, not a thousand. No CAF: the actor
// wraps it.
//
// Check kinds (config::check_spec::type):
//   http    GET spec.url (http:// only) as HTTP/1.1 with `Connection: close`;
//           healthy on 2xx (or a status in spec.expect_status) and, when
//           spec.expect_body is set, a body containing it (at most 64 KiB of
//           the body is read; chunked bodies are decoded).
//   tcp     connect to spec.address ("host:port", "[::1]:port").
//   exec    run spec.command (argv, no shell) in its own process group;
//           healthy on exit 0. At the timeout the group gets SIGKILL and the
//           leader is reaped before the result is reported. Output (stdout and
//           stderr) is kept up to 4096 bytes, the rest read and discarded.
//           Any process the command leaves in its group is killed when the
//           leader exits. See exec_check.hpp for the SIGCHLD requirement.
//   process request.pid is alive and not a zombie; answered at once.
// Hosts are IP literals or "localhost" (= 127.0.0.1): other names are not
// resolved (getaddrinfo would block the thread) and fail the check with a
// detail saying so.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/node_config.hpp"

namespace conductor::health {

/// One check to run once.
struct check_request {
  /// Chosen by the caller, returned in the result (e.g. a sequence number).
  uint64_t id = 0;
  /// The target's name, returned in the result.
  std::string target;
  config::check_spec spec;
  /// From submit to the verdict, connect and exec included; must be > 0.
  std::chrono::nanoseconds timeout{0};
  /// type process: the process to look at.
  pid_t pid = 0;
};

/// The verdict on one check_request.
struct check_result {
  uint64_t id = 0;
  std::string target;
  bool healthy = false;
  /// steady_clock time from submit() to the verdict.
  std::chrono::nanoseconds latency{0};
  /// Why it failed ("HTTP 500", "timeout after 2s", "connection refused",
  /// "exit code 3", "killed after timeout 1s", ...) or a short note on
  /// success ("HTTP 200", "connected", "exit code 0", "running (state S)").
  std::string detail;
  /// http: the status received, 0 if none.
  int http_status = 0;
  /// exec: the exit code, -1 if the command did not exit by itself.
  int exit_code = -1;
  /// exec: stdout and stderr interleaved, at most 4096 bytes.
  std::string output;
};

/// Captured exec output is cut at this many bytes.
constexpr size_t exec_output_limit = 4096;

class check_engine {
public:
  /// Receives every result exactly once, except for checks still in flight
  /// when the engine is destroyed (those are dropped). It runs ON THE ENGINE
  /// THREAD: it must be quick and must not block (an actor anon_sends the
  /// result and returns). It may call submit() and in_flight(); it must not
  /// destroy the engine. Exceptions it throws are caught and ignored.
  using callback = std::function<void(check_result)>;

  /// Starts the I/O thread. Throws std::system_error when epoll, the eventfd
  /// or the thread cannot be created.
  explicit check_engine(callback on_result);

  /// Stops the thread, SIGKILLs and reaps every running exec check (waiting
  /// at most about a second for them), closes every socket and drops the
  /// results of checks still in flight. Returns promptly even with hung
  /// targets.
  ~check_engine();

  check_engine(const check_engine&) = delete;
  check_engine& operator=(const check_engine&) = delete;

  /// Queues a check and wakes the engine. Thread-safe; never blocks on I/O
  /// (parsing, connecting and spawning happen on the engine thread). The
  /// latency and the timeout count from this call.
  void submit(check_request request);

  /// Checks submitted whose callback has not yet returned.
  size_t in_flight() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace conductor::health

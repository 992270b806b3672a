// check_runner.hpp -- what the health actor hands its checks to.
//
// In the node that is the check engine (real sockets, processes and pidfds on
// its own thread); actor tests give the actor a recording runner instead and
// answer its checks themselves, so the actor runs on CAF's deterministic test
// scheduler without real I/O.
#pragma once

#include <functional>
#include <memory>

#include "actors/health/check_engine.hpp"

namespace conductor::health {

class check_runner {
public:
  virtual ~check_runner() = default;

  /// Starts one check; its result goes to the callback given to the factory.
  virtual void submit(check_request request) = 0;
};

/// Makes a runner that delivers every result to `on_result` (from any thread).
using check_runner_factory
  = std::function<std::unique_ptr<check_runner>(check_engine::callback on_result)>;

/// The real runner: a check_engine.
std::unique_ptr<check_runner> make_engine_runner(check_engine::callback on_result);

} // namespace conductor::health

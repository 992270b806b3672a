// event_hub.hpp -- the node's events (decisions, cascade steps, breaker
// transitions, plugin state changes) handed from the actor that hears them
// to the threads that send them on: event streams (GET /api/events) and
// webhooks. Thread-safe; no CAF.
//
// Each subscriber has its own bounded queue: a slow reader loses its oldest
// events (and is told how many), never slows the node or the other readers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace conductor {

struct node_event {
  /// 1, 2, 3... in the order the hub heard them (the SSE id).
  uint64_t seq = 0;
  /// decision | cascade | emergency | scaler_suspended | breaker | plugin_state
  std::string kind;
  /// The event as a JSON object.
  std::string json;
};

class event_hub {
public:
  class subscription {
  public:
    /// Waits up to `timeout` for events; false once the hub is closed (the
    /// node stops). `dropped` counts events lost to a full queue since the
    /// last call.
    bool wait(std::chrono::milliseconds timeout, std::vector<node_event>& out, uint64_t& dropped);
    ~subscription();

  private:
    friend class event_hub;
    explicit subscription(event_hub& hub) : hub_(hub) {
    }
    event_hub& hub_;
    std::deque<node_event> queue_;
    uint64_t dropped_ = 0;
  };

  /// At most `max_subscribers` at once, each holding at most `queue_limit`
  /// events.
  explicit event_hub(size_t max_subscribers = 64, size_t queue_limit = 1000);

  /// Hands `json` (of `kind`) to every subscriber.
  void publish(std::string kind, std::string json);

  /// A new subscriber, or nullptr when there are max_subscribers already or
  /// the hub is closed. It must not outlive the hub.
  std::unique_ptr<subscription> subscribe();

  /// Ends every subscription's wait for good.
  void close();

  size_t subscribers() const;

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<subscription*> subs_;
  size_t max_subscribers_;
  size_t queue_limit_;
  uint64_t seq_ = 0;
  bool closed_ = false;
};

} // namespace conductor

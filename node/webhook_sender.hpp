// webhook_sender.hpp -- notify.webhooks: POSTs the node's events as JSON to
// each configured URL, those of the kinds it asked for, with its timeout and
// its retries (backoff 1 s, 2 s, 4 s... at most 30 s). One thread per
// webhook, each with its own subscription to the event hub: a slow or dead
// receiver delays only its own events, and loses only the oldest ones once
// its queue is full (logged with the count).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/node_config.hpp"
#include "node/event_hub.hpp"

namespace conductor {

class webhook_sender {
public:
  /// Starts one thread per usable webhook; a URL that cannot be used
  /// (https, a host name) is said in the log and skipped.
  webhook_sender(event_hub& hub, const std::vector<config::webhook_spec>& hooks,
                 std::string node_name);
  /// Stops the threads (an attempt under way ends at its timeout).
  ~webhook_sender();
  webhook_sender(const webhook_sender&) = delete;
  webhook_sender& operator=(const webhook_sender&) = delete;

  /// The webhooks being served.
  size_t active() const {
    return threads_.size();
  }

private:
  void run(config::webhook_spec hook, std::unique_ptr<event_hub::subscription> sub);
  /// POSTs `body` once; "" on a 2xx, else why not.
  static std::string post(const config::webhook_spec& hook, const std::string& body);
  /// Sleeps `d` unless stopped first; false when stopped.
  bool pause(std::chrono::milliseconds d);

  std::string node_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

} // namespace conductor

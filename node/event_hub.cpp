#include "node/event_hub.hpp"

#include <algorithm>

namespace conductor {

event_hub::event_hub(size_t max_subscribers, size_t queue_limit)
  : max_subscribers_(max_subscribers), queue_limit_(std::max<size_t>(1, queue_limit)) {
}

void event_hub::publish(std::string kind, std::string json) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return;
    node_event ev{++seq_, std::move(kind), std::move(json)};
    for (auto* s : subs_) {
      if (s->queue_.size() >= queue_limit_) {
        s->queue_.pop_front();
        ++s->dropped_;
      }
      s->queue_.push_back(ev);
    }
  }
  cv_.notify_all();
}

std::unique_ptr<event_hub::subscription> event_hub::subscribe() {
  std::lock_guard<std::mutex> guard{mtx_};
  if (closed_ || subs_.size() >= max_subscribers_)
    return nullptr;
  std::unique_ptr<subscription> s{new subscription(*this)};
  subs_.push_back(s.get());
  return s;
}

void event_hub::close() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
  }
  cv_.notify_all();
}

size_t event_hub::subscribers() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return subs_.size();
}

bool event_hub::subscription::wait(std::chrono::milliseconds timeout,
                                   std::vector<node_event>& out, uint64_t& dropped) {
  out.clear();
  std::unique_lock<std::mutex> lock{hub_.mtx_};
  hub_.cv_.wait_for(lock, timeout, [&] { return hub_.closed_ || !queue_.empty(); });
  if (hub_.closed_)
    return false;
  out.assign(queue_.begin(), queue_.end());
  queue_.clear();
  dropped = dropped_;
  dropped_ = 0;
  return true;
}

event_hub::subscription::~subscription() {
  std::lock_guard<std::mutex> guard{hub_.mtx_};
  auto& subs = hub_.subs_;
  subs.erase(std::remove(subs.begin(), subs.end(), this), subs.end());
}

} // namespace conductor

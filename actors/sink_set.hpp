// sink_set.hpp -- a publisher's list of typed subscribers.
//
// Publishers monitor each subscriber and drop it when it terminates, so a
// restarted actor never leaves a dead handle behind; subscribing twice is a
// no-op, so the supervisor can simply re-send every subscription after a restart.
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/send.hpp>

namespace conductor {

template <class Sink>
class sink_set {
public:
  /// Adds `sink`; returns false if it was already there.
  bool add(const Sink& sink) {
    if (!sink || std::find(sinks_.begin(), sinks_.end(), sink) != sinks_.end())
      return false;
    sinks_.push_back(sink);
    return true;
  }

  /// Drops every sink with this address (from a down handler).
  void remove(const caf::actor_addr& addr) {
    sinks_.erase(std::remove_if(sinks_.begin(), sinks_.end(),
                                [&](const Sink& s) { return s.address() == addr; }),
                 sinks_.end());
  }

  /// Sends `msg` to every sink, from `self`.
  template <class Self, class Message>
  void publish(Self* self, const Message& msg) const {
    for (const auto& s : sinks_)
      self->send(s, msg);
  }

  /// Sends `msg` to every sink but the one at `skip` (which has it already).
  template <class Self, class Message>
  void publish_except(Self* self, const Message& msg, const caf::actor_addr& skip) const {
    for (const auto& s : sinks_)
      if (s.address() != skip)
        self->send(s, msg);
  }

  size_t size() const {
    return sinks_.size();
  }

private:
  std::vector<Sink> sinks_;
};

} // namespace conductor

// sink_set.hpp -- a publisher's list of typed subscribers (and its one
// subscriber of a kind, single_sink).
//
// Publishers monitor each subscriber and drop it when it terminates, so a
// restarted actor never leaves a dead handle behind; subscribing twice is a
// no-op, so the supervisor can simply re-send every subscription after a restart.
#pragma once

#include <algorithm>
#include <optional>
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

/// One subscriber of a kind (the durable audit log): kept and monitored,
/// dropped when it terminates, replaced by a new one after a restart.
template <class Handle>
class single_sink {
public:
  /// Keeps `hdl`; returns false if it was the one kept already (then it is
  /// monitored already, too).
  template <class Self>
  bool set(Self* self, const Handle& hdl) {
    if (hdl_ && *hdl_ == hdl)
      return false;
    hdl_ = hdl;
    self->monitor(hdl);
    return true;
  }

  /// Forgets it if it has this address (from a down handler).
  void remove(const caf::actor_addr& addr) {
    if (hdl_ && hdl_->address() == addr)
      hdl_.reset();
  }

  explicit operator bool() const {
    return hdl_.has_value();
  }

  const Handle& operator*() const {
    return *hdl_;
  }

private:
  std::optional<Handle> hdl_;
};

} // namespace conductor

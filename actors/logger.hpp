// logger.hpp -- conductor's own small logger.
//
// Debian's CAF is built with its logging compiled out, so conductor logs for
// itself: one line per event on stderr, text or JSON (logging.format), with
// the name of the actor or component in every line. Thread-safe; the level
// check is one relaxed atomic load so a disabled line costs nothing else.
#pragma once

#include <functional>
#include <sstream>
#include <string>
#include <string_view>

#include "config/node_config.hpp"

namespace conductor::log {

using config::log_format;
using config::log_level;

/// Sets the level and format for every following line (start, SIGHUP).
void configure(log_level level, log_format format);

/// Whether a line at `level` would be written.
bool enabled(log_level level);

/// Replaces stderr as the destination (tests); an empty function restores it.
void set_sink(std::function<void(std::string_view)> sink);

/// Renders and writes one line.
void write(log_level level, std::string_view component, std::string_view message);

/// Collects one line with operator<< and writes it when destroyed.
class line {
public:
  line(log_level level, std::string_view component) : level_(level), component_(component) {
  }
  line(const line&) = delete;
  line& operator=(const line&) = delete;
  ~line() {
    write(level_, component_, out_.str());
  }
  template <class T>
  line& operator<<(const T& x) {
    out_ << x;
    return *this;
  }

private:
  log_level level_;
  std::string component_;
  std::ostringstream out_;
};

} // namespace conductor::log

/// CONDUCTOR_LOG(info, "collector") << "sampled " << n << " values";
/// The stream expression is not evaluated when the level is off. A one-pass
/// for loop rather than if/else, so the macro nests in an unbraced if.
#define CONDUCTOR_LOG(lvl, component)                                                         \
  for (bool conductor_log_once_ = ::conductor::log::enabled(::conductor::log::log_level::lvl); \
       conductor_log_once_; conductor_log_once_ = false)                                       \
  ::conductor::log::line(::conductor::log::log_level::lvl, component)

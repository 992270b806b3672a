// signal_fetcher.hpp -- fetches the plugins' own signals on its own thread.
//
// The collector's tick must never wait on a plugin's HTTP endpoint, so this
// thread ("plugin-signals") GETs every configured metrics URL once per
// collector interval, all at once with a timeout of min(interval / 2, 2 s),
// parses the bodies (plugin_signals.hpp) and keeps the latest values per
// plugin behind a mutex. The probe only takes what is there: values older
// than three intervals are dropped, so a dead endpoint does not pin stale
// values. http:// only, hosts as IP literals or localhost (no name lookup
// may block the round). No CAF: the collector's probe owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/collector/signal_board.hpp"
#include "messages/settings.hpp"

namespace conductor {

class signal_fetcher {
public:
  /// Starts the thread, which fetches at once and then every `interval`.
  /// Throws std::system_error when the eventfd or the thread cannot be made.
  signal_fetcher(const std::vector<plugin_signals_settings>& targets,
                 std::chrono::nanoseconds interval);

  /// Cancels a fetch in flight (the thread polls an eventfd with its sockets,
  /// so this does not wait for a slow plugin) and joins the thread.
  ~signal_fetcher();

  signal_fetcher(const signal_fetcher&) = delete;
  signal_fetcher& operator=(const signal_fetcher&) = delete;

  /// Replaces the targets and the interval; a fetch in flight is dropped and
  /// a new one starts at once. The values of a plugin that is gone, or whose
  /// URL or value names changed, are forgotten. Thread-safe.
  void configure(const std::vector<plugin_signals_settings>& targets,
                 std::chrono::nanoseconds interval);

  /// The plugin's fresh values (fetched within three intervals) and the
  /// fetches of it that failed since the previous take. Thread-safe, never
  /// waits for I/O.
  signal_board::taken take(const std::string& plugin);

  /// Fetch rounds completed (every target answered, failed or timed out),
  /// for tests that wait for the thread with a deadline.
  uint64_t rounds() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace conductor

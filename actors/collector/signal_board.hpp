// signal_board.hpp -- the latest signals of each plugin, and whether they are
// still fresh enough to report.
//
// The fetcher thread writes it after each fetch, the collector's probe reads
// it each tick; the fetcher guards it with its mutex. Plain logic with `now`
// as a parameter, so freshness is tested without a clock or a thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace conductor {

class signal_board {
public:
  /// What the probe gets for one plugin in one tick.
  struct taken {
    /// The values of the last successful fetch, if it is fresh; else none.
    std::map<std::string, double> values;
    /// Fetches that failed since the previous take.
    uint32_t failures = 0;
  };

  /// A fetch of `plugin` succeeded at monotonic time `now`: its values
  /// replace the previous ones whole, so a value the plugin stopped serving
  /// goes too.
  void put(const std::string& plugin, std::map<std::string, double> values,
           std::chrono::nanoseconds now);

  /// A fetch of `plugin` failed: counted for the next take. The last values
  /// stay until they are stale, so one slow answer leaves no gap.
  void fail(const std::string& plugin);

  /// The values of `plugin` fetched less than `max_age` before `now` and the
  /// failures counted since the previous take (reset by this call). Older
  /// values are dropped: a dead endpoint must not pin what it last said.
  taken take(const std::string& plugin, std::chrono::nanoseconds now,
             std::chrono::nanoseconds max_age);

  /// Forgets `plugin` (no longer configured, or its URL or names changed).
  void forget(const std::string& plugin);

private:
  struct entry {
    std::map<std::string, double> values;
    /// When `values` were fetched; meaningless while `values` is empty.
    std::chrono::nanoseconds at{};
    uint32_t failures = 0;
  };

  std::map<std::string, entry> entries_;
};

} // namespace conductor

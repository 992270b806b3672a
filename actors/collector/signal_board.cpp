#include "actors/collector/signal_board.hpp"

#include <limits>
#include <utility>

namespace conductor {

void signal_board::put(const std::string& plugin, std::map<std::string, double> values,
                       std::chrono::nanoseconds now) {
  auto& e = entries_[plugin];
  e.values = std::move(values);
  e.at = now;
}

void signal_board::fail(const std::string& plugin) {
  auto& e = entries_[plugin];
  // Saturates: a plugin nobody takes from (stopped, no sample) keeps failing.
  if (e.failures < std::numeric_limits<uint32_t>::max())
    ++e.failures;
}

signal_board::taken signal_board::take(const std::string& plugin, std::chrono::nanoseconds now,
                                       std::chrono::nanoseconds max_age) {
  taken out;
  auto i = entries_.find(plugin);
  if (i == entries_.end())
    return out;
  auto& e = i->second;
  out.failures = std::exchange(e.failures, 0);
  if (!e.values.empty()) {
    if (now - e.at < max_age)
      out.values = e.values;
    else
      e.values.clear();
  }
  return out;
}

void signal_board::forget(const std::string& plugin) {
  entries_.erase(plugin);
}

} // namespace conductor

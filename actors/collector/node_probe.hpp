// node_probe.hpp -- everything the collector reads in one tick: the host and
// every configured plugin's cgroup, with the plugin's own signals (fetched on
// the signal fetcher's thread, taken here without waiting).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/cgroup_layout.hpp"
#include "actors/collector/cgroup_reader.hpp"
#include "actors/collector/host_probe.hpp"
#include "actors/collector/signal_fetcher.hpp"

namespace conductor {

/// conductor_collector_errors_total{source} of a failed fetch of a plugin's signals.
constexpr const char* signals_source = "plugin_signals";

class node_probe final : public sample_probe {
public:
  /// Plugins are read at `<hierarchy>/<relative_root>/<name>`; without a
  /// layout (no cgroups found, or a cgroup_root outside them) only the host
  /// is read.
  node_probe(std::string proc_root, std::vector<std::string> filesystems,
             std::optional<cgroup_layout> layout, const std::string& relative_root,
             const std::vector<std::string>& plugins);

  /// The host's reading first, then one per plugin whose cgroup exists. A
  /// plugin without a cgroup (stopped, not started yet) is left out quietly,
  /// its signals and their failures with it.
  std::vector<probe_reading> read(std::chrono::nanoseconds now) override;

  /// Fetches the signals of `s.signals` whose plugin this probe samples, once
  /// per `s.interval`; the fetcher thread starts with the first and stops
  /// with the last. The probe factory calls it once after construction.
  void update(const collector_settings& s) override;

  /// The fetcher, while signals are configured (tests wait on its rounds).
  const signal_fetcher* signals() const {
    return signals_.get();
  }

private:
  struct plugin {
    std::string name;
    cgroup_reader reader;
    /// The previous CPU counter and when it was read: CPU use is a delta.
    std::optional<uint64_t> last_cpu_ns;
    std::chrono::nanoseconds last_cpu_at{};
  };

  std::optional<probe_reading> read_plugin(plugin& p, std::chrono::nanoseconds now);
  void add_signals(probe_reading& out, const signal_board::taken& signals) const;

  host_probe host_;
  std::vector<plugin> plugins_;
  /// Null without signals: no thread for a node whose plugins serve none.
  std::unique_ptr<signal_fetcher> signals_;
};

} // namespace conductor

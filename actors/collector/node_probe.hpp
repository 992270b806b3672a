// node_probe.hpp -- everything the collector reads in one tick: the host and
// every configured plugin's cgroup.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/cgroup_layout.hpp"
#include "actors/collector/cgroup_reader.hpp"
#include "actors/collector/host_probe.hpp"

namespace conductor {

class node_probe final : public sample_probe {
public:
  /// Plugins are read at `<hierarchy>/<relative_root>/<name>`; without a
  /// layout (no cgroups found, or a cgroup_root outside them) only the host
  /// is read.
  node_probe(std::string proc_root, std::vector<std::string> filesystems,
             std::optional<cgroup_layout> layout, const std::string& relative_root,
             const std::vector<std::string>& plugins);

  /// The host's reading first, then one per plugin whose cgroup exists. A
  /// plugin without a cgroup (stopped, not started yet) is left out quietly.
  std::vector<probe_reading> read(std::chrono::nanoseconds now) override;

private:
  struct plugin {
    std::string name;
    cgroup_reader reader;
    /// The previous CPU counter and when it was read: CPU use is a delta.
    std::optional<uint64_t> last_cpu_ns;
    std::chrono::nanoseconds last_cpu_at{};
  };

  std::optional<probe_reading> read_plugin(plugin& p, std::chrono::nanoseconds now);

  host_probe host_;
  std::vector<plugin> plugins_;
};

} // namespace conductor

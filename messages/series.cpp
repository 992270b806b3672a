#include "messages/series.hpp"

namespace conductor {

const std::vector<series_family>& series_catalog() {
  using namespace series;
  static const std::vector<series_family> catalog{
    {host_cpu_usage, "Share of all CPUs busy over the last collector interval.", false},
    {host_cpu_mode, "Share of a CPU's time in a mode over the last collector interval; "
                    "cpu=\"all\" is every CPU together.", false},
    {host_memory_total, "MemTotal of /proc/meminfo.", false},
    {host_memory_available, "MemAvailable of /proc/meminfo.", false},
    {host_memory_usage, "Share of memory in use: (MemTotal - MemAvailable) / MemTotal.", false},
    {host_swap_total, "SwapTotal of /proc/meminfo.", false},
    {host_swap_usage, "Share of swap in use; absent without swap.", false},
    {host_fs_size, "Size of a filesystem.", false},
    {host_fs_free, "Free bytes of a filesystem, root's reserve included.", false},
    {host_fs_avail, "Bytes of a filesystem available to unprivileged users.", false},
    {host_fs_usage, "Share of a filesystem's usable blocks in use, as df shows it.", false},
    {host_fs_inodes_usage, "Share of a filesystem's inodes in use.", false},
    {host_disk_read_rate, "Bytes read from a block device per second, last interval.", false},
    {host_disk_write_rate, "Bytes written to a block device per second, last interval.", false},
    {host_disk_busy, "Share of the last interval a block device spent doing I/O.", false},
    {host_disk_read_total, "Bytes read from a block device since boot.", true},
    {host_disk_write_total, "Bytes written to a block device since boot.", true},
    {host_disk_io_time_total, "Seconds a block device spent doing I/O since boot.", true},
    {host_load1, "Load average over 1 minute.", false},
    {host_load5, "Load average over 5 minutes.", false},
    {host_load15, "Load average over 15 minutes.", false},
    {host_pressure, "Pressure stall information: share of time tasks stalled on a resource "
                    "(some or full), averaged over a window.", false},
    {host_pressure_stalled, "Pressure stall information: seconds tasks stalled on a "
                            "resource since boot.", true},
    {process_cpu, "CPU time conductor itself has used (user and system).", true},
    {process_rss, "conductor's resident memory.", false},
    {plugin_cpu_usage, "CPU cores a plugin's cgroup used over the last interval.", false},
    {plugin_cpu_total, "CPU time a plugin's cgroup has used.", true},
    {plugin_memory, "Memory a plugin's cgroup uses.", false},
    {plugin_memory_limit, "A plugin's cgroup memory limit; absent when unlimited.", false},
    {plugin_memory_usage, "A plugin's memory over its limit; absent when unlimited.", false},
    {plugin_pids, "Tasks in a plugin's cgroup.", false},
    {plugin_pids_limit, "A plugin's cgroup task limit; absent when unlimited.", false},
    {plugin_oom_kills, "Tasks the kernel OOM-killed in a plugin's cgroup.", true},
    {plugin_signal, "A value a plugin serves itself at its metrics URL (plugins[].metrics).",
     false},
    {plugin_pressure, "Pressure stall information of a plugin's cgroup, as a share of time.",
     false},
    {plugin_pressure_stalled, "Seconds a plugin's tasks stalled on a resource.", true},
  };
  return catalog;
}

bool is_label_safe(std::string_view value) {
  for (char c : value)
    if (c == '"' || c == '\\' || c == '\n')
      return false;
  return true;
}

namespace {

template <class Labels>
std::string make_key(std::string_view family, const Labels& labels) {
  std::string out{family};
  if (labels.size() == 0)
    return out;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first)
      out += ',';
    first = false;
    out.append(name);
    out += "=\"";
    out.append(value);
    out += '"';
  }
  out += '}';
  return out;
}

} // namespace

std::string series_key(std::string_view family,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
  return make_key(family, labels);
}

std::string series_key(std::string_view family, const label_views& labels) {
  return make_key(family, labels);
}

std::optional<std::pair<std::string, series_labels>> parse_series_key(std::string_view key) {
  auto brace = key.find('{');
  std::pair<std::string, series_labels> out;
  out.first = std::string{key.substr(0, brace)};
  if (out.first.empty())
    return std::nullopt;
  if (brace == std::string_view::npos)
    return out;
  if (key.back() != '}')
    return std::nullopt;
  auto rest = key.substr(brace + 1, key.size() - brace - 2);
  while (!rest.empty()) {
    auto eq = rest.find("=\"");
    if (eq == std::string_view::npos || eq == 0)
      return std::nullopt;
    auto close = rest.find('"', eq + 2);
    if (close == std::string_view::npos)
      return std::nullopt;
    out.second.emplace_back(std::string{rest.substr(0, eq)},
                            std::string{rest.substr(eq + 2, close - eq - 2)});
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ',')
        return std::nullopt;
      rest.remove_prefix(1);
    }
  }
  return out;
}

} // namespace conductor

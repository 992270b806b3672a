#include "actors/collector/node_probe.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

#include "actors/logger.hpp"
#include "messages/metric_names.hpp"
#include "messages/series.hpp"

namespace conductor {

node_probe::node_probe(std::string proc_root, std::vector<std::string> filesystems,
                       std::optional<cgroup_layout> layout, const std::string& relative_root,
                       const std::vector<std::string>& plugins)
  : host_(std::move(proc_root), std::move(filesystems)) {
  if (!layout)
    return;
  for (const auto& name : plugins)
    if (is_label_safe(name))
      plugins_.push_back(plugin{name, cgroup_reader{*layout, relative_root + "/" + name}, {}, {}});
}

std::vector<probe_reading> node_probe::read(std::chrono::nanoseconds now) {
  std::vector<probe_reading> out;
  out.reserve(1 + plugins_.size());
  out.push_back(host_.read(now));
  for (auto& p : plugins_) {
    auto r = read_plugin(p, now);
    // Taken even without a reading, so the failures of a stopped plugin's
    // endpoint are cleared rather than reported when it is back.
    auto signals = signals_ ? signals_->take(p.name) : signal_board::taken{};
    if (!r)
      continue;
    add_signals(*r, signals);
    out.push_back(std::move(*r));
  }
  return out;
}

void node_probe::update(const collector_settings& s) {
  std::vector<plugin_signals_settings> targets;
  for (const auto& t : s.signals) {
    auto sampled = std::any_of(plugins_.begin(), plugins_.end(),
                               [&](const plugin& p) { return p.name == t.plugin; });
    if (!sampled)
      continue;
    plugin_signals_settings target{t.plugin, t.url, {}};
    for (const auto& name : t.values) {
      // Each name becomes a label value of its series.
      if (is_label_safe(name))
        target.values.push_back(name);
      else
        CONDUCTOR_LOG(warn, "collector") << t.plugin << ": signal \"" << name
                                         << "\" skipped: quotes, backslashes and newlines "
                                            "cannot be label values";
    }
    if (!target.values.empty())
      targets.push_back(std::move(target));
  }
  if (targets.empty()) {
    signals_.reset();
    return;
  }
  if (signals_) {
    signals_->configure(targets, s.interval);
    return;
  }
  try {
    signals_ = std::make_unique<signal_fetcher>(targets, s.interval);
  } catch (const std::exception& e) {
    // No thread, no signals; the cgroup samples go on without them.
    CONDUCTOR_LOG(error, "collector") << "plugin signals are not fetched: " << e.what();
  }
}

void node_probe::add_signals(probe_reading& out, const signal_board::taken& signals) const {
  for (uint32_t i = 0; i < signals.failures; ++i)
    out.failed.emplace_back(signals_source);
  for (const auto& [name, value] : signals.values) {
    // The values feed the predictor and the store, whose value column is
    // NOT NULL (SQLite keeps NaN as NULL): finite numbers only. /metrics
    // takes +Inf and NaN as the plugin served them.
    if (std::isfinite(value))
      out.values[metric_name::signal_prefix + name] = value;
    out.series[series_key(series::plugin_signal, {{"plugin", out.source}, {"name", name}})]
      = value;
  }
}

std::optional<probe_reading> node_probe::read_plugin(plugin& p, std::chrono::nanoseconds now) {
  auto c = p.reader.read();
  if (!c.exists) {
    // Stopped: forget the counter, so a restarted plugin's first tick is not
    // compared with its previous life.
    p.last_cpu_ns.reset();
    return std::nullopt;
  }
  probe_reading out;
  out.source = p.name;
  out.failed = std::move(c.failed);
  const auto& name = p.name;
  auto put = [&](const char* family, double value) {
    out.series[series_key(family, {{"plugin", name}})] = value;
  };
  if (c.cpu_ns) {
    put(series::plugin_cpu_total, static_cast<double>(*c.cpu_ns) / 1e9);
    if (p.last_cpu_ns && *c.cpu_ns >= *p.last_cpu_ns && now > p.last_cpu_at) {
      auto cores = static_cast<double>(*c.cpu_ns - *p.last_cpu_ns)
                   / static_cast<double>((now - p.last_cpu_at).count());
      out.values[metric_name::cpu_cores] = cores;
      put(series::plugin_cpu_usage, cores);
    }
    p.last_cpu_ns = c.cpu_ns;
    p.last_cpu_at = now;
  }
  if (c.memory_bytes) {
    auto bytes = static_cast<double>(*c.memory_bytes);
    out.values[metric_name::memory_bytes] = bytes;
    put(series::plugin_memory, bytes);
    if (c.memory_limit_bytes && *c.memory_limit_bytes > 0) {
      auto limit = static_cast<double>(*c.memory_limit_bytes);
      out.values[metric_name::memory_percent] = bytes / limit * 100.0;
      put(series::plugin_memory_limit, limit);
      put(series::plugin_memory_usage, bytes / limit);
    }
  }
  if (c.oom_kills) {
    out.values[metric_name::oom_kills] = static_cast<double>(*c.oom_kills);
    put(series::plugin_oom_kills, static_cast<double>(*c.oom_kills));
  }
  if (c.pids) {
    auto pids = static_cast<double>(*c.pids);
    out.values[metric_name::pids] = pids;
    put(series::plugin_pids, pids);
    if (c.pids_limit && *c.pids_limit > 0) {
      out.values[metric_name::pids_percent] = pids / static_cast<double>(*c.pids_limit) * 100.0;
      put(series::plugin_pids_limit, static_cast<double>(*c.pids_limit));
    }
  }
  if (c.memory_pressure) {
    if (c.memory_pressure->some) {
      out.values[metric_name::memory_pressure_percent] = c.memory_pressure->some->avg10;
      put_pressure(out, series::plugin_pressure, series::plugin_pressure_stalled, name,
                   "memory", "some", *c.memory_pressure->some);
    }
    if (c.memory_pressure->full)
      put_pressure(out, series::plugin_pressure, series::plugin_pressure_stalled, name,
                   "memory", "full", *c.memory_pressure->full);
  }
  return out;
}

} // namespace conductor

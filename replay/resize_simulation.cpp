#include "replay/resize_simulation.hpp"

#include <cmath>

#include "actors/predictor/prediction_settings.hpp"
#include "messages/metric_names.hpp"
#include "messages/settings.hpp"
#include "replay/virtual_node.hpp"

namespace conductor::replay {

namespace {

constexpr const char* plugin_name = "trace";

} // namespace

bool simulate_resizing(const trace& t, const simulation_options& o,
                       std::vector<simulated_row>& out, std::string& error) {
  if (!(o.capacity > 0) || !std::isfinite(o.capacity)) {
    error = "the capacity must be a positive number";
    return false;
  }
  if (t.out_of_order > 0) {
    error = "line " + std::to_string(t.first_out_of_order_line)
            + ": the timestamp does not come after the previous row's; a simulation needs the "
              "rows in time order";
    return false;
  }
  bool cpu = o.resource == simulated_resource::cpu;
  auto settings = make_settings(o.config);
  auto& scaler = settings.scaler;
  plugin_settings p;
  p.name = plugin_name;
  if (cpu) {
    // cpu_quota is in percent of one core.
    p.cpu_quota = o.capacity * 100;
    p.min_limits.cpu_quota = o.min_limit > 0 ? o.min_limit * 100 : 0.1;
    p.max_limits.cpu_quota = p.cpu_quota;
    scaler.host_cores = o.capacity + scaler.reserve_cpu_cores;
    scaler.host_memory = 0;
  } else {
    p.memory_max = static_cast<uint64_t>(o.capacity);
    p.min_limits.memory_max = o.min_limit > 0 ? static_cast<uint64_t>(o.min_limit) : 1u << 20;
    p.max_limits.memory_max = p.memory_max;
    scaler.host_cores = 0;
    scaler.host_memory = p.memory_max + scaler.reserve_memory;
  }
  if (p.min_limits.cpu_quota > p.max_limits.cpu_quota
      || p.min_limits.memory_max > p.max_limits.memory_max) {
    error = "the lower bound is above the capacity";
    return false;
  }
  scaler.plugins = {p};
  // One service alone: nothing for the cascade to trade it against, so the
  // host's pressure is put out of reach (a share never passes 100 %, nor do
  // forecasts of one) and the resizing loop is what is simulated.
  scaler.degrade_cpu = scaler.degrade_memory = scaler.emergency_memory = 101;
  // The host's forecasts in the trace's own steps, as conductor-replay's
  // prediction mode makes them.
  auto predictor = settings.predictor;
  if (auto spacing = median_spacing(t); spacing > 0)
    predictor.step = std::chrono::nanoseconds(static_cast<int64_t>(std::llround(spacing * 1e9)));
  virtual_node node{scaler, make_prediction_params(predictor), effective_step(predictor)};

  out.clear();
  out.reserve(t.rows.size());
  const double host_size = cpu ? scaler.host_cores : static_cast<double>(scaler.host_memory);
  for (const auto& row : t.rows) {
    simulated_row r;
    r.demand = cpu ? std::max(row.value, 0.0) / 100 * o.capacity : std::max(row.value, 0.0);
    auto limits = node.limits(plugin_name);
    r.limit = cpu ? limits.cpu_quota / 100 : static_cast<double>(limits.memory_max);
    // The host sees what the limit lets through; the plugin's sample is its
    // demand, as the trace recorded it unlimited (a throttled cgroup would
    // report its limit: the trace tells more than the node would see).
    timed_sample host{row.seconds, "host", {}};
    host.values[cpu ? metric_name::cpu_percent : metric_name::memory_percent]
      = 100 * std::min(r.demand, r.limit) / host_size;
    timed_sample plugin{row.seconds, plugin_name, {}};
    plugin.values[cpu ? metric_name::cpu_cores : metric_name::memory_bytes] = r.demand;
    node.take(host);
    node.take(plugin);
    r.decisions = node.evaluate_due();
    out.push_back(std::move(r));
  }
  return true;
}

} // namespace conductor::replay

#include "actors/scaler/preflight.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <utility>

namespace conductor {

namespace {

constexpr double mib = 1024.0 * 1024;

/// `x` with at most `decimals` decimals and no trailing zeros: 3072, 1.5, 0.25.
std::string trimmed(double x, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  std::string out = buf;
  if (out.find('.') != std::string::npos) {
    out.erase(out.find_last_not_of('0') + 1);
    if (out.back() == '.')
      out.pop_back();
  }
  return out == "-0" ? "0" : out;
}

std::string show_mib(double bytes) {
  return trimmed(bytes / mib, 1) + " MiB";
}

std::string show_cores(double cores) {
  auto text = trimmed(cores, 2);
  return text + (text == "1" ? " core" : " cores");
}

std::string show_percent(double percent) {
  return trimmed(percent, 1) + "%";
}

/// One resource of the host as the pre-flight sees it, in its unit (cores or bytes).
struct resource_view {
  /// "cpu" or "memory", for the reason.
  const char* name = "";
  double total = 0;
  double measured = 0;
  /// The percent decided on: the measurement or a trusted forecast above it.
  double level = 0;
  bool forecast = false;
  double degrade = 0;
  double reserve = 0;
  double free = 0;
  /// Whether the reserve, rather than the degrade threshold, bounds `free`.
  bool by_reserve = false;
  std::string (*show)(double) = nullptr;

  /// E.g. `3072 MiB free below the 80% degrade threshold with memory at 60% of 16384 MiB`.
  std::string free_phrase() const {
    auto out = show(free) + " free ";
    if (by_reserve)
      out += "after the " + show(reserve) + " reserve";
    else
      out += "below the " + show_percent(degrade) + " degrade threshold";
    out += std::string{" with "} + name;
    if (forecast)
      out += " forecast to reach " + show_percent(level) + " of " + show(total) + ", now "
             + show_percent(measured);
    else
      out += " at " + show_percent(level) + " of " + show(total);
    return out;
  }
};

resource_view view(const char* name, double total, double measured,
                   const std::optional<preflight_forecast>& forecast, double min_confidence,
                   double degrade, double reserve, std::string (*show)(double)) {
  resource_view r;
  r.name = name;
  r.total = total;
  r.measured = measured;
  r.level = measured;
  if (forecast && forecast->confidence >= min_confidence && forecast->upper > measured) {
    r.level = forecast->upper;
    r.forecast = true;
  }
  r.degrade = degrade;
  r.reserve = reserve;
  r.show = show;
  auto used = total * r.level / 100;
  auto after_reserve = total - used - reserve;
  auto below_degrade = total * degrade / 100 - used;
  r.by_reserve = after_reserve < below_degrade;
  r.free = std::max(0.0, std::min(after_reserve, below_degrade));
  return r;
}

/// What one variant needs: its own limits where it states them, else the request's.
bool fits(const preflight_variant& v, const preflight_request& request, uint64_t free_memory,
          double free_cores) {
  auto memory = v.memory_max > 0 ? v.memory_max : request.memory_bytes;
  auto cores = v.cpu_quota > 0 ? v.cpu_quota / 100 : request.cpu_cores;
  return memory <= free_memory && cores <= free_cores;
}

} // namespace

preflight_answer preflight(const preflight_request& request, const preflight_host& host,
                           const std::vector<preflight_variant>& variants) {
  auto memory = view("memory", static_cast<double>(host.memory_total), host.memory_percent,
                     host.memory_forecast, host.min_confidence, host.degrade_memory,
                     static_cast<double>(host.reserve_memory), show_mib);
  // Whole bytes, so that the decision agrees with the free figure the answer reports.
  memory.free = std::floor(memory.free);
  auto cpu = view("cpu", host.cores, host.cpu_percent, host.cpu_forecast, host.min_confidence,
                  host.degrade_cpu, host.reserve_cpu_cores, show_cores);
  preflight_answer out;
  out.free_memory_bytes = static_cast<uint64_t>(memory.free);
  out.free_cpu_cores = cpu.free;
  const std::pair<const resource_view*, double> needs[] = {
    {&memory, static_cast<double>(request.memory_bytes)}, {&cpu, request.cpu_cores}};
  out.allow = std::all_of(std::begin(needs), std::end(needs),
                          [](const auto& x) { return x.second <= x.first->free; });
  for (const auto& v : variants) {
    if (fits(v, request, out.free_memory_bytes, out.free_cpu_cores)) {
      out.recommended_variant = v.name;
      break;
    }
  }
  if (out.allow) {
    out.reason = "fits: needs " + show_mib(needs[0].second) + " and "
                 + show_cores(needs[1].second) + "; " + memory.free_phrase() + ", "
                 + cpu.free_phrase();
  } else {
    out.reason = "does not fit:";
    auto separator = " ";
    for (auto [r, need] : needs) {
      if (need <= r->free)
        continue;
      out.reason += separator + std::string{r->name} + " short by " + r->show(need - r->free)
                    + " (needs " + r->show(need) + "; " + r->free_phrase() + ")";
      separator = " and ";
    }
  }
  auto plugin = request.plugin.empty() ? std::string{"the plugin"} : "plugin " + request.plugin;
  if (!out.recommended_variant.empty())
    out.reason += out.allow ? "; the largest variant that fits is " + out.recommended_variant
                            : "; variant " + out.recommended_variant + " would fit";
  else if (!variants.empty())
    out.reason += "; no variant of " + plugin + " fits";
  else if (!out.allow && !request.plugin.empty())
    out.reason += "; " + plugin + " has no variants";
  return out;
}

} // namespace conductor

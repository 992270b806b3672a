// scaler_cost.cpp -- drives conductor's scaler_engine through K evaluations
// with N plugins, or the same loop without the evaluations (the floor).
// bench/scaler_cost.sh runs both under callgrind and divides the difference
// by K; see bench/README.md.
//
//   scaler_cost full  [N [K]]   K x (feed 1 host + N plugin samples, evaluate)
//   scaler_cost floor [N [K]]   K x (feed the same samples), no evaluate()
//
// N plugins (default 20), each with memory_max, cpu_quota and tasks_max
// limits and min/max bounds; every 4th has two variants. All are reported
// running once, before the loop. Every iteration builds and feeds one host
// resource_sample (cpu_percent 30-59, memory_percent 40-69: calm, below the
// degrade thresholds 90/80) and one sample per plugin (memory_bytes,
// cpu_cores, pids, varying deterministically), then, in full mode,
// engine.evaluate(now) with `now` 30 s further on each time. A resize the
// engine decides is answered at once with its outcome "applied", as the plugin
// manager would (else unanswered steps time out and suspend the scaler); that
// is part of the full mode's cost.
//
// Prints one line at the end: "<mode> plugins=N evaluations=K decisions=D
// mode_after=M". The loop is run_loop(), not inlined, so that callgrind can
// count it alone (--toggle-collect): building the engine is left out.
#include <chrono>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "actors/scaler/scaler_engine.hpp"
#include "config/node_config.hpp"
#include "messages/metric_names.hpp"

using namespace std::chrono_literals;

namespace {

// Results are folded into this so the compiler cannot drop any of the work.
volatile uint64_t sink = 0;

conductor::scaler_settings make_settings(long n) {
  // The defaults of an empty config, with what depends on the host pinned so
  // every machine measures the same decisions.
  auto s = conductor::make_settings(conductor::config::node_config{}).scaler;
  s.degrade_cpu = 90;
  s.degrade_memory = 80;
  s.restore_cpu = 65;
  s.restore_memory = 65;
  s.emergency_memory = 95;
  s.stabilization = 1min;
  s.reserve_cpu_cores = 1;
  s.reserve_memory = 2ull << 30;
  s.host_cores = 8;
  s.host_memory = 32ull << 30;
  s.tier = "medium";
  for (long i = 0; i < n; ++i) {
    conductor::plugin_settings p;
    p.name = "plugin-" + std::to_string(i);
    p.priority = static_cast<int32_t>(i % 10);
    p.command = {"/bin/" + p.name};
    p.cpu_quota = 100;
    p.memory_max = 512ull << 20;
    p.tasks_max = 256;
    p.min_limits = {25, 128ull << 20, 64};
    p.max_limits = {400, 4ull << 30, 1024};
    if (i % 4 == 3)
      p.variants = {{"large", {}, {0, 1ull << 30, 0}}, {"small", {}, {0, 256ull << 20, 0}}};
    s.plugins.push_back(std::move(p));
  }
  return s;
}

// The samples of iteration i, fed to the engine.
void feed(conductor::scaler_engine& engine, const std::vector<std::string>& names, long i,
          std::chrono::nanoseconds now) {
  namespace mn = conductor::metric_name;
  conductor::resource_sample host;
  host.source = "host";
  host.mono = now;
  host.values = {{mn::cpu_percent, 30.0 + static_cast<double>((i * 7) % 30)},
                 {mn::memory_percent, 40.0 + static_cast<double>((i * 3) % 30)}};
  engine.observe(host);
  for (size_t j = 0; j < names.size(); ++j) {
    const long k = i + static_cast<long>(j) * 5;
    conductor::resource_sample s;
    s.source = names[j];
    s.mono = now;
    s.values = {{mn::memory_bytes, static_cast<double>((200ull + (k * 13) % 250) << 20)},
                {mn::cpu_cores, 0.2 + static_cast<double>((k * 11) % 70) / 100},
                {mn::pids, static_cast<double>(20 + (k * 3) % 120)}};
    engine.observe(s);
  }
}

__attribute__((noinline)) uint64_t run_loop(conductor::scaler_engine& engine,
                                            const std::vector<std::string>& names, long k,
                                            bool full) {
  uint64_t decisions = 0;
  for (long i = 0; i < k; ++i) {
    const std::chrono::nanoseconds now = std::chrono::seconds{30 * (i + 1)};
    feed(engine, names, i, now);
    if (!full)
      continue;
    auto out = engine.evaluate(now);
    decisions += out.size();
    for (const auto& d : out)
      if (d.status == "decided" && !d.target.empty()) {
        auto applied = d;
        applied.status = "applied";
        decisions += engine.outcome(applied, now).size();
      }
    sink = sink + engine.explanation().size();
  }
  return decisions;
}

int usage() {
  std::fprintf(stderr, "usage: scaler_cost full|floor [N [K]]\n");
  return 2;
}

bool parse_count(const char* text, long min, long& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtol(text, &end, 10);
  return errno == 0 && end != text && *end == '\0' && out >= min;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4)
    return usage();
  const std::string mode = argv[1];
  long n = 20;
  long k = 10000;
  if ((mode != "full" && mode != "floor") || (argc > 2 && !parse_count(argv[2], 1, n))
      || (argc > 3 && !parse_count(argv[3], 1, k)))
    return usage();

  auto settings = make_settings(n);
  std::vector<std::string> names;
  for (const auto& p : settings.plugins)
    names.push_back(p.name);
  conductor::scaler_engine engine{settings};
  for (const auto& p : settings.plugins)
    engine.observe(conductor::plugin_event{p.name, "running", 100, "started", {},
                                           p.variants.empty() ? "" : p.variants[0].name});

  const uint64_t decisions = run_loop(engine, names, k, mode == "full");
  std::printf("%s plugins=%ld evaluations=%ld decisions=%llu mode_after=%s\n", mode.c_str(), n,
              k, static_cast<unsigned long long>(decisions), engine.mode().c_str());
  return 0;
}

// actor_fixture.hpp -- what the deterministic actor suites share: a test
// coordinator with conductor's types, a metrics hub, a scripted probe and a
// recording sink.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/test/dsl.hpp>

#include "actors/collector/collector_actor.hpp"
#include "actors/health/check_runner.hpp"
#include "actors/plugins/process_runner.hpp"
#include "actors/interfaces.hpp"
#include "actors/metric_families.hpp"

namespace conductor::test {

using namespace std::chrono_literals;

struct test_config : caf::actor_system_config {
  test_config() {
    register_types(*this);
  }
};

/// A probe that plays back readings in order and then repeats the last one:
/// the one fake in these suites, standing in for /proc.
class scripted_probe final : public sample_probe {
public:
  explicit scripted_probe(std::shared_ptr<std::deque<probe_reading>> script)
    : script_(std::move(script)) {
  }
  std::vector<probe_reading> read(std::chrono::nanoseconds) override {
    if (script_->size() > 1) {
      auto r = script_->front();
      script_->pop_front();
      return {r};
    }
    return {script_->empty() ? probe_reading{} : script_->front()};
  }

private:
  std::shared_ptr<std::deque<probe_reading>> script_;
};

/// A probe factory over a shared script, so a test can append readings while
/// the collector runs (and a restarted collector continues the same script).
inline probe_factory scripted(std::shared_ptr<std::deque<probe_reading>> script) {
  return [script](const collector_settings&) -> std::unique_ptr<sample_probe> {
    return std::make_unique<scripted_probe>(script);
  };
}

/// The scaler's settings as an empty config gives them, with what depends on
/// the host (the tier's thresholds, reserves, the host's size) pinned so the
/// suites decide the same on every machine.
inline scaler_settings pinned_scaler_settings() {
  auto s = make_settings(config::node_config{}).scaler;
  s.degrade_cpu = 90;
  s.degrade_memory = 80;
  s.restore_cpu = 65;
  s.restore_memory = 65;
  s.emergency_memory = 95;
  s.reserve_cpu_cores = 1;
  s.reserve_memory = 8ull << 30;
  s.host_cores = 8;
  s.host_memory = 32ull << 30;
  s.tier = "medium";
  return s;
}

/// Host readings with the given CPU and memory percentages.
inline probe_reading host_reading(double cpu, double memory) {
  probe_reading r;
  r.values = {{"cpu_percent", cpu}, {"memory_percent", memory}};
  r.series = {{"conductor_host_cpu_usage_ratio", cpu / 100}, {"conductor_host_memory_usage_ratio", memory / 100}};
  return r;
}

/// Records everything it is sent; stands in for any consumer.
using recorder_actor = caf::typed_actor<caf::reacts_to<resource_sample>,
                                        caf::reacts_to<forecast>, caf::reacts_to<decision>>;

struct recorder_state {
  std::vector<resource_sample> samples;
  std::vector<forecast> forecasts;
  std::vector<decision> decisions;
  static inline const char* name = "recorder";
};

inline recorder_actor::behavior_type
recorder(recorder_actor::stateful_pointer<recorder_state> self) {
  return {
    [=](const resource_sample& x) { self->state.samples.push_back(x); },
    [=](const forecast& x) { self->state.forecasts.push_back(x); },
    [=](const decision& x) { self->state.decisions.push_back(x); },
  };
}

using recorder_impl = recorder_actor::stateful_base<recorder_state>;

/// Records the checks the actor starts instead of running them.
struct recorded_checks {
  std::vector<health::check_request> requests;
  /// Test clock time of each submit.
  std::vector<caf::actor_clock::time_point> at;
};

inline health::check_runner_factory recording_runner(std::shared_ptr<recorded_checks> log,
                                              std::function<caf::actor_clock::time_point()> now) {
  struct runner final : health::check_runner {
    std::shared_ptr<recorded_checks> log;
    std::function<caf::actor_clock::time_point()> now;
    void submit(health::check_request r) override {
      log->requests.push_back(std::move(r));
      log->at.push_back(now());
    }
  };
  return [=](health::check_engine::callback) -> std::unique_ptr<health::check_runner> {
    auto r = std::make_unique<runner>();
    r->log = log;
    r->now = now;
    return r;
  };
}


/// Records the processes the plugin manager starts and signals instead of
/// running them (the fake at the edge; plugin_process and exit_watcher have
/// their own suites with real processes). Tests report exits themselves.
struct recorded_processes {
  std::vector<plugin_spawn> starts;
  std::vector<pid_t> pids;
  /// (pid, signal) in the order sent.
  std::vector<std::pair<pid_t, int>> signals;
  std::vector<std::string> drain_urls;
  /// When set, the next start fails with this reason.
  std::string fail_next;
  pid_t next_pid = 1000;
};

inline process_runner_factory recording_processes(std::shared_ptr<recorded_processes> log) {
  struct runner final : process_runner {
    std::shared_ptr<recorded_processes> log;
    std::string start(const plugin_spawn& request, pid_t& pid) override {
      log->starts.push_back(request);
      if (!log->fail_next.empty())
        return std::exchange(log->fail_next, {});
      pid = log->next_pid++;
      log->pids.push_back(pid);
      return {};
    }
    void signal(pid_t pid, int signo) override {
      log->signals.emplace_back(pid, signo);
    }
    void call_drain_url(const std::string&, const std::string& url) override {
      log->drain_urls.push_back(url);
    }
  };
  return [=](exit_watcher::callback) -> std::unique_ptr<process_runner> {
    auto r = std::make_unique<runner>();
    r->log = log;
    return r;
  };
}

/// The fixture every actor suite derives from.
struct actor_fixture : test_coordinator_fixture<test_config> {
  std::shared_ptr<metrics_hub> hub = std::make_shared<metrics_hub>();

  /// The value of one counter or gauge in the hub's registry, or -1.
  double metric_value(const std::string& name,
                      const std::map<std::string, std::string>& labels = {}) {
    if (const auto* family = hub->registry->find(name))
      if (auto value = family->value(labels))
        return *value;
    return -1;
  }

  /// The test clock's now.
  caf::actor_clock::time_point now() {
    return sched.clock().now();
  }
};

} // namespace conductor::test

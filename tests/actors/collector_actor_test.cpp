// The collector on the deterministic scheduler, with a scripted probe in place
// of /proc (the one fake: /proc cannot be scripted).
#define CAF_SUITE collector_actor

#include "actors/collector/collector_actor.hpp"

#include "tests/actors/actor_fixture.hpp"

using namespace conductor;
using namespace conductor::test;

namespace {

using collector_impl = collector_actor::stateful_base<collector_state>;

struct fixture : actor_fixture {
  std::shared_ptr<std::deque<probe_reading>> script
    = std::make_shared<std::deque<probe_reading>>();
  collector_actor coll;
  recorder_actor rec;
  caf::actor_clock::time_point start;

  fixture() {
    script->push_back(host_reading(10, 40));
    start = now();
    coll = sys.spawn(collector, collector_settings{1s, {"/"}, "auto", {}, {}}, scripted(script), &hub->families);
    rec = sys.spawn(recorder);
    caf::anon_send(coll, atom::subscribe_v, sample_sink{rec});
    sched.run();
  }

  ~fixture() override {
    caf::anon_send_exit(coll, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(rec, caf::exit_reason::user_shutdown);
    sched.run();
  }

  std::vector<resource_sample>& samples() {
    return deref<recorder_impl>(rec).state.samples;
  }

  collector_state& state() {
    return deref<collector_impl>(coll).state;
  }

  void tick_after(caf::timespan d) {
    advance_time(d);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(collector_actor_tests, fixture)

CAF_TEST(nothing is published before the first interval has passed) {
  CAF_CHECK(sched.has_pending_timeout());
  tick_after(999ms);
  CAF_CHECK_EQUAL(samples().size(), 0u);
}

CAF_TEST(a tick publishes the probe reading as a host sample) {
  tick_after(1s);
  CAF_REQUIRE_EQUAL(samples().size(), 1u);
  const auto& s = samples().front();
  CAF_CHECK_EQUAL(s.source, "host");
  CAF_CHECK_EQUAL(s.values.at("cpu_percent"), 10.0);
  CAF_CHECK_EQUAL(s.values.at("memory_percent"), 40.0);
  CAF_CHECK_EQUAL(s.mono, (start + 1s).time_since_epoch());
  CAF_CHECK_EQUAL(metric_value("conductor_collector_ticks_total"), 1.0);
}

CAF_TEST(ticks follow the plan without drift) {
  for (int i = 0; i < 5; ++i)
    tick_after(1s);
  CAF_REQUIRE_EQUAL(samples().size(), 5u);
  for (size_t i = 0; i < 5; ++i)
    CAF_CHECK_EQUAL(samples()[i].mono, (start + (i + 1) * 1s).time_since_epoch());
  CAF_CHECK_EQUAL(state().skipped, 0u);
}

CAF_TEST(a late tick skips the missed slots and counts them) {
  // The clock jumps 3.5 s: the tick due at 1 s runs at 3.5 s, the slots at
  // 2 s and 3 s are gone. One sample, two skipped, the plan stays on whole seconds.
  tick_after(3500ms);
  CAF_CHECK_EQUAL(samples().size(), 1u);
  CAF_CHECK_EQUAL(state().skipped, 2u);
  CAF_CHECK_EQUAL(metric_value("conductor_collector_skipped_ticks_total"), 2.0);
  CAF_CHECK_EQUAL(state().next_tick, start + 4s);
  tick_after(500ms);
  CAF_REQUIRE_EQUAL(samples().size(), 2u);
  CAF_CHECK_EQUAL(samples()[1].mono, (start + 4s).time_since_epoch());
}

CAF_TEST(failed reads leave the metric out and count by source) {
  script->clear();
  probe_reading partial;
  partial.values = {{"cpu_percent", 5.0}};
  partial.failed = {"meminfo"};
  script->push_back(partial);
  tick_after(1s);
  CAF_REQUIRE_EQUAL(samples().size(), 1u);
  CAF_CHECK_EQUAL(samples()[0].values.count("memory_percent"), 0u);
  CAF_CHECK_EQUAL(metric_value("conductor_collector_errors_total", {{"source", "meminfo"}}),
                  1.0);
}

CAF_TEST(each source of a tick is its own sample with the same timestamps) {
  // A probe reading the host and one plugin, as node_probe does; the plugin
  // failing one file counts under that file's source.
  struct two_sources final : sample_probe {
    std::vector<probe_reading> read(std::chrono::nanoseconds) override {
      probe_reading host = host_reading(10, 40);
      probe_reading plugin;
      plugin.source = "voice";
      plugin.values = {{"memory_bytes", 1e6}};
      plugin.series = {{R"(conductor_plugin_memory_bytes{plugin="voice"})", 1e6}};
      plugin.failed = {"cgroup:pids.current"};
      return {host, plugin};
    }
  };
  int probes_made = 0;
  auto factory = [&](const collector_settings&) -> std::unique_ptr<sample_probe> {
    ++probes_made;
    return std::make_unique<two_sources>();
  };
  auto settings = collector_settings{1s, {"/"}, "auto", {"voice"}, {}};
  auto two = sys.spawn(collector, settings, factory, &hub->families);
  caf::anon_send(two, atom::subscribe_v, sample_sink{rec});
  sched.run();
  tick_after(1s);
  // The fixture's collector publishes one sample, this one two.
  auto voice = std::find_if(samples().begin(), samples().end(),
                            [](const resource_sample& x) { return x.source == "voice"; });
  CAF_REQUIRE(voice != samples().end());
  CAF_CHECK_EQUAL(samples().size(), 3u);
  CAF_CHECK_EQUAL(voice->values.at("memory_bytes"), 1e6);
  CAF_CHECK_EQUAL(voice->series.size(), 1u);
  auto host = std::prev(voice);
  CAF_CHECK_EQUAL(host->source, "host");
  CAF_CHECK_EQUAL(host->mono, voice->mono);
  CAF_CHECK_EQUAL(host->wall, voice->wall);
  CAF_CHECK_EQUAL(
    metric_value("conductor_collector_errors_total", {{"source", "cgroup:pids.current"}}), 1.0);
  // A new plugin list makes a new probe; an unchanged one does not.
  CAF_CHECK_EQUAL(probes_made, 1);
  caf::anon_send(two, atom::update_v, settings);
  sched.run();
  CAF_CHECK_EQUAL(probes_made, 1);
  settings.plugins.push_back("chat");
  caf::anon_send(two, atom::update_v, settings);
  sched.run();
  CAF_CHECK_EQUAL(probes_made, 2);
  caf::anon_send_exit(two, caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST(a subscriber that terminates is dropped) {
  CAF_CHECK_EQUAL(state().sinks.size(), 1u);
  caf::anon_send_exit(rec, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(state().sinks.size(), 0u);
}

CAF_TEST(subscribing twice delivers once) {
  caf::anon_send(coll, atom::subscribe_v, sample_sink{rec});
  sched.run();
  tick_after(1s);
  CAF_CHECK_EQUAL(samples().size(), 1u);
}

CAF_TEST(a new interval replans from now and ignores the stale timer) {
  tick_after(1s);
  caf::anon_send(coll, atom::update_v, collector_settings{3s, {"/"}, "auto", {}, {}});
  sched.run();
  // The timer armed for start + 2 s still fires, and must not sample.
  tick_after(1s);
  CAF_CHECK_EQUAL(samples().size(), 1u);
  tick_after(2s);
  CAF_REQUIRE_EQUAL(samples().size(), 2u);
  CAF_CHECK_EQUAL(samples()[1].mono, (start + 4s).time_since_epoch());
}

CAF_TEST_FIXTURE_SCOPE_END()

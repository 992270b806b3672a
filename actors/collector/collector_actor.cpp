#include "actors/collector/collector_actor.hpp"

#include <caf/system_messages.hpp>

#include "actors/logger.hpp"
#include "actors/mailbox_probe.hpp"

namespace conductor {

namespace {

using self_ptr = collector_actor::stateful_pointer<collector_state>;

void arm(self_ptr self, caf::actor_clock::time_point now) {
  self->delayed_send(self, self->state.next_tick - now, atom::tick_v);
}

void take_sample(self_ptr self, caf::actor_clock::time_point now) {
  auto& st = self->state;
  auto mono = now.time_since_epoch();
  auto readings = st.probe->read(mono);
  ++st.ticks;
  st.metrics->collector_ticks.add({}).increment();
  // One wall-clock stamp for the whole tick: the samples belong together.
  auto wall = caf::make_timestamp();
  for (auto& reading : readings) {
    for (const auto& source : reading.failed) {
      st.metrics->collector_errors.add({{"source", source}}).increment();
      CONDUCTOR_LOG(debug, "collector") << "could not read " << source << " ("
                                        << reading.source << ")";
    }
    resource_sample sample{std::move(reading.source), mono, wall, std::move(reading.values),
                           std::move(reading.series)};
    st.sinks.publish(self, sample);
  }
}

} // namespace

collector_actor::behavior_type collector(collector_actor::stateful_pointer<collector_state> self,
                                         collector_settings settings, probe_factory make_probe,
                                         metric_families* metrics) {
  auto& st = self->state;
  answer_mailbox_queries(self);
  st.settings = std::move(settings);
  st.make_probe = std::move(make_probe);
  st.probe = st.make_probe(st.settings);
  st.metrics = metrics;
  auto now = self->clock().now();
  st.next_tick = now + st.settings.interval;
  arm(self, now);
  self->set_down_handler([=](const caf::down_msg& dm) { self->state.sinks.remove(dm.source); });
  CONDUCTOR_LOG(info, "collector") << "sampling every "
                                   << std::chrono::duration<double>(st.settings.interval).count()
                                   << "s";
  return {
    [=](atom::tick) {
      auto& st = self->state;
      auto now = self->clock().now();
      // A timer armed before an interval change fires early: the plan moved on.
      if (now < st.next_tick)
        return;
      // Slots that passed while this tick waited are skipped, not made up:
      // sampling them now would only pile ticks onto an already slow host.
      auto late = now - st.next_tick;
      auto missed = static_cast<uint64_t>(late / st.settings.interval);
      if (missed > 0) {
        st.skipped += missed;
        st.metrics->collector_skipped.add({}).increment(static_cast<double>(missed));
        CONDUCTOR_LOG(warn, "collector") << "tick late by "
                                         << std::chrono::duration<double>(late).count()
                                         << "s; skipped " << missed;
      }
      st.next_tick += st.settings.interval * (missed + 1);
      take_sample(self, now);
      arm(self, now);
    },
    [=](atom::subscribe, sample_sink sink) {
      if (self->state.sinks.add(sink))
        self->monitor(sink);
    },
    [=](atom::update, collector_settings settings) {
      auto& st = self->state;
      bool new_probe = settings.filesystems != st.settings.filesystems
                       || settings.plugins != st.settings.plugins
                       || settings.cgroup_root != st.settings.cgroup_root;
      bool new_plan = settings.interval != st.settings.interval;
      // The signals' fetch follows the interval too; neither needs a new probe.
      bool probe_update = !new_probe && (new_plan || settings.signals != st.settings.signals);
      st.settings = std::move(settings);
      if (new_probe)
        st.probe = st.make_probe(st.settings);
      else if (probe_update)
        st.probe->update(st.settings);
      if (new_plan) {
        auto now = self->clock().now();
        st.next_tick = now + st.settings.interval;
        arm(self, now);
      }
    },
  };
}

} // namespace conductor

#include "actors/persistence/persistence_actor.hpp"

#include <chrono>

#include <caf/system_messages.hpp>
#include <nlohmann/json.hpp>

#include "actors/logger.hpp"

namespace conductor {

namespace {

/// The limits that are set, as a JSON object for the audit.
std::string limits_json(const limit_values& l) {
  nlohmann::json j = nlohmann::json::object();
  if (l.cpu_quota > 0)
    j["cpu_quota"] = l.cpu_quota;
  if (l.memory_max > 0)
    j["memory_max"] = l.memory_max;
  if (l.tasks_max > 0)
    j["tasks_max"] = l.tasks_max;
  return j.dump();
}

using self_ptr = persistence_actor::stateful_pointer<persistence_state>;

/// How often old metric rows are pruned, and how many per prune at most.
constexpr auto prune_every = std::chrono::minutes(1);
constexpr int prune_limit = 5000;

double unix_seconds(caf::timestamp t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

void flush(self_ptr self) {
  auto& st = self->state;
  if (!st.store)
    return;
  if (!st.pending.empty()) {
    if (st.store->insert_metrics(st.pending)) {
      st.metrics->persistence_rows.add({{"table", "autoscaler_metrics"}})
        .increment(static_cast<double>(st.pending.size()));
    } else {
      st.metrics->persistence_errors.add({}).increment();
      CONDUCTOR_LOG(error, "persistence") << "dropped " << st.pending.size()
                                          << " metric rows: " << st.store->last_error();
    }
    st.pending.clear();
  }
  auto now = self->clock().now();
  if (now - st.last_prune >= prune_every) {
    st.last_prune = now;
    auto cutoff = unix_seconds(caf::make_timestamp())
                  - std::chrono::duration<double>(st.settings.retention).count();
    if (st.store->prune_metrics(cutoff, prune_limit) < 0)
      CONDUCTOR_LOG(warn, "persistence") << "prune failed: " << st.store->last_error();
  }
}

} // namespace

persistence_actor::behavior_type
persistence(persistence_actor::stateful_pointer<persistence_state> self,
            persistence_settings settings, metric_families* metrics) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.metrics = metrics;
  std::string error;
  st.store = sqlite_store::open(st.settings.path, error);
  if (!st.store) {
    // Quitting here reaches the supervisor as a crash; the behavior below is
    // never run.
    CONDUCTOR_LOG(error, "persistence") << error;
    self->quit(caf::make_error(ec::database_error, error));
  } else {
    CONDUCTOR_LOG(info, "persistence") << "writing to " << st.settings.path;
  }
  st.last_prune = self->clock().now();
  // Whatever waits in the buffer is written before the actor goes away.
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    flush(self);
    self->quit(msg.reason);
  });
  return {
    [=](const resource_sample& sample) {
      auto& st = self->state;
      auto ts = unix_seconds(sample.wall);
      for (const auto& [metric, value] : sample.values)
        st.pending.push_back(metric_row{ts, sample.source, metric, value});
      if (st.pending.size() >= persistence_max_batch) {
        flush(self);
      } else if (!st.flush_armed) {
        st.flush_armed = true;
        self->delayed_send(self, st.settings.batch, atom::flush_v);
      }
    },
    [=](const decision& d) {
      auto& st = self->state;
      decision_row row{unix_seconds(d.at), d.action, d.target,  d.trigger,
                       d.reason,           d.inputs, d.policy, d.confidence,
                       d.status,           d.error,  d.variant, limits_json(d.old_limits),
                       limits_json(d.new_limits)};
      if (st.store->insert_decision(row) < 0) {
        st.metrics->persistence_errors.add({}).increment();
        CONDUCTOR_LOG(error, "persistence") << "audit write failed: " << st.store->last_error();
        return;
      }
      st.metrics->persistence_rows.add({{"table", "autoscaler_history"}}).increment();
    },
    [=](const breaker_transition& t) {
      auto& st = self->state;
      breaker_row row{unix_seconds(t.at), t.target, t.from, t.to, t.reason};
      if (st.store->insert_breaker(row) < 0) {
        st.metrics->persistence_errors.add({}).increment();
        CONDUCTOR_LOG(error, "persistence") << "breaker write failed: "
                                            << st.store->last_error();
        return;
      }
      st.metrics->persistence_rows.add({{"table", "breaker_transitions"}}).increment();
    },
    [=](atom::flush) {
      self->state.flush_armed = false;
      flush(self);
    },
    [=](atom::update, persistence_settings settings) {
      auto& st = self->state;
      // The open connection stays where it is; the node warns about a new path.
      settings.path = st.settings.path;
      st.settings = std::move(settings);
    },
  };
}

} // namespace conductor

#include "actors/persistence/persistence_actor.hpp"

#include <chrono>

#include <caf/system_messages.hpp>
#include <nlohmann/json.hpp>

#include "actors/logger.hpp"
#include "actors/mailbox_probe.hpp"
#include "actors/persistence/runtime_state_codec.hpp"
#include "api/json_views.hpp"

namespace conductor {

namespace {

using self_ptr = persistence_actor::stateful_pointer<persistence_state>;

/// How often old metric rows are pruned, and how many per prune at most (a
/// prune holds the write lock; a small one never stalls the writes).
constexpr auto prune_every = std::chrono::minutes(1);
constexpr int prune_limit = 5000;

/// The limits that are set, as a JSON object for the audit (the API shows
/// them the same way).
std::string limits_json(const limit_values& l) {
  return api::to_text(api::to_json(l));
}

using api::unix_seconds;

limit_values limits_from_json(const std::string& text) {
  limit_values l;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object())
    return l;
  l.cpu_quota = j.value("cpu_quota", 0.0);
  l.memory_max = j.value("memory_max", uint64_t{0});
  l.tasks_max = j.value("tasks_max", uint64_t{0});
  return l;
}

/// An audit row as the message it was written from.
decision decision_of(const decision_row& r) {
  decision d;
  d.at = caf::timestamp{std::chrono::duration_cast<caf::timestamp::duration>(
    std::chrono::duration<double>(r.timestamp))};
  d.action = r.action;
  d.target = r.target;
  d.trigger = r.trigger;
  d.reason = r.reason;
  d.inputs = r.inputs;
  d.policy = r.policy;
  d.confidence = r.confidence;
  d.status = r.status;
  d.error = r.error;
  d.variant = r.variant;
  d.old_limits = limits_from_json(r.old_limits);
  d.new_limits = limits_from_json(r.new_limits);
  d.origin = r.origin;
  d.id = r.id;
  return d;
}

/// Why a read cannot be answered now, or none.
caf::error unreadable(self_ptr self) {
  auto& st = self->state;
  if (st.store)
    return {};
  return caf::make_error(ec::database_error,
                         "database unavailable: "
                           + (st.unavailable.empty() ? st.settings.path : st.unavailable));
}

decision_row row_of(const decision& d) {
  return {unix_seconds(d.at), d.action,  d.target,  d.trigger,
          d.reason,           d.inputs,  d.policy,  d.confidence,
          d.status,           d.error,   d.variant, limits_json(d.old_limits),
          limits_json(d.new_limits), d.origin, 0};
}

/// A row in full, for the log when the database cannot have it.
std::string row_text(const audit_row& row) {
  nlohmann::json j;
  j["table"] = table_of(row);
  if (auto* d = std::get_if<decision_row>(&row))
    j["row"] = {{"timestamp", d->timestamp}, {"action", d->action},   {"target", d->target},
                {"trigger", d->trigger},     {"reason", d->reason},   {"inputs", d->inputs},
                {"policy", d->policy},       {"status", d->status},   {"error", d->error},
                {"variant", d->variant},     {"old_limits", d->old_limits},
                {"new_limits", d->new_limits}, {"origin", d->origin}};
  else if (auto* b = std::get_if<breaker_row>(&row))
    j["row"] = {{"timestamp", b->timestamp}, {"target", b->target}, {"from", b->from_state},
                {"to", b->to_state},         {"reason", b->reason}};
  else if (auto* p = std::get_if<plugin_state_row>(&row))
    j["row"] = {{"timestamp", p->timestamp}, {"plugin", p->plugin}, {"state", p->state},
                {"pid", p->pid},             {"variant", p->variant}, {"reason", p->reason}};
  return api::to_text(j);
}

int64_t insert(sqlite_store& store, const audit_row& row) {
  if (auto* d = std::get_if<decision_row>(&row))
    return store.insert_decision(*d);
  if (auto* b = std::get_if<breaker_row>(&row))
    return store.insert_breaker(*b);
  return store.insert_plugin_state(std::get<plugin_state_row>(row));
}

void update_backlog_gauge(self_ptr self) {
  self->state.metrics->persistence_audit_backlog.add({}).set(
    static_cast<double>(self->state.queue.audit_backlog()));
}

/// The database works again (or for the first time): said once.
void mark_available(self_ptr self) {
  auto& st = self->state;
  st.metrics->persistence_available.add({}).set(1);
  if (st.unavailable.empty())
    return;
  CONDUCTOR_LOG(info, "persistence") << "database " << st.settings.path
                                     << " is writable again; catching up";
  st.unavailable.clear();
}

/// The database refused something: said once per cause, not per row. A
/// corrupt file or an I/O error closes the connection, so that the retry
/// reopens the path (an operator may have moved the file aside).
void mark_unavailable(self_ptr self, const std::string& why, store_failure kind) {
  auto& st = self->state;
  st.metrics->persistence_available.add({}).set(0);
  st.metrics->persistence_errors.add({}).increment();
  if (why != st.unavailable)
    CONDUCTOR_LOG(error, "persistence")
      << why << "; the node keeps running, audit rows wait in memory (up to a bound) and are"
      << " retried";
  st.unavailable = why;
  if (kind == store_failure::corrupt || kind == store_failure::io)
    st.store.reset();
}

void arm_retry(self_ptr self) {
  auto& st = self->state;
  if (st.retry_armed)
    return;
  st.retry_armed = true;
  self->delayed_send(self, st.queue.next_retry(), atom::tick_v);
}

/// Opens the database if it is not open; false (and said why) if it cannot be.
bool ensure_open(self_ptr self) {
  auto& st = self->state;
  if (st.store)
    return true;
  std::string error;
  store_failure kind = store_failure::none;
  st.store = sqlite_store::open(st.settings.path, error, &kind);
  if (!st.store) {
    mark_unavailable(self, error, kind);
    return false;
  }
  if (st.store->migrated_from() > 0)
    CONDUCTOR_LOG(info, "persistence")
      << "migrated " << st.settings.path << " from schema version " << st.store->migrated_from()
      << " to " << sqlite_store::schema_version;
  CONDUCTOR_LOG(info, "persistence") << "writing to " << st.settings.path;
  // Available once it takes a write again, not merely because it opened.
  if (st.unavailable.empty())
    st.metrics->persistence_available.add({}).set(1);
  return true;
}

void committed(self_ptr self, const audit_row& row, int64_t id) {
  auto* table = table_of(row);
  self->state.metrics->persistence_rows.add({{"table", table}}).increment();
  // The acknowledgement: once this line is out, the row survives a power cut.
  CONDUCTOR_LOG(debug, "persistence") << "committed " << table << " row " << id;
}

/// Writes the rows waiting in the backlog, oldest first, and the unsaved
/// runtime state; true when nothing is left waiting.
bool catch_up(self_ptr self) {
  auto& st = self->state;
  if (!ensure_open(self))
    return false;
  while (st.queue.audit_waiting()) {
    auto id = insert(*st.store, st.queue.oldest());
    if (id < 0) {
      mark_unavailable(self, st.store->last_error(), st.store->last_failure());
      return false;
    }
    committed(self, st.queue.oldest(), id);
    st.queue.pop_oldest();
    update_backlog_gauge(self);
  }
  if (st.unsaved_state) {
    if (!st.store->save_config(encode_runtime_state(*st.unsaved_state),
                               unix_seconds(caf::make_timestamp()))) {
      mark_unavailable(self, st.store->last_error(), st.store->last_failure());
      return false;
    }
    st.unsaved_state.reset();
    st.metrics->persistence_rows.add({{"table", "autoscaler_config"}}).increment();
  }
  return true;
}

/// Writes one audit row behind any that wait; its id, or an error saying
/// it waits (or, if even the queue is full, that it went to the log).
caf::expected<int64_t> write_audit(self_ptr self, audit_row row) {
  auto& st = self->state;
  if (!st.queue.audit_waiting() && ensure_open(self)) {
    auto id = insert(*st.store, row);
    if (id >= 0) {
      committed(self, row, id);
      mark_available(self);
      return id;
    }
    mark_unavailable(self, st.store->last_error(), st.store->last_failure());
  }
  arm_retry(self);
  if (!st.queue.defer(row)) {
    // The bound is what keeps a long outage from eating the host's memory;
    // the row is not lost from sight: the log has it whole.
    st.metrics->persistence_dropped.add({{"table", table_of(row)}}).increment();
    CONDUCTOR_LOG(error, "persistence") << "audit queue full (" << st.queue.audit_backlog()
                                        << " rows); row not stored: " << row_text(row);
    return caf::make_error(ec::database_error, "audit queue full; the row went to the log");
  }
  update_backlog_gauge(self);
  return caf::make_error(ec::database_error,
                         "database unavailable (" + st.unavailable + "); row "
                           + std::to_string(st.queue.audit_backlog())
                           + " in the retry queue");
}

void prune(self_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  if (!st.prune_more && now - st.last_prune < prune_every)
    return;
  st.last_prune = now;
  auto cutoff = unix_seconds(caf::make_timestamp())
                - std::chrono::duration<double>(st.settings.retention).count();
  auto deleted = st.store->prune_metrics(cutoff, prune_limit);
  if (deleted < 0)
    CONDUCTOR_LOG(warn, "persistence") << "prune failed: " << st.store->last_error();
  // A full batch: more may be old, pruned at the next flush rather than
  // in one long delete.
  st.prune_more = deleted == prune_limit;
}

/// Writes the waiting metric rows; false when the database refused them
/// (they wait for the next try).
bool flush(self_ptr self) {
  auto& st = self->state;
  if (st.queue.metrics().empty())
    return true;
  // While the database is unavailable the rows wait (bounded) for the retry.
  if (!st.store) {
    st.queue.metrics_failed();
    return false;
  }
  auto start = std::chrono::steady_clock::now();
  if (st.store->insert_metrics(st.queue.metrics())) {
    st.metrics->persistence_rows.add({{"table", "autoscaler_metrics"}})
      .increment(static_cast<double>(st.queue.metrics().size()));
    st.queue.metrics_written(std::chrono::steady_clock::now() - start);
    prune(self);
    return true;
  }
  st.queue.metrics_failed();
  mark_unavailable(self, st.store->last_error(), st.store->last_failure());
  arm_retry(self);
  return false;
}

void arm_flush(self_ptr self) {
  auto& st = self->state;
  if (st.flush_armed)
    return;
  st.flush_armed = true;
  self->delayed_send(self, st.settings.batch, atom::flush_v);
}

/// Stopping: one last try for whatever waits; audit rows the database still
/// refuses go to the log whole.
void last_write(self_ptr self) {
  auto& st = self->state;
  catch_up(self);
  flush(self);
  for (; st.queue.audit_waiting(); st.queue.pop_oldest())
    CONDUCTOR_LOG(error, "persistence")
      << "stopping with the database unavailable; row not stored: " << row_text(st.queue.oldest());
}

} // namespace

bool load_runtime_state(const std::string& path, runtime_state& out, std::string& error,
                        store_failure& why) {
  std::map<std::string, std::string> rows;
  if (!sqlite_store::read_config(path, rows, error, why))
    return false;
  out = decode_runtime_state(rows, error);
  if (!error.empty())
    error = "runtime state in " + path + " partly unreadable: " + error;
  return true;
}

persistence_actor::behavior_type
persistence(persistence_actor::stateful_pointer<persistence_state> self,
            persistence_settings settings, metric_families* metrics, write_queue::limits limits) {
  answer_mailbox_queries(self);
  auto& st = self->state;
  st.settings = std::move(settings);
  st.metrics = metrics;
  st.queue = write_queue{limits};
  st.last_prune = self->clock().now();
  // A database that cannot be opened is said once, and retried; the node
  // runs on without it meanwhile.
  if (!ensure_open(self))
    arm_retry(self);
  // Whatever waits in the buffer is written before the actor goes away.
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    last_write(self);
    self->quit(msg.reason);
  });
  return {
    [=](const resource_sample& sample) {
      auto& st = self->state;
      auto ts = unix_seconds(sample.wall);
      std::vector<metric_row> rows;
      rows.reserve(sample.values.size());
      for (const auto& [metric, value] : sample.values)
        rows.push_back(metric_row{ts, sample.source, metric, value});
      if (auto dropped = st.queue.add_metrics(std::move(rows)); dropped > 0)
        st.metrics->persistence_dropped.add({{"table", "autoscaler_metrics"}})
          .increment(static_cast<double>(dropped));
      if (st.queue.metrics_due())
        flush(self);
      else
        arm_flush(self);
    },
    [=](const decision& d) { write_audit(self, row_of(d)); },
    [=](atom::audit, const decision& d) -> caf::result<int64_t> {
      auto id = write_audit(self, row_of(d));
      if (!id)
        return id.error();
      return *id;
    },
    [=](const breaker_transition& t) {
      write_audit(self, breaker_row{unix_seconds(t.at), t.target, t.from, t.to, t.reason});
    },
    [=](const plugin_event& e) {
      write_audit(self, plugin_state_row{unix_seconds(e.at), e.plugin, e.state, e.pid, e.variant,
                                         e.reason});
    },
    [=](const runtime_state& s) {
      auto& st = self->state;
      st.unsaved_state = s;
      // Behind any audit rows that wait, like everything else.
      if (!st.queue.audit_waiting() && catch_up(self))
        mark_available(self);
      else
        arm_retry(self);
    },
    [=](atom::flush) {
      self->state.flush_armed = false;
      flush(self);
    },
    [=](atom::tick) {
      auto& st = self->state;
      st.retry_armed = false;
      if (catch_up(self) && flush(self)) {
        st.queue.retry_succeeded();
        mark_available(self);
      } else {
        arm_retry(self);
      }
    },
    [=](const history_request& q) -> caf::result<std::vector<decision>> {
      if (auto err = unreadable(self))
        return err;
      if (q.limit < 0 || q.offset < 0)
        return caf::make_error(ec::invalid_argument, "limit and offset must be at least 0");
      std::vector<decision_row> rows;
      if (!self->state.store->history(q, rows))
        return caf::make_error(ec::database_error, self->state.store->last_error());
      std::vector<decision> out;
      out.reserve(rows.size());
      for (const auto& r : rows)
        out.push_back(decision_of(r));
      return out;
    },
    [=](const metric_range_request& q) -> caf::result<metric_range> {
      if (auto err = unreadable(self))
        return err;
      if (!(q.to > q.from) || q.points < 1)
        return caf::make_error(ec::invalid_argument,
                               "a metric range needs from < to and at least 1 point");
      // Rows still in the buffer belong to the answer.
      flush(self);
      std::vector<metric_point> points;
      if (!self->state.store->metric_range(q.source, q.metric, q.from, q.to, q.points, points))
        return caf::make_error(ec::database_error, self->state.store->last_error());
      metric_range out;
      for (const auto& p : points) {
        out.timestamps.push_back(p.timestamp);
        out.values.push_back(p.value);
      }
      return out;
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

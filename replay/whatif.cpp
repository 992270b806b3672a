#include "replay/whatif.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include "actors/persistence/sqlite_store.hpp"
#include "actors/predictor/prediction_settings.hpp"
#include "api/json_views.hpp"
#include "config/units.hpp"
#include "messages/metric_names.hpp"
#include "messages/settings.hpp"
#include "replay/limit_score.hpp"
#include "replay/virtual_node.hpp"

namespace conductor::replay {

namespace {

using clock_type = std::chrono::steady_clock;
using nlohmann::json;

/// How many rows between two looks at the clock.
constexpr size_t deadline_every = 1024;

struct db_closer {
  void operator()(sqlite3* db) const {
    sqlite3_close_v2(db);
  }
};

struct stmt_closer {
  void operator()(sqlite3_stmt* s) const {
    sqlite3_finalize(s);
  }
};

using db_ptr = std::unique_ptr<sqlite3, db_closer>;
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_closer>;

/// A failure: `error` and `why` set, false returned.
struct failing {
  std::string& error;
  whatif_failure& why;

  bool operator()(whatif_failure kind, std::string message) const {
    why = kind;
    error = std::move(message);
    return false;
  }
};

stmt_ptr prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
    sqlite3_finalize(s);
    return nullptr;
  }
  return stmt_ptr{s};
}

std::string column_text(sqlite3_stmt* s, int i) {
  auto* text = sqlite3_column_text(s, i);
  return text ? reinterpret_cast<const char*>(text) : "";
}

caf::timestamp timestamp_of(double seconds) {
  return caf::timestamp{std::chrono::duration_cast<caf::timestamp::duration>(
    std::chrono::duration<double>(seconds))};
}

/// Limits as the audit writes them: {"cpu_quota":..,"memory_max":..}, set
/// ones only.
limit_values limits_from_json(const std::string& text) {
  limit_values l;
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object())
    return l;
  auto number = [&](const char* key) {
    auto i = j.find(key);
    return i != j.end() && i->is_number() ? i->get<double>() : 0.0;
  };
  l.cpu_quota = number("cpu_quota");
  l.memory_max = static_cast<uint64_t>(std::max(0.0, number("memory_max")));
  l.tasks_max = static_cast<uint64_t>(std::max(0.0, number("tasks_max")));
  return l;
}

/// Opens `path` read-only and checks that it is a conductor database of this
/// build's schema.
bool open_database(const std::string& path, db_ptr& out, const failing& fail) {
  if (::access(path.c_str(), F_OK) != 0)
    return fail(whatif_failure::database, path + ": no such file");
  if (::access(path.c_str(), R_OK) != 0)
    return fail(whatif_failure::database, path + ": cannot be read (permission denied)");
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  out.reset(raw);
  if (rc != SQLITE_OK)
    return fail(whatif_failure::database,
                path + ": cannot open: " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
  sqlite3_busy_timeout(raw, 1000);
  auto version = prepare(raw, "PRAGMA user_version");
  if (!version || sqlite3_step(version.get()) != SQLITE_ROW)
    return fail(whatif_failure::database,
                path + ": not a conductor database (" + sqlite3_errmsg(raw) + ")");
  int found = sqlite3_column_int(version.get(), 0);
  auto count = prepare(raw, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN"
                            " ('autoscaler_metrics', 'autoscaler_history')");
  bool tables = count && sqlite3_step(count.get()) == SQLITE_ROW
                && sqlite3_column_int(count.get(), 0) == 2;
  if (found == 0 && !tables)
    return fail(whatif_failure::database,
                path + ": not a conductor database (no autoscaler_metrics and"
                       " autoscaler_history tables, schema version 0)");
  if (found != sqlite_store::schema_version)
    return fail(whatif_failure::database,
                path + ": schema version " + std::to_string(found) + ", but this conductor reads"
                  + " version " + std::to_string(sqlite_store::schema_version)
                  + (found > sqlite_store::schema_version
                       ? " (written by a newer conductor: use that one)"
                       : " (written by an older conductor: start this one on it once to"
                         " migrate it)"));
  if (!tables)
    return fail(whatif_failure::database,
                path + ": not a conductor database (schema version "
                  + std::to_string(found) + " but no autoscaler_metrics and autoscaler_history"
                  + " tables)");
  return true;
}

/// The series of one plugin's use and of the limits in force at each of its
/// samples, the replay's and the node's.
struct plugin_series {
  std::vector<double> seconds;
  std::vector<double> cpu_use, would_cpu, did_cpu;
  std::vector<double> memory_use, would_memory, did_memory;
};

limit_figures figures(const std::vector<double>& seconds, const std::vector<double>& use,
                      const std::vector<double>& limit) {
  auto score = score_limits(seconds, use, limit);
  limit_figures f;
  f.rows = score.rows;
  f.slack = score.slack;
  f.throttled_time = score.throttled_time;
  f.changes = score.changes;
  double sum = 0;
  for (double l : limit)
    if (l > 0)
      sum += l;
  f.mean_limit = f.rows > 0 ? sum / static_cast<double>(f.rows) : 0;
  return f;
}

/// The audit rows that change a plugin's limits in force, as the node's
/// plugin manager applied them, laid over `limits`.
void apply_row(const plugin_settings& p, const decision& d, limit_values& limits) {
  if (d.status != "applied")
    return;
  if (d.action == "resize" || d.action == "revert" || d.action == "variant"
      || d.action == "limits") {
    lay_over(limits, d.new_limits);
  } else if (d.action == "enable") {
    for (size_t i = 0; i < p.variants.size(); ++i)
      if (p.variants[i].name == d.variant)
        lay_over(limits, limits_of(p, i));
  }
}

decision decision_of(sqlite3_stmt* s) {
  decision d;
  d.at = timestamp_of(sqlite3_column_double(s, 0));
  d.action = column_text(s, 1);
  d.target = column_text(s, 2);
  d.trigger = column_text(s, 3);
  d.reason = column_text(s, 4);
  d.inputs = column_text(s, 5);
  d.policy = column_text(s, 6);
  d.confidence = sqlite3_column_double(s, 7);
  d.status = column_text(s, 8);
  d.error = column_text(s, 9);
  d.variant = column_text(s, 10);
  d.old_limits = limits_from_json(column_text(s, 11));
  d.new_limits = limits_from_json(column_text(s, 12));
  d.origin = column_text(s, 13);
  d.id = sqlite3_column_int64(s, 14);
  return d;
}

constexpr const char* history_columns
  = "SELECT timestamp, action, target, trigger, reason, inputs, policy, confidence, status,"
    " error, variant, old_limits, new_limits, origin, id FROM autoscaler_history";

/// Does decision `d` concern `plugin` ("host": host-level and cascade)?
bool concerns(const decision& d, const std::string& plugin) {
  if (plugin == "host")
    return d.target.empty() || is_cascade_step(d.action);
  return d.target == plugin;
}

std::optional<double> value_of(const std::map<std::string, double>& values, const char* name) {
  auto i = values.find(name);
  if (i == values.end())
    return std::nullopt;
  return i->second;
}

} // namespace

bool is_cascade_step(const std::string& action) {
  return action == "variant" || action == "disable" || action == "enable" || action == "stop";
}

bool parse_whatif_since(const std::string& text, std::chrono::seconds& out, std::string& error) {
  auto d = config::parse_duration(text);
  if (!d) {
    error = "invalid duration \"" + text + "\": " + d.error;
    return false;
  }
  auto s = std::chrono::duration_cast<std::chrono::seconds>(*d.value);
  if (s.count() < 1) {
    error = "must be at least 1s, got \"" + text + "\"";
    return false;
  }
  if (s > node_whatif_max_since) {
    error = "must be at most " + config::format_duration(node_whatif_max_since) + ", got \""
            + text + "\"";
    return false;
  }
  out = s;
  return true;
}

bool run_whatif(const whatif_request& req, whatif_report& out, std::string& error) {
  whatif_failure why = whatif_failure::none;
  return run_whatif(req, out, error, why);
}

bool run_whatif(const whatif_request& req, whatif_report& out, std::string& error,
                whatif_failure& why) {
  auto started = clock_type::now();
  why = whatif_failure::none;
  error.clear();
  out = whatif_report{};
  failing fail{error, why};
  // -- what to replay with ---------------------------------------------------
  auto cfg = req.config;
  if (!req.policy.empty()) {
    if (!cfg.scaler.policies.count(req.policy)) {
      std::string known;
      for (const auto& [name, profile] : cfg.scaler.policies)
        known += (known.empty() ? "" : ", ") + name;
      return fail(whatif_failure::bad_request,
                  "unknown policy \"" + req.policy + "\" (known: " + known + ")");
    }
    cfg.scaler.policy = req.policy;
  }
  cfg.scaler.mode = config::scaler_mode::enabled;
  auto settings = make_settings(cfg);
  const plugin_settings* plugin = nullptr;
  for (const auto& p : settings.scaler.plugins)
    if (p.name == req.plugin)
      plugin = &p;
  if (req.plugin != "host" && !plugin) {
    std::string known = "host";
    for (const auto& p : settings.scaler.plugins)
      known += ", " + p.name;
    return fail(whatif_failure::bad_request, "unknown plugin \"" + req.plugin
                                               + "\": not in the configuration (known: " + known
                                               + ")");
  }
  if (req.since.count() <= 0)
    return fail(whatif_failure::bad_request, "the window (since) must be positive");
  out.plugin = req.plugin;
  out.policy = cfg.scaler.policy;
  // -- the database ------------------------------------------------------------
  db_ptr db;
  if (!open_database(req.db_path, db, fail))
    return false;
  auto read_failed = [&](const char* what) {
    return fail(whatif_failure::database, req.db_path + ": cannot read " + what + ": "
                                            + sqlite3_errmsg(db.get()));
  };
  auto newest = prepare(db.get(), "SELECT MAX(timestamp) FROM autoscaler_metrics");
  if (!newest || sqlite3_step(newest.get()) != SQLITE_ROW)
    return read_failed("the samples");
  if (sqlite3_column_type(newest.get(), 0) == SQLITE_NULL)
    return fail(whatif_failure::no_data, req.db_path + ": no samples recorded");
  out.to = sqlite3_column_double(newest.get(), 0);
  out.from = out.to - static_cast<double>(req.since.count());
  // -- the samples, grouped by (time, source) ------------------------------------
  std::vector<std::string> sources{"host"};
  for (const auto& p : settings.scaler.plugins)
    sources.push_back(p.name);
  std::string sql = "SELECT timestamp, source, metric, value FROM autoscaler_metrics"
                    " WHERE timestamp >= ? AND timestamp <= ? AND source IN (";
  for (size_t i = 0; i < sources.size(); ++i)
    sql += i == 0 ? "?" : ", ?";
  sql += ") ORDER BY timestamp, id LIMIT ?";
  auto rows = prepare(db.get(), sql.c_str());
  if (!rows)
    return read_failed("the samples");
  sqlite3_bind_double(rows.get(), 1, out.from);
  sqlite3_bind_double(rows.get(), 2, out.to);
  for (size_t i = 0; i < sources.size(); ++i)
    sqlite3_bind_text(rows.get(), static_cast<int>(i + 3), sources[i].c_str(), -1,
                      SQLITE_TRANSIENT);
  // One more than allowed: a row past the bound says the window held more.
  sqlite3_bind_int64(rows.get(), static_cast<int>(sources.size() + 3),
                     static_cast<sqlite3_int64>(std::min<size_t>(req.max_rows, INT64_MAX - 1) + 1));
  std::vector<timed_sample> samples;
  size_t read = 0;
  auto past_deadline = [&] { return clock_type::now() - started >= req.deadline; };
  for (int rc; (rc = sqlite3_step(rows.get())) != SQLITE_DONE;) {
    if (rc != SQLITE_ROW)
      return read_failed("the samples");
    if (read == req.max_rows) {
      out.truncated = true;
      out.truncated_why = "more than " + std::to_string(req.max_rows)
                          + " sample rows in the window: replayed the oldest ones";
      break;
    }
    if (read % deadline_every == 0 && past_deadline()) {
      out.truncated = true;
      out.truncated_why = "the deadline passed while reading the samples";
      break;
    }
    ++read;
    double ts = sqlite3_column_double(rows.get(), 0);
    auto source = column_text(rows.get(), 1);
    if (samples.empty() || samples.back().seconds != ts || samples.back().source != source)
      samples.push_back(timed_sample{ts, source, {}});
    samples.back().values[column_text(rows.get(), 2)] = sqlite3_column_double(rows.get(), 3);
  }
  rows.reset();
  // A cut may have split the last sample.
  if (out.truncated && !samples.empty()) {
    read -= samples.back().values.size();
    samples.pop_back();
  }
  out.sample_rows = read;
  if (samples.empty())
    return fail(whatif_failure::no_data,
                req.db_path + ": no samples of " + req.plugin + " or the host in the window");
  if (out.truncated)
    out.to = samples.back().seconds;
  // -- what the node did --------------------------------------------------------
  limit_values did_limits;
  if (plugin) {
    did_limits = limits_of(*plugin, 0);
    // The limits in force when the window opened: the configured ones with
    // every change the plugin manager applied before laid over them.
    auto before = prepare(db.get(), (std::string{history_columns}
                                     + " WHERE target = ? AND timestamp < ? AND status = 'applied'"
                                       " ORDER BY timestamp, id")
                                      .c_str());
    if (!before)
      return read_failed("the audit");
    sqlite3_bind_text(before.get(), 1, plugin->name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(before.get(), 2, out.from);
    for (int rc; (rc = sqlite3_step(before.get())) != SQLITE_DONE;) {
      if (rc != SQLITE_ROW)
        return read_failed("the audit");
      apply_row(*plugin, decision_of(before.get()), did_limits);
    }
  }
  auto audit = prepare(db.get(), (std::string{history_columns}
                                  + " WHERE timestamp >= ? AND timestamp <= ?"
                                    " ORDER BY timestamp, id")
                                   .c_str());
  if (!audit)
    return read_failed("the audit");
  sqlite3_bind_double(audit.get(), 1, out.from);
  sqlite3_bind_double(audit.get(), 2, out.to);
  for (int rc; (rc = sqlite3_step(audit.get())) != SQLITE_DONE;) {
    if (rc != SQLITE_ROW)
      return read_failed("the audit");
    auto d = decision_of(audit.get());
    if (concerns(d, req.plugin))
      out.did.push_back(std::move(d));
  }
  audit.reset();
  db.reset();
  // -- the replay -----------------------------------------------------------------
  auto step = effective_step(settings.predictor);
  virtual_node node{settings.scaler, make_prediction_params(settings.predictor), step};
  // Both sides start from the limits in force when the window opened.
  if (plugin)
    node.start_with({plugin_limits{plugin->name, did_limits}});
  // The evaluations the node makes, counted as it schedules them.
  std::optional<double> first;
  auto interval = std::chrono::duration<double>(settings.scaler.evaluation_interval).count();
  double next_evaluation = 0;
  plugin_series series;
  size_t did_next = 0;
  auto did_in_force = [&](double at) {
    // Changes applied before `at` are in force at `at`.
    for (; did_next < out.did.size() && api::unix_seconds(out.did[did_next].at) < at; ++did_next)
      if (plugin)
        apply_row(*plugin, out.did[did_next], did_limits);
    return did_limits;
  };
  for (size_t i = 0; i < samples.size();) {
    if (i % 64 == 0 && past_deadline()) {
      out.truncated = true;
      out.truncated_why = "the deadline passed after " + std::to_string(i) + " of "
                          + std::to_string(samples.size()) + " samples";
      out.to = samples[i].seconds;
      break;
    }
    // Every sample of one time, then the evaluation that follows them.
    double at = samples[i].seconds;
    for (; i < samples.size() && samples[i].seconds == at; ++i) {
      const auto& s = samples[i];
      if (plugin && s.source == plugin->name) {
        auto would = node.limits(plugin->name);
        auto did = did_in_force(at);
        series.seconds.push_back(at);
        auto cpu = value_of(s.values, metric_name::cpu_cores);
        series.cpu_use.push_back(cpu.value_or(0));
        series.would_cpu.push_back(cpu ? would.cpu_quota / 100 : 0);
        series.did_cpu.push_back(cpu ? did.cpu_quota / 100 : 0);
        auto memory = value_of(s.values, metric_name::memory_bytes);
        series.memory_use.push_back(memory.value_or(0));
        series.would_memory.push_back(memory ? static_cast<double>(would.memory_max) : 0);
        series.did_memory.push_back(memory ? static_cast<double>(did.memory_max) : 0);
      }
      node.take(s);
    }
    if (!first) {
      first = at;
      next_evaluation = at;
    }
    if (at >= next_evaluation) {
      ++out.evaluations;
      while (next_evaluation <= at)
        next_evaluation += interval > 0 ? interval : 1;
    }
    for (auto& d : node.evaluate_due()) {
      if (!concerns(d, req.plugin))
        continue;
      d.at = timestamp_of(at);
      out.would.push_back(std::move(d));
    }
  }
  if (out.truncated) {
    // The audit only as far as the replay went.
    auto end = std::find_if(out.did.begin(), out.did.end(), [&](const decision& d) {
      return api::unix_seconds(d.at) > out.to;
    });
    out.did.erase(end, out.did.end());
  }
  out.would_cpu = figures(series.seconds, series.cpu_use, series.would_cpu);
  out.did_cpu = figures(series.seconds, series.cpu_use, series.did_cpu);
  out.would_memory = figures(series.seconds, series.memory_use, series.would_memory);
  out.did_memory = figures(series.seconds, series.memory_use, series.did_memory);
  for (const auto& d : out.would)
    if (is_cascade_step(d.action))
      ++out.would_cascade_steps;
  for (const auto& d : out.did)
    if (is_cascade_step(d.action) && d.status == "decided")
      ++out.did_cascade_steps;
  return true;
}

namespace {

json figures_json(const limit_figures& f) {
  return {{"rows", f.rows},
          {"slack", f.slack},
          {"throttled_time", f.throttled_time},
          {"changes", f.changes},
          {"mean_limit", f.mean_limit}};
}

} // namespace

nlohmann::json whatif_json(const whatif_report& r) {
  auto side = [](const limit_figures& cpu, const limit_figures& memory, size_t cascade,
                 const std::vector<decision>& ds) {
    return json{{"cpu", figures_json(cpu)},
                {"memory", figures_json(memory)},
                {"cascade_steps", cascade},
                {"decisions", api::to_json(ds)}};
  };
  return {{"plugin", r.plugin},
          {"policy", r.policy},
          {"from", r.from},
          {"to", r.to},
          {"sample_rows", r.sample_rows},
          {"evaluations", r.evaluations},
          {"truncated", r.truncated},
          {"truncated_why", r.truncated_why},
          {"would", side(r.would_cpu, r.would_memory, r.would_cascade_steps, r.would)},
          {"did", side(r.did_cpu, r.did_memory, r.did_cascade_steps, r.did)}};
}

} // namespace conductor::replay

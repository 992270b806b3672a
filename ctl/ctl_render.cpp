#include "ctl/ctl_render.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

#include <nlohmann/json.hpp>

#include "actors/number_text.hpp"
#include "api/json_views.hpp"
#include "config/units.hpp"

namespace conductor::ctl {

namespace {

using nlohmann::json;
using api::to_json;
using api::unix_seconds;

/// UTC, to the second: what people compare with their logs.
std::string when(caf::timestamp t) {
  auto secs = static_cast<std::time_t>(unix_seconds(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ms(caf::timespan d) {
  return number_text(std::chrono::duration<double, std::milli>(d).count(), 3) + " ms";
}

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs)
    out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "none" : out;
}

std::string dump(const json& j) {
  return j.dump(2) + "\n";
}


/// "-" for an empty field: a table cell never looks missing.
std::string or_dash(const std::string& x) {
  return x.empty() ? "-" : x;
}

/// A CPU quota (percent of one core) as operators set it: "150% (1.5 cores)".
std::string cpu_text(double quota) {
  return number_text(quota) + "% (" + number_text(quota / 100) + " core"
         + (quota == 100 ? "" : "s") + ")";
}

/// One limit's change, "-" for a side that is not set.
std::string change_text(double from, double to, std::string (*text)(double)) {
  return (from > 0 ? text(from) : "-") + " -> " + (to > 0 ? text(to) : "-");
}

std::string size_text(double bytes) {
  return config::format_size(static_cast<uint64_t>(bytes));
}

std::string count_text(double n) {
  return std::to_string(static_cast<uint64_t>(n));
}

/// The limits a decision set, one row per resource either side sets.
std::vector<std::vector<std::string>> limit_rows(const limit_values& from,
                                                 const limit_values& to) {
  std::vector<std::vector<std::string>> rows;
  if (from.cpu_quota > 0 || to.cpu_quota > 0)
    rows.push_back({"cpu_quota", change_text(from.cpu_quota, to.cpu_quota, cpu_text)});
  if (from.memory_max > 0 || to.memory_max > 0)
    rows.push_back({"memory_max",
                    change_text(static_cast<double>(from.memory_max),
                                static_cast<double>(to.memory_max), size_text)});
  if (from.tasks_max > 0 || to.tasks_max > 0)
    rows.push_back({"tasks_max", change_text(static_cast<double>(from.tasks_max),
                                             static_cast<double>(to.tasks_max), count_text)});
  return rows;
}

/// The limits set, as a phrase: "cpu 150% (1.5 cores), memory 512MiB".
std::string limits_phrase(const limit_values& l) {
  std::string out;
  auto add = [&](const std::string& x) { out += (out.empty() ? "" : ", ") + x; };
  if (l.cpu_quota > 0)
    add("cpu " + cpu_text(l.cpu_quota));
  if (l.memory_max > 0)
    add("memory " + config::format_size(l.memory_max));
  if (l.tasks_max > 0)
    add("tasks " + std::to_string(l.tasks_max));
  return out;
}

/// The inputs, indented under their heading: pretty JSON when they are JSON.
std::string inputs_text(const std::string& inputs) {
  if (inputs.empty())
    return "  -\n";
  json j = json::parse(inputs, nullptr, false);
  std::string body = j.is_discarded() ? inputs : j.dump(2);
  std::string out = "  ";
  for (char ch : body) {
    out += ch;
    if (ch == '\n')
      out += "  ";
  }
  return out + "\n";
}

} // namespace

std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (widths.size() <= i)
        widths.push_back(0);
      widths[i] = std::max(widths[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size())
        line += std::string(widths[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string render_status(const scaler_status& s, const std::vector<child_info>& actors,
                          bool json_out) {
  if (json_out) {
    auto j = to_json(s);
    j["actors"] = to_json(actors);
    return dump(j);
  }
  size_t running = std::count_if(actors.begin(), actors.end(),
                                 [](const child_info& a) { return a.running; });
  return table({{"mode", s.mode + (s.suspended_reason.empty() ? "" : " (suspended: "
                                                                                 + s.suspended_reason
                                                                                 + ")")},
                           {"host", s.host_state},
                           {"policy", s.policy},
                           {"tier", s.tier},
                           {"degraded", joined(s.degraded)},
                           {"probation", joined(s.probation)},
                           {"decisions", std::to_string(s.decisions)},
                           {"actors", std::to_string(running) + " of "
                                        + std::to_string(actors.size()) + " running"}});
}

std::string render_actors(const std::vector<child_info>& actors, bool json_out) {
  if (json_out)
    return dump(to_json(actors));
  std::vector<std::vector<std::string>> rows{
    {"ACTOR", "STATE", "RESTARTS", "MAILBOX", "LAST EXIT"}};
  for (const auto& a : actors)
    rows.push_back({a.name, a.running ? "running" : "down", std::to_string(a.restarts),
                    a.running ? std::to_string(a.mailbox) : "-",
                    a.last_exit.empty() ? "-" : a.last_exit});
  return table(rows);
}

std::string render_history(const std::vector<decision>& rows, bool json_out) {
  if (json_out)
    return dump(to_json(rows));
  if (rows.empty())
    return "no audit rows\n";
  std::vector<std::vector<std::string>> t{
    {"ID", "TIME", "ACTION", "TARGET", "STATUS", "ORIGIN", "REASON"}};
  for (const auto& d : rows)
    t.push_back({d.id > 0 ? std::to_string(d.id) : "-", when(d.at), d.action,
                 d.target.empty() ? "-" : d.target,
                 d.status.empty() ? "-" : d.status, d.origin.empty() ? "-" : d.origin,
                 d.reason + (d.error.empty() ? "" : " [error: " + d.error + "]")});
  return table(t);
}

std::string render_plugins(const std::vector<plugin_event>& plugins, bool json_out) {
  if (json_out)
    return dump(to_json(plugins));
  if (plugins.empty())
    return "no plugins configured\n";
  std::vector<std::vector<std::string>> t{{"PLUGIN", "STATE", "PID", "VARIANT", "REASON"}};
  for (const auto& p : plugins)
    t.push_back({p.plugin, p.state, p.pid > 0 ? std::to_string(p.pid) : "-",
                 p.variant.empty() ? "-" : p.variant, p.reason});
  return table(t);
}

std::string render_health(const std::vector<target_health>& targets, bool json_out) {
  if (json_out)
    return dump(to_json(targets));
  if (targets.empty())
    return "no health targets\n";
  std::vector<std::vector<std::string>> rows{
    {"TARGET", "TYPE", "BREAKER", "STATUS", "CHECKS", "FAILURES", "P50", "P95", "DETAIL"}};
  for (const auto& t : targets)
    rows.push_back({t.target, t.type, t.breaker + (t.forced ? " (forced)" : ""), t.status,
                    std::to_string(t.checks), std::to_string(t.failures), ms(t.latency_p50),
                    ms(t.latency_p95), t.detail});
  return table(rows);
}

std::string render_explanation(const std::vector<decision>& rows, bool json_out) {
  if (json_out)
    return dump(to_json(rows));
  if (rows.empty())
    return "the scaler has not evaluated yet\n";
  std::vector<std::vector<std::string>> t{{"ACTION", "TARGET", "STATUS", "WHY"}};
  for (const auto& d : rows)
    t.push_back({d.action, d.target.empty() ? "host" : d.target, d.status, d.reason});
  return table(t);
}

std::string render_decision(const decision& d, bool json_out) {
  if (json_out)
    return dump(to_json(d));
  std::vector<std::vector<std::string>> rows{
    {"id", d.id > 0 ? std::to_string(d.id) : "-"},
    {"time", when(d.at)},
    {"action", d.action},
    {"target", d.target.empty() ? "host" : d.target},
    {"status", or_dash(d.status)},
    {"origin", or_dash(d.origin)},
    {"trigger", or_dash(d.trigger)},
    {"policy", or_dash(d.policy)},
    {"confidence", number_text(d.confidence, 3)},
    {"variant", or_dash(d.variant)},
    {"reason", or_dash(d.reason)},
    {"error", or_dash(d.error)}};
  auto limits = limit_rows(d.old_limits, d.new_limits);
  if (limits.empty())
    rows.push_back({"limits", "-"});
  rows.insert(rows.end(), limits.begin(), limits.end());
  return table(rows) + "inputs\n" + inputs_text(d.inputs);
}

std::string render_scaled(const decision& d, bool json_out) {
  if (json_out)
    return dump(to_json(d));
  std::string out = "decision " + (d.id > 0 ? std::to_string(d.id) : std::string{"-"}) + ": "
                    + d.action + " " + (d.target.empty() ? "host" : d.target) + ", "
                    + or_dash(d.status);
  auto set = limits_phrase(d.new_limits);
  if (!set.empty())
    out += " (" + set + ")";
  out += "\n";
  if (!d.error.empty())
    out += "error: " + d.error + "\n";
  return out + "the scaler is in manual mode now: it will not resize on its own until"
               " `conductorctl mode enabled`\n";
}

std::string render_preflight(const preflight_answer& a, bool json_out) {
  if (json_out)
    return dump(to_json(a));
  std::string out = (a.allow ? "allowed: " : "denied: ") + a.reason + "\n";
  if (!a.recommended_variant.empty())
    out += "recommended variant: " + a.recommended_variant + "\n";
  return out;
}

namespace {

/// One side's figure for a resource, "-" when the resource had no limit.
std::string figure(const json& side, const char* resource, const char* key) {
  const auto& f = side[resource];
  if (f.value("rows", 0) == 0)
    return "-";
  if (std::string{key} == "changes")
    return std::to_string(f.value("changes", 0));
  double x = f.value(key, 0.0);
  if (std::string{key} == "throttled_time")
    return number_text(x * 100, 3) + "%";
  if (std::string{key} == "slack")
    return number_text(x, 3);
  // mean_limit: cores for CPU, bytes for memory.
  if (std::string{resource} == "cpu")
    return number_text(x, 3) + " cores";
  return number_text(x / (1024.0 * 1024.0), 4) + " MiB";
}

/// The limits a decision set, from its JSON: "cpu 50% (0.5 cores)".
std::string set_limits(const json& d) {
  limit_values l;
  const auto& n = d.contains("new_limits") ? d["new_limits"] : json::object();
  if (n.is_object()) {
    l.cpu_quota = n.value("cpu_quota", 0.0);
    l.memory_max = n.value("memory_max", uint64_t{0});
    l.tasks_max = n.value("tasks_max", uint64_t{0});
  }
  return or_dash(limits_phrase(l));
}

std::string unix_when(double seconds) {
  return when(caf::timestamp{std::chrono::duration_cast<caf::timestamp::duration>(
    std::chrono::duration<double>(seconds))});
}

std::string decision_list(const json& ds, bool with_status) {
  if (!ds.is_array() || ds.empty())
    return "  none\n";
  std::vector<std::vector<std::string>> t;
  if (with_status)
    t.push_back({"TIME", "ACTION", "TARGET", "STATUS", "LIMITS", "REASON"});
  else
    t.push_back({"TIME", "ACTION", "TARGET", "LIMITS", "REASON"});
  for (const auto& d : ds) {
    auto target = d.value("target", "");
    std::vector<std::string> row{unix_when(d.value("time", 0.0)), d.value("action", ""),
                                 target.empty() ? "host" : target};
    if (with_status)
      row.push_back(or_dash(d.value("status", "")));
    row.push_back(set_limits(d));
    row.push_back(d.value("reason", "") + (d.value("error", "").empty()
                                             ? ""
                                             : " [error: " + d.value("error", "") + "]"));
    t.push_back(std::move(row));
  }
  std::string out;
  // Indented under its heading.
  for (char ch : table(t)) {
    if (out.empty() || out.back() == '\n')
      out += "  ";
    out += ch;
  }
  return out;
}

} // namespace

std::string render_whatif(const json& r, bool json_out) {
  if (json_out)
    return dump(r);
  const auto& would = r["would"];
  const auto& did = r["did"];
  std::string out = "what-if for " + r.value("plugin", "") + " under policy "
                    + r.value("policy", "") + ", " + unix_when(r.value("from", 0.0)) + " to "
                    + unix_when(r.value("to", 0.0)) + "\n"
                    + std::to_string(r.value("sample_rows", 0)) + " sample rows, "
                    + std::to_string(r.value("evaluations", 0))
                    + " evaluations replayed (would: the replay; did: the node's audit)\n";
  if (r.value("truncated", false))
    out += "truncated: " + r.value("truncated_why", "") + "\n";
  std::vector<std::vector<std::string>> t{{"", "WOULD", "DID"}};
  for (const char* resource : {"cpu", "memory"}) {
    // A resource neither side limited (or the host) has no figures.
    if (figure(would, resource, "changes") == "-" && figure(did, resource, "changes") == "-")
      continue;
    std::string name = resource;
    for (auto [label, key] : {std::pair{" limit changes", "changes"},
                              std::pair{" mean limit", "mean_limit"}, std::pair{" slack", "slack"},
                              std::pair{" throttled time", "throttled_time"}})
      t.push_back({name + label, figure(would, resource, key), figure(did, resource, key)});
  }
  t.push_back({"cascade steps", std::to_string(would.value("cascade_steps", 0)),
               std::to_string(did.value("cascade_steps", 0))});
  out += "\n" + table(t);
  out += "\nwould (" + std::to_string(would["decisions"].size()) + " decisions):\n"
         + decision_list(would["decisions"], false);
  out += "\ndid (" + std::to_string(did["decisions"].size()) + " audit rows):\n"
         + decision_list(did["decisions"], true);
  return out;
}

} // namespace conductor::ctl

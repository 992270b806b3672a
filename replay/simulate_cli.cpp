#include "replay/simulate_cli.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>

#include "actors/number_text.hpp"
#include "config/units.hpp"
#include "replay/cli_flags.hpp"
#include "replay/limit_score.hpp"
#include "replay/resize_simulation.hpp"

namespace conductor::replay {

namespace {

constexpr const char* usage_text = R"(usage: conductor-replay --simulate cpu|memory --capacity N --input FILE [options]

Treats a trace as one plugin's demand and runs the node's own resizing loop
over it (the scaler with its policy, bounds, cooldowns and flap budget, the
host's predictor) on the trace's clock. Writes CSV:
timestamp,value,demand,limit,decision,reason
where `limit` is the limit in force at that row (cores or bytes; a limit
decided at a row is in force from the next) and `decision` what the scaler
decided at that row, with its reason. A summary goes to standard error.

  --simulate cpu    values are CPU utilisation in percent of --capacity cores
  --simulate memory values are memory use in bytes; --capacity is a size
  --capacity N      cpu: cores at 100 % (e.g. 4); memory: e.g. 16GiB. Also the
                    plugin's upper bound and its limit at the start
  --input FILE      the trace ("-" for standard input)
  --output FILE     where to write ("-", the default, for standard output)
  --column NAME     the value column (default: value)
  --policy NAME     a profile of scaler.policies (default: the config's)
  --min N           the plugin's lower bound (cores, or a size; default
                    0.001 cores / 1MiB)
  --config FILE     a node config whose scaler and prediction sections apply
  --help            this text
)";


/// A positive number of cores, or a size in bytes for memory.
bool parse_amount(const std::string& text, bool cpu, double& out) {
  if (cpu) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && ptr == text.data() + text.size() && std::isfinite(out) && out > 0;
  }
  auto size = config::parse_size(text);
  if (!size || *size.value == 0)
    return false;
  out = static_cast<double>(*size.value);
  return true;
}

/// The shortest text that reads back as `x`.
std::string exact(double x) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof(buf), x).ptr);
}

/// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos)
    return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"')
      out += '"';
    out += c;
  }
  return out + '"';
}

} // namespace

int simulate_main(int argc, char** argv) {
  cli_flags f;
  std::string error;
  if (!parse_cli_flags(argc, argv,
                       {"simulate", "capacity", "input", "output", "column", "policy", "min",
                        "config"},
                       {}, f, error))
    return cli_fail(error + " (see --simulate cpu --help)", 2);
  if (f.has("help")) {
    std::cout << usage_text;
    return 0;
  }
  simulation_options o;
  auto what = f.get("simulate");
  if (what != "cpu" && what != "memory")
    return cli_fail("--simulate: expected cpu or memory, got \"" + what + "\"", 2);
  bool cpu = what == "cpu";
  o.resource = cpu ? simulated_resource::cpu : simulated_resource::memory;
  if (!f.has("capacity"))
    return cli_fail("--capacity is required with --simulate (see --help)", 2);
  if (!parse_amount(f.get("capacity"), cpu, o.capacity))
    return cli_fail("--capacity: expected " + std::string{cpu ? "a positive number of cores" : "a size such as 16GiB"}
                  + ", got \"" + f.get("capacity") + "\"",
                2);
  if (f.has("min") && !parse_amount(f.get("min"), cpu, o.min_limit))
    return cli_fail("--min: expected " + std::string{cpu ? "a positive number of cores" : "a size such as 64MiB"}
                  + ", got \"" + f.get("min") + "\"",
                2);
  if (!f.has("input"))
    return cli_fail("--input is required (see --help)", 2);
  if (f.has("config") && !load_cli_config(f.get("config"), o.config))
    return 2;
  if (f.has("policy")) {
    auto policy = f.get("policy");
    if (!o.config.scaler.policies.count(policy)) {
      std::string known;
      for (const auto& [name, profile] : o.config.scaler.policies)
        known += (known.empty() ? "" : " | ") + name;
      return cli_fail("--policy: unknown policy \"" + policy + "\" (expected " + known + ")", 2);
    }
    o.config.scaler.policy = policy;
  }
  trace t;
  if (!read_trace(f.get("input"), f.get("column", "value"), t, error))
    return cli_fail(error, 2);
  std::vector<simulated_row> rows;
  if (!simulate_resizing(t, o, rows, error))
    return cli_fail(f.get("input") + ": " + error, 2);

  auto output = f.get("output", "-");
  std::FILE* out = output == "-" ? stdout : std::fopen(output.c_str(), "wb");
  if (!out)
    return cli_fail(output + ": cannot open for writing", 1);
  std::fputs("timestamp,value,demand,limit,decision,reason\n", out);
  std::vector<double> seconds, demand, limit;
  std::map<std::string, size_t> actions;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    std::string action, reason;
    for (const auto& d : r.decisions) {
      action += (action.empty() ? "" : ";") + d.action;
      reason += (reason.empty() ? "" : "; ") + d.reason;
      ++actions[d.action];
    }
    auto text = std::string{t.rows[i].timestamp} + ',' + std::string{t.rows[i].value_text} + ','
                + exact(r.demand) + ',' + exact(r.limit) + ',' + action + ','
                + csv_field(reason) + '\n';
    std::fputs(text.c_str(), out);
    seconds.push_back(t.rows[i].seconds);
    demand.push_back(r.demand);
    limit.push_back(r.limit);
  }
  bool ok = std::fflush(out) == 0 && !std::ferror(out);
  if (out != stdout)
    ok = std::fclose(out) == 0 && ok;
  if (!ok)
    return cli_fail(output + ": cannot write the output", 1);
  auto s = score_limits(seconds, demand, limit);
  std::string counts;
  for (const auto& [action, n] : actions)
    counts += (counts.empty() ? "" : ", ") + action + " " + std::to_string(n);
  std::cerr << "conductor-replay: " << f.get("input") << ": " << rows.size() << " rows, policy "
            << o.config.scaler.policy << ", decisions: " << (counts.empty() ? "none" : counts)
            << "; slack " << number_text(s.slack) << ", throttled time "
            << number_text(100 * s.throttled_time) << " %, throttled work "
            << number_text(100 * s.throttled_work) << " %, " << number_text(s.changes_per_day)
            << " limit changes a day\n";
  return 0;
}

} // namespace conductor::replay

#include "mcp/mcp_tools.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include "config/units.hpp"

namespace conductor::mcp {

namespace {

/// A property: its JSON Schema type (a name or a list of names) and what it means.
json prop(json type, const std::string& description, json extra = json::object()) {
  json p{{"type", std::move(type)}, {"description", description}};
  for (auto& [k, v] : extra.items())
    p[k] = v;
  return p;
}

/// The arguments of a tool: an object with exactly these properties.
json object_schema(json properties = json::object(), json required = json::array()) {
  return json{{"type", "object"},
              {"properties", std::move(properties)},
              {"required", std::move(required)},
              {"additionalProperties", false}};
}

/// An integer a client wrote as 5.0 (the schema check allows it) as 5, so the
/// API reads every integer as one (unsigned when not negative, as JSON text
/// "5" is read).
json whole_numbers(const json& schema, json args) {
  const auto& props = schema.at("properties");
  for (auto& [key, value] : args.items())
    if (value.is_number_float() && props.contains(key)) {
      const auto& type = props.at(key).at("type");
      bool integer = type == "integer"
                     || (type.is_array() && std::find(type.begin(), type.end(), "integer")
                                              != type.end()
                         && std::find(type.begin(), type.end(), "number") == type.end());
      if (integer) {
        auto x = std::floor(value.get<double>());
        if (x >= 0)
          value = static_cast<uint64_t>(x);
        else
          value = static_cast<int64_t>(x);
      }
    }
  return args;
}

/// A size given as text ("512MiB") as bytes; an error result when it is not one.
std::optional<api::result> size_to_bytes(json& args, const std::string& key) {
  auto it = args.find(key);
  if (it == args.end() || !it->is_string())
    return std::nullopt;
  auto size = config::parse_size(it->get<std::string>());
  if (!size)
    return api::error(400, key + ": invalid size \"" + it->get<std::string>() + "\": " + size.error,
                      key);
  *it = *size.value;
  return std::nullopt;
}

const char* memory_text = "bytes as an integer, or a size with a binary unit: \"512MiB\", "
                          "\"1.5GiB\" (B, KiB, MiB, GiB, TiB; KB/MB/GB are refused)";

} // namespace

std::vector<tool> make_tools(node_runner run) {
  std::vector<tool> tools;
  auto add = [&](std::string name, std::string description, json schema,
                 std::function<api::result(api::node_api&, const json&, const std::string&)> f) {
    auto call = [run, f, schema](const json& args, const std::string& origin) {
      auto checked = whole_numbers(schema, args);
      return run([&](api::node_api& api) { return f(api, checked, origin); });
    };
    tools.push_back(tool{std::move(name), std::move(description), std::move(schema),
                         std::move(call)});
  };

  add("autoscaler_get_status",
      "The node's autoscaler now: mode (enabled, disabled or manual, and why it suspended "
      "itself if it did), host state (normal, pressure, emergency), policy, hardware tier, the "
      "plugins stepped down or on probation, and the supervised actors.",
      object_schema(),
      [](api::node_api& api, const json&, const std::string&) { return api.status(); });

  add("autoscaler_get_metrics",
      "Without arguments: the newest sample of the host (CPU, memory, swap, disks, load, "
      "pressure) and of each plugin (CPU, memory, tasks against their limits). With a metric: "
      "that metric over a time range, downsampled to at most `points` points.",
      object_schema({{"metric", prop("string", "A metric's name as in the newest sample's "
                                               "values, e.g. cpu_percent, memory_percent, "
                                               "load1 (host), cpu_cores, memory_bytes (a "
                                               "plugin); asks for its range")},
                     {"source", prop("string", "Whose metric: \"host\" or a plugin's name "
                                               "(default host)")},
                     {"from", prop("number", "Start of the range, unix seconds (default an "
                                             "hour before `to`)",
                                   {{"minimum", 0}})},
                     {"to", prop("number", "End of the range, unix seconds (default now)",
                                 {{"minimum", 0}})},
                     {"points", prop("integer", "At most this many points (default 100)",
                                     {{"minimum", 1}, {"maximum", 1000}})}}),
      [](api::node_api& api, const json& args, const std::string&) {
        if (args.contains("metric"))
          return api.metric_range(args);
        if (!args.empty())
          return api::error(400, "source, from, to and points select a metric's range: name "
                                 "the metric too",
                            "metric");
        return api.metrics();
      });

  add("autoscaler_get_history",
      "The audit log, newest first: every decision of the scaler (hold, degrade, restore, "
      "emergency, resize, revert) and every operator command, with its reason, inputs, "
      "outcome and origin (who asked).",
      object_schema({{"limit", prop("integer", "How many rows (default 20)",
                                    {{"minimum", 1}, {"maximum", 1000}, {"default", 20}})},
                     {"plugin", prop("string", "Only the rows about this plugin")}}),
      [](api::node_api& api, const json& args, const std::string&) {
        return api.history(args.value("limit", int64_t{20}),
                           args.value("plugin", std::string{}));
      });

  add("autoscaler_get_config",
      "The scaler's configuration in force: mode, policy and its profiles, thresholds "
      "(degrade, restore, emergency), stabilization, cooldowns, steps, reserves.",
      object_schema(),
      [](api::node_api& api, const json&, const std::string&) { return api.config(); });

  add("autoscaler_set_config",
      "Changes the scaler's configuration in force, validated like the YAML file's `scaler:` "
      "section (same keys, same units: \"5m\", \"512MiB\"). Only the keys given change; the "
      "change is audited and lasts until the node's next reload or restart.",
      object_schema({{"config", prop("object", "A partial scaler section, e.g. {\"degrade\": "
                                               "{\"cpu\": 85}, \"cooldown\": \"5m\"}")}},
                    {"config"}),
      [](api::node_api& api, const json& args, const std::string& origin) {
        return api.set_config(args.at("config"), origin);
      });

  add("autoscaler_set_mode",
      "Sets the scaler's mode: enabled (it acts on pressure), disabled (it does nothing), "
      "manual (it only explains; operators resize). Lifts a suspension. Audited.",
      object_schema({{"mode", prop("string", "The new mode",
                                   {{"enum", {"enabled", "disabled", "manual"}}})}},
                    {"mode"}),
      [](api::node_api& api, const json& args, const std::string& origin) {
        return api.set_mode(args, origin);
      });

  add("autoscaler_set_policy",
      "Sets the scaling policy profile, one of the node's scaler.policies: conservative (acts "
      "late, in small steps), balanced, aggressive (acts early, in large steps), predictive "
      "(sizes limits to the expected peak), or one the node defines. Audited; in force until "
      "the node's next reload or restart.",
      object_schema({{"policy", prop("string", "The policy's name, e.g. conservative, "
                                               "balanced or aggressive")}},
                    {"policy"}),
      [](api::node_api& api, const json& args, const std::string& origin) {
        return api.set_policy(args, origin);
      });

  add("autoscaler_manual_scale",
      "Resizes one plugin's cgroup limits by hand: switches the scaler to manual mode (so it "
      "does not undo the change) and applies the limits given, within the plugin's bounds. "
      "Audited with the reason.",
      object_schema(
        {{"plugin", prop("string", "The plugin to resize")},
         {"cpu_quota", prop("number", "CPU limit in percent of one core (150 = 1.5 cores)",
                            {{"minimum", 0}})},
         {"memory_max", prop(json::array({"integer", "string"}),
                             std::string{"Memory limit: "} + memory_text, {{"minimum", 0}})},
         {"tasks_max", prop("integer", "Limit on processes and threads", {{"minimum", 0}})},
         {"reason", prop("string", "Why, for the audit log")}},
        {"plugin"}),
      [](api::node_api& api, const json& args, const std::string& origin) {
        json body = args;
        if (auto bad = size_to_bytes(body, "memory_max"))
          return *bad;
        return api.manual_scale(body, origin);
      });

  add("autoscaler_get_prediction",
      "The newest forecast per source and metric: the value expected a few steps ahead, its "
      "bounds, the confidence earned by past forecasts, and the anomaly score.",
      object_schema(),
      [](api::node_api& api, const json&, const std::string&) { return api.prediction(); });

  add("explain_decision",
      "Explains a decision: with an id, that audit row (from autoscaler_get_history) with its "
      "reason and inputs; without, the scaler's last evaluation: what it did and, for the host "
      "and each plugin, why it did nothing else.",
      object_schema({{"id", prop("integer", "An audit row's id", {{"minimum", 1}})}}),
      [](api::node_api& api, const json& args, const std::string&) {
        if (args.contains("id"))
          return api.decision(args.at("id").get<int64_t>());
        return api.explain();
      });

  add("preflight",
      "Can work that needs this much memory and CPU start on this host now, keeping the "
      "reserves? Answers allow or not, why with the figures, and for a plugin with variants "
      "the largest that fits.",
      object_schema({{"memory", prop(json::array({"integer", "string"}),
                                     std::string{"Memory the work needs: "} + memory_text,
                                     {{"minimum", 0}})},
                     {"cpu", prop("number", "CPU cores the work needs", {{"minimum", 0}})},
                     {"plugin", prop("string", "The plugin that would run it (its variants "
                                               "are weighed)")}}),
      [](api::node_api& api, const json& args, const std::string&) {
        json body = args;
        if (auto bad = size_to_bytes(body, "memory"))
          return *bad;
        return api.preflight(body);
      });

  add("autoscaler_whatif",
      "What would the scaler have done? Replays the node's own recorded samples of a plugin "
      "(or the host) through its configuration, or under another policy, and reports what "
      "would have happened beside what did: limit changes, mean limit, slack, throttled time, "
      "cascade steps and both decision lists. Read-only; bounded by the node (at most 24h, "
      "200000 rows, 5 s, one at a time).",
      object_schema({{"plugin", prop("string", "A plugin's name, or \"host\"")},
                     {"since", prop("string", "How far back, a duration such as \"30m\" or "
                                              "\"6h\" (default 6h, at most 24h)")},
                     {"policy", prop("string", "The policy to replay under, e.g. predictive "
                                               "(default: the one in force)")}},
                    {"plugin"}),
      [](api::node_api& api, const json& args, const std::string&) { return api.whatif(args); });

  return tools;
}

std::vector<tool> make_tools(api::node_api& api) {
  return make_tools([&api](const node_call& call) { return call(api); });
}

} // namespace conductor::mcp

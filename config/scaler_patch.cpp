#include "config/scaler_patch.hpp"

#include <charconv>

#include <yaml-cpp/yaml.h>

#include "config/loader.hpp"

namespace conductor::config {

namespace {

using nlohmann::json;

YAML::Node yaml_of(const json& j) {
  YAML::Node n;
  if (j.is_object()) {
    n = YAML::Node(YAML::NodeType::Map);
    for (const auto& [k, v] : j.items())
      n[k] = yaml_of(v);
  } else if (j.is_array()) {
    n = YAML::Node(YAML::NodeType::Sequence);
    for (const auto& v : j)
      n.push_back(yaml_of(v));
  } else if (j.is_string()) {
    n = j.get<std::string>();
  } else if (j.is_null()) {
    n = YAML::Node(YAML::NodeType::Null);
  } else {
    n = j.dump(); // numbers and booleans: their JSON text is their YAML text
  }
  return n;
}

json json_of_scalar(const std::string& s) {
  if (s == "true" || s == "false")
    return s == "true";
  double d = 0;
  auto [ptr, err] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (err == std::errc{} && ptr == s.data() + s.size() && !s.empty())
    return d;
  return s;
}

json json_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : n)
        out[kv.first.as<std::string>()] = json_of(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& v : n)
        out.push_back(json_of(v));
      return out;
    }
    case YAML::NodeType::Scalar:
      return json_of_scalar(n.Scalar());
    default:
      return nullptr;
  }
}

/// Merges `patch` into `into`; a null removes the key. Records dotted keys.
void merge(json& into, const json& patch, const std::string& prefix,
           std::vector<std::string>& keys) {
  for (const auto& [k, v] : patch.items()) {
    auto key = prefix + "." + k;
    if (v.is_object() && !v.empty()) {
      if (!into.contains(k) || !into[k].is_object())
        into[k] = json::object();
      merge(into[k], v, key, keys);
      if (into[k].empty())
        into.erase(k);
    } else if (v.is_null()) {
      into.erase(k);
      keys.push_back(key);
    } else {
      into[k] = v;
      keys.push_back(key);
    }
  }
}

/// Lays the changes over the file's scaler node, key by key.
void lay(YAML::Node node, const json& changes) {
  for (const auto& [k, v] : changes.items()) {
    if (v.is_object() && node[k] && node[k].IsMap())
      lay(node[k], v);
    else
      node[k] = yaml_of(v);
  }
}

YAML::Node document_with(const std::string& file_text, const json& changes) {
  YAML::Node doc = YAML::Load(file_text);
  if (!doc.IsMap())
    doc = YAML::Node(YAML::NodeType::Map);
  if (!doc["scaler"] || !doc["scaler"].IsMap())
    doc["scaler"] = YAML::Node(YAML::NodeType::Map);
  lay(doc["scaler"], changes);
  return doc;
}

} // namespace

scaler_patch_result patch_scaler(const std::string& file_text, const std::string& file_name,
                                 const json& changes, const json& patch) {
  scaler_patch_result out;
  if (!patch.is_object() || patch.empty()) {
    out.error = "expected a JSON object with scaler keys, e.g. {\"degrade\": {\"memory\": 85}}";
    return out;
  }
  out.changes = changes.is_object() ? changes : json::object();
  merge(out.changes, patch, "scaler", out.keys);
  YAML::Node doc;
  try {
    doc = document_with(file_text, out.changes);
  } catch (const YAML::Exception& e) {
    out.error = "the configuration file no longer parses: " + std::string{e.what()};
    return out;
  }
  YAML::Emitter text;
  text << doc;
  auto res = load_config_text(text.c_str(), file_name + " with run-time changes");
  if (!res.ok()) {
    const auto& e = res.errors.front();
    out.field = e.key;
    out.error = (e.key.empty() ? "" : e.key + ": ") + e.message;
    return out;
  }
  out.ok = true;
  out.config = std::move(res.config);
  return out;
}

json scaler_as_written(const std::string& file_text, const json& changes) {
  try {
    return json_of(document_with(file_text, changes)["scaler"]);
  } catch (const YAML::Exception&) {
    return json_of(YAML::Node{}); // the file changed under us: nothing to show
  }
}

} // namespace conductor::config

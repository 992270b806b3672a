#include "mcp/mcp_server.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <utility>

namespace conductor::mcp {

namespace {

json reply(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json failure(const json& id, int code, const std::string& message, const json& data = nullptr) {
  json error{{"code", code}, {"message", message}};
  if (!data.is_null())
    error["data"] = data;
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

/// "a string", "an integer"...: a JSON value's kind as messages say it.
std::string kind_of(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a value";
  }
}

std::string with_article(const std::string& type) {
  if (type == "null")
    return type;
  bool vowel = !type.empty() && std::string{"aeiou"}.find(type[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + type;
}

/// Whether `v` is of the JSON Schema type `type`. An integer may be written
/// 5.0, as JSON Schema allows.
bool is_type(const json& v, const std::string& type) {
  if (type == "integer")
    return v.is_number_integer()
           || (v.is_number_float() && std::isfinite(v.get<double>())
               && v.get<double>() == std::floor(v.get<double>()));
  if (type == "number")
    return v.is_number();
  if (type == "string")
    return v.is_string();
  if (type == "boolean")
    return v.is_boolean();
  if (type == "object")
    return v.is_object();
  if (type == "array")
    return v.is_array();
  if (type == "null")
    return v.is_null();
  return false;
}

std::string join(const std::vector<std::string>& xs, const std::string& sep,
                 const std::string& last_sep) {
  std::string out;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i > 0)
      out += i + 1 == xs.size() ? last_sep : sep;
    out += xs[i];
  }
  return out;
}

std::string path_of(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

/// A number as people write it: 1000, not 1000.0.
std::string number_text(const json& v) {
  if (v.is_number_float() && v.get<double>() == std::floor(v.get<double>())
      && std::abs(v.get<double>()) < 1e15)
    return std::to_string(static_cast<int64_t>(v.get<double>()));
  return v.dump();
}

std::optional<argument_error> check_value(const json& schema, const json& value,
                                          const std::string& field) {
  auto fail = [&](const std::string& why) {
    return argument_error{field, "argument \"" + field + "\" " + why};
  };
  if (!schema.is_object())
    return std::nullopt;
  if (auto t = schema.find("type"); t != schema.end()) {
    std::vector<std::string> types;
    if (t->is_string())
      types.push_back(t->get<std::string>());
    else if (t->is_array())
      for (const auto& x : *t)
        if (x.is_string())
          types.push_back(x.get<std::string>());
    if (!types.empty()
        && std::none_of(types.begin(), types.end(),
                        [&](const std::string& x) { return is_type(value, x); })) {
      std::vector<std::string> named;
      for (const auto& x : types)
        named.push_back(with_article(x));
      if (field.empty())
        return argument_error{"", "arguments must be " + join(named, ", ", " or ") + ", got "
                                    + kind_of(value)};
      return fail("must be " + join(named, ", ", " or ") + ", got " + kind_of(value));
    }
  }
  if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    if (std::find(e->begin(), e->end(), value) == e->end()) {
      std::vector<std::string> allowed;
      for (const auto& x : *e)
        allowed.push_back(x.is_string() ? x.get<std::string>() : x.dump());
      return fail("must be one of " + join(allowed, ", ", " or ") + ", got "
                  + value.dump(-1, ' ', false, json::error_handler_t::replace));
    }
  }
  if (value.is_number()) {
    auto x = value.get<double>();
    if (auto m = schema.find("minimum"); m != schema.end() && m->is_number() && x < m->get<double>())
      return fail("must be at least " + number_text(*m) + ", got " + number_text(value));
    if (auto m = schema.find("maximum"); m != schema.end() && m->is_number() && x > m->get<double>())
      return fail("must be at most " + number_text(*m) + ", got " + number_text(value));
  }
  if (value.is_object()) {
    static const json no_properties = json::object();
    auto p = schema.find("properties");
    const json& properties = p != schema.end() && p->is_object() ? *p : no_properties;
    if (auto r = schema.find("required"); r != schema.end() && r->is_array())
      for (const auto& key : *r)
        if (key.is_string() && !value.contains(key.get<std::string>())) {
          auto name = path_of(field, key.get<std::string>());
          return argument_error{name, "missing required argument \"" + name + "\""};
        }
    auto extra = schema.find("additionalProperties");
    if (extra != schema.end() && extra->is_boolean() && !extra->get<bool>()) {
      for (const auto& [key, _] : value.items()) {
        if (properties.contains(key))
          continue;
        auto name = path_of(field, key);
        std::vector<std::string> known;
        for (const auto& [k, _2] : properties.items())
          known.push_back(k);
        return argument_error{name, "unknown argument \"" + name + "\" ("
                                      + (known.empty() ? std::string{"this takes no arguments"}
                                                       : "expected " + join(known, ", ", " or "))
                                      + ")"};
      }
    }
    for (const auto& [key, v] : value.items())
      if (auto s = properties.find(key); s != properties.end())
        if (auto err = check_value(*s, v, path_of(field, key)))
          return err;
  }
  return std::nullopt;
}

} // namespace

std::optional<argument_error> check_arguments(const json& schema, const json& args) {
  return check_value(schema, args, "");
}

mcp_server::mcp_server(std::vector<tool> tools)
  : tools_(std::move(tools)), protocol_version_(supported_protocol_versions.back()) {
}

std::string mcp_server::origin() const {
  return "mcp:" + (client_name_.empty() ? std::string{"unknown"} : client_name_);
}

std::optional<json> mcp_server::handle_line(const std::string& line) {
  if (line.find_first_not_of(" \t\r\n") == std::string::npos)
    return std::nullopt;
  auto message = json::parse(line, nullptr, false);
  if (message.is_discarded())
    return failure(nullptr, rpc_error::parse_error, "parse error: the line is not JSON");
  return handle(message);
}

std::optional<json> mcp_server::handle(const json& message) {
  if (message.is_array())
    return failure(nullptr, rpc_error::invalid_request,
                   "invalid request: batches are not supported; send one message per line");
  if (!message.is_object())
    return failure(nullptr, rpc_error::invalid_request,
                   "invalid request: a message is a JSON object, got " + kind_of(message));
  auto id_it = message.find("id");
  bool has_id = id_it != message.end();
  json id = has_id ? *id_it : json(nullptr);
  if (has_id && !id.is_string() && !id.is_number())
    return failure(nullptr, rpc_error::invalid_request,
                   "invalid request: id must be a string or a number");
  auto method_it = message.find("method");
  if (method_it == message.end()) {
    // A response to a request of ours: the server sends none, so it answers
    // nothing; anything else is a request without its method.
    if (message.contains("result") || message.contains("error"))
      return std::nullopt;
    return failure(id, rpc_error::invalid_request, "invalid request: no method");
  }
  if (!method_it->is_string())
    return has_id ? std::optional<json>{failure(id, rpc_error::invalid_request,
                                                "invalid request: method must be a string")}
                  : std::nullopt;
  auto version = message.find("jsonrpc");
  if (version == message.end() || *version != "2.0")
    return has_id ? std::optional<json>{failure(id, rpc_error::invalid_request,
                                                "invalid request: jsonrpc must be \"2.0\"")}
                  : std::nullopt;
  const auto& method = method_it->get_ref<const std::string&>();
  // Notifications (initialized, cancelled, progress, roots changed...) need
  // no answer, and a notification never gets one, known or not.
  if (!has_id)
    return std::nullopt;
  static const json no_params = json::object();
  auto params_it = message.find("params");
  const json& params = params_it == message.end() || params_it->is_null() ? no_params : *params_it;
  if (!params.is_object())
    return failure(id, rpc_error::invalid_params, "invalid params: params must be an object");
  outcome out;
  if (method == "initialize")
    out = initialize(params);
  else if (method == "ping")
    out = outcome{json::object(), 0, "", nullptr};
  else if (method == "tools/list")
    out = list_tools();
  else if (method == "tools/call")
    out = call_tool(params);
  else
    return failure(id, rpc_error::method_not_found, "method not found: " + method,
                   json{{"method", method}});
  if (out.code != 0)
    return failure(id, out.code, out.message, out.data);
  return reply(id, std::move(out.result));
}

mcp_server::outcome mcp_server::initialize(const json& params) {
  initialized_ = true;
  protocol_version_ = supported_protocol_versions.back();
  if (auto v = params.find("protocolVersion"); v != params.end() && v->is_string()) {
    const auto& asked = v->get_ref<const std::string&>();
    if (std::find(supported_protocol_versions.begin(), supported_protocol_versions.end(), asked)
        != supported_protocol_versions.end())
      protocol_version_ = asked;
  }
  client_name_.clear();
  if (auto info = params.find("clientInfo"); info != params.end() && info->is_object())
    if (auto name = info->find("name"); name != info->end() && name->is_string())
      client_name_ = name->get<std::string>();
  json result{
    {"protocolVersion", protocol_version_},
    {"capabilities", {{"tools", json::object()}}},
    {"serverInfo", {{"name", "conductor-mcp"}, {"version", CONDUCTOR_VERSION}}},
    {"instructions",
     "Inspects and steers one conductor node (a host's resource autoscaler): its status, "
     "metrics, forecasts and audited decisions; its mode, policy and scaler configuration; "
     "manual resizes of a plugin's limits; and pre-flight checks of whether work fits now. "
     "Every change is audited with this client's name."}};
  return outcome{std::move(result), 0, "", nullptr};
}

mcp_server::outcome mcp_server::list_tools() const {
  json list = json::array();
  for (const auto& t : tools_)
    list.push_back(
      {{"name", t.name}, {"description", t.description}, {"inputSchema", t.input_schema}});
  return outcome{json{{"tools", std::move(list)}}, 0, "", nullptr};
}

mcp_server::outcome mcp_server::call_tool(const json& params) {
  auto name_it = params.find("name");
  if (name_it == params.end() || !name_it->is_string())
    return outcome{nullptr, rpc_error::invalid_params,
                   "invalid params: tools/call needs params.name, a tool's name",
                   json{{"field", "name"}}};
  const auto& name = name_it->get_ref<const std::string&>();
  auto t = std::find_if(tools_.begin(), tools_.end(),
                        [&](const tool& x) { return x.name == name; });
  if (t == tools_.end())
    return outcome{nullptr, rpc_error::invalid_params, "unknown tool \"" + name + "\"",
                   json{{"field", "name"}, {"tool", name}}};
  static const json no_args = json::object();
  auto args_it = params.find("arguments");
  const json& args = args_it == params.end() || args_it->is_null() ? no_args : *args_it;
  if (auto err = check_arguments(t->input_schema, args))
    return outcome{nullptr, rpc_error::invalid_params, name + ": " + err->message,
                   json{{"field", err->field}, {"tool", name}}};
  api::result r;
  try {
    r = t->call(args, origin());
  } catch (const std::exception& e) {
    // A tool's failure is the call's result, for the model to read.
    r = api::result{500, json{{"error", name + " failed: " + e.what()}, {"field", ""}}};
  }
  json result;
  if (r.ok()) {
    result["content"] = json::array(
      {{{"type", "text"}, {"text", r.body.dump(2, ' ', false, json::error_handler_t::replace)}}});
    // structuredContent is an object; other bodies are wrapped.
    result["structuredContent"] = r.body.is_object() ? r.body : json{{"result", r.body}};
    result["isError"] = false;
  } else {
    std::string text;
    if (r.body.is_object() && r.body.contains("error") && r.body["error"].is_string())
      text = r.body["error"].get<std::string>();
    else
      text = r.body.dump(-1, ' ', false, json::error_handler_t::replace);
    json detail = r.body.is_object() ? r.body : json{{"error", r.body}};
    detail["status"] = r.status;
    result["content"] = json::array({{{"type", "text"}, {"text", text}}});
    result["structuredContent"] = std::move(detail);
    result["isError"] = true;
  }
  return outcome{std::move(result), 0, "", nullptr};
}

} // namespace conductor::mcp

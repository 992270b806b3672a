// conductor-mcp's protocol (mcp/mcp_server.hpp) with fake tools, no node:
// initialize, tools/list, tools/call and its argument checks, and every
// JSON-RPC error path, one line of input at a time as the tool reads them.
#define CAF_SUITE mcp_server

#include <caf/test/unit_test.hpp>

#include <stdexcept>
#include <string>

#include "mcp/mcp_server.hpp"
#include "mcp/mcp_tools.hpp"

using namespace conductor;
using namespace conductor::mcp;

/// Equality of two JSON values (or of anything JSON holds), shown as JSON
/// text when it fails.
#define CHECK_JSON(x, y) CAF_CHECK_EQUAL(json(x).dump(), json(y).dump())

namespace {

/// A tool that answers with what it was given: its arguments and origin.
tool echo_tool() {
  json schema = {
    {"type", "object"},
    {"properties",
     {{"text", {{"type", "string"}, {"description", "something to say"}}},
      {"count", {{"type", "integer"}, {"description", "times"}, {"minimum", 1}, {"maximum", 10}}},
      {"mode", {{"type", "string"}, {"description", "a or b"}, {"enum", {"a", "b", "c"}}}},
      {"size", {{"type", json::array({"integer", "string"})}, {"description", "bytes or text"}}},
      {"config",
       {{"type", "object"},
        {"description", "nested"},
        {"properties", {{"x", {{"type", "integer"}, {"description", "x"}}}}},
        {"additionalProperties", false}}}}},
    {"required", {"text"}},
    {"additionalProperties", false}};
  return tool{"echo", "answers with its arguments", schema,
              [](const json& args, const std::string& origin) {
                return api::result{200, json{{"args", args}, {"origin", origin}}};
              }};
}

tool fixed_tool(std::string name, int status, json body) {
  json schema = {{"type", "object"},
                 {"properties", json::object()},
                 {"required", json::array()},
                 {"additionalProperties", false}};
  return tool{std::move(name), "answers the same every time", schema,
              [status, body](const json&, const std::string&) {
                return api::result{status, body};
              }};
}

std::vector<tool> fake_tools() {
  std::vector<tool> tools;
  tools.push_back(echo_tool());
  tools.push_back(fixed_tool("refuse", 404, {{"error", "no plugin nope"}, {"field", "plugin"}}));
  tools.push_back(fixed_tool("listing", 200, json::array({1, 2})));
  tool thrower = fixed_tool("throws", 200, json::object());
  thrower.call = [](const json&, const std::string&) -> api::result {
    throw std::runtime_error("boom");
  };
  tools.push_back(thrower);
  return tools;
}

/// The answer to one line, or null when there is none.
json answer(mcp_server& s, const std::string& line) {
  auto r = s.handle_line(line);
  return r ? *r : json(nullptr);
}

/// A tools/call request line.
std::string call_line(int id, const std::string& tool_name, const json& args) {
  return json{{"jsonrpc", "2.0"},
              {"id", id},
              {"method", "tools/call"},
              {"params", {{"name", tool_name}, {"arguments", args}}}}
    .dump();
}

int error_code(const json& reply) {
  return reply.contains("error") ? reply["error"].value("code", 0) : 0;
}

std::string error_message(const json& reply) {
  return reply.contains("error") ? reply["error"].value("message", std::string{}) : "";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::string init_line
  = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26",)"
    R"("capabilities":{},"clientInfo":{"name":"test-client","version":"1.0"}}})";

} // namespace

CAF_TEST(initialize echoes a supported protocol version and names the server) {
  mcp_server s{fake_tools()};
  CAF_CHECK(!s.initialized());
  CHECK_JSON(s.origin(), "mcp:unknown");
  auto r = answer(s, init_line);
  CHECK_JSON(r["jsonrpc"], "2.0");
  CHECK_JSON(r["id"], 1);
  CHECK_JSON(r["result"]["protocolVersion"], "2025-03-26");
  CAF_CHECK(r["result"]["capabilities"]["tools"].is_object());
  CHECK_JSON(r["result"]["serverInfo"]["name"], "conductor-mcp");
  CHECK_JSON(r["result"]["serverInfo"]["version"], CONDUCTOR_VERSION);
  CAF_CHECK(s.initialized());
  CHECK_JSON(s.origin(), "mcp:test-client");
  for (std::string v : {"2024-11-05", "2025-06-18"}) {
    auto again = answer(s, json{{"jsonrpc", "2.0"},
                                {"id", "s"},
                                {"method", "initialize"},
                                {"params", {{"protocolVersion", v}}}}
                             .dump());
    CHECK_JSON(again["id"], "s");
    CHECK_JSON(again["result"]["protocolVersion"], v);
  }
  // A revision it does not speak: the newest it does; no clientInfo: unknown.
  auto other = answer(
    s, R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"1999-01-01"}})");
  CHECK_JSON(other["result"]["protocolVersion"], "2025-06-18");
  CHECK_JSON(s.origin(), "mcp:unknown");
}

CAF_TEST(notifications and client responses get no reply) {
  mcp_server s{fake_tools()};
  answer(s, init_line);
  CAF_CHECK(!s.handle_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  CAF_CHECK(!s.handle_line(
    R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}})"));
  // Unknown, or with bad params: still a notification, still no reply.
  CAF_CHECK(!s.handle_line(R"({"jsonrpc":"2.0","method":"no/such/thing","params":7})"));
  CAF_CHECK(!s.handle_line(R"({"jsonrpc":"2.0","id":9,"result":{}})"));
  CAF_CHECK(!s.handle_line(""));
  CAF_CHECK(!s.handle_line("   \r"));
}

CAF_TEST(ping answers an empty result) {
  mcp_server s{fake_tools()};
  auto r = answer(s, R"({"jsonrpc":"2.0","id":"p1","method":"ping"})");
  CHECK_JSON(r["id"], "p1");
  CAF_CHECK(r["result"] == json::object());
}

CAF_TEST(tools list names every tool with its input schema) {
  mcp_server s{fake_tools()};
  answer(s, init_line);
  auto r = answer(s, R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}})");
  const auto& tools = r["result"]["tools"];
  CAF_REQUIRE(tools.is_array());
  CHECK_JSON(tools.size(), 4u);
  CHECK_JSON(tools[0]["name"], "echo");
  CHECK_JSON(tools[0]["description"], "answers with its arguments");
  CAF_CHECK(tools[0]["inputSchema"] == echo_tool().input_schema);
  CHECK_JSON(tools[0]["inputSchema"]["additionalProperties"], false);
  CHECK_JSON(tools[1]["name"], "refuse");
  // Without params at all, too.
  auto bare = answer(s, R"({"jsonrpc":"2.0","id":3,"method":"tools/list"})");
  CHECK_JSON(bare["result"]["tools"].size(), 4u);
}

CAF_TEST(a successful call answers the body as text and as structured content) {
  mcp_server s{fake_tools()};
  answer(s, init_line);
  auto r = answer(s, call_line(5, "echo", {{"text", "hi"}, {"count", 3}, {"size", "1MiB"}}));
  CHECK_JSON(r["id"], 5);
  const auto& res = r["result"];
  CHECK_JSON(res["isError"], false);
  json body{{"args", {{"text", "hi"}, {"count", 3}, {"size", "1MiB"}}}, {"origin", "mcp:test-client"}};
  CAF_CHECK(res["structuredContent"] == body);
  CAF_REQUIRE(res["content"].is_array() && res["content"].size() == 1);
  CHECK_JSON(res["content"][0]["type"], "text");
  CHECK_JSON(res["content"][0]["text"], body.dump(2));
  // An integer written 5.0 is an integer; a union type takes either kind.
  auto whole = answer(s, call_line(6, "echo", {{"text", "hi"}, {"count", 5.0}, {"size", 10}}));
  CHECK_JSON(whole["result"]["isError"], false);
  // A body that is not an object is wrapped: structuredContent is an object.
  auto listing = answer(s, call_line(7, "listing", json::object()));
  CAF_CHECK(listing["result"]["structuredContent"] == json({{"result", {1, 2}}}));
  CHECK_JSON(listing["result"]["content"][0]["text"], json::array({1, 2}).dump(2));
  // Arguments may be left out when none are required.
  auto none = answer(s, R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"listing"}})");
  CHECK_JSON(none["result"]["isError"], false);
}

CAF_TEST(a refused call is a result with isError and the node reason) {
  mcp_server s{fake_tools()};
  auto r = answer(s, call_line(5, "refuse", json::object()));
  CAF_CHECK(!r.contains("error"));
  const auto& res = r["result"];
  CHECK_JSON(res["isError"], true);
  CHECK_JSON(res["content"][0]["type"], "text");
  CHECK_JSON(res["content"][0]["text"], "no plugin nope");
  CHECK_JSON(res["structuredContent"]["status"], 404);
  CHECK_JSON(res["structuredContent"]["field"], "plugin");
  // A tool that throws: its failure, as a result too.
  auto thrown = answer(s, call_line(6, "throws", json::object()));
  CHECK_JSON(thrown["result"]["isError"], true);
  CAF_CHECK(has(thrown["result"]["content"][0]["text"].get<std::string>(), "boom"));
}

CAF_TEST(requests before initialize are answered with an unknown origin) {
  mcp_server s{fake_tools()};
  auto r = answer(s, call_line(1, "echo", {{"text", "early"}}));
  CHECK_JSON(r["result"]["isError"], false);
  CHECK_JSON(r["result"]["structuredContent"]["origin"], "mcp:unknown");
  auto list = answer(s, R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})");
  CHECK_JSON(list["result"]["tools"].size(), 4u);
}

CAF_TEST(a line that is not JSON is a parse error with a null id) {
  mcp_server s{fake_tools()};
  for (std::string line : {"{not json", R"({"jsonrpc":"2.0","id":1,"method":"ping")", "nul"}) {
    auto r = answer(s, line);
    CHECK_JSON(error_code(r), rpc_error::parse_error);
    CAF_CHECK(r.contains("id") && r["id"].is_null());
    CHECK_JSON(r["jsonrpc"], "2.0");
  }
  // The server goes on after it.
  auto ok = answer(s, R"({"jsonrpc":"2.0","id":2,"method":"ping"})");
  CAF_CHECK(ok.contains("result"));
}

CAF_TEST(a message that is not a request is an invalid request) {
  mcp_server s{fake_tools()};
  auto no_method = answer(s, R"({"jsonrpc":"2.0","id":4})");
  CHECK_JSON(error_code(no_method), rpc_error::invalid_request);
  CHECK_JSON(no_method["id"], 4);
  CAF_CHECK(has(error_message(no_method), "no method"));
  auto method_number = answer(s, R"({"jsonrpc":"2.0","id":5,"method":42})");
  CHECK_JSON(error_code(method_number), rpc_error::invalid_request);
  auto old_version = answer(s, R"({"jsonrpc":"1.0","id":6,"method":"ping"})");
  CHECK_JSON(error_code(old_version), rpc_error::invalid_request);
  CHECK_JSON(old_version["id"], 6);
  auto bad_id = answer(s, R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})");
  CHECK_JSON(error_code(bad_id), rpc_error::invalid_request);
  CAF_CHECK(bad_id["id"].is_null());
  auto null_id = answer(s, R"({"jsonrpc":"2.0","id":null,"method":"ping"})");
  CHECK_JSON(error_code(null_id), rpc_error::invalid_request);
  // Batches are not supported (MCP 2025-06-18 removed them): one error.
  auto batch = answer(s, R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
  CHECK_JSON(error_code(batch), rpc_error::invalid_request);
  CAF_CHECK(has(error_message(batch), "batch"));
  auto scalar = answer(s, "17");
  CHECK_JSON(error_code(scalar), rpc_error::invalid_request);
}

CAF_TEST(an unknown method is method not found) {
  mcp_server s{fake_tools()};
  auto r = answer(s, R"({"jsonrpc":"2.0","id":3,"method":"resources/list"})");
  CHECK_JSON(error_code(r), rpc_error::method_not_found);
  CHECK_JSON(r["id"], 3);
  CAF_CHECK(has(error_message(r), "resources/list"));
}

CAF_TEST(params that are not an object are invalid params) {
  mcp_server s{fake_tools()};
  auto r = answer(s, R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":[1]})");
  CHECK_JSON(error_code(r), rpc_error::invalid_params);
}

CAF_TEST(tools call names the field of each argument error) {
  mcp_server s{fake_tools()};
  auto check = [&](const json& args, const std::string& field, const std::string& says) {
    auto r = answer(s, call_line(11, "echo", args));
    CHECK_JSON(error_code(r), rpc_error::invalid_params);
    CHECK_JSON(r["id"], 11);
    CAF_CHECK(!r.contains("result"));
    auto message = error_message(r);
    CAF_CHECK(has(message, "echo: "));
    CAF_CHECK(has(message, says));
    CAF_CHECK(has(message, "\"" + field + "\""));
    CHECK_JSON(r["error"]["data"]["field"], field);
  };
  // Wrong type.
  check({{"text", 5}}, "text", "must be a string, got an integer");
  check({{"text", "x"}, {"count", "3"}}, "count", "must be an integer, got a string");
  check({{"text", "x"}, {"count", 2.5}}, "count", "must be an integer, got a number");
  check({{"text", "x"}, {"size", true}}, "size", "must be an integer or a string, got a boolean");
  // Missing required.
  check(json::object(), "text", "missing required argument");
  // Unknown property.
  check({{"text", "x"}, {"colour", "red"}}, "colour", "unknown argument");
  // Enum violation.
  check({{"text", "x"}, {"mode", "z"}}, "mode", "must be one of a, b or c, got \"z\"");
  // Range.
  check({{"text", "x"}, {"count", 0}}, "count", "must be at least 1, got 0");
  check({{"text", "x"}, {"count", 11}}, "count", "must be at most 10, got 11");
  // Nested objects are checked too, with a dotted path.
  check({{"text", "x"}, {"config", {{"x", "1"}}}}, "config.x", "must be an integer");
  check({{"text", "x"}, {"config", {{"y", 1}}}}, "config.y", "unknown argument");
  // Arguments that are not an object.
  auto not_object = answer(s, call_line(12, "echo", json::array({1})));
  CHECK_JSON(error_code(not_object), rpc_error::invalid_params);
  CAF_CHECK(has(error_message(not_object), "arguments must be an object, got an array"));
}

CAF_TEST(tools call of an unknown tool or without a name is invalid params) {
  mcp_server s{fake_tools()};
  auto unknown = answer(s, call_line(3, "nope", json::object()));
  CHECK_JSON(error_code(unknown), rpc_error::invalid_params);
  CAF_CHECK(has(error_message(unknown), "unknown tool \"nope\""));
  auto nameless = answer(s, R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{}})");
  CHECK_JSON(error_code(nameless), rpc_error::invalid_params);
  CAF_CHECK(has(error_message(nameless), "params.name"));
}

CAF_TEST(check_arguments accepts what fits and reports the first problem) {
  auto schema = echo_tool().input_schema;
  CAF_CHECK(!check_arguments(schema, {{"text", "a"}}));
  CAF_CHECK(!check_arguments(schema, {{"text", "a"}, {"count", 10}, {"mode", "b"}, {"size", 1}}));
  CAF_CHECK(!check_arguments(schema, {{"text", "a"}, {"config", json::object()}}));
  // Missing keys come before unknown ones, unknown ones before bad values.
  auto both = check_arguments(schema, {{"count", "x"}, {"zzz", 1}});
  CAF_REQUIRE(both);
  CHECK_JSON(both->field, "text");
  auto unknown_first = check_arguments(schema, {{"text", "a"}, {"count", "x"}, {"zzz", 1}});
  CAF_REQUIRE(unknown_first);
  CHECK_JSON(unknown_first->field, "zzz");
  // A schema without properties takes no arguments at all.
  json empty{{"type", "object"}, {"properties", json::object()}, {"additionalProperties", false}};
  CAF_CHECK(!check_arguments(empty, json::object()));
  auto extra = check_arguments(empty, {{"a", 1}});
  CAF_REQUIRE(extra);
  CAF_CHECK(has(extra->message, "takes no arguments"));
}

CAF_TEST(the node tools have strict schemas and go through the runner) {
  int runs = 0;
  auto unreachable = [&runs](const node_call&) {
    ++runs;
    return api::result{503, json{{"error", "cannot reach the node's inspector at 127.0.0.1:1"},
                                 {"field", ""}}};
  };
  auto tools = make_tools(unreachable);
  std::vector<std::string> names;
  for (const auto& t : tools) {
    names.push_back(t.name);
    CAF_CHECK(!t.description.empty());
    const auto& schema = t.input_schema;
    CHECK_JSON(schema["type"], "object");
    CHECK_JSON(schema["additionalProperties"], false);
    CAF_REQUIRE(schema["properties"].is_object() && schema["required"].is_array());
    for (const auto& [key, p] : schema["properties"].items()) {
      CAF_CHECK(p.contains("type"));
      CAF_CHECK(p.contains("description") && !p["description"].get<std::string>().empty());
    }
    for (const auto& key : schema["required"])
      CAF_CHECK(schema["properties"].contains(key.get<std::string>()));
  }
  std::vector<std::string> expected{"autoscaler_get_status",   "autoscaler_get_metrics",
                                    "autoscaler_get_history",  "autoscaler_get_config",
                                    "autoscaler_set_config",   "autoscaler_set_mode",
                                    "autoscaler_set_policy",   "autoscaler_manual_scale",
                                    "autoscaler_get_prediction", "explain_decision",
                                    "preflight",               "autoscaler_whatif"};
  CHECK_JSON(names, expected);
  mcp_server s{std::move(tools)};
  answer(s, init_line);
  // Arguments that fit reach the runner; the node unreachable is a result.
  auto fits = answer(s, call_line(1, "autoscaler_manual_scale",
                                  {{"plugin", "web"}, {"memory_max", "512MiB"}, {"tasks_max", 64},
                                   {"cpu_quota", 150.5}, {"reason", "load test"}}));
  CHECK_JSON(fits["result"]["isError"], true);
  CAF_CHECK(has(fits["result"]["content"][0]["text"].get<std::string>(), "127.0.0.1:1"));
  CHECK_JSON(runs, 1);
  answer(s, call_line(2, "autoscaler_get_history", {{"limit", 1000}, {"plugin", "web"}}));
  answer(s, call_line(3, "explain_decision", json::object()));
  answer(s, call_line(4, "preflight", {{"memory", 1048576}, {"cpu", 0.5}}));
  answer(s, call_line(5, "autoscaler_whatif", {{"plugin", "web"}, {"since", "1h"}}));
  CHECK_JSON(runs, 5);
  // Arguments that do not fit never reach it.
  auto wrong = {json{{"name", "autoscaler_get_history"}, {"arguments", {{"limit", 1001}}}},
                json{{"name", "autoscaler_set_mode"}, {"arguments", {{"mode", "on"}}}},
                json{{"name", "autoscaler_set_mode"}, {"arguments", json::object()}},
                json{{"name", "autoscaler_set_config"}, {"arguments", {{"config", "x"}}}},
                json{{"name", "autoscaler_get_status"}, {"arguments", {{"verbose", true}}}},
                json{{"name", "explain_decision"}, {"arguments", {{"id", 0}}}},
                json{{"name", "preflight"}, {"arguments", {{"memory", -1}}}},
                json{{"name", "autoscaler_whatif"}, {"arguments", {{"since", "1h"}}}},
                json{{"name", "autoscaler_whatif"}, {"arguments", {{"plugin", 3}}}}};
  for (const auto& params : wrong) {
    auto r = answer(s, json{{"jsonrpc", "2.0"}, {"id", 9}, {"method", "tools/call"},
                            {"params", params}}
                         .dump());
    CHECK_JSON(error_code(r), rpc_error::invalid_params);
  }
  CHECK_JSON(runs, 5);
}

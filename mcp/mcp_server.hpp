// mcp_server.hpp -- conductor-mcp's protocol: the Model Context Protocol's
// JSON-RPC 2.0 messages in, answers out. Plain C++: no actors, no I/O, so the
// whole protocol is tested with fake tools (tests/mcp/mcp_server_test.cpp);
// tools/conductor-mcp/main.cpp carries the lines over stdio.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/node_api.hpp"

namespace conductor::mcp {

using nlohmann::json;

/// One tool as MCP clients see it, and what answers a call of it.
struct tool {
  std::string name;
  /// What the tool does, for the model choosing among tools.
  std::string description;
  /// JSON Schema of the arguments: an object with typed, described
  /// properties, `required` and `additionalProperties: false`. The server
  /// checks every call against it before `call` runs (check_arguments).
  json input_schema;
  /// Answers a call whose arguments fit the schema. `origin` is who asks, for
  /// the node's audit: "mcp:" and the client's name from initialize.
  std::function<api::result(const json& args, const std::string& origin)> call;
};

/// The JSON-RPC 2.0 error codes conductor-mcp answers with.
namespace rpc_error {
/// The line is not JSON.
constexpr int parse_error = -32700;
/// JSON, but not a request: no method, a bad id or jsonrpc, a batch.
constexpr int invalid_request = -32600;
constexpr int method_not_found = -32601;
/// A request's params do not fit: an unknown tool, arguments against its schema.
constexpr int invalid_params = -32602;
} // namespace rpc_error

/// The MCP revisions this server speaks; the last is offered to clients that
/// ask for another.
inline const std::vector<std::string> supported_protocol_versions = {"2024-11-05", "2025-03-26",
                                                                     "2025-06-18"};

/// What is wrong with a tool call's arguments: the field (a dotted path, e.g.
/// "limit" or "config.policy") and a message that names it.
struct argument_error {
  std::string field;
  std::string message;
};

/// Checks `args` against `schema`, the subset of JSON Schema the tools use:
/// type (a name or a list of names), enum, minimum, maximum, properties,
/// required and additionalProperties false, nested objects included. The
/// first problem found (missing keys, then unknown keys, then values in key
/// order), or nothing when the arguments fit.
std::optional<argument_error> check_arguments(const json& schema, const json& args);

/// The protocol state of one client connection: what it said in initialize,
/// and the tools it may call.
class mcp_server {
public:
  explicit mcp_server(std::vector<tool> tools);

  /// Answers one line of input: a parse error for a line that is not JSON,
  /// nothing for a blank line, else as handle().
  std::optional<json> handle_line(const std::string& line);

  /// Answers one JSON-RPC message; nothing for a notification (no id) or a
  /// response from the client. Requests before initialize are answered as
  /// after it (lenient), with origin "mcp:unknown". A batch (an array) is
  /// answered with one invalid-request error: MCP 2025-06-18 removed batches.
  std::optional<json> handle(const json& message);

  /// The audit origin of this client's commands: "mcp:<clientInfo.name>", or
  /// "mcp:unknown" before initialize or when the client gave no name.
  std::string origin() const;

  /// Whether the client has sent initialize.
  bool initialized() const {
    return initialized_;
  }

  /// The protocol revision agreed in initialize (the newest until then).
  const std::string& protocol_version() const {
    return protocol_version_;
  }

  const std::vector<tool>& tools() const {
    return tools_;
  }

private:
  /// A method's answer: a result, or a JSON-RPC error when code is not 0.
  struct outcome {
    json result;
    int code;
    std::string message;
    json data;
  };

  outcome initialize(const json& params);
  outcome list_tools() const;
  outcome call_tool(const json& params);

  std::vector<tool> tools_;
  bool initialized_ = false;
  std::string client_name_;
  std::string protocol_version_;
};

} // namespace conductor::mcp

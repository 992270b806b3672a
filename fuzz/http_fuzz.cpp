// http_fuzz.cpp -- the HTTP request handling that needs no running node: the
// route table of node/http_api.cpp served by http_server::dispatch (path and
// {param} matching, 404/405, the bearer token, the JSON content type), the
// handlers' query and path parsing, the JSON bodies, the node API's body
// checks (api/node_api.hpp: parse_*_body) and the run-time scaler changes laid
// over a config (config/scaler_patch.hpp).
//
// Input scheme (one request, loosely HTTP/1.1; lines end with "\n", a "\r"
// before it is dropped):
//
//   METHOD TARGET                  the request line; TARGET is path[?query]
//   Name: value                    header lines, up to the first empty line;
//   ...                            Authorization and Content-Type are used
//                                  (names case-insensitive), others ignored
//   <empty line>
//   body                           every byte after the empty line, as is
//
// Input without an empty line has no body; without a space in the first line
// the method is GET and the whole line the target.
//
// No node runs: the node API talks to an inspector handle that is not set, so
// every question it asks is answered 503 at once, after the request was fully
// parsed. The server is started once on a free loopback port only because
// http_server has no other constructor; no request goes through the socket.
// Not covered: the Content-Length check and the body limit (413), which
// http_server.cpp applies while reading from civetweb's connection (see
// bench/README.md, "Fuzzing").
//
// Invariants:
// - no crash, hang, sanitizer report; no handler throws (a 500);
// - every answer is a status of 200..599 with a JSON body when it says
//   application/json, and a 405 says what is allowed;
// - a mutating route (POST or PUT, but /api/preflight) answers 401 exactly when
//   the Authorization header is not "Bearer <token>" (scheme case-insensitive);
// - a body check that fails answers 400 with a non-empty "error"; a scaler
//   change that validates validates again laid over itself, to the same changes,
//   and what GET would show of it renders as JSON.
#include <strings.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <nlohmann/json.hpp>

#include "actors/metric_families.hpp"
#include "api/node_api.hpp"
#include "config/scaler_patch.hpp"
#include "fuzz/fuzz_check.hpp"
#include "messages/type_ids.hpp"
#include "node/event_hub.hpp"
#include "node/http_api.hpp"
#include "node/http_server.hpp"

namespace {

using namespace conductor;
using nlohmann::json;

constexpr const char* token = "fuzz-token-0123456789";

/// The scaler section run-time changes are laid over: a short file with a
/// scaler section, as config/node.yaml has.
constexpr const char* file_text = "scaler:\n"
                                  "  mode: enabled\n"
                                  "  policy: balanced\n"
                                  "  degrade:\n"
                                  "    memory: 90\n"
                                  "plugins:\n"
                                  "  - name: chat\n"
                                  "    command: [\"/bin/true\"]\n";

struct world {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<api::node_api> api;
  std::unique_ptr<http_server> server;

  world() {
    register_types(cfg);
    cfg.set("scheduler.max-threads", 1);
    sys = std::make_unique<caf::actor_system>(cfg);
    api = std::make_shared<api::node_api>(*sys, inspector_actor{},
                                          std::chrono::milliseconds(100));
    std::string error;
    http_server_options options;
    options.token = token;
    options.threads = 2;
    server = http_server::start("127.0.0.1:0",
                                api_routes(api, std::make_shared<event_hub>(),
                                           std::make_shared<metrics_hub>()),
                                error, options);
    FUZZ_CHECK(server != nullptr, error.c_str());
  }
};

/// Made once and never destroyed: libFuzzer exits without unwinding, and the
/// corpus driver need not wait for civetweb and CAF to stop.
world& the_world() {
  static world* w = new world;
  return *w;
}

struct request_parts {
  std::string method = "GET";
  std::string target;
  std::string authorization;
  std::string content_type;
  std::string body;
  bool has_authorization = false;
};

std::string_view next_line(std::string_view& in, bool& found) {
  auto eol = in.find('\n');
  found = eol != std::string_view::npos;
  auto line = in.substr(0, eol);
  in.remove_prefix(found ? eol + 1 : in.size());
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  return line;
}

request_parts split_input(std::string_view in) {
  request_parts p;
  bool found = false;
  auto first = next_line(in, found);
  auto space = first.find(' ');
  if (space == std::string_view::npos) {
    p.target = std::string{first};
  } else {
    p.method = std::string{first.substr(0, space)};
    p.target = std::string{first.substr(space + 1)};
  }
  while (found) {
    auto line = next_line(in, found);
    if (line.empty())
      break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    auto name = std::string{line.substr(0, colon)};
    auto value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    if (strcasecmp(name.c_str(), "Authorization") == 0) {
      p.authorization = std::string{value};
      p.has_authorization = true;
    } else if (strcasecmp(name.c_str(), "Content-Type") == 0) {
      p.content_type = std::string{value};
    }
  }
  if (found)
    p.body = std::string{in};
  return p;
}

/// The path's segments, as the server's router sees them.
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < path.size()) {
    auto end = path.find('/', at);
    if (end == std::string::npos)
      end = path.size();
    if (end > at)
      out.push_back(path.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

bool bearer_ok(const std::string& authorization) {
  const std::string scheme = "Bearer ";
  return authorization.size() > scheme.size()
         && strncasecmp(authorization.c_str(), scheme.c_str(), scheme.size()) == 0
         && authorization.substr(scheme.size()) == token;
}

void check_error(const std::optional<api::result>& e) {
  if (!e)
    return;
  FUZZ_CHECK(e->status == 400, "a body check answers 400");
  FUZZ_CHECK(e->body.is_object() && e->body.contains("error") && e->body["error"].is_string()
               && !e->body["error"].get<std::string>().empty(),
             "with an error message");
  e->body.dump(); // renders (throws on invalid UTF-8)
}

/// The node API's body checks and the scaler changes, on the body as JSON.
void check_body(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded())
    return;
  std::string text;
  check_error(api::parse_mode_body(j, text));
  check_error(api::parse_policy_body(j, text));
  check_error(api::check_config_body(j));
  scale_request scale;
  auto e = api::parse_scale_body(j, "http:127.0.0.1", scale);
  check_error(e);
  if (!e)
    FUZZ_CHECK(std::isfinite(scale.limits.cpu_quota) && scale.limits.cpu_quota >= 0,
               "a cpu quota is a finite number >= 0");
  check_error(api::parse_breaker_body(j, "http:127.0.0.1", text));
  preflight_request pre;
  e = api::parse_preflight_body(j, pre);
  check_error(e);
  if (!e)
    FUZZ_CHECK(std::isfinite(pre.cpu_cores) && pre.cpu_cores >= 0, "cpu cores finite, >= 0");
  std::string plugin, since, policy;
  check_error(api::parse_whatif_body(j, plugin, since, policy));
  metric_range_request range;
  e = api::parse_metric_range_query(j, 1.7e9, range);
  check_error(e);
  if (!e)
    FUZZ_CHECK(range.points >= 1 && range.points <= 1000 && range.from < range.to,
               "a range has 1..1000 points and from < to");

  auto patched = config::patch_scaler(file_text, "node.yaml", json::object(), j);
  if (!patched.ok) {
    FUZZ_CHECK(!patched.error.empty(), "a refused change says why");
    return;
  }
  json{{"changes", patched.changes}}.dump();
  auto again = config::patch_scaler(file_text, "node.yaml", patched.changes, j);
  FUZZ_CHECK(again.ok, again.error.c_str());
  FUZZ_CHECK(again.changes == patched.changes, "a change laid over itself changes nothing");
  json{{"scaler", config::scaler_as_written(file_text, patched.changes)}}.dump();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  the_world();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& w = the_world();
  auto parts = split_input({reinterpret_cast<const char*>(data), size});
  http_request req;
  req.method = parts.method;
  auto question = parts.target.find('?');
  req.path = parts.target.substr(0, question);
  if (question != std::string::npos)
    req.query = parts.target.substr(question + 1);
  req.body = parts.body;
  req.remote = "127.0.0.1";

  FUZZ_CHECK(constant_time_equal(parts.authorization, token) == (parts.authorization == token),
             "constant_time_equal is equality");
  std::string host;
  uint16_t port = 0;
  split_host_port(parts.target, host, port);

  // The server answers GET /api/events with a stream before dispatch (it has
  // no plain handler): skip it here as the server does.
  auto segs = segments(req.path);
  bool stream = segs.size() == 2 && segs[0] == "api" && segs[1] == "events";
  if (!stream) {
    // Paths, methods and Content-Types that are not UTF-8 are quoted in the
    // error messages: they must still answer (regressions/http/utf8-*).
    auto res = w.server->dispatch(req, parts.authorization, parts.content_type);
    FUZZ_CHECK(res.status >= 200 && res.status <= 599, "a status");
    FUZZ_CHECK(res.status != 500, res.body.c_str());
    if (res.content_type == "application/json")
      FUZZ_CHECK(!json::parse(res.body, nullptr, false).is_discarded(), "a JSON body");
    if (res.status == 405) {
      bool allow = false;
      for (const auto& [k, v] : res.headers)
        allow = allow || (k == "Allow" && !v.empty());
      FUZZ_CHECK(allow, "a 405 says what is allowed");
    }
    bool mutating = (req.method == "POST" || req.method == "PUT")
                    && !(segs.size() == 2 && segs[0] == "api" && segs[1] == "preflight");
    if (mutating && res.status != 404 && res.status != 405)
      FUZZ_CHECK((res.status == 401) == !bearer_ok(parts.authorization),
                 "401 exactly without the token");
  }
  check_body(parts.body);
  return 0;
}

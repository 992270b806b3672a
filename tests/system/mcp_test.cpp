// conductor-mcp as an MCP client runs it: the real binary on pipes, one JSON
// message per line, against a real node over its inspector (CAF's middleman),
// and against an address where no node listens.
#define CAF_SUITE mcp

#include <caf/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/db_query.hpp"
#include "tests/require.hpp"
#include "tests/system/node_fixture.hpp"

using namespace conductor::test;
using namespace std::chrono_literals;
using nlohmann::json;

/// Equality shown as JSON text when it fails.
#define CHECK_JSON(x, y) CAF_CHECK_EQUAL(json(x).dump(), json(y).dump())

namespace {

const std::string mcp_binary = CONDUCTOR_MCP_BINARY;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Writes all of `text` to `fd`; false when the reader is gone. SIGPIPE is
/// held back for the write so a dead child fails the test, not the runner.
bool write_all(int fd, const std::string& text) {
  sigset_t pipe_set;
  sigset_t old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  bool ok = true;
  size_t sent = 0;
  while (sent < text.size()) {
    auto n = ::write(fd, text.data() + sent, text.size() - sent);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ok = false;
      if (errno == EPIPE) {
        timespec zero{0, 0};
        ::sigtimedwait(&pipe_set, nullptr, &zero);
      }
      break;
    }
    sent += static_cast<size_t>(n);
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return ok;
}

/// conductor-mcp on pipes: requests written to its stdin, answers read line
/// by line from its stdout with a deadline, stderr to a file.
class mcp_client {
public:
  mcp_client(std::vector<std::string> argv, std::string err_path,
             std::vector<std::string> env = {})
    : err_path_(std::move(err_path)) {
    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
      return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(err, 2);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      // The parent's environment without the node's address and TLS files,
      // plus `env`.
      std::vector<std::string> vars;
      for (char** e = environ; *e; ++e) {
        std::string var = *e;
        if (var.rfind("CONDUCTOR_INSPECT=", 0) != 0 && var.rfind("CONDUCTOR_TLS_", 0) != 0)
          vars.push_back(var);
      }
      vars.insert(vars.end(), env.begin(), env.end());
      std::vector<char*> args;
      for (auto& a : argv)
        args.push_back(a.data());
      args.push_back(nullptr);
      std::vector<char*> envp;
      for (auto& v : vars)
        envp.push_back(v.data());
      envp.push_back(nullptr);
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }

  ~mcp_client() {
    close_input();
    if (from_ >= 0)
      ::close(from_);
    if (pid_ > 0 && wait(5s) == -1) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  mcp_client(const mcp_client&) = delete;
  mcp_client& operator=(const mcp_client&) = delete;

  bool send(const json& message) {
    return send_raw(message.dump() + "\n");
  }

  bool send_raw(const std::string& text) {
    return to_ >= 0 && write_all(to_, text);
  }

  /// The next line of output as JSON; nothing on EOF or after `limit`. A line
  /// that is not JSON is returned as a string (and fails the caller's checks).
  std::optional<json> read(std::chrono::milliseconds limit = 20s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        auto line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        auto j = json::parse(line, nullptr, false);
        if (j.is_discarded()) {
          CAF_MESSAGE("conductor-mcp wrote a line that is not JSON: " << line);
          return json(line);
        }
        return j;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || from_ < 0)
        return std::nullopt;
      pollfd p{from_, POLLIN, 0};
      int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready <= 0)
        return std::nullopt;
      char chunk[4096];
      auto n = ::read(from_, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  /// Sends a request and reads until its answer (null when none came).
  json request(const std::string& method, const json& params) {
    auto id = ++last_id_;
    if (!send(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}))
      return nullptr;
    while (auto m = read()) {
      if (m->is_object() && m->contains("id") && (*m)["id"] == id)
        return *m;
      CAF_MESSAGE("unexpected message: " << m->dump());
    }
    CAF_MESSAGE("no answer to " << method << "; stderr: " << slurp(err_path_));
    return nullptr;
  }

  /// A tools/call's result (null when the answer was an error).
  json call(const std::string& tool, const json& args) {
    auto r = request("tools/call", {{"name", tool}, {"arguments", args}});
    if (!r.contains("result"))
      CAF_MESSAGE(tool << " answered " << r.dump());
    return r.contains("result") ? r["result"] : json(nullptr);
  }

  bool notify(const std::string& method) {
    return send(json{{"jsonrpc", "2.0"}, {"method", method}});
  }

  void close_input() {
    if (to_ >= 0)
      ::close(to_);
    to_ = -1;
  }

  /// Waits for the exit: its code, -1 on timeout, -2 when killed by a signal.
  int wait(std::chrono::milliseconds limit) {
    if (exited_)
      return code_;
    eventually(
      [this] {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) != pid_)
          return false;
        exited_ = true;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -2;
        return true;
      },
      limit);
    return exited_ ? code_ : -1;
  }

  std::string err() const {
    return slurp(err_path_);
  }

private:
  std::string err_path_;
  pid_t pid_ = -1;
  int to_ = -1;
  int from_ = -1;
  std::string buffer_;
  int64_t last_id_ = 0;
  bool exited_ = false;
  int code_ = -1;
};

/// The text of a tool result's first content item.
std::string text_of(const json& result) {
  if (!result.is_object() || !result.contains("content") || result["content"].empty())
    return "";
  return result["content"][0].value("text", std::string{});
}

/// Whether `j` or anything inside it is an object that `pred` accepts.
bool any_object(const json& j, const std::function<bool(const json&)>& pred) {
  if (j.is_object() && pred(j))
    return true;
  if (j.is_structured())
    for (const auto& x : j)
      if (any_object(x, pred))
        return true;
  return false;
}

/// Whether `j` has, at any depth, key "mode" with value `mode`.
bool shows_mode(const json& j, const std::string& mode) {
  return any_object(j, [&](const json& o) { return o.contains("mode") && o["mode"] == mode; });
}

json initialize(mcp_client& c, const std::string& client_name) {
  auto r = c.request("initialize", {{"protocolVersion", "2025-06-18"},
                                    {"capabilities", json::object()},
                                    {"clientInfo", {{"name", client_name}, {"version", "1.0"}}}});
  c.notify("notifications/initialized");
  return r;
}

const std::set<std::string> tool_names = {
  "autoscaler_get_status",     "autoscaler_get_metrics", "autoscaler_get_history",
  "autoscaler_get_config",     "autoscaler_set_config",  "autoscaler_set_mode",
  "autoscaler_set_policy",     "autoscaler_manual_scale", "autoscaler_get_prediction",
  "explain_decision",          "preflight",              "autoscaler_whatif"};

} // namespace

CAF_TEST(conductor-mcp inspects and steers a running node) {
  node_fixture f;
  auto cfg = f.config_text();
  cfg.replace(cfg.find("mode: manual"), 12, "mode: disabled");
  write_file(f.config, cfg);
  auto node = f.start();
  REQUIRE_OR_RETURN(f.scrape_shows("conductor_build_info"));
  auto connect = "127.0.0.1:" + std::to_string(f.inspect_port);
  mcp_client c{{mcp_binary, "--connect", connect}, f.dir.file("mcp.err")};
  auto init = initialize(c, "system-test");
  CHECK_JSON(init["result"]["protocolVersion"], "2025-06-18");
  CHECK_JSON(init["result"]["serverInfo"]["name"], "conductor-mcp");
  // tools/list: the twelve tools, each with a strict object schema.
  auto list = c.request("tools/list", json::object());
  const auto& tools = list["result"]["tools"];
  REQUIRE_OR_RETURN(tools.is_array());
  CAF_CHECK_EQUAL(tools.size(), 12u);
  std::set<std::string> names;
  for (const auto& t : tools) {
    names.insert(t.value("name", std::string{}));
    const auto& schema = t["inputSchema"];
    CHECK_JSON(schema["type"], "object");
    CHECK_JSON(schema["additionalProperties"], false);
    CAF_CHECK(schema["required"].is_array());
    for (const auto& [key, p] : schema["properties"].items()) {
      CAF_CHECK(p.contains("type"));
      CAF_CHECK(p.contains("description"));
    }
  }
  CAF_CHECK(names == tool_names);
  // Reads: the node's mode as configured.
  auto status = c.call("autoscaler_get_status", json::object());
  CHECK_JSON(status["isError"], false);
  CAF_CHECK(shows_mode(status["structuredContent"], "disabled"));
  CAF_CHECK(has(text_of(status), "disabled"));
  // A command, audited with the client's name.
  auto set = c.call("autoscaler_set_mode", {{"mode", "manual"}});
  CHECK_JSON(set["isError"], false);
  auto after = c.call("autoscaler_get_status", json::object());
  CAF_CHECK(shows_mode(after["structuredContent"], "manual"));
  json history;
  CAF_CHECK(eventually(
    [&] {
      history = c.call("autoscaler_get_history", {{"limit", 50}});
      return any_object(history["structuredContent"], [](const json& row) {
        return row.contains("origin") && row["origin"] == "mcp:system-test"
               && (!row.contains("action") || row["action"] == "mode");
      });
    },
    5s));
  CHECK_JSON(history["isError"], false);
  CAF_CHECK(eventually([&] {
    return query_int(f.dir.file("data/conductor.db"),
                     "SELECT COUNT(*) FROM autoscaler_history WHERE action = 'mode'"
                     " AND origin = 'mcp:system-test'")
           == 1;
  }));
  // A bad argument never reaches the node: invalid params, naming the field.
  auto bad = c.request("tools/call", {{"name", "autoscaler_set_mode"},
                                      {"arguments", {{"mode", "sideways"}}}});
  CHECK_JSON(bad["error"]["code"], -32602);
  CAF_CHECK(has(bad["error"].value("message", std::string{}), "\"mode\""));
  auto bad_limit = c.request("tools/call", {{"name", "autoscaler_get_history"},
                                            {"arguments", {{"limit", 0}}}});
  CHECK_JSON(bad_limit["error"]["code"], -32602);
  // The node refuses: a result with isError and its reason.
  auto refused = c.call("autoscaler_manual_scale", {{"plugin", "nope"}, {"tasks_max", 10}});
  CHECK_JSON(refused["isError"], true);
  CAF_CHECK(!text_of(refused).empty());
  // What-if on the node's own history: its report once the host has
  // samples in the database; an unknown plugin is the node's refusal.
  json whatif;
  CAF_CHECK(eventually(
    [&] {
      whatif = c.call("autoscaler_whatif", {{"plugin", "host"}, {"since", "1h"}});
      return whatif.value("isError", true) == false;
    },
    10s));
  CHECK_JSON(whatif["structuredContent"]["plugin"], "host");
  CAF_CHECK(whatif["structuredContent"]["would"]["decisions"].is_array());
  CAF_CHECK(whatif["structuredContent"].value("sample_rows", 0) > 0);
  auto whatif_unknown = c.call("autoscaler_whatif", {{"plugin", "nope"}});
  CHECK_JSON(whatif_unknown["isError"], true);
  CAF_CHECK(has(text_of(whatif_unknown), "unknown plugin \"nope\""));
  // The node goes away: the next call says which address it cannot reach.
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
  auto gone = c.call("autoscaler_get_status", json::object());
  CHECK_JSON(gone["isError"], true);
  CAF_CHECK(has(text_of(gone), "cannot reach the node's inspector at " + connect));
  // EOF on stdin ends the server cleanly.
  c.close_input();
  CAF_CHECK_EQUAL(c.wait(10s), 0);
  if (c.wait(0ms) != 0)
    CAF_MESSAGE("stderr: " << c.err());
}

CAF_TEST(conductor-mcp without a node still serves and says which address failed) {
  temp_dir dir;
  auto port = free_port();
  auto address = "127.0.0.1:" + std::to_string(port);
  mcp_client c{{mcp_binary, "--connect", address}, dir.file("mcp.err")};
  auto init = initialize(c, "offline");
  CHECK_JSON(init["result"]["serverInfo"]["name"], "conductor-mcp");
  auto list = c.request("tools/list", json::object());
  CAF_CHECK_EQUAL(list["result"]["tools"].size(), 12u);
  auto status = c.call("autoscaler_get_status", json::object());
  CHECK_JSON(status["isError"], true);
  CAF_CHECK(has(text_of(status), "cannot reach the node's inspector at " + address));
  // It keeps serving, and tries again on the next call.
  auto again = c.call("autoscaler_get_config", json::object());
  CHECK_JSON(again["isError"], true);
  CAF_CHECK(has(text_of(again), address));
  // A line that is not JSON: a parse error; JSON that is not a request: an
  // invalid request; and it goes on.
  c.send_raw("{oops\n");
  auto parse = c.read();
  REQUIRE_OR_RETURN(parse.has_value());
  CHECK_JSON((*parse)["error"]["code"], -32700);
  CAF_CHECK((*parse)["id"].is_null());
  c.send(json("x"));
  auto invalid = c.read();
  REQUIRE_OR_RETURN(invalid.has_value());
  CHECK_JSON((*invalid)["error"]["code"], -32600);
  auto ping = c.request("ping", json::object());
  CAF_CHECK(ping.contains("result"));
  c.close_input();
  CAF_CHECK_EQUAL(c.wait(10s), 0);
  CAF_CHECK(has(c.err(), address));
}

CAF_TEST(conductor-mcp reads the node address from CONDUCTOR_INSPECT) {
  temp_dir dir;
  auto address = "127.0.0.1:" + std::to_string(free_port());
  mcp_client c{{mcp_binary}, dir.file("mcp.err"), {"CONDUCTOR_INSPECT=" + address}};
  auto status = c.call("autoscaler_get_status", json::object());
  CHECK_JSON(status["isError"], true);
  CAF_CHECK(has(text_of(status), "cannot reach the node's inspector at " + address));
}

CAF_TEST(conductor-mcp command line) {
  temp_dir dir;
  auto version = run_to_end({mcp_binary, "--version"}, dir.path());
  CAF_CHECK_EQUAL(version.code, 0);
  CAF_CHECK(has(version.out, std::string{"conductor-mcp "} + CONDUCTOR_VERSION));
  auto help = run_to_end({mcp_binary, "--help"}, dir.path());
  CAF_CHECK_EQUAL(help.code, 0);
  CAF_CHECK(has(help.out, "usage: conductor-mcp"));
  auto bogus = run_to_end({mcp_binary, "--bogus"}, dir.path());
  CAF_CHECK_EQUAL(bogus.code, 2);
  CAF_CHECK(has(bogus.err, "unknown argument --bogus"));
  CAF_CHECK(bogus.out.empty());
  auto no_value = run_to_end({mcp_binary, "--connect"}, dir.path());
  CAF_CHECK_EQUAL(no_value.code, 2);
  CAF_CHECK(has(no_value.err, "--connect needs HOST:PORT"));
  auto address = run_to_end({mcp_binary, "--connect", "nowhere"}, dir.path());
  CAF_CHECK_EQUAL(address.code, 2);
  CAF_CHECK(has(address.err, "expected HOST:PORT"));
}

// conductor-mcp -- an MCP server (Model Context Protocol: JSON-RPC 2.0, one
// message per line on stdin/stdout) whose tools inspect and steer one
// conductor node through its inspector (CAF's middleman), as conductorctl
// does. The protocol is mcp/mcp_server.hpp, the tools mcp/mcp_tools.hpp; this
// file carries lines and keeps the connection. Logs go to stderr only: stdout
// is the protocol's.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/logger.hpp"
#include "api/node_api.hpp"
#include "ctl/ctl_options.hpp"
#include "ctl/inspector_connect.hpp"
#include "mcp/mcp_server.hpp"
#include "mcp/mcp_tools.hpp"
#include "node/inspector_endpoint.hpp"

namespace {

using namespace conductor;

constexpr const char* component = "conductor-mcp";

std::string usage() {
  return "usage: conductor-mcp [--connect HOST:PORT]\n"
         "                     [--tls-ca FILE --tls-cert FILE --tls-key FILE]\n"
         "\n"
         "An MCP server on stdin/stdout (JSON-RPC 2.0, one message per line) for one\n"
         "conductor node: an MCP client starts it as a command. Its tools read the node's\n"
         "status, metrics, history, configuration and forecasts, and change its mode,\n"
         "policy, configuration and plugin limits (audited as \"mcp:<client name>\").\n"
         "The node is --connect, else $CONDUCTOR_INSPECT, else 127.0.0.1:4242 (the\n"
         "node's inspect.listen). A node that cannot be reached is retried on every\n"
         "tool call. Logs go to stderr.\n"
         "\n"
         "options:\n"
         "  --connect HOST:PORT         the node's inspector\n"
         "  --tls-ca FILE               TLS (the node's inspect.tls): the CA that signs the\n"
         "                              node's certificate\n"
         "  --tls-cert FILE             TLS: this end's certificate, signed by the CA in\n"
         "                              the node's inspect.tls.ca\n"
         "  --tls-key FILE              TLS: its private key (PEM, no passphrase)\n"
         "                              (the three together; else $CONDUCTOR_TLS_CA,\n"
         "                              $CONDUCTOR_TLS_CERT, $CONDUCTOR_TLS_KEY)\n"
         "  -h, --help                  this text\n"
         "  --version                   conductor-mcp's version\n";
}

/// The connection to the node, made when a call needs it: a node down at
/// start, or gone later, is tried again on the next call.
class node_link {
public:
  node_link(caf::actor_system& sys, std::string host, uint16_t port, bool tls)
    : sys_(sys), host_(std::move(host)), port_(port), tls_(tls) {
  }

  std::string address() const {
    return host_ + ":" + std::to_string(port_);
  }

  /// Connects; false with `unreachable_` saying why.
  bool connect() {
    api_.reset();
    auto insp = ctl::connect_inspector(sys_, host_, port_);
    if (!insp) {
      auto why = "cannot reach the node's inspector at " + address() + ": "
                 + ctl::connect_failure_text(sys_, insp.error(), tls_);
      CONDUCTOR_LOG(warn, component) << why;
      unreachable_ = api::result{503, api::json{{"error", why}, {"field", ""}}};
      return false;
    }
    api_ = std::make_unique<api::node_api>(sys_, *insp);
    CONDUCTOR_LOG(info, component) << "connected to the node's inspector at " << address();
    return true;
  }

  api::result run(const mcp::node_call& call) {
    if (!api_ && !connect())
      return unreachable_;
    auto r = call(*api_);
    // 5xx: the node, or its database, did not answer. Whether the node is
    // still there, a new connection tells; the next call uses it.
    if (r.status >= 500 && !connect())
      return unreachable_;
    return r;
  }

private:
  caf::actor_system& sys_;
  std::string host_;
  uint16_t port_;
  bool tls_;
  std::unique_ptr<api::node_api> api_;
  api::result unreachable_;
};

} // namespace

int main(int argc, char** argv) {
  log::configure(log::log_level::info, log::log_format::text);
  // A client that goes away must not kill the server mid-write.
  std::signal(SIGPIPE, SIG_IGN);
  // The node and TLS are read as conductorctl reads them (flags, else
  // $CONDUCTOR_INSPECT and $CONDUCTOR_TLS_*, else the default): its parser,
  // handed the connection flags and a command it accepts.
  std::vector<std::string> ctl_args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << usage();
      return 0;
    }
    if (a == "--version") {
      std::cout << "conductor-mcp " << CONDUCTOR_VERSION << '\n';
      return 0;
    }
    std::string problem;
    if (a == "--connect" || a == "--tls-ca" || a == "--tls-cert" || a == "--tls-key") {
      if (i + 1 < argc) {
        ctl_args.push_back(a);
        ctl_args.push_back(argv[++i]);
      } else {
        problem = a + (a == "--connect" ? " needs HOST:PORT" : " needs a FILE");
      }
    } else {
      problem = "unknown argument " + a;
    }
    if (!problem.empty()) {
      std::cerr << "conductor-mcp: " << problem << "\n\n" << usage();
      return 2;
    }
  }
  ctl_args.push_back("status");
  auto opts = ctl::parse_ctl_options(ctl_args, ctl::ctl_env::from_process());
  if (!opts.error.empty()) {
    std::cerr << "conductor-mcp: " << opts.error << "\n\n" << usage();
    return 2;
  }
  tls_files tls;
  if (opts.tls()) {
    tls = {opts.tls_cert, opts.tls_key, opts.tls_ca, "--tls-cert", "--tls-key", "--tls-ca"};
    // CAF reads the files only when it connects, and dies on a bad one.
    auto problem = tls_files_problem(tls);
    if (!problem.empty()) {
      std::cerr << "conductor-mcp: " << problem << '\n';
      return 2;
    }
  }
  ctl::remote_config cfg{tls};
  caf::actor_system sys{cfg};
  node_link link{sys, opts.host, opts.port, opts.tls()};
  // The server starts even when the node is down: initialize and tools/list
  // need no node, and each call tries again.
  CONDUCTOR_LOG(info, component) << "serving MCP on stdio for the node at " << link.address();
  link.connect();
  mcp::mcp_server server{
    mcp::make_tools([&link](const mcp::node_call& call) { return link.run(call); })};
  std::string line;
  while (std::getline(std::cin, line)) {
    auto answer = server.handle_line(line);
    if (!answer)
      continue;
    std::cout << answer->dump(-1, ' ', false, api::json::error_handler_t::replace) << '\n'
              << std::flush;
    if (!std::cout) {
      CONDUCTOR_LOG(warn, component) << "stdout closed; stopping";
      return 1;
    }
  }
  CONDUCTOR_LOG(info, component) << "stdin closed; stopping";
  return 0;
}

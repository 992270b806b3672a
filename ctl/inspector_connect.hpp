// inspector_connect.hpp -- how the tools (conductorctl, conductor-mcp) reach
// a node's inspector through CAF's middleman, plain or over TLS (CAF's
// OpenSSL module; the node's inspect.tls).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>

#include "actors/interfaces.hpp"
#include "node/inspector_endpoint.hpp"

namespace conductor::ctl {

/// The actor system configuration of a tool: conductor's types, the
/// middleman and, when `tls.cert` is set, CAF's OpenSSL module with these
/// files (check them with tls_files_problem() first: CAF reads them only
/// when it connects, and an unreadable one kills its connection actor).
struct remote_config : caf::actor_system_config {
  explicit remote_config(const tls_files& tls = {});
};

/// How long connecting may take: a TCP connect, a TLS handshake and CAF's
/// own handshake, each a round trip or two.
constexpr auto connect_timeout = std::chrono::seconds(5);

/// A handle on the node's inspector at host:port, or why there is none.
/// Over TLS when the system was configured with TLS files.
caf::expected<inspector_actor>
connect_inspector(caf::actor_system& sys, const std::string& host, uint16_t port,
                  caf::timespan timeout = connect_timeout);

/// Why connecting failed, for an operator: the address refused (the node
/// is not running), CAF's handshake cut short (TLS on one end only, or
/// certificates the other end does not accept), a timeout, or CAF's own
/// words. `tls`: whether this end spoke TLS.
std::string connect_failure_text(caf::actor_system& sys, const caf::error& err, bool tls);

} // namespace conductor::ctl

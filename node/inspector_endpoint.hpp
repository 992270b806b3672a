// inspector_endpoint.hpp -- where the node offers its inspector to
// conductorctl and conductor-mcp: CAF's middleman on inspect.listen, plain on
// loopback or over TLS (CAF's OpenSSL module) with inspect.tls.
#pragma once

#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/interfaces.hpp"
#include "config/node_config.hpp"

namespace conductor {

/// One end's TLS files as CAF's OpenSSL module uses them: its certificate
/// (chain) and private key, and the CA its peer's certificate must be signed
/// by. CAF 0.17.6 always verifies the peer on both ends, so the three go
/// together: the node needs a CA for conductorctl's certificates and
/// conductorctl one for the node's.
struct tls_files {
  std::string cert;
  std::string key;
  std::string ca;
  /// What the operator calls each file in messages ("inspect.tls.cert",
  /// "--tls-cert").
  std::string cert_name;
  std::string key_name;
  std::string ca_name;
};

/// Why OpenSSL would not take these files, or empty when it does: each is
/// set and readable, the certificate is PEM and current, the key is PEM
/// without a passphrase and belongs to the certificate, the CA file holds a
/// PEM certificate. CAF's module reads the files only at the first
/// connection and throws there (killing the process on the node's side), so
/// both ends check them first.
std::string tls_files_problem(const tls_files& files);

/// The node's TLS files for the inspector (inspect.tls), named as in the
/// config.
tls_files inspector_tls_files(const config::inspect_section& inspect);

/// Gives CAF's OpenSSL module the files and loads it (after the middleman).
/// Nothing when `files.cert` is empty: the inspector stays plain.
void use_tls(caf::actor_system_config& cfg, const tls_files& files);

/// Publishes the inspector on `inspect.listen`: over TLS when inspect.tls is
/// set (the system configured with use_tls()), where peers must present a
/// certificate signed by inspect.tls.ca; plain otherwise (loopback: the
/// config refuses another address without TLS). False, said in the log, when
/// the TLS files are unusable or the address cannot be bound.
bool publish_inspector(caf::actor_system& sys, const inspector_actor& insp,
                       const config::inspect_section& inspect);

} // namespace conductor

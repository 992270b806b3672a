#include "node/inspector_endpoint.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "actors/logger.hpp"
#include "node/http_server.hpp"

namespace conductor {

namespace {

/// OpenSSL's queued reasons, oldest first, e.g. "no start line"; the queue
/// is left empty.
std::string openssl_reasons() {
  std::string out;
  while (auto e = ERR_get_error()) {
    const char* r = ERR_reason_error_string(e);
    std::string reason = r ? r : "error " + std::to_string(e);
    if (out.find(reason) == std::string::npos)
      out += (out.empty() ? "" : "; ") + reason;
  }
  return out;
}

/// " (reason)" when OpenSSL said why.
std::string because() {
  auto r = openssl_reasons();
  return r.empty() ? "" : " (" + r + ")";
}

/// Refuses to ask for a passphrase: OpenSSL's default would prompt on the
/// terminal, and a node has none.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

struct file_closer {
  void operator()(std::FILE* f) const {
    std::fclose(f);
  }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

struct ctx_free {
  void operator()(SSL_CTX* c) const {
    SSL_CTX_free(c);
  }
};

struct pkey_free {
  void operator()(EVP_PKEY* k) const {
    EVP_PKEY_free(k);
  }
};

/// Opens `path` for reading, or says why it cannot in `error`.
file_ptr open_file(const std::string& name, const std::string& path, std::string& error) {
  if (path.empty()) {
    error = name + " is not set";
    return nullptr;
  }
  file_ptr f{std::fopen(path.c_str(), "r")};
  if (!f)
    error = name + " " + path + ": cannot read it: " + std::strerror(errno);
  return f;
}

} // namespace

std::string tls_files_problem(const tls_files& files) {
  ERR_clear_error();
  std::string error;
  // Each file readable, in the order the operator lists them.
  for (auto [name, path] : {std::pair{&files.cert_name, &files.cert},
                            std::pair{&files.key_name, &files.key},
                            std::pair{&files.ca_name, &files.ca}})
    if (!open_file(*name, *path, error))
      return error;
  std::unique_ptr<SSL_CTX, ctx_free> ctx{SSL_CTX_new(TLS_method())};
  if (!ctx)
    return "cannot set up OpenSSL" + because();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), files.cert.c_str()) != 1)
    return files.cert_name + " " + files.cert + ": not a PEM certificate" + because();
  auto* cert = SSL_CTX_get0_certificate(ctx.get());
  if (cert && X509_cmp_current_time(X509_get0_notAfter(cert)) < 0)
    return files.cert_name + " " + files.cert + ": the certificate has expired";
  if (cert && X509_cmp_current_time(X509_get0_notBefore(cert)) > 0)
    return files.cert_name + " " + files.cert + ": the certificate is not valid yet";
  auto key_file = open_file(files.key_name, files.key, error);
  if (!key_file)
    return error;
  std::unique_ptr<EVP_PKEY, pkey_free> key{
    PEM_read_PrivateKey(key_file.get(), nullptr, no_passphrase, nullptr)};
  if (!key)
    return files.key_name + " " + files.key
           + ": not a PEM private key, or one protected by a passphrase (not supported)"
           + because();
  if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1
      || SSL_CTX_check_private_key(ctx.get()) != 1)
    return files.key_name + " " + files.key + ": not the key of the certificate in "
           + files.cert_name + " " + files.cert + because();
  if (SSL_CTX_load_verify_locations(ctx.get(), files.ca.c_str(), nullptr) != 1)
    return files.ca_name + " " + files.ca + ": no PEM CA certificate in it" + because();
  return {};
}

tls_files inspector_tls_files(const config::inspect_section& inspect) {
  return {inspect.tls.cert,   inspect.tls.key,   inspect.tls.ca,
          "inspect.tls.cert", "inspect.tls.key", "inspect.tls.ca"};
}

void use_tls(caf::actor_system_config& cfg, const tls_files& files) {
  if (files.cert.empty())
    return;
  cfg.openssl_certificate = files.cert;
  cfg.openssl_key = files.key;
  cfg.openssl_cafile = files.ca;
  cfg.load<caf::openssl::manager>();
}

bool publish_inspector(caf::actor_system& sys, const inspector_actor& insp,
                       const config::inspect_section& inspect) {
  std::string host;
  uint16_t port = 0;
  split_host_port(inspect.listen, host, port);
  bool tls = !inspect.tls.cert.empty();
  if (tls) {
    auto files = inspector_tls_files(inspect);
    auto problem = tls_files_problem(files);
    if (!problem.empty()) {
      if (files.ca.empty())
        problem += ": CAF's TLS verifies the peer on both ends, so the node needs the CA"
                   " that signs conductorctl's certificates";
      CONDUCTOR_LOG(error, "node") << "cannot offer the inspector over TLS: " << problem;
      return false;
    }
    if (!sys.has_openssl_manager()) {
      CONDUCTOR_LOG(error, "node") << "cannot offer the inspector over TLS: CAF's OpenSSL"
                                      " module is not loaded (use_tls)";
      return false;
    }
  }
  auto bound = tls ? caf::openssl::publish(insp, port, host.c_str(), true)
                   : sys.middleman().publish(insp, port, host.c_str(), true);
  if (!bound) {
    CONDUCTOR_LOG(error, "node") << "cannot listen for conductorctl on " << inspect.listen << ": "
                                 << sys.render(bound.error());
    return false;
  }
  if (tls)
    CONDUCTOR_LOG(info, "node") << "inspector (conductorctl) on " << host << ":" << *bound
                                << " over TLS, for peers with a certificate signed by "
                                << inspect.tls.ca;
  else
    CONDUCTOR_LOG(info, "node") << "inspector (conductorctl) on " << host << ":" << *bound;
  return true;
}

} // namespace conductor

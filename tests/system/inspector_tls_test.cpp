// The inspector over TLS (inspect.tls, CAF's OpenSSL module) against a real
// node: certificates made with the openssl CLI for the test, conductorctl
// with and without them, a certificate of another CA, unusable files on
// either end.
#define CAF_SUITE inspector_tls

#include <caf/test/unit_test.hpp>

#include <csignal>
#include <cstdlib>

#include "tests/require.hpp"
#include "tests/system/node_fixture.hpp"

using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

const std::string ctl = CONDUCTORCTL_BINARY;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A CA, the node's certificate (for 127.0.0.1) and conductorctl's, both
/// signed by it, and "rogue": a client certificate of another CA. EC keys:
/// quick to make.
bool make_certificates(const temp_dir& dir) {
  const char* script = R"(set -e
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj /CN=conductor-test-ca
openssl req -x509 $ec -keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=other-ca
printf 'subjectAltName=IP:127.0.0.1\n' > node.ext
openssl req $ec -keyout node.key -out node.csr -subj /CN=127.0.0.1
openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out node.pem -days 2 \
  -extfile node.ext
openssl req $ec -keyout ctl.key -out ctl.csr -subj /CN=conductorctl
openssl x509 -req -in ctl.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out ctl.pem -days 2
openssl req $ec -keyout rogue.key -out rogue.csr -subj /CN=rogue
openssl x509 -req -in rogue.csr -CA other-ca.pem -CAkey other-ca.key -CAcreateserial \
  -out rogue.pem -days 2
)";
  auto gen = run_to_end({"/bin/sh", "-c", std::string{"cd '"} + dir.path() + "' && " + script},
                        dir.path());
  if (gen.code != 0)
    CAF_MESSAGE("openssl failed (" << gen.code << "): " << gen.err);
  return gen.code == 0;
}

/// The node's config with inspect.tls (the fixture's text ends in the
/// inspect section).
std::string tls_config(const node_fixture& f, const temp_dir& certs, const std::string& cert,
                       const std::string& key, const std::string& ca) {
  auto quoted = [&](const std::string& name) {
    return name.empty() ? std::string{"\"\""} : "\"" + certs.file(name) + "\"";
  };
  return f.config_text() + "  tls:\n    cert: " + quoted(cert) + "\n    key: " + quoted(key)
         + "\n    ca: " + quoted(ca) + "\n";
}

/// Sets an environment variable for the scope (children inherit it).
struct scoped_env {
  std::string name;
  scoped_env(std::string n, const std::string& value) : name(std::move(n)) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~scoped_env() {
    ::unsetenv(name.c_str());
  }
};

} // namespace

CAF_TEST(conductorctl reaches a tls node only with a certificate of its ca) {
  temp_dir certs;
  REQUIRE_OR_RETURN(make_certificates(certs));
  node_fixture f;
  write_file(f.config, tls_config(f, certs, "node.pem", "node.key", "ca.pem"));
  auto node = f.start();
  REQUIRE_OR_RETURN(f.scrape_shows("conductor_build_info"));
  auto connect = "127.0.0.1:" + std::to_string(f.inspect_port);
  CAF_CHECK(eventually([&] { return has(node.err(), "over TLS"); }));
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {ctl, "--connect", connect});
    return run_to_end(args, f.dir.path());
  };
  std::vector<std::string> good{"--tls-ca",  certs.file("ca.pem"),  "--tls-cert",
                                certs.file("ctl.pem"), "--tls-key", certs.file("ctl.key")};
  auto with = [&](std::vector<std::string> tls, std::vector<std::string> args) {
    tls.insert(tls.end(), args.begin(), args.end());
    return run(tls);
  };
  auto status = with(good, {"status"});
  CAF_CHECK_EQUAL(status.code, 0);
  CAF_CHECK(has(status.out, "mode       manual"));
  CAF_CHECK_EQUAL(status.err, "");
  // The same from the environment.
  {
    scoped_env ca{"CONDUCTOR_TLS_CA", certs.file("ca.pem")};
    scoped_env cert{"CONDUCTOR_TLS_CERT", certs.file("ctl.pem")};
    scoped_env key{"CONDUCTOR_TLS_KEY", certs.file("ctl.key")};
    auto env = run({"--json", "actors"});
    CAF_CHECK_EQUAL(env.code, 0);
    CAF_CHECK(has(env.out, "\"name\": \"persistence\""));
  }
  // Plain CAF against the TLS port: the node ends the handshake.
  auto plain = run({"status"});
  CAF_CHECK_EQUAL(plain.code, 3);
  CAF_CHECK(has(plain.err, "cannot reach the node's inspector at " + connect));
  CAF_CHECK(has(plain.err, "give --tls-ca, --tls-cert and --tls-key"));
  // A client certificate of another CA: the node refuses it.
  auto rogue = with({"--tls-ca", certs.file("ca.pem"), "--tls-cert", certs.file("rogue.pem"),
                     "--tls-key", certs.file("rogue.key")},
                    {"status"});
  CAF_CHECK_EQUAL(rogue.code, 3);
  CAF_CHECK(has(rogue.err, "TLS failed"));
  // Trusting another CA: conductorctl refuses the node's certificate.
  auto distrust = with({"--tls-ca", certs.file("other-ca.pem"), "--tls-cert",
                        certs.file("ctl.pem"), "--tls-key", certs.file("ctl.key")},
                       {"status"});
  CAF_CHECK_EQUAL(distrust.code, 3);
  CAF_CHECK(has(distrust.err, "TLS failed"));
  // Unusable files on conductorctl's side are said before connecting.
  auto missing = with({"--tls-ca", certs.file("ca.pem"), "--tls-cert", certs.file("nope.pem"),
                       "--tls-key", certs.file("ctl.key")},
                      {"status"});
  CAF_CHECK_EQUAL(missing.code, 2);
  CAF_CHECK(has(missing.err, "--tls-cert " + certs.file("nope.pem") + ": cannot read it"));
  auto wrong_key = with({"--tls-ca", certs.file("ca.pem"), "--tls-cert", certs.file("ctl.pem"),
                         "--tls-key", certs.file("rogue.key")},
                        {"status"});
  CAF_CHECK_EQUAL(wrong_key.code, 2);
  CAF_CHECK(has(wrong_key.err, "not the key of the certificate"));
  auto ca_only = run({"--tls-ca", certs.file("ca.pem"), "status"});
  CAF_CHECK_EQUAL(ca_only.code, 2);
  CAF_CHECK(has(ca_only.err, "together"));
  // None of that hurt the node.
  CAF_CHECK(node.running());
  CAF_CHECK_EQUAL(with(good, {"status"}).code, 0);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(conductorctl with tls against a plain node says tls failed) {
  temp_dir certs;
  REQUIRE_OR_RETURN(make_certificates(certs));
  node_fixture f;
  auto node = f.start();
  REQUIRE_OR_RETURN(f.scrape_shows("conductor_build_info"));
  auto tls = run_to_end({ctl, "--connect", "127.0.0.1:" + std::to_string(f.inspect_port),
                         "--tls-ca", certs.file("ca.pem"), "--tls-cert", certs.file("ctl.pem"),
                         "--tls-key", certs.file("ctl.key"), "status"},
                        f.dir.path());
  CAF_CHECK_EQUAL(tls.code, 3);
  CAF_CHECK(has(tls.err, "TLS failed"));
  CAF_CHECK(node.running());
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(unusable tls files stop the node at start with exit 1) {
  temp_dir certs;
  REQUIRE_OR_RETURN(make_certificates(certs));
  struct bad_case {
    std::string cert;
    std::string key;
    std::string ca;
    std::string message;
  };
  std::vector<bad_case> cases{
    {"missing.pem", "node.key", "ca.pem",
     "cannot offer the inspector over TLS: inspect.tls.cert " + certs.file("missing.pem")
       + ": cannot read it: No such file or directory"},
    {"node.pem", "ctl.key", "ca.pem", "inspect.tls.key " + certs.file("ctl.key")
                                        + ": not the key of the certificate"},
    {"node.key", "node.key", "ca.pem", "inspect.tls.cert " + certs.file("node.key")
                                         + ": not a PEM certificate"},
    {"node.pem", "node.key", "node.ext", "inspect.tls.ca " + certs.file("node.ext")
                                           + ": no PEM CA certificate in it"},
  };
  for (const auto& c : cases) {
    CAF_MESSAGE("cert " << c.cert << ", key " << c.key << ", ca " << c.ca);
    node_fixture f;
    write_file(f.config, tls_config(f, certs, c.cert, c.key, c.ca));
    auto node = f.start();
    CAF_CHECK_EQUAL(node.wait(10s), 1);
    CAF_CHECK(has(node.err(), c.message));
  }
  // CAF verifies the peer on both ends: without a CA no conductorctl could
  // ever connect, so the configuration is refused (exit 2).
  node_fixture f;
  write_file(f.config, tls_config(f, certs, "node.pem", "node.key", ""));
  auto node = f.start();
  CAF_CHECK_EQUAL(node.wait(10s), 2);
  CAF_CHECK(has(node.err(), "inspect.tls.cert: needs inspect.tls.ca as well"));
}

// conductorctl's command line (ctl/ctl_options.hpp), without a node: every
// command's arguments, where the node and the TLS files come from, and the
// usage errors (exit 2) a bad line gets.
#define CAF_SUITE ctl_options

#include <caf/test/unit_test.hpp>

#include "ctl/ctl_options.hpp"

using namespace conductor::ctl;

namespace {

ctl_options parse(const std::vector<std::string>& args, const ctl_env& env = ctl_env{}) {
  return parse_ctl_options(args, env);
}

/// The usage error of a line ("" when it is good).
std::string error_of(const std::vector<std::string>& args, const ctl_env& env = ctl_env{}) {
  return parse(args, env).error;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

ctl_env inspect_env(const char* address) {
  ctl_env env;
  env.inspect = address;
  return env;
}

ctl_env tls_env(const char* ca, const char* cert, const char* key) {
  ctl_env env;
  env.tls_ca = ca;
  env.tls_cert = cert;
  env.tls_key = key;
  return env;
}

} // namespace

CAF_TEST(a bare command reads the default node as a table) {
  auto o = parse({"status"});
  CAF_CHECK_EQUAL(o.error, "");
  CAF_CHECK_EQUAL(o.command, "status");
  CAF_CHECK_EQUAL(o.host, "127.0.0.1");
  CAF_CHECK_EQUAL(o.port, 4242u);
  CAF_CHECK(!o.json);
  CAF_CHECK(!o.tls());
  CAF_CHECK_EQUAL(error_of({"explain"}), "");
  for (auto c : {"status", "actors", "plugins", "health"}) {
    CAF_CHECK_EQUAL(error_of({c}), "");
    CAF_CHECK(has(error_of({c, "extra"}), "unexpected argument \"extra\""));
  }
  CAF_CHECK(parse({"--json", "actors"}).json);
}

CAF_TEST(the node is connect then the variable then the default) {
  auto flag = parse({"--connect", "10.0.0.5:5000", "status"}, inspect_env("10.0.0.6:6000"));
  CAF_CHECK_EQUAL(flag.error, "");
  CAF_CHECK_EQUAL(flag.host, "10.0.0.5");
  CAF_CHECK_EQUAL(flag.port, 5000u);
  auto env = parse({"status"}, inspect_env("10.0.0.6:6000"));
  CAF_CHECK_EQUAL(env.host, "10.0.0.6");
  CAF_CHECK_EQUAL(env.port, 6000u);
  // An empty variable counts as unset.
  CAF_CHECK_EQUAL(parse({"status"}, inspect_env("")).port, 4242u);
  // A stale variable does not stand in the way of the flag, nor of help.
  CAF_CHECK_EQUAL(error_of({"--connect", "127.0.0.1:1", "status"}, inspect_env("nonsense")), "");
  CAF_CHECK_EQUAL(error_of({"help"}, inspect_env("nonsense")), "");
  CAF_CHECK(has(error_of({"status"}, inspect_env("nonsense")),
                "CONDUCTOR_INSPECT: expected HOST:PORT"));
}

CAF_TEST(bad addresses and ports are usage errors) {
  CAF_CHECK(has(error_of({"--connect", "localhost", "status"}), "--connect: expected HOST:PORT"));
  CAF_CHECK(has(error_of({"--connect", "127.0.0.1:0", "status"}), "got \"127.0.0.1:0\""));
  CAF_CHECK(has(error_of({"--connect", "127.0.0.1:70000", "status"}), "expected HOST:PORT"));
  CAF_CHECK(has(error_of({"--connect", "127.0.0.1:http", "status"}), "expected HOST:PORT"));
  CAF_CHECK(has(error_of({"--connect", "127.0.0.1:-1", "status"}), "expected HOST:PORT"));
  CAF_CHECK_EQUAL(error_of({"--connect"}), "--connect needs HOST:PORT");
  CAF_CHECK(has(error_of({"status"}, inspect_env("127.0.0.1:99999")), "CONDUCTOR_INSPECT"));
}

CAF_TEST(lines without a known command are usage errors) {
  CAF_CHECK_EQUAL(error_of({}), "no command given");
  CAF_CHECK_EQUAL(error_of({"--json"}), "no command given");
  CAF_CHECK_EQUAL(error_of({"--bogus", "status"}), "unknown option --bogus");
  CAF_CHECK_EQUAL(error_of({"bogus"}), "unknown command \"bogus\"");
  CAF_CHECK_EQUAL(parse({"-h"}).command, "help");
  CAF_CHECK_EQUAL(parse({"--help"}).command, "help");
  CAF_CHECK_EQUAL(parse({"--version"}).command, "version");
  CAF_CHECK(has(ctl_usage(), "usage: conductorctl"));
  for (auto c : {"explain ID", "policy NAME", "scale PLUGIN", "--tls-ca FILE", "--tls-cert FILE",
                 "--tls-key FILE", "CONDUCTOR_TLS_CA", "mailbox"})
    CAF_CHECK(has(ctl_usage(), c));
}

CAF_TEST(history takes a row count and a plugin) {
  auto o = parse({"history", "-n", "50", "-p", "chat"});
  CAF_CHECK_EQUAL(o.error, "");
  CAF_CHECK_EQUAL(o.limit, 50);
  CAF_CHECK_EQUAL(o.plugin, "chat");
  CAF_CHECK_EQUAL(parse({"history"}).limit, 20);
  for (auto n : {"0", "-3", "1.5", "abc", ""})
    CAF_CHECK(has(error_of({"history", "-n", n}), "-n needs a whole number of at least 1"));
  CAF_CHECK(has(error_of({"history", "-n"}), "unexpected argument \"-n\""));
  CAF_CHECK(has(error_of({"history", "chat"}), "(use -n N, -p PLUGIN)"));
}

CAF_TEST(explain takes an optional audit row id) {
  CAF_CHECK_EQUAL(parse({"explain"}).id, 0);
  auto o = parse({"explain", "42"});
  CAF_CHECK_EQUAL(o.error, "");
  CAF_CHECK_EQUAL(o.command, "explain");
  CAF_CHECK_EQUAL(o.id, 42);
  for (auto id : {"0", "-1", "4.2", "abc", "99999999999999999999"})
    CAF_CHECK(has(error_of({"explain", id}), "explain: expected an audit row id"));
  CAF_CHECK(has(error_of({"explain", "1", "2"}), "unexpected argument \"2\""));
}

CAF_TEST(actors crash takes the actor to crash) {
  CAF_CHECK_EQUAL(parse({"actors"}).crash_actor, "");
  auto o = parse({"actors", "crash", "collector"});
  CAF_CHECK_EQUAL(o.error, "");
  CAF_CHECK_EQUAL(o.command, "actors");
  CAF_CHECK_EQUAL(o.crash_actor, "collector");
  CAF_CHECK(has(error_of({"actors", "crash"}), "actors crash: which actor?"));
  CAF_CHECK(has(error_of({"actors", "kill", "collector"}), "unexpected argument \"kill\""));
  CAF_CHECK(has(error_of({"actors", "crash", "collector", "now"}), "unexpected argument \"now\""));
  CAF_CHECK(has(ctl_usage(), "actors crash NAME"));
}

CAF_TEST(mode takes one of three modes) {
  CAF_CHECK_EQUAL(parse({"mode", "manual"}).mode, "manual");
  CAF_CHECK_EQUAL(error_of({"mode", "enabled"}), "");
  CAF_CHECK_EQUAL(error_of({"mode", "disabled"}), "");
  CAF_CHECK(has(error_of({"mode", "on"}), "expected enabled, disabled or manual, got \"on\""));
  CAF_CHECK(has(error_of({"mode"}), "which one?"));
  CAF_CHECK(has(error_of({"mode", "manual", "now"}), "unexpected argument \"now\""));
}

CAF_TEST(policy takes one name and leaves checking it to the node) {
  auto o = parse({"policy", "conservative"});
  CAF_CHECK_EQUAL(o.error, "");
  CAF_CHECK_EQUAL(o.command, "policy");
  CAF_CHECK_EQUAL(o.policy, "conservative");
  CAF_CHECK_EQUAL(parse({"policy", "anything"}).policy, "anything");
  CAF_CHECK(has(error_of({"policy"}), "policy: which one?"));
  CAF_CHECK(has(error_of({"policy", "a", "b"}), "unexpected argument \"b\""));
}

CAF_TEST(breaker takes an action a target and a reason) {
  auto o = parse({"breaker", "open", "web", "deploy", "in", "progress"});
  CAF_CHECK_EQUAL(o.error, "");
  CAF_CHECK_EQUAL(o.breaker_action, "open");
  CAF_CHECK_EQUAL(o.target, "web");
  CAF_CHECK_EQUAL(o.reason, "deploy in progress");
  CAF_CHECK_EQUAL(parse({"breaker", "close", "web"}).reason, "");
  CAF_CHECK_EQUAL(error_of({"breaker", "reset", "web"}), "");
  CAF_CHECK(has(error_of({"breaker", "reset", "web", "why"}), "unexpected argument \"why\""));
  CAF_CHECK(has(error_of({"breaker", "toggle", "web"}), "expected open, close or reset"));
  CAF_CHECK(has(error_of({"breaker", "open"}), "expected open|close|reset and a target"));
}

CAF_TEST(preflight takes sizes cores and a plugin) {
  auto o = parse({"preflight", "--memory", "512MiB", "--cpu", "1.5", "--plugin", "chat"});
  CAF_CHECK_EQUAL(o.error, "");
  CAF_CHECK_EQUAL(o.memory_bytes, 512ull << 20);
  CAF_CHECK_EQUAL(o.cpu_cores, 1.5);
  CAF_CHECK_EQUAL(o.plugin, "chat");
  CAF_CHECK_EQUAL(parse({"preflight", "--memory", "2GiB"}).memory_bytes, 2ull << 30);
  CAF_CHECK_EQUAL(parse({"preflight", "--memory", "1000"}).memory_bytes, 1000u);
  CAF_CHECK_EQUAL(error_of({"preflight", "--cpu", "2"}), "");
  // Sizes follow config/units.hpp: SI and bare suffixes are refused.
  CAF_CHECK(has(error_of({"preflight", "--memory", "2G"}), "preflight: --memory: "));
  CAF_CHECK(has(error_of({"preflight", "--memory", "2GB"}), "preflight: --memory: "));
  CAF_CHECK(has(error_of({"preflight", "--cpu", "lots"}), "--cpu needs a number of cores"));
  CAF_CHECK(has(error_of({"preflight"}), "say what the work needs"));
  CAF_CHECK(has(error_of({"preflight", "--memory"}), "unexpected argument \"--memory\""));
}

CAF_TEST(scale takes a plugin and at least one limit) {
  auto o = parse({"scale", "chat", "--cpu", "1.5", "--memory", "512MiB", "--tasks", "64",
                  "--reason", "nightly batch"});
  CAF_CHECK_EQUAL(o.error, "");
  CAF_CHECK_EQUAL(o.command, "scale");
  CAF_CHECK_EQUAL(o.plugin, "chat");
  CAF_CHECK_EQUAL(o.cpu_cores, 1.5);
  CAF_CHECK_EQUAL(o.memory_bytes, 512ull << 20);
  CAF_CHECK_EQUAL(o.tasks_max, 64u);
  CAF_CHECK_EQUAL(o.reason, "nightly batch");
  // One limit is enough; the others stay 0 (left as they are).
  auto cpu = parse({"scale", "chat", "--cpu", "2"});
  CAF_CHECK_EQUAL(cpu.error, "");
  CAF_CHECK_EQUAL(cpu.memory_bytes, 0u);
  CAF_CHECK_EQUAL(cpu.tasks_max, 0u);
  CAF_CHECK_EQUAL(parse({"scale", "chat", "--memory", "1.5GiB"}).memory_bytes, 3ull << 29);
  CAF_CHECK_EQUAL(parse({"scale", "chat", "--tasks", "10"}).tasks_max, 10u);
  CAF_CHECK(has(error_of({"scale", "chat"}), "say which limit to set"));
  CAF_CHECK(has(error_of({"scale", "chat", "--reason", "why"}), "say which limit to set"));
  CAF_CHECK(has(error_of({"scale"}), "scale: which plugin?"));
  CAF_CHECK(has(error_of({"scale", "--cpu", "1"}), "scale: which plugin?"));
  for (auto c : {"0", "-1", "abc", ""})
    CAF_CHECK(
      has(error_of({"scale", "chat", "--cpu", c}), "--cpu needs a number of cores above 0"));
  CAF_CHECK(has(error_of({"scale", "chat", "--memory", "0"}), "--memory must be more than 0"));
  CAF_CHECK(has(error_of({"scale", "chat", "--memory", "2G"}), "scale: --memory: "));
  for (auto n : {"0", "1.5", "-2", "x"})
    CAF_CHECK(has(error_of({"scale", "chat", "--tasks", n}), "--tasks needs a whole number"));
  CAF_CHECK(has(error_of({"scale", "chat", "--cpu"}), "unexpected argument \"--cpu\""));
  CAF_CHECK(has(error_of({"scale", "chat", "--swap", "1GiB"}), "unexpected argument \"--swap\""));
}

CAF_TEST(whatif takes a plugin a window and a policy) {
  auto o = parse({"whatif", "chat"});
  CAF_CHECK_EQUAL(o.error, "");
  CAF_CHECK_EQUAL(o.command, "whatif");
  CAF_CHECK_EQUAL(o.plugin, "chat");
  CAF_CHECK_EQUAL(o.since, "");
  CAF_CHECK_EQUAL(o.policy, "");
  o = parse({"--json", "whatif", "host", "--since", "90m", "--policy", "predictive"});
  CAF_CHECK_EQUAL(o.error, "");
  CAF_CHECK(o.json);
  CAF_CHECK_EQUAL(o.plugin, "host");
  CAF_CHECK_EQUAL(o.since, "90m");
  CAF_CHECK_EQUAL(o.policy, "predictive");
  CAF_CHECK(has(error_of({"whatif"}), "whatif: which plugin?"));
  CAF_CHECK(has(error_of({"whatif", "--since", "6h"}), "whatif: which plugin?"));
  CAF_CHECK(has(error_of({"whatif", "chat", "--since", "6"}), "invalid duration \"6\""));
  CAF_CHECK(has(error_of({"whatif", "chat", "--since", "25h"}), "between 1s and 24h"));
  CAF_CHECK(has(error_of({"whatif", "chat", "--policy"}), "unexpected argument \"--policy\""));
  CAF_CHECK(has(error_of({"whatif", "chat", "extra"}), "unexpected argument \"extra\""));
}

CAF_TEST(tls files come from flags or the environment and go together) {
  auto o = parse({"--tls-ca", "ca.pem", "--tls-cert", "me.pem", "--tls-key", "me.key", "status"});
  CAF_CHECK_EQUAL(o.error, "");
  CAF_CHECK(o.tls());
  CAF_CHECK_EQUAL(o.tls_ca, "ca.pem");
  CAF_CHECK_EQUAL(o.tls_cert, "me.pem");
  CAF_CHECK_EQUAL(o.tls_key, "me.key");
  auto env = parse({"status"}, tls_env("eca.pem", "ecert.pem", "ekey.pem"));
  CAF_CHECK_EQUAL(env.error, "");
  CAF_CHECK(env.tls());
  CAF_CHECK_EQUAL(env.tls_cert, "ecert.pem");
  // Each flag wins over its own variable.
  auto mixed = parse({"--tls-ca", "ca.pem", "status"}, tls_env("eca.pem", "ecert.pem", "ekey.pem"));
  CAF_CHECK_EQUAL(mixed.error, "");
  CAF_CHECK_EQUAL(mixed.tls_ca, "ca.pem");
  CAF_CHECK_EQUAL(mixed.tls_key, "ekey.pem");
  // CAF's TLS checks both ends: one or two of the three are a usage error.
  CAF_CHECK(has(error_of({"--tls-ca", "ca.pem", "status"}),
                "TLS needs --tls-ca, --tls-cert and --tls-key together"));
  CAF_CHECK(has(error_of({"status"}, tls_env(nullptr, "c.pem", "k.pem")), "together"));
  CAF_CHECK(has(error_of({"--tls-cert", "c.pem", "--tls-key", "k.pem", "status"}), "together"));
  // ... but not for help, which needs no node.
  CAF_CHECK_EQUAL(error_of({"--tls-ca", "ca.pem", "help"}), "");
  CAF_CHECK_EQUAL(error_of({"--tls-ca"}), "--tls-ca needs a FILE");
  CAF_CHECK_EQUAL(error_of({"--tls-key", "", "status"}), "--tls-key needs a FILE");
  // Empty variables count as unset.
  CAF_CHECK(!parse({"status"}, tls_env("", "", "")).tls());
}

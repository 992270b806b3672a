// Faults, on the real conductor binary and conductorctl: a SIGHUP with a
// broken config (the old one stays in force, the error names file, line and
// key, a fixed file is taken later), and the inspector's connection dropped
// mid-request (garbage and half handshakes on its port; a node that stops
// answering or dies while conductorctl waits); and kill -9 after an
// operator's command (the state and the audit are there at the restart).
#define CAF_SUITE node_fault_control

#include <caf/test/unit_test.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <csignal>

#include <nlohmann/json.hpp>

#include "tests/db_query.hpp"
#include "tests/system/node_fixture.hpp"

using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The scaler settings in force (GET /api/autoscaler/config), or null.
nlohmann::json in_force(const node_fixture& f) {
  auto j = nlohmann::json::parse(http_get(f.port, "/api/autoscaler/config").body, nullptr, false);
  if (!j.is_object() || !j.contains("in_force"))
    return nullptr;
  return j["in_force"];
}

/// Connects to the inspector, sends `bytes`, then closes (after waiting
/// `hold` with the connection open).
bool send_and_drop(uint16_t port, const std::string& bytes,
                   std::chrono::milliseconds hold = 0ms) {
  int fd = connect_loopback(port);
  if (fd < 0)
    return false;
  bool sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL)
              == static_cast<ssize_t>(bytes.size());
  if (hold > 0ms)
    std::this_thread::sleep_for(hold);
  ::close(fd);
  return sent;
}

/// conductorctl status works: exit 0 within a few seconds.
bool ctl_works(const node_fixture& f) {
  auto r = run_conductorctl(f, {"status"}, 8s);
  return r.code == 0 && has(r.out, "actors     7 of 7 running");
}

} // namespace

CAF_TEST(a hangup with a broken file keeps the config in force and a fixed file is taken later) {
  node_fixture f;
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
  auto before = in_force(f);
  CAF_REQUIRE(before.is_object());
  CAF_CHECK_EQUAL(before.value("mode", ""), "manual");
  CAF_CHECK_EQUAL(before.value("evaluation_interval_seconds", 0.0), 0.2);
  // The mode changes and so does the interval, but the interval is not a
  // duration: nothing of the file may be taken.
  auto broken = f.config_text();
  broken.replace(broken.find("  mode: manual\n  evaluation_interval: 200ms\n"), 44,
                 "  mode: enabled\n  evaluation_interval: soon\n");
  write_file(f.config, broken);
  auto line = std::count(broken.begin(), broken.begin() + broken.find("evaluation_interval"), '\n')
              + 1;
  node.signal(SIGHUP);
  CAF_REQUIRE(eventually([&] { return has(node.err(), "reload rejected"); }));
  CAF_CHECK(has(node.err(),
                f.config + ":" + std::to_string(line) + ":24: scaler.evaluation_interval"));
  CAF_CHECK(node.running());
  CAF_CHECK_EQUAL(http_get(f.port, "/healthz").status, 200);
  auto kept = in_force(f);
  CAF_REQUIRE(kept.is_object());
  CAF_CHECK_EQUAL(kept.value("mode", ""), "manual");
  CAF_CHECK_EQUAL(kept.value("evaluation_interval_seconds", 0.0), 0.2);
  CAF_CHECK(has(run_conductorctl(f, {"status"}).out, "mode       manual"));
  // A fixed file is taken at the next hangup.
  auto fixed = f.config_text();
  fixed.replace(fixed.find("  mode: manual\n  evaluation_interval: 200ms\n"), 44,
                "  mode: enabled\n  evaluation_interval: 300ms\n");
  write_file(f.config, fixed);
  node.signal(SIGHUP);
  CAF_CHECK(eventually([&] { return has(node.err(), "configuration reloaded"); }));
  CAF_CHECK(eventually([&] {
    auto now = in_force(f);
    return now.is_object() && now.value("mode", "") == "enabled"
           && now.value("evaluation_interval_seconds", 0.0) == 0.3;
  }));
  CAF_CHECK(has(run_conductorctl(f, {"status"}).out, "mode       enabled"));
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(garbage and dropped handshakes on the inspector port leave the node serving) {
  node_fixture f;
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
  CAF_REQUIRE(ctl_works(f));
  // Not CAF at all; a connection opened and closed at once; one left silent.
  CAF_CHECK(send_and_drop(f.inspect_port, "GET / HTTP/1.0\r\n\r\n"));
  CAF_CHECK(send_and_drop(f.inspect_port, ""));
  CAF_CHECK(send_and_drop(f.inspect_port, "", 300ms));
  // A BASP header cut short, and one announcing a payload that never comes.
  std::string header(32, '\0');
  header[0] = 1; // client handshake
  CAF_CHECK(send_and_drop(f.inspect_port, header.substr(0, 10)));
  header[4] = 0x00;
  header[5] = 0x01;
  header[6] = 0x00;
  header[7] = 0x00; // 64 KiB of payload announced
  CAF_CHECK(send_and_drop(f.inspect_port, header + "partial", 200ms));
  // Garbage that looks like nothing.
  std::string noise;
  for (int i = 0; i < 4096; ++i)
    noise += static_cast<char>((i * 131 + 7) & 0xff);
  CAF_CHECK(send_and_drop(f.inspect_port, noise));
  // A conductorctl that gives up half way (killed while it waits).
  {
    child_process ctl{{CONDUCTORCTL_BINARY, "--connect",
                       "127.0.0.1:" + std::to_string(f.inspect_port), "history", "-n", "1000"},
                      f.dir.file("ctl1.out"), f.dir.file("ctl1.err")};
    ctl.signal(SIGKILL);
    ctl.wait(5s);
  }
  CAF_CHECK(node.running());
  CAF_CHECK_EQUAL(http_get(f.port, "/healthz").status, 200);
  CAF_CHECK(ctl_works(f));
  CAF_CHECK_EQUAL(run_conductorctl(f, {"actors"}).code, 0);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(conductorctl gives up on a stopped or killed node with a clear error) {
  node_fixture f;
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
  CAF_REQUIRE(ctl_works(f));
  // Stopped: the kernel accepts the connection, nobody answers.
  node.signal(SIGSTOP);
  auto asked = std::chrono::steady_clock::now();
  auto stopped = run_conductorctl(f, {"status"}, 15s);
  auto took = std::chrono::steady_clock::now() - asked;
  CAF_CHECK_EQUAL(stopped.code, 3);
  CAF_CHECK(has(stopped.err, "cannot reach the node's inspector at 127.0.0.1:"
                               + std::to_string(f.inspect_port) + ": no handshake within 5 s"));
  CAF_CHECK_LESS(took, 8s);
  // Waiting on the stopped node, then the node dies: conductorctl says so at
  // once instead of waiting out its timeout.
  child_process waiting{{CONDUCTORCTL_BINARY, "--connect",
                         "127.0.0.1:" + std::to_string(f.inspect_port), "status"},
                        f.dir.file("ctl2.out"), f.dir.file("ctl2.err")};
  CAF_CHECK(!eventually([&] { return !waiting.running(); }, 500ms));
  asked = std::chrono::steady_clock::now();
  node.signal(SIGKILL);
  CAF_CHECK_EQUAL(node.wait(5s), -2);
  CAF_CHECK_EQUAL(waiting.wait(10s), 3);
  CAF_CHECK_LESS(std::chrono::steady_clock::now() - asked, 3s);
  // Killed mid-handshake, or before conductorctl connected at all.
  auto said = waiting.err();
  CAF_MESSAGE("conductorctl said: " << said);
  CAF_CHECK(has(said, "the node closed the connection during the handshake (did it stop or"
                      " crash?")
            || has(said, "is conductor running"));
  // Gone: refused at once.
  auto gone = run_conductorctl(f, {"status"});
  CAF_CHECK_EQUAL(gone.code, 3);
  CAF_CHECK(has(gone.err, "is conductor running"));
}

CAF_TEST(kill -9 after an operator command restores the mode and keeps the audit) {
  // node_persistence covers kill -9 while audit rows stream in (no
  // acknowledged row lost) and a restart from a prepared database; here the
  // state comes from a real run that is killed, not from a prepared file.
  node_fixture f;
  auto db = f.dir.file("data/conductor.db");
  {
    auto node = f.start();
    CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
    auto set = run_conductorctl(f, {"mode", "disabled"});
    CAF_REQUIRE_EQUAL(set.code, 0);
    // Answered only once the audit row is committed; the runtime state follows.
    CAF_REQUIRE(eventually([&] {
      auto v = query_texts(db, "SELECT value FROM autoscaler_config WHERE key = 'mode'");
      return v == std::vector<std::string>{"disabled"};
    }));
    node.signal(SIGKILL);
    CAF_CHECK_EQUAL(node.wait(5s), -2);
  }
  auto rows_before = query_int(db, "SELECT COUNT(*) FROM autoscaler_history");
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_build_info"));
  CAF_CHECK(has(run_conductorctl(f, {"status"}).out, "mode       disabled"));
  CAF_CHECK(eventually([&] {
    return query_int(db, "SELECT COUNT(*) FROM autoscaler_history WHERE action = 'resume'"
                         " AND reason LIKE '%mode disabled (set by operator)%'")
           == 1;
  }));
  // The operator's row from before the kill is still there, with its origin.
  CAF_CHECK_EQUAL(query_int(db, "SELECT COUNT(*) FROM autoscaler_history WHERE action = 'mode'"
                                " AND origin LIKE 'conductorctl:%'"),
                  1);
  CAF_CHECK_GREATER(query_int(db, "SELECT COUNT(*) FROM autoscaler_history"), rows_before);
  CAF_CHECK_EQUAL(query_texts(db, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

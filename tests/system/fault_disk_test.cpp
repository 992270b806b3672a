// Faults, on the real conductor binary: its data dir made read-only (a bind
// mount remounted read-only) and full (a small tmpfs filled) while it runs.
// The node keeps serving, says the database is unavailable, keeps the audit
// rows waiting, and writes every one of them once the disk takes them again.
// Mounting needs root (CI runs as root); without it the tests say so and pass.
#define CAF_SUITE node_fault_disk

#include <caf/test/unit_test.hpp>

#include <sys/mount.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/db_query.hpp"
#include "tests/scoped_mount.hpp"
#include "tests/system/node_fixture.hpp"

using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

/// Unmounts everything mounted on `target` when the test ends, whatever
/// happens (the node, declared after it, is killed first).
struct mount_guard {
  std::string target;
  ~mount_guard() {
    for (int i = 0; i < 8 && ::umount2(target.c_str(), MNT_DETACH) == 0; ++i) {
    }
  }
};

/// The block device mounted on `dir` ("loop3"), or "".
std::string mounted_device(const std::string& dir) {
  std::ifstream in{"/proc/self/mountinfo"};
  std::string device;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields{line};
    std::string id, parent, numbers, root, point;
    fields >> id >> parent >> numbers >> root >> point;
    if (point != dir)
      continue;
    auto dash = line.find(" - ");
    std::istringstream rest{line.substr(dash + 3)};
    std::string type, source;
    rest >> type >> source;
    if (source.rfind("/dev/", 0) == 0)
      device = source.substr(5);
  }
  return device;
}

/// A health target on a closed port whose breaker re-opens every 50 ms: a
/// steady stream of audit rows (breaker transitions).
std::string flapping_target() {
  return "health:\n  interval: 50ms\n  timeout: 50ms\n"
         "  breaker:\n    failure_threshold: 1\n    reset_timeout: 50ms\n"
         "    backoff: 1\n    max_reset_timeout: 50ms\n"
         "  targets:\n    - name: flap\n      type: tcp\n      address: 127.0.0.1:"
         + std::to_string(free_port()) + "\n";
}

/// The breaker transitions of `target` the node counted on /metrics.
double transitions(uint16_t port, const std::string& target) {
  auto body = http_get(port, "/metrics").body;
  double total = 0;
  const std::string family = "\nconductor_circuit_breaker_transitions_total{";
  for (auto at = body.find(family); at != std::string::npos; at = body.find(family, at + 1)) {
    auto end = body.find('\n', at + 1);
    auto line = body.substr(at + 1, end - at - 1);
    if (line.find("target=\"" + target + "\"") != std::string::npos)
      total += std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
  }
  return total;
}

/// The node answers /healthz, /metrics and the API, each within a second.
bool serving(uint16_t port) {
  for (const char* path : {"/healthz", "/metrics", "/api/autoscaler/status"}) {
    auto asked = std::chrono::steady_clock::now();
    if (http_get(port, path).status != 200 || std::chrono::steady_clock::now() - asked > 1s)
      return false;
  }
  return true;
}

/// The persistence actor's log lines, for the test's output.
std::string persistence_lines(const std::string& log) {
  std::string out;
  std::istringstream in{log};
  for (std::string line; std::getline(in, line);)
    if (line.find("persistence") != std::string::npos)
      out += "\n    " + line;
  return out;
}

/// Stops the flapping (forces the breaker open), waits for the audit backlog
/// to drain and checks that the database holds every transition the node
/// counted: none lost while the disk refused them.
void check_nothing_lost(node_fixture& f, const std::string& db) {
  auto forced = http_exchange(f.port, "POST /api/health/flap/open HTTP/1.0\r\n"
                                      "Content-Type: application/json\r\nContent-Length: 17\r\n"
                                      "\r\n{\"reason\": \"end\"}");
  CAF_CHECK_EQUAL(forced.status, 200);
  CAF_CHECK(f.scrape_shows("conductor_persistence_audit_backlog 0\n", 40s));
  // Both sides are read again each time: the forced transition may reach
  // the database before /metrics counts it (seen under ThreadSanitizer).
  auto counted = transitions(f.port, "flap");
  CAF_CHECK(eventually([&] {
    counted = transitions(f.port, "flap");
    return query_int(db, "SELECT COUNT(*) FROM breaker_transitions WHERE target = 'flap'")
           == static_cast<int64_t>(counted);
  }));
  CAF_MESSAGE(counted << " transitions counted, "
                      << query_int(db, "SELECT COUNT(*) FROM breaker_transitions") << " rows");
  CAF_CHECK_GREATER(counted, 10);
  CAF_CHECK_EQUAL(
    scrape_value(f.port, "conductor_persistence_dropped_total{table=\"breaker_transitions\"}"),
    -1);
  CAF_CHECK_EQUAL(query_texts(db, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
}

} // namespace

CAF_TEST(a data dir gone read only keeps the node serving and its audit rows waiting) {
  // A bind mount cannot be remounted read-only while conductor holds the
  // database open for writing (the kernel says EBUSY), so this is how a data
  // dir really goes read-only mid-run: ext4 hits an error and the kernel
  // remounts it read-only under the open files (errors=remount-ro). The
  // operator's fix is a fresh mount of the checked file system, which the
  // node must find by reopening the path.
  node_fixture f;
  auto data = f.dir.file("data");
  auto image = f.dir.file("disk.img");
  std::filesystem::create_directories(data);
  { std::ofstream{image}; }
  std::filesystem::resize_file(image, 32 << 20);
  mount_guard mounts{data};
  auto made = [&](std::vector<std::string> argv) {
    return run_to_end(std::move(argv), f.dir.path()).code == 0;
  };
  if (::geteuid() != 0 || !made({"/usr/sbin/mkfs.ext4", "-q", "-F", image})
      || !made({"/bin/mount", "-o", "loop,errors=remount-ro", image, data})) {
    CAF_MESSAGE("skipped: needs root, mkfs.ext4 and loop devices");
    return;
  }
  auto device = mounted_device(data);
  auto trigger = "/sys/fs/ext4/" + device + "/trigger_fs_error";
  if (device.empty() || ::access(trigger.c_str(), W_OK) != 0) {
    CAF_MESSAGE("skipped: the kernel has no " << trigger);
    return;
  }
  write_file(f.config, f.config_text() + flapping_target());
  auto node = f.start();
  auto db = data + "/conductor.db";
  CAF_REQUIRE(f.scrape_shows("conductor_persistence_available 1"));
  CAF_REQUIRE(eventually([&] {
    return query_int(db, "SELECT COUNT(*) FROM breaker_transitions") >= 3;
  }));
  write_file(trigger, "conductor fault test\n");
  CAF_REQUIRE(eventually([&] {
    return ::access((data + "/probe").c_str(), F_OK) != 0
           && std::ofstream{data + "/probe"}.fail();
  }));
  CAF_CHECK(f.scrape_shows("conductor_persistence_available 0\n"));
  CAF_CHECK(eventually([&] {
    return scrape_value(f.port, "conductor_persistence_audit_backlog") >= 10;
  }));
  CAF_CHECK(serving(f.port));
  CAF_CHECK(node.running());
  CAF_CHECK(node.err().find(db) != std::string::npos);
  // A retry while the disk is still read-only fails too: nothing is taken
  // for written, the rows keep waiting.
  auto errors = scrape_value(f.port, "conductor_persistence_errors_total");
  CAF_CHECK(eventually(
    [&] { return scrape_value(f.port, "conductor_persistence_errors_total") > errors; }));
  CAF_CHECK_EQUAL(scrape_value(f.port, "conductor_persistence_available"), 0);
  // The operator's repair: the file system mounted afresh at the same place
  // (a copy of the image, as the broken mount still holds the original; its
  // journal is replayed at the mount).
  auto repaired = f.dir.file("repaired.img");
  std::filesystem::copy_file(image, repaired);
  CAF_REQUIRE_EQUAL(run_to_end({"/bin/mount", "-o", "loop", repaired, data}, f.dir.path()).code, 0);
  CAF_CHECK(f.scrape_shows("conductor_persistence_available 1\n", 40s));
  check_nothing_lost(f, db);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
  CAF_MESSAGE("the node said:" << persistence_lines(node.err()));
}

CAF_TEST(a full data dir keeps the node serving and its audit rows waiting until space returns) {
  node_fixture f;
  auto data = f.dir.file("data");
  std::filesystem::create_directories(data);
  scoped_mount tmpfs{"tmpfs", data, "tmpfs", 0, "size=16m,mode=0700"};
  if (!tmpfs.ok) {
    CAF_MESSAGE("skipped: mounting a tmpfs needs root (" << std::strerror(errno) << ")");
    return;
  }
  write_file(f.config, f.config_text() + flapping_target());
  auto node = f.start();
  auto db = data + "/conductor.db";
  CAF_REQUIRE(f.scrape_shows("conductor_persistence_available 1"));
  CAF_REQUIRE(eventually([&] {
    return query_int(db, "SELECT COUNT(*) FROM breaker_transitions") >= 3;
  }));
  // Fill what is left.
  auto filler = data + "/filler";
  {
    std::FILE* out = std::fopen(filler.c_str(), "w");
    CAF_REQUIRE(out != nullptr);
    std::string block(64 << 10, 'x');
    while (std::fwrite(block.data(), 1, block.size(), out) == block.size()) {
    }
    std::fclose(out);
  }
  CAF_CHECK(f.scrape_shows("conductor_persistence_available 0\n"));
  CAF_CHECK(eventually([&] {
    return scrape_value(f.port, "conductor_persistence_audit_backlog") >= 10;
  }));
  CAF_CHECK(serving(f.port));
  CAF_CHECK(node.running());
  std::filesystem::remove(filler);
  CAF_CHECK(f.scrape_shows("conductor_persistence_available 1\n", 40s));
  check_nothing_lost(f, db);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
  CAF_MESSAGE("the node said:" << persistence_lines(node.err()));
}

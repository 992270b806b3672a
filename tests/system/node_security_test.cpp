// What SECURITY.md promises about the files a node makes and the programs it
// runs, checked on the real binary: everything it creates is the owner's
// alone, and no argument of a plugin or an exec check goes through a shell.
#define CAF_SUITE node_security

#include <caf/test/unit_test.hpp>

#include <sys/stat.h>

#include <csignal>
#include <filesystem>

#include "tests/system/node_fixture.hpp"

using namespace conductor::test;
using namespace std::chrono_literals;

namespace {

/// The permission bits of `path`, or -1 when it cannot be read.
int mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return -1;
  return static_cast<int>(st.st_mode & 07777);
}

// Every shell would act on at least one of these: expansion, a command
// separator, a substitution, a redirection; each would make a file in `dir`.
std::string hostile(const std::string& dir) {
  return "$HOME; touch " + dir + "/pwned $(touch " + dir + "/pwned2) `touch " + dir
         + "/pwned3` > " + dir + "/pwned4";
}

} // namespace

CAF_TEST(the files and directories a node creates are private to its owner) {
  node_fixture f;
  // The test's own process umask is what a careless service manager might
  // leave: the node must not rely on it.
  auto old_umask = ::umask(0);
  auto cfg = f.config_text();
  cfg += "plugins:\n"
         "  - name: talker\n"
         "    command: [/bin/echo, talking]\n"
         "    start_retries: 0\n";
  write_file(f.config, cfg);
  auto node = f.start();
  ::umask(old_umask);
  CAF_REQUIRE(f.scrape_shows("conductor_plugin_state{plugin=\"talker\""));
  CAF_REQUIRE(eventually([&] {
    return std::filesystem::exists(f.dir.file("data/conductor.db-wal"))
           && read_text(f.dir.file("data/plugins/talker.log")) == "talking\n";
  }));
  CAF_CHECK_EQUAL(mode_of(f.dir.file("data")), 0700);
  CAF_CHECK_EQUAL(mode_of(f.dir.file("data/plugins")), 0700);
  CAF_CHECK_EQUAL(mode_of(f.dir.file("data/plugins/talker.log")), 0600);
  for (const char* file : {"conductor.db", "conductor.db-wal", "conductor.db-shm"})
    CAF_CHECK_EQUAL(mode_of(f.dir.file(std::string{"data/"} + file)), 0600);
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

CAF_TEST(plugin and exec check arguments reach the program verbatim without a shell) {
  node_fixture f;
  auto text = hostile(f.dir.path());
  auto cfg = f.config_text();
  // test(1) succeeds only on two identical strings; echo writes its argument
  // to the plugin's log. Through a shell, the check would fail, the log
  // would differ, and the pwned files would exist.
  cfg += "health:\n  interval: 500ms\n  timeout: 400ms\n  targets:\n"
         "    - name: literal\n      type: exec\n"
         "      command: [/usr/bin/test, \"" + text + "\", \"=\", \"" + text + "\"]\n"
         "plugins:\n"
         "  - name: literal\n"
         "    command: [/bin/echo, \"" + text + "\"]\n"
         "    start_retries: 0\n";
  write_file(f.config, cfg);
  auto node = f.start();
  CAF_REQUIRE(f.scrape_shows("conductor_health_check_total{result=\"success\",target=\"literal\"}"));
  CAF_CHECK(eventually([&] { return read_text(f.dir.file("data/plugins/literal.log")) == text + "\n"; }));
  // Never failed: the series is 0 (it is exported from the start).
  auto m = http_get(f.port, "/metrics").body;
  CAF_CHECK_NOT_EQUAL(
    m.find("conductor_health_check_total{result=\"failure\",target=\"literal\"} 0\n"),
    std::string::npos);
  for (const char* name : {"pwned", "pwned2", "pwned3", "pwned4"})
    CAF_CHECK(!std::filesystem::exists(f.dir.file(name)));
  node.signal(SIGTERM);
  CAF_CHECK_EQUAL(node.wait(5s), 0);
}

// plugin_lifecycle (actors/plugins/plugin_lifecycle.hpp): every state, the
// actions each step asks for, restart backoff and its reset, failing after
// start_retries, drains, grace periods, disable and the emergency kill. Time
// is a plain duration the test moves.
#define CAF_SUITE plugin_lifecycle

#include <caf/test/unit_test.hpp>

#include <signal.h>

#include "actors/plugins/plugin_lifecycle.hpp"

using namespace conductor;
using namespace std::chrono_literals;

namespace {

using duration = plugin_lifecycle::duration;

/// The actions as text: "spawn", "signal 15", "drain url".
std::vector<std::string> text(const std::vector<plugin_action>& xs) {
  std::vector<std::string> out;
  for (auto& x : xs)
    out.push_back(x.kind == plugin_action::spawn    ? std::string{"spawn"}
                  : x.kind == plugin_action::signal ? "signal " + std::to_string(x.signo)
                                                    : std::string{"drain url"});
  return out;
}

using strings = std::vector<std::string>;

const strings spawn{"spawn"};
const strings none{};
const strings term{"signal " + std::to_string(SIGTERM)};
const strings kill9{"signal " + std::to_string(SIGKILL)};

plugin_lifecycle running_plugin(lifecycle_settings s = {}) {
  plugin_lifecycle p{s};
  p.start(0s);
  p.spawned(0s);
  return p;
}

} // namespace

CAF_TEST(a plugin starts stopped and start spawns it) {
  plugin_lifecycle p{{}};
  CAF_CHECK_EQUAL(to_string(p.state()), std::string{"stopped"});
  CAF_CHECK_EQUAL(text(p.start(0s)), spawn);
  CAF_CHECK(p.state() == plugin_state::starting);
  // A second start while starting asks for nothing.
  CAF_CHECK_EQUAL(text(p.start(0s)), none);
  p.spawned(1ms);
  CAF_CHECK(p.state() == plugin_state::running);
  CAF_CHECK_EQUAL(text(p.start(2ms)), none);
}

CAF_TEST(a stop without drain sends the term signal then the kill signal after the grace) {
  auto p = running_plugin();
  CAF_CHECK_EQUAL(text(p.stop(10s)), term);
  CAF_CHECK(p.state() == plugin_state::stopping);
  CAF_CHECK_EQUAL(p.deadline().value_or(0s), 20s);
  CAF_CHECK_EQUAL(text(p.tick(19s)), none);
  CAF_CHECK_EQUAL(text(p.tick(20s)), kill9);
  CAF_CHECK(p.state() == plugin_state::stopping);
  CAF_CHECK(!p.deadline());
  p.exited(20100ms, "killed by signal 9");
  CAF_CHECK(p.state() == plugin_state::stopped);
  CAF_CHECK_EQUAL(p.reason(), "stopped (killed by signal 9)");
  // A stopped plugin's restart count is untouched: it was not a crash.
  CAF_CHECK_EQUAL(p.exits_in_a_row(), 0);
}

CAF_TEST(a process that exits on the term signal is stopped without the kill signal) {
  auto p = running_plugin();
  p.stop(10s);
  CAF_CHECK_EQUAL(text(p.exited(11s, "exit code 0")), none);
  CAF_CHECK(p.state() == plugin_state::stopped);
  CAF_CHECK(!p.deadline());
}

CAF_TEST(a drain signal comes first and the term signal follows after the grace) {
  lifecycle_settings s;
  s.drain_signal = SIGUSR1;
  s.grace = 30s;
  auto p = running_plugin(s);
  CAF_CHECK_EQUAL(text(p.stop(100s)), strings{"signal " + std::to_string(SIGUSR1)});
  CAF_CHECK(p.state() == plugin_state::draining);
  CAF_CHECK_EQUAL(text(p.tick(129s)), none);
  CAF_CHECK_EQUAL(text(p.tick(130s)), term);
  CAF_CHECK(p.state() == plugin_state::stopping);
  CAF_CHECK_EQUAL(text(p.tick(160s)), kill9);
}

CAF_TEST(a drained process that finishes its work and exits is stopped) {
  lifecycle_settings s;
  s.drain_url = "http://127.0.0.1:7000/drain";
  auto p = running_plugin(s);
  CAF_CHECK_EQUAL(text(p.stop(5s)), strings{"drain url"});
  p.exited(7s, "exit code 0");
  CAF_CHECK(p.state() == plugin_state::stopped);
}

CAF_TEST(unexpected exits restart with a doubling backoff and fail after start_retries) {
  lifecycle_settings s;
  s.start_retries = 3;
  auto p = running_plugin(s);
  duration now = 10s;
  std::vector<duration> waits;
  for (int i = 0; i < 3; ++i) {
    CAF_CHECK_EQUAL(text(p.exited(now, "exit code 1")), none);
    CAF_REQUIRE(p.state() == plugin_state::starting);
    waits.push_back(*p.deadline() - now);
    CAF_CHECK_EQUAL(text(p.tick(*p.deadline() - 1ms)), none);
    now = *p.deadline();
    CAF_CHECK_EQUAL(text(p.tick(now)), spawn);
    p.spawned(now);
  }
  CAF_CHECK_EQUAL(waits, (std::vector<duration>{1s, 2s, 4s}));
  // The fourth exit in a row is one more than start_retries: failed.
  p.exited(now + 1s, "exit code 1");
  CAF_CHECK(p.state() == plugin_state::failed);
  CAF_CHECK(!p.deadline());
  CAF_CHECK_EQUAL(p.reason(), "exited unexpectedly (exit code 1); failed after 4 exits in a row");
  // An operator's start tries again from scratch.
  CAF_CHECK_EQUAL(text(p.start(now + 2s)), spawn);
  CAF_CHECK_EQUAL(p.exits_in_a_row(), 0);
  CAF_CHECK(p.backoff() == 1s);
}

CAF_TEST(the backoff stops doubling at sixty seconds) {
  lifecycle_settings s;
  s.start_retries = 20;
  plugin_lifecycle p{s};
  p.start(0s);
  duration now = 0s;
  duration last{};
  for (int i = 0; i < 10; ++i) {
    p.spawn_failed(now, "no such file");
    last = *p.deadline() - now;
    now = *p.deadline();
    p.tick(now);
  }
  CAF_CHECK(last == 60s);
  CAF_CHECK_EQUAL(p.reason(), "could not start: no such file");
}

CAF_TEST(a plugin that ran for a minute has recovered and its count starts over) {
  auto p = running_plugin();
  p.exited(1s, "exit code 1");
  p.tick(2s);
  p.spawned(2s);
  p.exited(3s, "exit code 1");
  CAF_CHECK_EQUAL(p.exits_in_a_row(), 2);
  p.tick(5s);
  p.spawned(5s);
  // Up for 60 s, then an exit: the first of a new series, 1 s backoff.
  p.exited(65s, "exit code 1");
  CAF_CHECK_EQUAL(p.exits_in_a_row(), 1);
  CAF_CHECK_EQUAL(p.deadline().value_or(0s), 66s);
}

CAF_TEST(disable stops the plugin and keeps it from starting until enabled) {
  auto p = running_plugin();
  CAF_CHECK_EQUAL(text(p.disable(1s)), term);
  p.exited(2s, "exit code 0");
  CAF_CHECK(p.state() == plugin_state::disabled);
  CAF_CHECK_EQUAL(text(p.start(3s)), none);
  p.enable();
  CAF_CHECK(p.state() == plugin_state::stopped);
  CAF_CHECK_EQUAL(text(p.start(4s)), spawn);
}

CAF_TEST(disabling a stopped failed or restarting plugin needs no process work) {
  plugin_lifecycle stopped{{}};
  CAF_CHECK_EQUAL(text(stopped.disable(0s)), none);
  CAF_CHECK(stopped.state() == plugin_state::disabled);
  auto restarting = running_plugin();
  restarting.exited(1s, "exit code 2");
  CAF_REQUIRE(restarting.deadline());
  CAF_CHECK_EQUAL(text(restarting.disable(1500ms)), none);
  CAF_CHECK(restarting.state() == plugin_state::disabled);
  CAF_CHECK(!restarting.deadline());
  CAF_CHECK_EQUAL(text(restarting.tick(10s)), none);
}

CAF_TEST(a disable during a stop ends in disabled and an enable during it in stopped) {
  auto p = running_plugin();
  p.stop(1s);
  CAF_CHECK_EQUAL(text(p.disable(2s)), none);
  p.exited(3s, "exit code 0");
  CAF_CHECK(p.state() == plugin_state::disabled);
  auto q = running_plugin();
  q.disable(1s);
  q.enable();
  q.exited(2s, "exit code 0");
  CAF_CHECK(q.state() == plugin_state::stopped);
}

CAF_TEST(an emergency kill skips the drain and the grace) {
  lifecycle_settings s;
  s.drain_signal = SIGUSR1;
  auto p = running_plugin(s);
  CAF_CHECK_EQUAL(text(p.kill(1s)), kill9);
  CAF_CHECK(p.state() == plugin_state::stopping);
  CAF_CHECK(!p.deadline());
  p.exited(1100ms, "killed by signal 9");
  CAF_CHECK(p.state() == plugin_state::stopped);
  // A kill while draining goes straight to SIGKILL too.
  auto q = running_plugin(s);
  q.stop(1s);
  CAF_CHECK_EQUAL(text(q.kill(2s)), kill9);
  CAF_CHECK_EQUAL(text(q.tick(100s)), none);
}

CAF_TEST(an emergency stop kills without a drain and leaves the plugin disabled) {
  lifecycle_settings s;
  s.drain_signal = SIGUSR1;
  auto p = running_plugin(s);
  CAF_CHECK_EQUAL(text(p.kill_and_disable(1s)), kill9);
  p.exited(1100ms, "killed by signal 9");
  CAF_CHECK(p.state() == plugin_state::disabled);
  CAF_CHECK_EQUAL(text(p.start(2s)), none);
  // One waiting for its restart has no process: disabled at once.
  auto q = running_plugin(s);
  q.exited(1s, "exit code 1");
  CAF_CHECK_EQUAL(text(q.kill_and_disable(1500ms)), none);
  CAF_CHECK(q.state() == plugin_state::disabled);
  CAF_CHECK_EQUAL(text(q.tick(100s)), none);
}

CAF_TEST(when the node stops the term signal comes at once and the kill after the limit) {
  lifecycle_settings s;
  s.drain_signal = SIGUSR1;
  s.grace = 60s;
  auto p = running_plugin(s);
  CAF_CHECK_EQUAL(text(p.terminate(10s, 3s)), term);
  CAF_CHECK_EQUAL(p.deadline().value_or(0s), 13s);
  CAF_CHECK_EQUAL(text(p.tick(13s)), kill9);
  p.exited(13100ms, "killed by signal 9");
  CAF_CHECK(p.state() == plugin_state::stopped);
  // A plugin draining when the node stops gets the term signal at once too.
  auto q = running_plugin(s);
  q.stop(1s);
  CAF_CHECK_EQUAL(text(q.terminate(2s, 3s)), term);
  // One waiting for its restart is simply stopped.
  auto r = running_plugin();
  r.exited(1s, "exit code 1");
  CAF_CHECK_EQUAL(text(r.terminate(1500ms, 3s)), none);
  CAF_CHECK(r.state() == plugin_state::stopped);
  CAF_CHECK(!r.deadline());
}

CAF_TEST(events that do not fit the state are ignored) {
  plugin_lifecycle p{{}};
  p.spawned(0s);
  CAF_CHECK(p.state() == plugin_state::stopped);
  CAF_CHECK_EQUAL(text(p.exited(0s, "exit code 0")), none);
  CAF_CHECK_EQUAL(text(p.spawn_failed(0s, "x")), none);
  CAF_CHECK_EQUAL(text(p.stop(0s)), none);
  CAF_CHECK_EQUAL(text(p.tick(100s)), none);
  CAF_CHECK(p.state() == plugin_state::stopped);
}

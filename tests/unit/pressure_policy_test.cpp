// The scaler's host pressure policy (actors/scaler/pressure_policy.hpp):
// hysteresis, confirmation, trusted forecasts, emergency and suspension, with
// time passed in as `now`.
#define CAF_SUITE pressure_policy

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/scaler/pressure_policy.hpp"
#include "messages/metric_names.hpp"
#include "messages/settings.hpp"

using namespace conductor;
using namespace std::chrono_literals;

namespace {

using state = pressure_policy::state;

const std::string cpu = metric_name::cpu_percent;
const std::string memory = metric_name::memory_percent;

/// The settings of the brief: degrade 90/80, restore 65/65, emergency 95,
/// stabilization 5 minutes, 3 confirmations, forecasts trusted from 0.6.
scaler_settings make_settings(std::string mode = "enabled") {
  scaler_settings s;
  s.mode = std::move(mode);
  s.policy = "balanced";
  s.evaluation_interval = 10s;
  s.degrade_cpu = 90;
  s.degrade_memory = 80;
  s.restore_cpu = 65;
  s.restore_memory = 65;
  s.emergency_memory = 95;
  s.stabilization = 5min;
  s.confirm_up = 3;
  s.min_confidence = 0.6;
  return s;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The action of a decision, or "none" for nullopt: one-line checks.
std::string action(const std::optional<policy_decision>& d) {
  return d ? d->action : std::string{"none"};
}

std::string state_name(const pressure_policy& p) {
  return to_string(p.current());
}

/// A policy that has seen a calm host once (state normal).
pressure_policy calm_policy() {
  pressure_policy p{make_settings()};
  p.observe_measured(cpu, 20);
  p.observe_measured(memory, 40);
  auto d = p.evaluate(0s);
  CAF_REQUIRE_EQUAL(action(d), "hold");
  return p;
}

/// A policy in state pressure, entered through memory at 85% at t = 1..3 s.
pressure_policy pressured_policy() {
  auto p = calm_policy();
  p.observe_measured(memory, 85);
  CAF_REQUIRE_EQUAL(action(p.evaluate(1s)), "none");
  CAF_REQUIRE_EQUAL(action(p.evaluate(2s)), "none");
  CAF_REQUIRE_EQUAL(action(p.evaluate(3s)), "degrade");
  CAF_REQUIRE_EQUAL(state_name(p), "pressure");
  return p;
}

} // namespace

// -- no data and the first evaluation -----------------------------------------

CAF_TEST(no measured data gives no decision) {
  pressure_policy p{make_settings()};
  CAF_CHECK_EQUAL(state_name(p), "unknown");
  CAF_CHECK_EQUAL(action(p.evaluate(0s)), "none");
  // A forecast alone is not a measurement, nor is an unknown metric.
  p.observe_forecast(memory, 99, 1.0, 5min);
  p.observe_measured("disk_percent", 99);
  CAF_CHECK_EQUAL(action(p.evaluate(1s)), "none");
  CAF_CHECK_EQUAL(state_name(p), "unknown");
}

CAF_TEST(first evaluation of a calm host says hold and why) {
  pressure_policy p{make_settings()};
  p.observe_measured(cpu, 20);
  p.observe_measured(memory, 40);
  auto d = p.evaluate(0s);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->action, "hold");
  CAF_CHECK_EQUAL(d->trigger, "measured");
  CAF_CHECK(has(d->reason, "within thresholds"));
  CAF_CHECK(has(d->reason, "cpu 90%"));
  CAF_CHECK(has(d->reason, "memory 80%"));
  CAF_CHECK_EQUAL(d->confidence, 1.0);
  CAF_CHECK_EQUAL(state_name(p), "normal");
  // Nothing changed: nothing to say.
  CAF_CHECK_EQUAL(action(p.evaluate(10s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(20s)), "none");
  CAF_CHECK_EQUAL(state_name(p), "normal");
}

CAF_TEST(one measured metric is enough for a first evaluation) {
  pressure_policy p{make_settings()};
  p.observe_measured(cpu, 10);
  CAF_CHECK_EQUAL(action(p.evaluate(0s)), "hold");
  CAF_CHECK_EQUAL(state_name(p), "normal");
}

// -- degrade on measurements --------------------------------------------------

CAF_TEST(memory over degrade needs confirm_up consecutive evaluations) {
  auto p = calm_policy();
  p.observe_measured(memory, 85);
  CAF_CHECK_EQUAL(action(p.evaluate(1s)), "none");
  CAF_CHECK_EQUAL(state_name(p), "normal");
  CAF_CHECK_EQUAL(action(p.evaluate(2s)), "none");
  CAF_CHECK_EQUAL(state_name(p), "normal");
  auto d = p.evaluate(3s);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->action, "degrade");
  CAF_CHECK_EQUAL(d->trigger, "measured");
  CAF_CHECK(has(d->reason, "memory 85.0% >= degrade 80%"));
  CAF_CHECK(has(d->reason, "for 3 evaluation(s)"));
  CAF_CHECK_EQUAL(d->confidence, 1.0);
  CAF_CHECK_EQUAL(state_name(p), "pressure");
  // Still over: already degraded, nothing new.
  CAF_CHECK_EQUAL(action(p.evaluate(4s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(5s)), "none");
  CAF_CHECK_EQUAL(state_name(p), "pressure");
}

CAF_TEST(the degrade threshold itself counts as over) {
  auto p = calm_policy();
  p.observe_measured(memory, 80);
  p.evaluate(1s);
  p.evaluate(2s);
  CAF_CHECK_EQUAL(action(p.evaluate(3s)), "degrade");
}

CAF_TEST(a dip below degrade resets the confirmation count) {
  auto p = calm_policy();
  p.observe_measured(memory, 85);
  CAF_CHECK_EQUAL(action(p.evaluate(1s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(2s)), "none");
  p.observe_measured(memory, 79.9);
  CAF_CHECK_EQUAL(action(p.evaluate(3s)), "none");
  p.observe_measured(memory, 85);
  // Two more are not enough: the count starts over after the dip.
  CAF_CHECK_EQUAL(action(p.evaluate(4s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(5s)), "none");
  CAF_CHECK_EQUAL(state_name(p), "normal");
  CAF_CHECK_EQUAL(action(p.evaluate(6s)), "degrade");
  CAF_CHECK_EQUAL(state_name(p), "pressure");
}

CAF_TEST(cpu over degrade degrades too) {
  auto p = calm_policy();
  p.observe_measured(cpu, 95);
  p.evaluate(1s);
  p.evaluate(2s);
  auto d = p.evaluate(3s);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->action, "degrade");
  CAF_CHECK(has(d->reason, "cpu 95.0% >= degrade 90%"));
}

CAF_TEST(cpu between restore and degrade does not degrade) {
  auto p = calm_policy();
  p.observe_measured(cpu, 89.9);
  p.observe_measured(memory, 79.9);
  for (int i = 1; i <= 10; ++i)
    CAF_CHECK_EQUAL(action(p.evaluate(std::chrono::seconds(i))), "none");
  CAF_CHECK_EQUAL(state_name(p), "normal");
}

CAF_TEST(a first evaluation over degrade holds and counts as the first confirmation) {
  pressure_policy p{make_settings()};
  p.observe_measured(cpu, 20);
  p.observe_measured(memory, 85);
  auto first = p.evaluate(0s);
  CAF_REQUIRE(first);
  CAF_CHECK_EQUAL(first->action, "hold");
  CAF_CHECK_EQUAL(first->trigger, "measured");
  CAF_CHECK(has(first->reason, "confirming (1 of 3)"));
  CAF_CHECK_EQUAL(state_name(p), "normal");
  CAF_CHECK_EQUAL(action(p.evaluate(1s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(2s)), "degrade");
}

// -- degrade on forecasts -----------------------------------------------------

CAF_TEST(a trusted forecast over degrade degrades with trigger forecast) {
  auto p = calm_policy();
  p.observe_forecast(memory, 85, 0.8, 5min);
  CAF_CHECK_EQUAL(action(p.evaluate(1s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(2s)), "none");
  auto d = p.evaluate(3s);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->action, "degrade");
  CAF_CHECK_EQUAL(d->trigger, "forecast");
  CAF_CHECK_EQUAL(d->confidence, 0.8);
  CAF_CHECK(has(d->reason, "memory forecast 85.0% in 5m >= degrade 80%"));
  CAF_CHECK(has(d->reason, "confidence 0.8"));
  CAF_CHECK_EQUAL(state_name(p), "pressure");
}

CAF_TEST(an untrusted forecast over degrade does nothing) {
  auto p = calm_policy();
  p.observe_forecast(memory, 99, 0.59, 5min);
  p.observe_forecast(cpu, 99, 0.1, 5min);
  for (int i = 1; i <= 10; ++i)
    CAF_CHECK_EQUAL(action(p.evaluate(std::chrono::seconds(i))), "none");
  CAF_CHECK_EQUAL(state_name(p), "normal");
  // The same forecast at exactly min_confidence is trusted.
  p.observe_forecast(memory, 99, 0.6, 5min);
  p.evaluate(11s);
  p.evaluate(12s);
  auto d = p.evaluate(13s);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->action, "degrade");
  CAF_CHECK_EQUAL(d->trigger, "forecast");
}

CAF_TEST(a measurement outranks a forecast in the explanation) {
  auto p = calm_policy();
  p.observe_forecast(cpu, 99, 0.9, 5min);
  p.observe_measured(memory, 85);
  p.evaluate(1s);
  p.evaluate(2s);
  auto d = p.evaluate(3s);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->trigger, "measured");
  CAF_CHECK(has(d->reason, "memory 85.0%"));
}

// -- emergency ----------------------------------------------------------------

CAF_TEST(memory at emergency acts at once and only once) {
  auto p = calm_policy();
  p.observe_measured(memory, 95);
  auto d = p.evaluate(1s);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->action, "emergency");
  CAF_CHECK_EQUAL(d->trigger, "measured");
  CAF_CHECK(has(d->reason, "memory 95.0% >= emergency 95%"));
  CAF_CHECK_EQUAL(state_name(p), "emergency");
  p.observe_measured(memory, 97);
  CAF_CHECK_EQUAL(action(p.evaluate(2s)), "none");
  // Down to pressure level but not restored: still emergency, no decision.
  p.observe_measured(memory, 85);
  CAF_CHECK_EQUAL(action(p.evaluate(3s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(4s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(5s)), "none");
  CAF_CHECK_EQUAL(state_name(p), "emergency");
  p.observe_measured(memory, 99);
  CAF_CHECK_EQUAL(action(p.evaluate(6s)), "none");
  CAF_CHECK_EQUAL(state_name(p), "emergency");
}

CAF_TEST(emergency on the first evaluation and from pressure) {
  pressure_policy first{make_settings()};
  first.observe_measured(memory, 96);
  CAF_CHECK_EQUAL(action(first.evaluate(0s)), "emergency");
  CAF_CHECK_EQUAL(state_name(first), "emergency");
  auto p = pressured_policy();
  p.observe_measured(memory, 96);
  CAF_CHECK_EQUAL(action(p.evaluate(4s)), "emergency");
  CAF_CHECK_EQUAL(state_name(p), "emergency");
}

CAF_TEST(just below emergency is ordinary pressure) {
  auto p = calm_policy();
  p.observe_measured(memory, 94.9);
  CAF_CHECK_EQUAL(action(p.evaluate(1s)), "none");
  CAF_CHECK_EQUAL(state_name(p), "normal");
}

// -- restore ------------------------------------------------------------------

CAF_TEST(restore only after the whole stabilization period below restore) {
  auto p = pressured_policy();
  p.observe_measured(memory, 50);
  p.observe_measured(cpu, 30);
  // The calm period starts at the first evaluation that sees it: t = 10 s.
  CAF_CHECK_EQUAL(action(p.evaluate(10s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(10s + 2min)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(10s + 5min - 1ns)), "none");
  CAF_CHECK_EQUAL(state_name(p), "pressure");
  auto d = p.evaluate(10s + 5min);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->action, "restore");
  CAF_CHECK_EQUAL(d->trigger, "measured");
  CAF_CHECK(has(d->reason, "below restore (65%, 65%) for 5m"));
  CAF_CHECK_EQUAL(state_name(p), "normal");
  CAF_CHECK_EQUAL(action(p.evaluate(10s + 6min)), "none");
}

CAF_TEST(restore from emergency) {
  auto p = calm_policy();
  p.observe_measured(memory, 96);
  CAF_REQUIRE_EQUAL(action(p.evaluate(1s)), "emergency");
  p.observe_measured(memory, 40);
  CAF_CHECK_EQUAL(action(p.evaluate(2s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(2s + 4min)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(2s + 5min)), "restore");
  CAF_CHECK_EQUAL(state_name(p), "normal");
}

CAF_TEST(a value between restore and degrade resets the stabilization timer) {
  auto p = pressured_policy();
  p.observe_measured(memory, 50);
  CAF_CHECK_EQUAL(action(p.evaluate(10s)), "none");
  // 70% is below degrade but not below restore: hysteresis, timer reset.
  p.observe_measured(memory, 70);
  CAF_CHECK_EQUAL(action(p.evaluate(10s + 3min)), "none");
  CAF_CHECK_EQUAL(state_name(p), "pressure");
  p.observe_measured(memory, 50);
  CAF_CHECK_EQUAL(action(p.evaluate(10s + 4min)), "none");
  // Five minutes after the first calm reading: too early, the timer restarted.
  CAF_CHECK_EQUAL(action(p.evaluate(10s + 5min)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(10s + 9min - 1ns)), "none");
  CAF_CHECK_EQUAL(state_name(p), "pressure");
  CAF_CHECK_EQUAL(action(p.evaluate(10s + 9min)), "restore");
  CAF_CHECK_EQUAL(state_name(p), "normal");
}

CAF_TEST(the restore threshold itself is not below restore) {
  auto p = pressured_policy();
  p.observe_measured(memory, 65);
  p.observe_measured(cpu, 30);
  CAF_CHECK_EQUAL(action(p.evaluate(10s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(10s + 10min)), "none");
  CAF_CHECK_EQUAL(state_name(p), "pressure");
  // cpu in the hysteresis band blocks the restore as well.
  p.observe_measured(memory, 30);
  p.observe_measured(cpu, 70);
  CAF_CHECK_EQUAL(action(p.evaluate(11min)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(20min)), "none");
  CAF_CHECK_EQUAL(state_name(p), "pressure");
}

CAF_TEST(a trusted forecast over degrade blocks the restore) {
  auto p = pressured_policy();
  p.observe_measured(memory, 50);
  p.observe_measured(cpu, 30);
  p.observe_forecast(memory, 85, 0.9, 5min);
  CAF_CHECK_EQUAL(action(p.evaluate(10s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(10s + 5min)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(10s + 20min)), "none");
  CAF_CHECK_EQUAL(state_name(p), "pressure");
  // The same forecast untrusted no longer blocks; the timer starts now.
  p.observe_forecast(memory, 85, 0.5, 5min);
  CAF_CHECK_EQUAL(action(p.evaluate(30min)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(35min - 1ns)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(35min)), "restore");
}

CAF_TEST(after a restore degrading needs fresh confirmations) {
  auto p = pressured_policy();
  p.observe_measured(memory, 50);
  p.evaluate(10s);
  CAF_REQUIRE_EQUAL(action(p.evaluate(10s + 5min)), "restore");
  p.observe_measured(memory, 85);
  CAF_CHECK_EQUAL(action(p.evaluate(6min)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(7min)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(8min)), "degrade");
}

// -- mode ---------------------------------------------------------------------

CAF_TEST(disabled mode holds once with trigger config then stays silent) {
  pressure_policy p{make_settings("disabled")};
  auto d = p.evaluate(0s);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->action, "hold");
  CAF_CHECK_EQUAL(d->trigger, "config");
  CAF_CHECK(has(d->reason, "disabled"));
  CAF_CHECK(nlohmann::json::accept(d->inputs));
  CAF_CHECK_EQUAL(state_name(p), "suspended");
  CAF_CHECK_EQUAL(action(p.evaluate(1s)), "none");
  // Not even an emergency acts while disabled.
  p.observe_measured(memory, 99);
  p.observe_measured(cpu, 99);
  for (int i = 2; i <= 10; ++i)
    CAF_CHECK_EQUAL(action(p.evaluate(std::chrono::seconds(i))), "none");
  CAF_CHECK_EQUAL(state_name(p), "suspended");
}

CAF_TEST(manual mode is suspended too) {
  auto p = calm_policy();
  p.update_settings(make_settings("manual"));
  auto d = p.evaluate(1s);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->trigger, "config");
  CAF_CHECK(has(d->reason, "manual"));
  CAF_CHECK_EQUAL(state_name(p), "suspended");
}

CAF_TEST(switching back to enabled evaluates afresh) {
  pressure_policy p{make_settings("disabled")};
  p.observe_measured(cpu, 20);
  p.observe_measured(memory, 40);
  CAF_REQUIRE_EQUAL(action(p.evaluate(0s)), "hold");
  CAF_REQUIRE_EQUAL(state_name(p), "suspended");
  p.update_settings(make_settings("enabled"));
  auto d = p.evaluate(1s);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->action, "hold");
  CAF_CHECK_EQUAL(d->trigger, "measured");
  CAF_CHECK(has(d->reason, "within thresholds"));
  CAF_CHECK_EQUAL(state_name(p), "normal");
  // And it acts again.
  p.observe_measured(memory, 96);
  CAF_CHECK_EQUAL(action(p.evaluate(2s)), "emergency");
}

CAF_TEST(a pressure confirmation in progress does not survive a suspension) {
  auto p = calm_policy();
  p.observe_measured(memory, 85);
  p.evaluate(1s);
  p.evaluate(2s);
  p.update_settings(make_settings("disabled"));
  CAF_REQUIRE_EQUAL(action(p.evaluate(3s)), "hold");
  p.update_settings(make_settings("enabled"));
  // Re-enabled: a first evaluation (hold, 1 of 3), not the third confirmation.
  auto d = p.evaluate(4s);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->action, "hold");
  CAF_CHECK(has(d->reason, "confirming (1 of 3)"));
}

CAF_TEST(a degradation survives a suspension and is restored after re-enabling) {
  auto p = pressured_policy();
  p.update_settings(make_settings("disabled"));
  CAF_REQUIRE_EQUAL(action(p.evaluate(4s)), "hold");
  CAF_CHECK_EQUAL(state_name(p), "suspended");
  p.update_settings(make_settings("enabled"));
  // Still under pressure: nothing to announce, nothing forgotten.
  CAF_CHECK_EQUAL(action(p.evaluate(5s)), "none");
  CAF_CHECK_EQUAL(state_name(p), "pressure");
  p.observe_measured(memory, 50);
  CAF_CHECK_EQUAL(action(p.evaluate(6s)), "none");
  auto d = p.evaluate(6s + 5min);
  CAF_REQUIRE(d);
  CAF_CHECK_EQUAL(d->action, "restore");
  auto j = nlohmann::json::parse(d->inputs, nullptr, false);
  CAF_CHECK_EQUAL(j.value("state_before", ""), "pressure");
}

CAF_TEST(new settings keep the state) {
  auto p = pressured_policy();
  auto s = make_settings();
  s.degrade_memory = 90;
  s.restore_memory = 70;
  p.update_settings(s);
  CAF_CHECK_EQUAL(action(p.evaluate(4s)), "none");
  CAF_CHECK_EQUAL(state_name(p), "pressure");
  // The new restore threshold applies: 68% is below 70.
  p.observe_measured(memory, 68);
  CAF_CHECK_EQUAL(action(p.evaluate(5s)), "none");
  CAF_CHECK_EQUAL(action(p.evaluate(5s + 5min)), "restore");
}

// -- inputs -------------------------------------------------------------------

CAF_TEST(inputs are json with the measured values) {
  pressure_policy p{make_settings()};
  p.observe_measured(cpu, 20.5);
  p.observe_measured(memory, 40.25);
  auto d = p.evaluate(0s);
  CAF_REQUIRE(d);
  auto j = nlohmann::json::parse(d->inputs, nullptr, false);
  CAF_REQUIRE(!j.is_discarded());
  CAF_REQUIRE(j.is_object());
  CAF_CHECK_EQUAL(j.value("cpu_percent", -1.0), 20.5);
  CAF_CHECK_EQUAL(j.value("memory_percent", -1.0), 40.25);
  CAF_CHECK(!j.contains("memory_percent_forecast"));
  CAF_CHECK_EQUAL(j.value("state_before", ""), "unknown");
}

CAF_TEST(inputs carry the forecasts and their confidence) {
  auto p = calm_policy();
  p.observe_measured(memory, 60);
  p.observe_forecast(memory, 88, 0.75, 5min);
  p.evaluate(1s);
  p.evaluate(2s);
  auto d = p.evaluate(3s);
  CAF_REQUIRE(d);
  CAF_REQUIRE_EQUAL(d->action, "degrade");
  auto j = nlohmann::json::parse(d->inputs, nullptr, false);
  CAF_REQUIRE(j.is_object());
  CAF_CHECK_EQUAL(j.value("memory_percent", -1.0), 60.0);
  CAF_CHECK_EQUAL(j.value("cpu_percent", -1.0), 20.0);
  CAF_CHECK_EQUAL(j.value("memory_percent_forecast", -1.0), 88.0);
  CAF_CHECK_EQUAL(j.value("memory_percent_confidence", -1.0), 0.75);
  CAF_CHECK(!j.contains("cpu_percent_forecast"));
}

CAF_TEST(state names) {
  CAF_CHECK_EQUAL(std::string{to_string(state::unknown)}, "unknown");
  CAF_CHECK_EQUAL(std::string{to_string(state::normal)}, "normal");
  CAF_CHECK_EQUAL(std::string{to_string(state::pressure)}, "pressure");
  CAF_CHECK_EQUAL(std::string{to_string(state::emergency)}, "emergency");
  CAF_CHECK_EQUAL(std::string{to_string(state::suspended)}, "suspended");
}

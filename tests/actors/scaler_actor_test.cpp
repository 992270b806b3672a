// scaler_actor_test.cpp -- the scaler's scenarios on the deterministic test
// coordinator with its virtual clock: a gradual rise, a sudden spike, hours of
// stable load, oscillation around a threshold, recovery, manual mode,
// suspension after failures, probation, pre-flight.
//
// The scaler is real; the plugin manager is the one fake (fake_plugin_manager
// below): it answers each step with the outcome and the plugin state the real
// one would publish. The supervisor suite and the node's end-to-end test run
// the real plugin manager.
#define CAF_SUITE scaler_actor

#include "actors/scaler/scaler_actor.hpp"

#include <caf/test/dsl.hpp>

#include "tests/actors/actor_fixture.hpp"

using namespace conductor;
using namespace conductor::test;

namespace {

plugin_settings plugin(std::string name, int priority) {
  plugin_settings p;
  p.name = std::move(name);
  p.priority = priority;
  p.command = {"/bin/" + p.name};
  p.memory_max = 1ull << 30;
  return p;
}

struct fixture : actor_fixture {
  scaler_settings settings;
  scaler_actor scaler;
  recorder_actor rec;
  /// Outcomes the fake plugin manager sends back: applied unless set.
  std::string fail_with;
  size_t handled = 0;

  fixture() {
    // Balanced policy (confirm_up 3), min_confidence 0.6, probation 2 min,
    // flap budget 6, 3 failures to suspend: the defaults.
    settings = pinned_scaler_settings();
    settings.evaluation_interval = 10s;
    settings.stabilization = 1min;
    settings.reserve_memory = 2ull << 30;
    auto chat = plugin("chat", 5);
    chat.variants = {{"large", {}, {0, 4ull << 30, 0}}, {"small", {}, {0, 1ull << 30, 0}}};
    settings.plugins = {plugin("batch", 1), chat, plugin("voice", 10)};
  }

  /// Starts the scaler, resuming `restored` (empty: a first start).
  void start(runtime_state restored = {}) {
    scaler = sys.spawn(conductor::scaler, settings, std::move(restored));
    rec = sys.spawn(recorder);
    self->send(scaler, atom::subscribe_v, decision_sink{rec});
    for (const auto& p : settings.plugins)
      self->send(scaler, plugin_event{p.name, "running", 100, "started", {}, ""});
    sched.run();
  }

  ~fixture() override {
    for (auto& a : {caf::actor_cast<caf::actor>(scaler), caf::actor_cast<caf::actor>(rec)})
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  std::vector<decision>& decisions() {
    return deref<recorder_impl>(rec).state.decisions;
  }

  /// The plugin steps decided so far, as "action target[ variant]" (a
  /// member, so the checks' references into it stay valid).
  std::vector<std::string> steps_seen;
  const std::vector<std::string>& steps() {
    steps_seen.clear();
    for (const auto& d : decisions())
      if (d.status == "decided" && !d.target.empty())
        steps_seen.push_back(d.action + " " + d.target
                             + (d.variant.empty() ? "" : " " + d.variant));
    return steps_seen;
  }

  size_t count(const std::string& action) {
    size_t n = 0;
    for (const auto& d : decisions())
      n += d.action == action ? 1 : 0;
    return n;
  }

  /// The fake plugin manager: answers each new step with its outcome and
  /// the plugin state the real one would publish.
  void fake_plugin_manager() {
    auto& ds = decisions();
    for (; handled < ds.size(); ++handled) {
      auto d = ds[handled];
      if (d.status != "decided" || d.target.empty())
        continue;
      auto out = d;
      out.status = fail_with.empty() ? "applied" : "failed";
      out.error = fail_with;
      if (fail_with.empty()) {
        std::string state = d.action == "disable" || d.action == "stop" ? "disabled" : "running";
        self->send(scaler, plugin_event{d.target, state, 0, d.action, {}, d.variant});
      }
      self->send(scaler, out);
    }
    sched.run();
  }

  void host(double cpu, double memory) {
    resource_sample s;
    s.source = "host";
    s.values = {{"cpu_percent", cpu}, {"memory_percent", memory}};
    self->send(scaler, s);
  }

  void memory_forecast(double upper, double confidence) {
    forecast fc;
    fc.source = "host";
    fc.metric = "memory_percent";
    fc.horizon = 5min;
    fc.upper = upper;
    fc.path_upper = {upper - 2, upper};
    fc.confidence = confidence;
    self->send(scaler, fc);
  }

  /// One evaluation with the host at (cpu, memory); the fake plugin manager
  /// carries out what it decided.
  void evaluate_at(double cpu, double memory) {
    host(cpu, memory);
    sched.run();
    advance_time(settings.evaluation_interval);
    sched.run();
    fake_plugin_manager();
  }

  template <class T>
  T ask(caf::message msg) {
    T out{};
    auto rp = self->request(caf::actor_cast<caf::actor>(scaler), caf::infinite, std::move(msg));
    sched.run();
    rp.receive([&](const T& x) { out = x; },
               [](const caf::error& err) { CAF_FAIL("unexpected error: " << caf::to_string(err)); });
    return out;
  }

  /// The runtime state the scaler shares with its keepers now.
  runtime_state shared() {
    return deref<scaler_actor::stateful_base<scaler_state>>(scaler).state.shared;
  }

  /// Stops this scaler, as a crash or a restart of the node would.
  void stop_scaler() {
    caf::anon_send_exit(scaler, caf::exit_reason::kill);
    sched.run();
  }

  scaler_status status() {
    return ask<scaler_status>(caf::make_message(atom::get_v, atom::scaler_v));
  }

  std::vector<decision> explanation() {
    return ask<std::vector<decision>>(caf::make_message(atom::explain_v));
  }
};

/// The durable audit log, held: it answers a commit only when the test says
/// the disk is done (atom::flush).
using held_audit_actor = audit_log::extend<caf::reacts_to<atom::flush>>;

struct held_audit_state {
  std::vector<decision> rows;
  std::vector<caf::typed_response_promise<int64_t>> waiting;
};

held_audit_actor::behavior_type
held_audit(held_audit_actor::stateful_pointer<held_audit_state> self) {
  return {
    [=](atom::audit, const decision& d) {
      self->state.rows.push_back(d);
      auto rp = self->make_response_promise<int64_t>();
      self->state.waiting.push_back(rp);
      return rp;
    },
    [=](atom::flush) {
      for (auto& rp : self->state.waiting)
        rp.deliver(int64_t{7});
      self->state.waiting.clear();
    },
  };
}

/// Keeps every runtime state it is sent, as persistence and the supervisor do.
struct keeper_state {
  std::vector<runtime_state> states;
  static inline const char* name = "keeper";
};

state_sink::behavior_type keeper(state_sink::stateful_pointer<keeper_state> self) {
  return {[=](const runtime_state& s) { self->state.states.push_back(s); }};
}

bool mentions(const std::vector<decision>& ds, const std::string& text) {
  for (const auto& d : ds)
    if (d.reason.find(text) != std::string::npos)
      return true;
  return false;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(scaler_actor_tests, fixture)

CAF_TEST(a gradual rise acts on the trusted forecast after the confirmation count) {
  start();
  // Memory climbs 2 points per evaluation from 60; the forecast's upper bound
  // is 15 points ahead and trusted.
  double m = 60;
  size_t evaluations_before_step = 0;
  while (steps().empty() && m < 80) {
    memory_forecast(m + 15, 0.9);
    evaluate_at(30, m);
    ++evaluations_before_step;
    m += 2;
  }
  CAF_REQUIRE(!steps().empty());
  // Measured memory never reached the degrade threshold: the forecast acted.
  CAF_CHECK_LESS(m - 2, 80.0);
  // Over degrade from the fourth evaluation (66 % + 15), confirmed at the sixth.
  CAF_CHECK_EQUAL(evaluations_before_step, 6u);
  CAF_CHECK_EQUAL(steps().front(), "disable batch");
  auto degrade = std::find_if(decisions().begin(), decisions().end(),
                              [](const decision& d) { return d.action == "degrade"; });
  CAF_REQUIRE(degrade != decisions().end());
  CAF_CHECK_EQUAL(degrade->trigger, "forecast");
  CAF_CHECK_EQUAL(degrade->confidence, 0.9);
  // The step explains itself with its inputs.
  CAF_CHECK(decisions().back().inputs.find("\"plugin_priority\":1") != std::string::npos);
  // An untrusted forecast alone does nothing more: one step per evaluation
  // goes on only while the host is over degrade.
  memory_forecast(95, 0.2);
  evaluate_at(30, 70);
  CAF_CHECK_EQUAL(steps().size(), 1u);
}

CAF_TEST(a sudden spike stops the lowest priority at once without confirmation) {
  start();
  evaluate_at(30, 50);
  evaluate_at(30, 96);
  CAF_CHECK_EQUAL(count("emergency"), 1u);
  CAF_REQUIRE_EQUAL(steps().size(), 1u);
  CAF_CHECK_EQUAL(steps().front(), "stop batch");
  // Still at the emergency threshold: the next one goes, one per evaluation,
  // lowest priority first (chat's variants are skipped).
  evaluate_at(30, 96);
  CAF_REQUIRE_EQUAL(steps().size(), 2u);
  CAF_CHECK_EQUAL(steps()[1], "stop chat");
  // Below emergency but over degrade: the cascade steps on as usual.
  evaluate_at(30, 85);
  CAF_REQUIRE_EQUAL(steps().size(), 3u);
  CAF_CHECK_EQUAL(steps()[2], "disable voice");
}

CAF_TEST(hours of stable load take no action) {
  start();
  for (int i = 0; i < 6 * 360; ++i) {
    resource_sample p;
    p.source = "chat";
    p.values = {{"memory_bytes", 2.2e9}, {"cpu_cores", 0.5}, {"pids", 20}};
    self->send(scaler, p);
    evaluate_at(40, 55);
  }
  // One decision: the first evaluation saying where the host stands.
  CAF_CHECK_EQUAL(decisions().size(), 1u);
  CAF_CHECK_EQUAL(decisions().front().action, "hold");
  CAF_CHECK(steps().empty());
  // Asked, it explains why nothing happened.
  auto why = explanation();
  CAF_CHECK(mentions(why, "no change confirmed"));
}

CAF_TEST(oscillation around the threshold stays within the flap budget) {
  start();
  // Four evaluations over degrade, then eight under restore (80 s, past the
  // one-minute stabilization), for three hours.
  for (int cycle = 0; cycle < 3 * 360 / 12; ++cycle) {
    for (int i = 0; i < 4; ++i)
      evaluate_at(30, 84);
    for (int i = 0; i < 8; ++i)
      evaluate_at(30, 50);
  }
  std::map<std::string, std::vector<caf::timestamp>> at;
  for (const auto& d : decisions())
    if (d.status == "decided" && !d.target.empty())
      at[d.target].push_back(d.at);
  CAF_REQUIRE(!at.empty());
  size_t total = 0;
  for (const auto& [plugin, xs] : at)
    total += xs.size();
  // Unbounded, each of the 90 cycles would step down and back up (180 steps);
  // the flap budget allows each plugin 6 steps an hour, and one step down
  // more once it is spent: 3 plugins x 3 hours x 7.
  CAF_CHECK_LESS_OR_EQUAL(total, 63u);
  CAF_MESSAGE("steps over three hours of oscillation: " << total);
}

CAF_TEST(recovery restores in reverse order after stabilization) {
  start();
  for (int i = 0; i < 5; ++i)
    evaluate_at(30, 85);
  CAF_REQUIRE_EQUAL(steps().size(), 3u);
  CAF_CHECK_EQUAL(steps()[0], "disable batch");
  CAF_CHECK_EQUAL(steps()[1], "variant chat small");
  CAF_CHECK_EQUAL(steps()[2], "disable chat");
  // Between restore and degrade: held, nothing comes back.
  for (int i = 0; i < 12; ++i)
    evaluate_at(30, 70);
  CAF_CHECK_EQUAL(steps().size(), 3u);
  auto held = status();
  CAF_CHECK_EQUAL(held.host_state, "pressure");
  // Below restore: nothing for the stabilization period (1 min)...
  for (int i = 0; i < 5; ++i)
    evaluate_at(30, 50);
  CAF_CHECK_EQUAL(steps().size(), 3u);
  // ...then one step back, newest first, each a stabilization period apart.
  evaluate_at(30, 50);
  evaluate_at(30, 50);
  CAF_REQUIRE_EQUAL(steps().size(), 4u);
  CAF_CHECK_EQUAL(steps()[3], "enable chat small");
  for (int i = 0; i < 5; ++i)
    evaluate_at(30, 50);
  CAF_CHECK_EQUAL(steps().size(), 4u);
  for (int i = 0; i < 2; ++i)
    evaluate_at(30, 50);
  CAF_REQUIRE_EQUAL(steps().size(), 5u);
  CAF_CHECK_EQUAL(steps()[4], "variant chat large");
  for (int i = 0; i < 7; ++i)
    evaluate_at(30, 50);
  CAF_REQUIRE_EQUAL(steps().size(), 6u);
  CAF_CHECK_EQUAL(steps()[5], "enable batch");
  CAF_CHECK(status().degraded.empty());
}

CAF_TEST(manual mode takes no automatic action but says what it would do) {
  settings.mode = "manual";
  start();
  for (int i = 0; i < 30; ++i)
    evaluate_at(30, 97);
  CAF_CHECK(steps().empty());
  CAF_CHECK(mentions(explanation(), "manual mode: would stop batch"));
  // An operator enables it: the next evaluation acts.
  auto s = ask<scaler_status>(caf::make_message(atom::mode_v, std::string{"enabled"},
                                                std::string{"alice"}));
  CAF_CHECK_EQUAL(s.mode, "enabled");
  evaluate_at(30, 97);
  CAF_REQUIRE_EQUAL(steps().size(), 1u);
  CAF_CHECK_EQUAL(steps().front(), "stop batch");
  CAF_CHECK_EQUAL(count("mode"), 1u);
}

CAF_TEST(three failed actions in a row suspend the scaler until an operator acts) {
  start();
  fail_with = "write memory.max: Device or resource busy";
  for (int i = 0; i < 3; ++i)
    evaluate_at(30, 97);
  CAF_CHECK_EQUAL(steps().size(), 3u); // batch, batch again, batch again: each failed
  CAF_CHECK_EQUAL(count("suspend"), 1u);
  auto st = status();
  CAF_CHECK_EQUAL(st.mode, "manual");
  CAF_CHECK(st.suspended_reason.find("3 consecutive failed actions") != std::string::npos);
  CAF_CHECK(st.suspended_reason.find("Device or resource busy") != std::string::npos);
  // Suspended: nothing more, however bad it gets.
  for (int i = 0; i < 5; ++i)
    evaluate_at(30, 97);
  CAF_CHECK_EQUAL(steps().size(), 3u);
  // A bad mode is refused with a clear error.
  auto rp = self->request(scaler, caf::infinite, atom::mode_v, std::string{"on"}, std::string{});
  sched.run();
  rp.receive([](const scaler_status&) { CAF_FAIL("accepted a bad mode"); },
             [](const caf::error& err) { CAF_CHECK(err == ec::invalid_argument); });
  fail_with.clear();
  ask<scaler_status>(caf::make_message(atom::mode_v, std::string{"enabled"}, std::string{"ops"}));
  evaluate_at(30, 97);
  CAF_CHECK_EQUAL(steps().size(), 4u);
  auto after = status();
  CAF_CHECK_EQUAL(after.consecutive_failures, 0);
}

CAF_TEST(a resize whose plugin then fails its health is reverted) {
  settings.plugins[2].max_limits.memory_max = 8ull << 30;
  start();
  auto voice_at = [&](double bytes) {
    resource_sample p;
    p.source = "voice";
    p.values = {{"memory_bytes", bytes}, {"oom_kills", 0}};
    self->send(scaler, p);
  };
  // 90 % of its 1 GiB for three evaluations: x1.5.
  for (int i = 0; i < 3; ++i) {
    voice_at(0.9 * (1ull << 30));
    evaluate_at(30, 50);
  }
  CAF_REQUIRE_EQUAL(steps().size(), 1u);
  auto resize = decisions().back();
  CAF_CHECK_EQUAL(resize.action, "resize");
  CAF_CHECK_EQUAL(resize.old_limits.memory_max, 1ull << 30);
  CAF_CHECK_EQUAL(resize.new_limits.memory_max, 1610612736u);
  auto on_probation = status();
  CAF_CHECK_EQUAL(on_probation.probation, std::vector<std::string>{"voice"});
  // Its breaker opens during probation: the old limit comes back, with the cause.
  self->send(scaler, breaker_transition{"voice", "closed", "open", "3 failures", {}});
  evaluate_at(30, 50);
  CAF_REQUIRE_EQUAL(steps().size(), 2u);
  auto revert = decisions().back();
  CAF_CHECK_EQUAL(revert.action, "revert");
  CAF_CHECK_EQUAL(revert.new_limits.memory_max, 1ull << 30);
  CAF_CHECK(revert.reason.find("circuit breaker opened") != std::string::npos);
  CAF_CHECK(status().probation.empty());
  // And with its breaker open it is not scaled up again, after the cooldown either.
  for (int i = 0; i < 40; ++i) {
    voice_at(0.95 * (1ull << 30));
    evaluate_at(30, 50);
  }
  CAF_CHECK_EQUAL(steps().size(), 2u);
  CAF_CHECK(mentions(explanation(), "not scaled up while its circuit breaker is open"));
}

CAF_TEST(an OOM kill during probation reverts the resize) {
  settings.plugins[2].max_limits.memory_max = 8ull << 30;
  start();
  auto voice_at = [&](double bytes, double ooms) {
    resource_sample p;
    p.source = "voice";
    p.values = {{"memory_bytes", bytes}, {"oom_kills", ooms}};
    self->send(scaler, p);
  };
  for (int i = 0; i < 3; ++i) {
    voice_at(0.9 * (1ull << 30), 2);
    evaluate_at(30, 50);
  }
  CAF_REQUIRE_EQUAL(steps().size(), 1u);
  voice_at(0.9 * (1ull << 30), 3);
  evaluate_at(30, 50);
  CAF_REQUIRE_EQUAL(steps().size(), 2u);
  CAF_CHECK(decisions().back().reason.find("OOM-killed") != std::string::npos);
}

CAF_TEST(pre-flight allows what fits and recommends the variant that does) {
  start();
  host(20, 50);
  sched.run();
  preflight_request small{"chat", 512ull << 20, 0.5};
  auto yes = ask<preflight_answer>(caf::make_message(small));
  CAF_CHECK(yes.allow);
  CAF_CHECK_EQUAL(yes.recommended_variant, "large");
  // 32 GiB at 50 %, degrade at 80 %: about 9.6 GiB free before the threshold.
  preflight_request big{"chat", 12ull << 30, 0.5};
  auto no = ask<preflight_answer>(caf::make_message(big));
  CAF_CHECK(!no.allow);
  CAF_CHECK(!no.reason.empty());
}

CAF_TEST(an operator mode survives new settings unless their own mode changed) {
  start();
  ask<scaler_status>(caf::make_message(atom::mode_v, std::string{"disabled"}, std::string{"ops"}));
  auto next = settings;
  next.policy = "conservative";
  self->send(scaler, atom::update_v, next);
  sched.run();
  CAF_CHECK_EQUAL(status().mode, "disabled");
  CAF_CHECK_EQUAL(status().policy, "conservative");
  next.mode = next.mode == "manual" ? "enabled" : "manual";
  self->send(scaler, atom::update_v, next);
  sched.run();
  CAF_CHECK_EQUAL(status().mode, next.mode);
}

CAF_TEST(a manual scale switches to manual mode and stands without probation) {
  settings.mode = "enabled";
  settings.plugins[2].max_limits.memory_max = 8ull << 30;
  settings.plugins[2].min_limits.memory_max = 256ull << 20;
  start();
  scale_request req{"voice", {0, 2ull << 30, 0}, "more room for a demo", "http:127.0.0.1"};
  auto d = ask<decision>(caf::make_message(req));
  CAF_CHECK_EQUAL(d.action, "resize");
  CAF_CHECK_EQUAL(d.status, "decided");
  CAF_CHECK_EQUAL(d.trigger, "operator");
  CAF_CHECK_EQUAL(d.origin, "http:127.0.0.1");
  CAF_CHECK_EQUAL(d.reason, "more room for a demo");
  CAF_CHECK_EQUAL(d.old_limits.memory_max, 1ull << 30);
  CAF_CHECK_EQUAL(d.new_limits.memory_max, 2ull << 30);
  CAF_CHECK_EQUAL(status().mode, "manual");
  CAF_CHECK_EQUAL(count("mode"), 1u);
  // The plugin manager applies it; a breaker opening afterwards reverts nothing.
  fake_plugin_manager();
  CAF_CHECK(status().probation.empty());
  self->send(scaler, breaker_transition{"voice", "closed", "open", "3 failures", {}});
  evaluate_at(30, 50);
  CAF_CHECK_EQUAL(count("revert"), 0u);
  // The limits it set survive a restart, in the runtime state.
  auto kept = shared();
  CAF_REQUIRE_EQUAL(kept.limits.size(), 1u);
  CAF_CHECK_EQUAL(kept.limits[0].limits.memory_max, 2ull << 30);
  // Refusals: outside the bounds, no limit at all, an unknown plugin.
  auto refused = [&](scale_request r) {
    auto rp = self->request(scaler, caf::infinite, r);
    sched.run();
    caf::error out;
    rp.receive([](const decision&) { CAF_FAIL("accepted"); },
               [&](const caf::error& err) { out = err; });
    return out;
  };
  CAF_CHECK(refused({"voice", {0, 16ull << 30, 0}, "", "ops"}) == ec::invalid_argument);
  CAF_CHECK(refused({"voice", {0, 1ull << 20, 0}, "", "ops"}) == ec::invalid_argument);
  CAF_CHECK(refused({"voice", {0, 0, 0}, "", "ops"}) == ec::invalid_argument);
  CAF_CHECK(refused({"nope", {0, 1ull << 30, 0}, "", "ops"}) == ec::unknown_name);
}

CAF_TEST(an operator hears back about a mode change only once its audit row is committed) {
  start();
  auto log = sys.spawn(held_audit);
  self->send(scaler, atom::subscribe_v, caf::actor_cast<audit_log>(log));
  sched.run();
  std::optional<scaler_status> answer;
  auto rp = self->request(scaler, caf::infinite, atom::mode_v, std::string{"manual"},
                          std::string{"alice"});
  sched.run();
  auto& held = deref<held_audit_actor::stateful_base<held_audit_state>>(log).state;
  CAF_REQUIRE_EQUAL(held.rows.size(), 1u);
  CAF_CHECK_EQUAL(held.rows[0].action, "mode");
  CAF_CHECK_EQUAL(held.rows[0].origin, "alice");
  // Not committed yet: no answer, and the other sinks have not heard of it.
  CAF_CHECK_EQUAL(count("mode"), 0u);
  self->send(log, atom::flush_v);
  sched.run();
  rp.receive([&](const scaler_status& s) { answer = s; },
             [](const caf::error& err) { CAF_FAIL("unexpected error: " << caf::to_string(err)); });
  CAF_REQUIRE(answer);
  CAF_CHECK_EQUAL(answer->mode, "manual");
  CAF_CHECK_EQUAL(count("mode"), 1u);
  caf::anon_send_exit(log, caf::exit_reason::user_shutdown);
}

CAF_TEST(a restart under pressure resumes the steps and restores them one at a time) {
  start();
  for (int i = 0; i < 5; ++i)
    evaluate_at(30, 85);
  CAF_REQUIRE_EQUAL(steps().size(), 3u);
  // What persistence would have kept: the steps in effect, with their why.
  auto saved = shared();
  CAF_REQUIRE_EQUAL(saved.steps.size(), 3u);
  CAF_CHECK_EQUAL(saved.steps[0].plugin, "batch");
  CAF_CHECK_EQUAL(saved.steps[0].kind, "disable");
  CAF_CHECK_EQUAL(saved.steps[1].kind, "variant");
  CAF_CHECK_EQUAL(saved.steps[1].variant, "small");
  CAF_CHECK_EQUAL(saved.steps[1].from_variant, "large");
  CAF_CHECK(saved.steps[0].reason.find("lowest priority") != std::string::npos);
  saved.saved = 1700000000;
  stop_scaler();
  // The node comes back with the host already calm.
  decisions().clear();
  handled = 0;
  start(saved);
  auto resumed = status();
  // The variant it restored is known at once; the disabled ones once the
  // plugin manager reports them.
  CAF_CHECK_EQUAL(resumed.degraded, std::vector<std::string>{"chat: variant small"});
  for (const auto& [plugin, state, variant] :
       {std::tuple{"batch", "disabled", ""}, {"chat", "disabled", "small"}})
    self->send(scaler, plugin_event{plugin, state, 0, "kept disabled across the restart", {},
                                    variant});
  sched.run();
  CAF_CHECK_EQUAL(status().degraded.size(), 2u);
  // Nothing comes back at once: a full stabilization (1 min) from the start...
  for (int i = 0; i < 5; ++i)
    evaluate_at(30, 50);
  CAF_CHECK(steps().empty());
  CAF_CHECK_EQUAL(count("resume"), 1u);
  CAF_CHECK(mentions(decisions(), "3 plugin step(s) still in effect"));
  // ...then the newest step first, one per stabilization period.
  evaluate_at(30, 50);
  evaluate_at(30, 50);
  CAF_REQUIRE_EQUAL(steps().size(), 1u);
  CAF_CHECK_EQUAL(steps()[0], "enable chat small");
  for (int i = 0; i < 7; ++i)
    evaluate_at(30, 50);
  CAF_REQUIRE_EQUAL(steps().size(), 2u);
  CAF_CHECK_EQUAL(steps()[1], "variant chat large");
}

CAF_TEST(an operator mode survives a restart unless the configuration changed it) {
  start();
  ask<scaler_status>(caf::make_message(atom::mode_v, std::string{"manual"}, std::string{"alice"}));
  auto saved = shared();
  CAF_CHECK_EQUAL(saved.mode, "manual");
  CAF_CHECK_EQUAL(saved.mode_origin, "operator");
  CAF_CHECK_EQUAL(saved.config_mode, "enabled");
  saved.saved = 1700000000;
  stop_scaler();
  start(saved);
  CAF_CHECK_EQUAL(status().mode, "manual");
  stop_scaler();
  // The operator edited the file since: the file wins, and the audit says so.
  settings.mode = "disabled";
  decisions().clear();
  handled = 0;
  start(saved);
  CAF_CHECK_EQUAL(status().mode, "disabled");
  settings.mode = "enabled";
}

CAF_TEST(a suspension survives a restart) {
  start();
  fail_with = "write memory.max: Device or resource busy";
  for (int i = 0; i < 3; ++i)
    evaluate_at(30, 97);
  CAF_REQUIRE_EQUAL(status().mode, "manual");
  auto saved = shared();
  CAF_CHECK_EQUAL(saved.mode_origin, "suspension");
  saved.saved = 1700000000;
  stop_scaler();
  start(saved);
  auto st = status();
  CAF_CHECK_EQUAL(st.mode, "manual");
  CAF_CHECK(st.suspended_reason.find("Device or resource busy") != std::string::npos);
}

CAF_TEST(target sizing remembers the use it saw across a restart) {
  settings.policy = "predictive";
  settings.profile = config::default_policies().at("predictive");
  start();
  auto k = sys.spawn(keeper);
  self->send(scaler, atom::subscribe_v, state_sink{k});
  sched.run();
  auto voice = [&](double mib) {
    resource_sample s;
    s.source = "voice";
    s.values = {{metric_name::memory_bytes, mib * (1 << 20)}};
    self->send(scaler, s);
  };
  // 800 MiB of its 1 GiB: the peak plus 10 % is 86 % of the limit, inside
  // the hysteresis. 31 evaluations 10 s apart cross a 5-minute bucket.
  for (int i = 0; i < 31; ++i) {
    voice(800);
    evaluate_at(30, 50);
  }
  CAF_CHECK(steps().empty());
  auto kept = deref<state_sink::stateful_base<keeper_state>>(k).state.states;
  caf::anon_send_exit(k, caf::exit_reason::user_shutdown);
  CAF_REQUIRE(!kept.empty());
  auto saved = kept.back();
  CAF_REQUIRE_EQUAL(saved.demand.size(), 1u);
  CAF_CHECK_EQUAL(saved.demand[0].plugin, "voice");
  CAF_CHECK_EQUAL(saved.demand[0].resource, "memory_max");
  // Read at the first evaluation of a bucket: that one and those before it.
  CAF_REQUIRE(saved.demand[0].peaks.size() >= 2);
  for (auto peak : saved.demand[0].peaks)
    CAF_CHECK_EQUAL(peak, 800.f * (1 << 20));
  CAF_CHECK_GREATER(saved.demand_saved, 1700000000);
  stop_scaler();
  // Back with the use at 100 MiB: the hour's peak it remembers holds the limit.
  decisions().clear();
  handled = 0;
  start(saved);
  for (int i = 0; i < 6; ++i) {
    voice(100);
    evaluate_at(30, 50);
  }
  CAF_CHECK(steps().empty());
  CAF_CHECK(mentions(decisions(), "target sizing remembers the use of 1 plugin resource(s)"));
  stop_scaler();
  // Without it, the first evaluation shrinks the limit to the use plus 10 %.
  decisions().clear();
  handled = 0;
  saved.demand.clear();
  start(saved);
  voice(100);
  evaluate_at(30, 50);
  CAF_REQUIRE_EQUAL(steps().size(), 1u);
  CAF_CHECK_EQUAL(steps()[0], "resize voice");
}

CAF_TEST_FIXTURE_SCOPE_END()

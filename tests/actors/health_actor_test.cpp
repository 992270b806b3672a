// The health actor on the deterministic scheduler with the real metrics
// actor. Its checks go to a recording runner (the fake at the edge: no
// sockets or processes here, the check engine has its own suite against real
// servers) and the test answers them as check_outcome messages, as the
// engine's callback does.
#define CAF_SUITE health_actor

#include "actors/health/health_actor.hpp"

#include "actors/metrics/metrics_actor.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace conductor;
using namespace conductor::test;

namespace {

/// A host-level decision of the scaler.
decision host_decision(std::string action) {
  decision d;
  d.action = std::move(action);
  d.trigger = "measured";
  d.status = "decided";
  return d;
}

using health_impl = health_actor::stateful_base<health_state>;

/// Records health events and transitions.
using health_recorder_actor
  = caf::typed_actor<caf::reacts_to<health_event>, caf::reacts_to<breaker_transition>>;

struct health_recorder_state {
  std::vector<health_event> events;
  std::vector<breaker_transition> transitions;
  static inline const char* name = "health_recorder";
};

health_recorder_actor::behavior_type
health_recorder(health_recorder_actor::stateful_pointer<health_recorder_state> self) {
  return {
    [=](const health_event& e) { self->state.events.push_back(e); },
    [=](const breaker_transition& t) { self->state.transitions.push_back(t); },
  };
}

using health_recorder_impl = health_recorder_actor::stateful_base<health_recorder_state>;

health_target_settings http_target(std::string name, caf::timespan interval = 3s) {
  health_target_settings t;
  t.name = std::move(name);
  t.type = "http";
  t.url = "http://127.0.0.1:9/health";
  t.interval = interval;
  t.timeout = 1s;
  return t;
}

struct fixture : actor_fixture {
  std::shared_ptr<recorded_checks> checks = std::make_shared<recorded_checks>();
  health_settings settings;
  health_actor health;
  health_recorder_actor rec;
  metrics_actor met;
  caf::actor_clock::time_point start;

  fixture() {
    settings.targets = {http_target("a"), http_target("b"), http_target("c")};
    settings.degrade_cpu = 90;
    settings.degrade_memory = 80;
  }

  void spawn_health() {
    start = now();
    health = sys.spawn(health_checker, settings,
                       recording_runner(checks, [this] { return now(); }), &hub->families);
    rec = sys.spawn(health_recorder);
    met = sys.spawn(metrics, &hub->families);
    self->send(health, atom::subscribe_v, health_sink{rec});
    self->send(health, atom::subscribe_v, breaker_sink{met});
    sched.run();
  }

  ~fixture() override {
    for (auto hdl : {caf::actor_cast<caf::actor>(health), caf::actor_cast<caf::actor>(rec),
                     caf::actor_cast<caf::actor>(met)})
      if (hdl)
        caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Moves the clock to now + `total`, stopping at every timer on the way,
  /// so each fires at exactly its time (starts are not rounded to steps).
  void run_for(caf::timespan total) {
    auto until = now() + total;
    auto& clock = sched.clock();
    sched.run();
    while (!clock.schedule().empty() && clock.schedule().begin()->first <= until) {
      auto next = clock.schedule().begin()->first;
      clock.advance_time(next > now() ? next - now() : caf::timespan{0});
      sched.run();
    }
    if (now() < until)
      clock.advance_time(until - now());
    sched.run();
  }

  /// Answers the check request number `n` (0-based).
  void answer(size_t n, bool healthy, caf::timespan latency = 5ms, std::string detail = "") {
    const auto& r = checks->requests.at(n);
    self->send(health, check_outcome{r.id, r.target, healthy, latency, std::move(detail)});
    sched.run();
  }

  /// Answers every request made since `from`; returns the new end.
  size_t answer_all(size_t from, bool healthy) {
    auto end = checks->requests.size();
    for (auto i = from; i < end; ++i)
      answer(i, healthy);
    return end;
  }

  health_recorder_state& recorded() {
    return deref<health_recorder_impl>(rec).state;
  }

  caf::timespan since_start(size_t n) {
    return checks->at.at(n) - start;
  }

  /// The requests' targets, in order.
  std::vector<std::string> targets() {
    std::vector<std::string> out;
    for (auto& r : checks->requests)
      out.push_back(r.target);
    return out;
  }

  const metric_histogram* histogram(const std::string& name, const metric_labels& labels) {
    if (auto* f = hub->registry->find_histogram(name))
      return f->find(labels);
    return nullptr;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(health_actor_tests, fixture)

CAF_TEST(checks start staggered across the interval on schedule) {
  spawn_health();
  run_for(2500ms);
  CAF_REQUIRE_EQUAL(checks->requests.size(), 3u);
  CAF_CHECK_EQUAL(targets(), (std::vector<std::string>{"a", "b", "c"}));
  CAF_CHECK_EQUAL(since_start(0), caf::timespan{0s});
  CAF_CHECK_EQUAL(since_start(1), caf::timespan{1s});
  CAF_CHECK_EQUAL(since_start(2), caf::timespan{2s});
  CAF_CHECK_EQUAL(checks->requests[0].timeout, caf::timespan{1s});
  CAF_CHECK_EQUAL(checks->requests[0].spec.url, "http://127.0.0.1:9/health");
  // Answered: the next round is one interval after the first.
  answer_all(0, true);
  run_for(3s);
  CAF_REQUIRE_EQUAL(checks->requests.size(), 6u);
  CAF_CHECK_EQUAL(since_start(3), caf::timespan{3s});
  CAF_CHECK_EQUAL(since_start(5), caf::timespan{5s});
  // Every start was on time, and measured.
  auto* late = histogram("conductor_health_check_lateness_seconds", {});
  CAF_REQUIRE(late != nullptr);
  CAF_CHECK_EQUAL(late->count(), 6u);
  CAF_CHECK_EQUAL(late->cumulative(0), 6u);
}

CAF_TEST(three failures open the breaker and a trial closes it again) {
  settings.targets = {http_target("web")};
  spawn_health();
  size_t answered = 0;
  for (int i = 0; i < 3; ++i) {
    run_for(i == 0 ? 100ms : 3s);
    answered = answer_all(answered, false);
  }
  CAF_CHECK_EQUAL(answered, 3u);
  auto& r = recorded();
  CAF_REQUIRE_EQUAL(r.events.size(), 3u);
  CAF_CHECK_EQUAL(r.events[0].breaker, "closed");
  CAF_CHECK_EQUAL(r.events[2].breaker, "open");
  CAF_CHECK_EQUAL(r.events[2].failure_rate, 1.0);
  CAF_REQUIRE_EQUAL(r.transitions.size(), 1u);
  CAF_CHECK_EQUAL(r.transitions[0].target, "web");
  CAF_CHECK_EQUAL(r.transitions[0].from, "closed");
  CAF_CHECK_EQUAL(r.transitions[0].to, "open");
  CAF_CHECK_EQUAL(r.transitions[0].reason, "3 consecutive failures");
  CAF_CHECK_EQUAL(metric_value("conductor_circuit_breaker_state", {{"target", "web"}}), 1.0);
  CAF_CHECK_EQUAL(
    metric_value("conductor_health_check_total", {{"target", "web"}, {"result", "failure"}}), 3.0);
  CAF_CHECK_EQUAL(metric_value("conductor_circuit_breaker_transitions_total",
                               {{"target", "web"}, {"from", "closed"}, {"to", "open"}}),
                  1.0);
  // Open: no regular checks for the reset timeout (30 s), then one trial.
  run_for(29800ms);
  CAF_CHECK_EQUAL(checks->requests.size(), 3u);
  run_for(300ms);
  CAF_REQUIRE_EQUAL(checks->requests.size(), 4u);
  CAF_CHECK_EQUAL(metric_value("conductor_circuit_breaker_state", {{"target", "web"}}), 2.0);
  answer(3, true);
  CAF_REQUIRE_EQUAL(r.transitions.size(), 3u);
  CAF_CHECK_EQUAL(r.transitions[1].to, "half_open");
  CAF_CHECK_EQUAL(r.transitions[2].from, "half_open");
  CAF_CHECK_EQUAL(r.transitions[2].to, "closed");
  CAF_CHECK_EQUAL(metric_value("conductor_circuit_breaker_state", {{"target", "web"}}), 0.0);
  auto* d = histogram("conductor_health_check_duration_seconds", {{"target", "web"}});
  CAF_REQUIRE(d != nullptr);
  CAF_CHECK_EQUAL(d->count(), 4u);
}

CAF_TEST(a hung target does not delay the others) {
  spawn_health();
  // "a" never answers; "b" and "c" answer at once, for 30 s.
  size_t answered = 0;
  for (int i = 0; i < 300; ++i) {
    run_for(100ms);
    for (; answered < checks->requests.size(); ++answered)
      if (checks->requests[answered].target != "a")
        answer(answered, true);
  }
  size_t a = 0, b = 0, c = 0;
  for (size_t i = 0; i < checks->requests.size(); ++i) {
    auto& t = checks->requests[i].target;
    (t == "a" ? a : t == "b" ? b : c)++;
    if (t != "a")
      CAF_CHECK_EQUAL((checks->at[i] - start) % 3s, caf::timespan{t == "b" ? 1s : 2s});
  }
  CAF_CHECK_EQUAL(a, 1u);
  CAF_CHECK_EQUAL(b, 10u);
  CAF_CHECK_EQUAL(c, 10u);
  // a's slots at 3, 6, ... 30 s came while its first check still ran.
  auto& st = deref<health_impl>(health).state;
  CAF_CHECK_EQUAL(st.schedule->stats(0).overlaps, 10u);
}

CAF_TEST(under host pressure healthy targets are checked half as often) {
  settings.targets = {http_target("a")};
  spawn_health();
  run_for(100ms);
  answer(0, true);
  // Memory over the degrade threshold (80 %).
  resource_sample host;
  host.source = "host";
  host.values = {{"memory_percent", 85.0}, {"cpu_percent", 10.0}};
  self->send(health, host);
  sched.run();
  CAF_CHECK(deref<health_impl>(health).state.schedule->pressure());
  // The slot at 3 s was planned before; from then on every 6 s.
  run_for(3s);
  CAF_REQUIRE_EQUAL(checks->requests.size(), 2u);
  answer(1, true);
  run_for(9s);
  CAF_REQUIRE_EQUAL(checks->requests.size(), 3u);
  CAF_CHECK_EQUAL(since_start(1), caf::timespan{3s});
  CAF_CHECK_EQUAL(since_start(2), caf::timespan{9s});
  // The host is calm, but the scaler still says degrade: pressure stays...
  host.values["memory_percent"] = 50;
  self->send(health, host);
  self->send(health, host_decision("degrade"));
  sched.run();
  CAF_CHECK(deref<health_impl>(health).state.schedule->pressure());
  // ...until it restores.
  self->send(health, host_decision("restore"));
  sched.run();
  CAF_CHECK(!deref<health_impl>(health).state.schedule->pressure());
}

CAF_TEST(operators force open close and reset breakers and read their state) {
  spawn_health();
  auto ask = [&](auto... xs) {
    std::optional<target_health> out;
    caf::error err;
    auto rp = self->request(health, caf::infinite, xs...);
    sched.run();
    rp.receive([&](const target_health& t) { out = t; }, [&](caf::error& e) { err = e; });
    return std::make_pair(out, err);
  };
  auto [opened, e1] = ask(atom::open_v, std::string{"b"}, std::string{"deploy"});
  CAF_REQUIRE(opened);
  CAF_CHECK_EQUAL(opened->breaker, "open");
  CAF_CHECK(opened->forced);
  CAF_REQUIRE_EQUAL(recorded().transitions.size(), 1u);
  CAF_CHECK_EQUAL(recorded().transitions[0].reason, "forced open by operator: deploy");
  // A forced-open target is not checked.
  run_for(10s);
  for (auto& r : checks->requests)
    CAF_CHECK_NOT_EQUAL(r.target, "b");
  auto [closed, e2] = ask(atom::close_v, std::string{"b"}, std::string{});
  CAF_REQUIRE(closed);
  CAF_CHECK_EQUAL(closed->breaker, "closed");
  CAF_CHECK_EQUAL(recorded().transitions.back().reason, "forced closed by operator");
  // Closed: checked at once.
  auto before = checks->requests.size();
  run_for(100ms);
  CAF_REQUIRE_EQUAL(checks->requests.size(), before + 1);
  CAF_CHECK_EQUAL(checks->requests.back().target, "b");
  auto [reset, e3] = ask(atom::reset_v, std::string{"c"}, std::string{"ops"});
  CAF_REQUIRE(reset);
  CAF_CHECK_EQUAL(reset->breaker, "closed");
  // Resetting an open breaker closes it, naming who did.
  ask(atom::open_v, std::string{"c"}, std::string{"test"});
  auto [again, e5] = ask(atom::reset_v, std::string{"c"}, std::string{"ops"});
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->breaker, "closed");
  CAF_CHECK(recorded().transitions.back().reason.rfind("reset by ops: counters cleared", 0) == 0);
  auto [unknown, e4] = ask(atom::open_v, std::string{"nope"}, std::string{});
  CAF_CHECK(!unknown);
  CAF_CHECK(e4 == ec::unknown_name);
  // The whole view.
  auto rp = self->request(health, caf::infinite, atom::get_v, atom::health_v);
  sched.run();
  rp.receive(
    [](const std::vector<target_health>& xs) {
      CAF_REQUIRE_EQUAL(xs.size(), 3u);
      CAF_CHECK_EQUAL(xs[0].target, "a");
      CAF_CHECK_EQUAL(xs[0].type, "http");
      CAF_CHECK_EQUAL(xs[0].status, "unknown");
      CAF_CHECK_EQUAL(xs[1].breaker, "closed");
    },
    [](const caf::error& err) { CAF_FAIL("unexpected error: " << caf::to_string(err)); });
}

CAF_TEST(a plugin failure is counted per plugin and results carry the window) {
  auto t = http_target("chat");
  t.plugin = "chat";
  settings.targets = {t};
  spawn_health();
  run_for(100ms);
  answer(0, true, 10ms);
  run_for(3s);
  answer(1, false, 30ms, "HTTP 500");
  CAF_CHECK_EQUAL(metric_value("conductor_plugin_failure_total", {{"plugin", "chat"}}), 1.0);
  auto& e = recorded().events.back();
  CAF_CHECK_EQUAL(e.plugin, "chat");
  CAF_CHECK_EQUAL(e.detail, "HTTP 500");
  CAF_CHECK_EQUAL(e.failure_rate, 0.5);
  CAF_CHECK_EQUAL(e.latency_p50, caf::timespan{10ms});
  CAF_CHECK_EQUAL(e.latency_p95, caf::timespan{30ms});
  CAF_CHECK_EQUAL(metric_value("conductor_health_up", {{"target", "chat"}}), 0.0);
}

CAF_TEST(a process check starts once the plugin manager names the process) {
  health_target_settings t;
  t.name = "voice";
  t.plugin = "voice";
  t.type = "process";
  t.interval = 2s;
  t.timeout = 1s;
  settings.targets = {t};
  spawn_health();
  run_for(5s);
  CAF_CHECK(checks->requests.empty());
  self->send(health, plugin_event{"voice", "running", 4321, "started", {}, ""});
  sched.run();
  run_for(2s);
  CAF_REQUIRE_EQUAL(checks->requests.size(), 1u);
  CAF_CHECK_EQUAL(checks->requests[0].pid, 4321);
}

CAF_TEST(new targets on reload replace the plan) {
  spawn_health();
  run_for(1100ms);
  CAF_REQUIRE_EQUAL(checks->requests.size(), 2u);
  answer(0, true);
  CAF_CHECK_EQUAL(metric_value("conductor_health_up", {{"target", "a"}}), 1.0);
  auto next = settings;
  next.targets = {http_target("z", 1s)};
  self->send(health, atom::update_v, next);
  sched.run();
  // The series of a target that is gone go with it.
  CAF_CHECK_EQUAL(metric_value("conductor_health_up", {{"target", "a"}}), -1.0);
  CAF_CHECK_EQUAL(metric_value("conductor_circuit_breaker_state", {{"target", "a"}}), -1.0);
  // The old plan's check in flight ends after the reload: its result belongs
  // to no target of the new plan and is dropped.
  answer(1, false);
  CAF_CHECK_EQUAL(recorded().events.size(), 1u);
  checks->requests.clear();
  checks->at.clear();
  run_for(2s);
  CAF_REQUIRE_GREATER_OR_EQUAL(checks->requests.size(), 1u);
  for (auto& r : checks->requests)
    CAF_CHECK_EQUAL(r.target, "z");
  // A target forced open stays so across a reload that adds another.
  auto forced = self->request(health, caf::infinite, atom::open_v, std::string{"z"},
                              std::string{"deploy"});
  sched.run();
  forced.receive([](const target_health&) {}, [](const caf::error&) {});
  auto more = next;
  more.targets.push_back(http_target("y"));
  self->send(health, atom::update_v, more);
  sched.run();
  {
    auto& st = deref<health_impl>(health).state;
    CAF_REQUIRE_EQUAL(st.schedule->size(), 2u);
    CAF_CHECK(st.schedule->breaker(0).forced());
    CAF_CHECK(st.schedule->breaker(1).state() == breaker_state::closed);
  }
  next = more;
  // Only the thresholds changed: the plan (and breaker state) stays.
  auto& st = deref<health_impl>(health).state;
  auto* plan = st.schedule.get();
  next.degrade_memory = 70;
  self->send(health, atom::update_v, next);
  sched.run();
  CAF_CHECK_EQUAL(st.schedule.get(), plan);
  CAF_CHECK_EQUAL(st.settings.degrade_memory, 70.0);
}

CAF_TEST_FIXTURE_SCOPE_END()

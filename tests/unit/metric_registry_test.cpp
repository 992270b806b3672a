// The metric registry's text exposition: what Prometheus parses on a scrape.
#define CAF_SUITE metric_registry

#include <caf/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

#include "actors/metric_registry.hpp"

using namespace conductor;

CAF_TEST(families render help type and one line per series in label order) {
  metric_registry r;
  auto& g = r.gauge("conductor_x_ratio", "A ratio.");
  auto& c = r.counter("conductor_y_total", "Things.");
  g.add({{"plugin", "b"}}).set(0.25);
  g.add({{"plugin", "a"}, {"cpu", "1"}}).set(2);
  c.add({}).increment();
  c.add({}).increment(2.5);
  CAF_CHECK_EQUAL(r.render(), "# HELP conductor_x_ratio A ratio.\n"
                              "# TYPE conductor_x_ratio gauge\n"
                              "conductor_x_ratio{cpu=\"1\",plugin=\"a\"} 2\n"
                              "conductor_x_ratio{plugin=\"b\"} 0.25\n"
                              "# HELP conductor_y_total Things.\n"
                              "# TYPE conductor_y_total counter\n"
                              "conductor_y_total 3.5\n");
}

CAF_TEST(the same labels give the same series) {
  metric_registry r;
  auto& g = r.gauge("g", "h");
  auto& a = g.add({{"k", "v"}});
  a.set(7);
  CAF_CHECK_EQUAL(&g.add({{"k", "v"}}), &a);
  CAF_CHECK_EQUAL(g.value({{"k", "v"}}).value_or(-1), 7.);
  CAF_CHECK(!g.value({{"k", "w"}}));
}

CAF_TEST(label values and help text are escaped) {
  metric_registry r;
  r.gauge("g", "line one\nback\\slash").add({{"k", "a\"b\\c\nd"}}).set(1);
  CAF_CHECK_EQUAL(r.render(), "# HELP g line one\\nback\\\\slash\n"
                              "# TYPE g gauge\n"
                              "g{k=\"a\\\"b\\\\c\\nd\"} 1\n");
}

CAF_TEST(special and large values use the exposition spellings) {
  std::string out;
  for (double v : {std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::quiet_NaN(), 1e21, -0.5, 123456789.0,
                   0.1 + 0.2}) {
    append_sample_value(out, v);
    out += ' ';
  }
  CAF_CHECK_EQUAL(out, "+Inf -Inf NaN 1e+21 -0.5 123456789 0.30000000000000004 ");
}

CAF_TEST(removed series vanish and an empty family renders nothing) {
  metric_registry r;
  auto& g = r.gauge("g", "h");
  auto& s = g.add({{"k", "v"}});
  s.set(1);
  g.remove(&s);
  g.remove(&s); // a second remove is harmless
  CAF_CHECK_EQUAL(r.render(), "");
  CAF_CHECK(!g.value({{"k", "v"}}));
}

namespace {

template <class F>
bool refused(F f) {
  try {
    f();
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}

} // namespace

CAF_TEST(a name registered twice is one family and two types are refused) {
  metric_registry r;
  auto& a = r.gauge("g", "h");
  CAF_CHECK_EQUAL(&r.gauge("g", "other help"), &a);
  CAF_CHECK_EQUAL(r.find("g"), &a);
  CAF_CHECK_EQUAL(r.find("nope"), nullptr);
  CAF_CHECK(refused([&] { r.counter("g", "h"); }));
}

CAF_TEST(concurrent increments are not lost) {
  metric_registry r;
  auto& s = r.counter("c_total", "h").add({});
  auto work = [&] {
    for (int i = 0; i < 100000; ++i)
      s.increment();
  };
  std::thread t1{work}, t2{work};
  t1.join();
  t2.join();
  CAF_CHECK_EQUAL(s.value(), 200000.);
}

CAF_TEST(a histogram renders cumulative buckets then sum and count) {
  metric_registry r;
  auto& h = r.histogram("conductor_d_seconds", "Durations.", {0.01, 0.1, 1});
  auto& web = h.add({{"target", "web"}});
  web.observe(0.005);
  web.observe(0.01); // on a bound: counted in that bucket (le is "<=")
  web.observe(0.5);
  web.observe(3);
  h.add({}).observe(0.2);
  CAF_CHECK_EQUAL(web.count(), 4u);
  CAF_CHECK_EQUAL(web.cumulative(0), 2u);
  CAF_CHECK_EQUAL(web.cumulative(2), 3u);
  CAF_CHECK_EQUAL(r.render(), "# HELP conductor_d_seconds Durations.\n"
                              "# TYPE conductor_d_seconds histogram\n"
                              "conductor_d_seconds_bucket{le=\"0.01\"} 0\n"
                              "conductor_d_seconds_bucket{le=\"0.1\"} 0\n"
                              "conductor_d_seconds_bucket{le=\"1\"} 1\n"
                              "conductor_d_seconds_bucket{le=\"+Inf\"} 1\n"
                              "conductor_d_seconds_sum 0.2\n"
                              "conductor_d_seconds_count 1\n"
                              "conductor_d_seconds_bucket{target=\"web\",le=\"0.01\"} 2\n"
                              "conductor_d_seconds_bucket{target=\"web\",le=\"0.1\"} 2\n"
                              "conductor_d_seconds_bucket{target=\"web\",le=\"1\"} 3\n"
                              "conductor_d_seconds_bucket{target=\"web\",le=\"+Inf\"} 4\n"
                              "conductor_d_seconds_sum{target=\"web\"} 3.515\n"
                              "conductor_d_seconds_count{target=\"web\"} 4\n");
  CAF_CHECK_EQUAL(h.find({{"target", "web"}}), &web);
  h.remove(&web);
  CAF_CHECK(h.find({{"target", "web"}}) == nullptr);
  CAF_CHECK_EQUAL(r.find_histogram("conductor_d_seconds"), &h);
}

CAF_TEST(a histogram name cannot also be a gauge or counter) {
  metric_registry r;
  r.histogram("h", "x", {1});
  r.gauge("g", "x");
  CAF_CHECK_EQUAL(&r.histogram("h", "x", {1}), r.find_histogram("h"));
  CAF_CHECK(refused([&] { r.gauge("h", "x"); }));
  CAF_CHECK(refused([&] { r.histogram("g", "x", {1}); }));
}

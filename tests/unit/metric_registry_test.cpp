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

CAF_TEST(a name registered twice is one family and two types are refused) {
  metric_registry r;
  auto& a = r.gauge("g", "h");
  CAF_CHECK_EQUAL(&r.gauge("g", "other help"), &a);
  CAF_CHECK_EQUAL(r.find("g"), &a);
  CAF_CHECK_EQUAL(r.find("nope"), nullptr);
  auto refused = false;
  try {
    r.counter("g", "h");
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  CAF_CHECK(refused);
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

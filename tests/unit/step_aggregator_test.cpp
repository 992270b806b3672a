// step_aggregator (actors/predictor/step_aggregator.hpp): samples into steps.
#define CAF_SUITE step_aggregator

#include <caf/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "actors/predictor/step_aggregator.hpp"

using namespace conductor;
using namespace std::chrono_literals;

namespace {

struct collect {
  step_aggregator agg;
  std::vector<step_aggregator::completed> done;
  explicit collect(step_aggregator::duration step) : agg(step) {
  }
  size_t add(step_aggregator::duration t, double v) {
    auto before = done.size();
    agg.add(t, v, [this](const step_aggregator::completed& c) { done.push_back(c); });
    return done.size() - before;
  }
};

} // namespace

CAF_TEST(a step is the mean of its samples and completes at its end) {
  collect c{30s};
  CAF_CHECK_EQUAL(c.add(5s, 10), 0u);
  CAF_CHECK_EQUAL(c.add(20s, 20), 0u);
  // 30 s is the end of step 0: (0, 30].
  CAF_CHECK_EQUAL(c.add(30s, 30), 1u);
  CAF_CHECK_EQUAL(c.done[0].value, 20.0);
  CAF_CHECK_EQUAL(c.done[0].index, 0);
  CAF_CHECK_EQUAL(c.done[0].skipped, 0);
}

CAF_TEST(a step left open completes with the first later sample) {
  collect c{30s};
  c.add(10s, 1);
  c.add(25s, 3);
  CAF_CHECK_EQUAL(c.add(31s, 100), 1u);
  CAF_CHECK_EQUAL(c.done[0].value, 2.0);
  // A sample on the end of its own step closes the open one and its own.
  collect d{10s};
  d.add(5s, 1);
  CAF_CHECK_EQUAL(d.add(20s, 2), 2u);
  CAF_CHECK_EQUAL(d.done[0].index, 0);
  CAF_CHECK_EQUAL(d.done[1].index, 1);
  CAF_CHECK_EQUAL(d.done[1].value, 2.0);
}

CAF_TEST(samples on the step boundaries make one step each) {
  collect c{5s};
  for (int i = 1; i <= 4; ++i)
    CAF_CHECK_EQUAL(c.add(std::chrono::seconds(5 * i), i), 1u);
  CAF_CHECK_EQUAL(c.done[3].value, 4.0);
  CAF_CHECK_EQUAL(c.done[3].index, 3);
}

CAF_TEST(empty steps are counted not invented) {
  collect c{10s};
  c.add(10s, 1);
  // Nothing in steps 1, 2 and 3.
  c.add(50s, 2);
  CAF_REQUIRE_EQUAL(c.done.size(), 2u);
  CAF_CHECK_EQUAL(c.done[1].index, 4);
  CAF_CHECK_EQUAL(c.done[1].skipped, 3);
}

CAF_TEST(old samples and non finite values are ignored) {
  collect c{10s};
  c.add(25s, 1);
  CAF_CHECK_EQUAL(c.add(5s, 100), 0u);
  CAF_CHECK_EQUAL(c.add(26s, std::nan("")), 0u);
  CAF_CHECK_EQUAL(c.add(30s, std::numeric_limits<double>::infinity()), 0u);
  CAF_CHECK_EQUAL(c.add(30s, 3), 1u);
  CAF_CHECK_EQUAL(c.done[0].value, 2.0);
  // A completed step takes no more samples.
  CAF_CHECK_EQUAL(c.add(29s, 50), 0u);
  CAF_CHECK_EQUAL(c.add(35s, 7), 0u);
  CAF_CHECK_EQUAL(c.add(40s, 9), 1u);
  CAF_CHECK_EQUAL(c.done[1].value, 8.0);
}

CAF_TEST(negative times floor to the earlier step) {
  collect c{10s};
  c.add(-5s, 5);
  CAF_CHECK_EQUAL(c.add(0s, 6), 1u);
  CAF_CHECK_EQUAL(c.done[0].index, -1);
  CAF_CHECK_EQUAL(c.done[0].value, 5.5);
}

CAF_TEST(a step that is not positive is refused) {
  bool thrown = false;
  try {
    step_aggregator agg{0s};
  } catch (const std::invalid_argument&) {
    thrown = true;
  }
  CAF_CHECK(thrown);
}

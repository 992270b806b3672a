// The latest plugin signals and their freshness
// (actors/collector/signal_board.hpp), on made-up times.
#define CAF_SUITE signal_board

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <string>

#include "actors/collector/signal_board.hpp"

using namespace conductor;
using namespace std::chrono_literals;

namespace {

using values = std::map<std::string, double>;

/// Three intervals of 10 s, as the fetcher keeps them.
constexpr std::chrono::nanoseconds max_age = 30s;

} // namespace

CAF_TEST(values are taken while fresh and dropped once three intervals old) {
  signal_board board;
  board.put("web", {{"queue_depth", 3}}, 100s);
  CAF_CHECK_EQUAL(board.take("web", 100s, max_age).values, (values{{"queue_depth", 3}}));
  CAF_CHECK_EQUAL(board.take("web", 129s, max_age).values, (values{{"queue_depth", 3}}));
  CAF_CHECK(board.take("web", 130s, max_age).values.empty());
  // Dropped, not hidden: a clock that went back does not bring them back.
  CAF_CHECK(board.take("web", 110s, max_age).values.empty());
}

CAF_TEST(a new fetch replaces the values whole) {
  signal_board board;
  board.put("web", {{"queue_depth", 3}, {"active_jobs", 1}}, 100s);
  board.put("web", {{"queue_depth", 5}}, 110s);
  CAF_CHECK_EQUAL(board.take("web", 111s, max_age).values, (values{{"queue_depth", 5}}));
  // An answer without any wanted value leaves none.
  board.put("web", {}, 120s);
  CAF_CHECK(board.take("web", 121s, max_age).values.empty());
}

CAF_TEST(failures are counted once each and keep the last values until stale) {
  signal_board board;
  board.put("web", {{"queue_depth", 3}}, 100s);
  board.fail("web");
  board.fail("web");
  auto t = board.take("web", 115s, max_age);
  CAF_CHECK_EQUAL(t.failures, 2u);
  CAF_CHECK_EQUAL(t.values, (values{{"queue_depth", 3}}));
  auto again = board.take("web", 116s, max_age);
  CAF_CHECK_EQUAL(again.failures, 0u);
  board.fail("web");
  auto late = board.take("web", 131s, max_age);
  CAF_CHECK_EQUAL(late.failures, 1u);
  CAF_CHECK(late.values.empty());
}

CAF_TEST(plugins are apart and forgetting one leaves the others) {
  signal_board board;
  board.put("web", {{"queue_depth", 3}}, 100s);
  board.put("mail", {{"queue_depth", 7}}, 100s);
  board.fail("never-answered");
  board.forget("web");
  CAF_CHECK(board.take("web", 101s, max_age).values.empty());
  CAF_CHECK_EQUAL(board.take("mail", 101s, max_age).values, (values{{"queue_depth", 7}}));
  auto none = board.take("never-answered", 101s, max_age);
  CAF_CHECK_EQUAL(none.failures, 1u);
  CAF_CHECK(none.values.empty());
  CAF_CHECK_EQUAL(board.take("unknown", 101s, max_age).failures, 0u);
}

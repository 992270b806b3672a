// The persistence actor's buffering policy (actors/persistence/write_queue.hpp):
// metric rows batched, coalesced after a slow write, the oldest dropped beyond
// the bound; audit rows kept in order in a bounded backlog; retries backing off.
#define CAF_SUITE write_queue

#include <caf/test/unit_test.hpp>

#include "actors/persistence/write_queue.hpp"

using namespace conductor;
using namespace std::chrono_literals;

namespace {

std::vector<metric_row> rows(size_t n, double first_ts) {
  std::vector<metric_row> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back({first_ts + static_cast<double>(i), "host", "cpu_percent", 1});
  return out;
}

write_queue::limits small() {
  write_queue::limits l;
  l.batch_rows = 10;
  l.max_metric_rows = 25;
  l.max_audit_rows = 3;
  l.slow_write = 200ms;
  l.first_retry = 1s;
  l.max_retry = 5s;
  return l;
}

} // namespace

CAF_TEST(metric rows are due once a batch is full) {
  write_queue q{small()};
  CAF_CHECK_EQUAL(q.add_metrics(rows(9, 0)), 0u);
  CAF_CHECK(!q.metrics_due());
  CAF_CHECK_EQUAL(q.add_metrics(rows(1, 9)), 0u);
  CAF_CHECK(q.metrics_due());
  q.metrics_written(5ms);
  CAF_CHECK(q.metrics().empty());
  CAF_CHECK(!q.metrics_due());
}

CAF_TEST(after a slow write rows coalesce until the timer and the oldest are dropped) {
  write_queue q{small()};
  q.add_metrics(rows(10, 0));
  q.metrics_written(300ms); // the disk is busy
  // A full batch is no longer written at once: it waits for the timer's
  // write, which takes everything in one transaction.
  q.add_metrics(rows(20, 10));
  CAF_CHECK(!q.metrics_due());
  // Beyond the bound the oldest go, counted.
  CAF_CHECK_EQUAL(q.add_metrics(rows(10, 30)), 5u);
  CAF_REQUIRE_EQUAL(q.metrics().size(), 25u);
  CAF_CHECK_EQUAL(q.metrics().front().timestamp, 15.0);
  CAF_CHECK_EQUAL(q.metrics().back().timestamp, 39.0);
  // A fast write ends the coalescing.
  q.metrics_written(5ms);
  q.add_metrics(rows(10, 40));
  CAF_CHECK(q.metrics_due());
}

CAF_TEST(a failed metric write keeps the rows for the next) {
  write_queue q{small()};
  q.add_metrics(rows(10, 0));
  q.metrics_failed();
  CAF_CHECK_EQUAL(q.metrics().size(), 10u);
  CAF_CHECK(!q.metrics_due());
}

CAF_TEST(audit rows wait in order up to the bound) {
  write_queue q{small()};
  CAF_CHECK(!q.audit_waiting());
  CAF_CHECK(q.defer(decision_row{1, "disable", "batch", "", "", "", "", 1, "", "", "", "", "", "", 0}));
  CAF_CHECK(q.defer(breaker_row{2, "web", "closed", "open", "3 failures"}));
  CAF_CHECK(q.defer(plugin_state_row{3, "chat", "running", 7, "", "started"}));
  // Full: refused (the actor logs it whole instead).
  CAF_CHECK(!q.defer(breaker_row{4, "web", "open", "half_open", "timeout"}));
  CAF_CHECK_EQUAL(q.audit_backlog(), 3u);
  CAF_CHECK_EQUAL(table_of(q.oldest()), std::string{"autoscaler_history"});
  q.pop_oldest();
  CAF_CHECK_EQUAL(table_of(q.oldest()), std::string{"breaker_transitions"});
  q.pop_oldest();
  CAF_CHECK_EQUAL(table_of(q.oldest()), std::string{"plugin_states"});
  q.pop_oldest();
  CAF_CHECK(!q.audit_waiting());
}

CAF_TEST(retries back off by doubling up to the maximum and start over after a success) {
  write_queue q{small()};
  CAF_CHECK_EQUAL(q.next_retry(), write_queue::duration{1s});
  CAF_CHECK_EQUAL(q.next_retry(), write_queue::duration{2s});
  CAF_CHECK_EQUAL(q.next_retry(), write_queue::duration{4s});
  CAF_CHECK_EQUAL(q.next_retry(), write_queue::duration{5s});
  CAF_CHECK_EQUAL(q.next_retry(), write_queue::duration{5s});
  q.retry_succeeded();
  CAF_CHECK_EQUAL(q.next_retry(), write_queue::duration{1s});
}

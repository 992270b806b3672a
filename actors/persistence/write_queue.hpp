// write_queue.hpp -- what waits to be written to the database, and how much
// may wait: the persistence actor's buffering policy, without SQLite or CAF.
//
// Metric rows are many and expendable; audit rows are few and must never be
// lost. So:
//   - metric rows are batched: written when the batch timer fires, or at once
//     when `batch_rows` wait. After a slow write (the disk is busy) they are
//     coalesced instead: nothing is written before the timer, and the next
//     write takes them all in one transaction. Beyond `max_metric_rows`
//     waiting (the disk is far behind or failing) the oldest are dropped and
//     counted;
//   - audit rows that could not be written (disk full, read-only, locked,
//     corrupt) wait in order in a bounded backlog, retried with a growing
//     delay; a row that finds the backlog full is refused, and the actor logs
//     it whole instead. New audit rows queue behind the backlog, so the audit
//     keeps its order.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <variant>
#include <vector>

#include "actors/persistence/sqlite_store.hpp"

namespace conductor {

/// One row of an audit table.
using audit_row = std::variant<decision_row, breaker_row, plugin_state_row>;

/// The table a row belongs to.
const char* table_of(const audit_row& row);

class write_queue {
public:
  using duration = std::chrono::nanoseconds;

  struct limits {
    size_t batch_rows = 1000;
    size_t max_metric_rows = 50000;
    size_t max_audit_rows = 10000;
    /// A metric write at least this long means the disk is busy.
    duration slow_write = std::chrono::milliseconds(200);
    duration first_retry = std::chrono::seconds(1);
    duration max_retry = std::chrono::seconds(30);
  };

  write_queue() = default;
  explicit write_queue(limits l) : limits_(l) {
  }

  // -- metric rows --------------------------------------------------------------

  /// Appends rows; returns how many of the oldest were dropped to stay
  /// within max_metric_rows.
  size_t add_metrics(std::vector<metric_row> rows);

  /// Whether the rows waiting should be written now, not at the timer.
  bool metrics_due() const;

  const std::vector<metric_row>& metrics() const {
    return metrics_;
  }

  /// The waiting rows were written, taking `took`.
  void metrics_written(duration took);

  /// The write failed: the rows wait for the next one (the disk is treated
  /// as slow, so they coalesce until the timer).
  void metrics_failed();

  // -- audit rows ---------------------------------------------------------------

  /// Rows wait: a new row must queue behind them.
  bool audit_waiting() const {
    return !audit_.empty();
  }

  size_t audit_backlog() const {
    return audit_.size();
  }

  /// Queues a row that was not written; false when the backlog is full.
  bool defer(audit_row row);

  const audit_row& oldest() const {
    return audit_.front();
  }

  /// The oldest row is written.
  void pop_oldest();

  // -- retries --------------------------------------------------------------------

  /// How long to wait before the next retry: first_retry, doubling per
  /// failed retry up to max_retry.
  duration next_retry();

  /// A retry succeeded: the next failure waits first_retry again.
  void retry_succeeded() {
    retry_ = duration::zero();
  }

private:
  limits limits_;
  std::vector<metric_row> metrics_;
  bool slow_ = false;
  std::deque<audit_row> audit_;
  duration retry_ = duration::zero();
};

} // namespace conductor

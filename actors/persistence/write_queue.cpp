#include "actors/persistence/write_queue.hpp"

#include <algorithm>

namespace conductor {

const char* table_of(const audit_row& row) {
  switch (row.index()) {
    case 0:
      return "autoscaler_history";
    case 1:
      return "breaker_transitions";
    default:
      return "plugin_states";
  }
}

size_t write_queue::add_metrics(std::vector<metric_row> rows) {
  metrics_.insert(metrics_.end(), std::make_move_iterator(rows.begin()),
                  std::make_move_iterator(rows.end()));
  if (metrics_.size() <= limits_.max_metric_rows)
    return 0;
  auto drop = metrics_.size() - limits_.max_metric_rows;
  metrics_.erase(metrics_.begin(), metrics_.begin() + static_cast<std::ptrdiff_t>(drop));
  return drop;
}

bool write_queue::metrics_due() const {
  return !slow_ && metrics_.size() >= limits_.batch_rows;
}

void write_queue::metrics_written(duration took) {
  metrics_.clear();
  slow_ = took >= limits_.slow_write;
}

void write_queue::metrics_failed() {
  slow_ = true;
}

bool write_queue::defer(audit_row row) {
  if (audit_.size() >= limits_.max_audit_rows)
    return false;
  audit_.push_back(std::move(row));
  return true;
}

void write_queue::pop_oldest() {
  if (!audit_.empty())
    audit_.pop_front();
}

write_queue::duration write_queue::next_retry() {
  retry_ = retry_ == duration::zero() ? limits_.first_retry
                                      : std::min(retry_ * 2, limits_.max_retry);
  return retry_;
}

} // namespace conductor

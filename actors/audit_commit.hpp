// audit_commit.hpp -- commit an audit row, then report what it describes.
//
// The plugin manager reports an outcome done, and the scaler answers an
// operator's command, only after the durable audit log (persistence) has
// committed the row. A log that cannot take it now (the database is down and
// the row waits in its retry queue, or no answer in time) does not hold the
// node up: the report goes on, saying so.
#pragma once

#include <chrono>
#include <string>

#include <caf/error.hpp>

#include "messages/type_ids.hpp"

namespace conductor {

/// How long a commit may take before the report goes on without it.
constexpr auto audit_commit_timeout = std::chrono::seconds(10);

/// Asks `log` to commit `d`, then calls done(id, note): id is the row's, or
/// 0 when it is not committed yet; note is " (audit row N)" or " (audit row
/// not committed yet: why)", for a log line.
template <class Self, class Done>
void commit_then(Self* self, const audit_log& log, const decision& d, Done done) {
  self->request(log, audit_commit_timeout, atom::audit_v, d)
    .then([done](int64_t id) mutable { done(id, " (audit row " + std::to_string(id) + ")"); },
          [done](caf::error& err) mutable {
            done(int64_t{0}, " (audit row not committed yet: " + caf::to_string(err) + ")");
          });
}

} // namespace conductor

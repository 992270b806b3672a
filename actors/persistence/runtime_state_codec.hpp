// runtime_state_codec.hpp -- the runtime state as the rows of
// autoscaler_config (key -> value), and back.
//
// One key per part, so an operator's `SELECT * FROM autoscaler_config` reads
// plainly: mode = manual, mode_origin = operator, degraded = a JSON array of
// the cascade's steps in effect, limits = a JSON object per plugin, demand =
// target sizing's memory of use (when it was read, and per plugin and
// resource its peaks per 5 minutes, newest first, as text: "2.5 3 - 0.1").
#pragma once

#include <map>
#include <string>

#include "messages/types.hpp"

namespace conductor {

/// Every part of `state`, one key each.
std::map<std::string, std::string> encode_runtime_state(const runtime_state& state);

/// The state the rows describe. Keys it does not know are ignored (a newer
/// conductor's); a value it cannot read is skipped and named in `error`,
/// the rest still restored.
runtime_state decode_runtime_state(const std::map<std::string, std::string>& rows,
                                   std::string& error);

} // namespace conductor

// plugin_signals.hpp -- picks a plugin's own signals (plugins[].metrics
// values: queue depth, active jobs...) out of the body its metrics URL serves.
//
// A pure function over text, so it is tested and fuzzed without a server. A
// plugin serves what its framework makes easy, so both common shapes are read:
// Prometheus text exposition format and a flat JSON object. The body comes
// from a process conductor does not control: malformed input yields fewer
// values (or none), never a crash, an exception or a made-up value.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace conductor {

/// The `wanted` names found in `body`, with their values. The format is told
/// by the first character that is not white space (after a UTF-8 BOM):
///
/// - `{`: a JSON object; a top-level key whose value is a number counts
///   (true/false as 1/0). Nested objects and arrays, strings and null are
///   skipped. A body that is not valid JSON as a whole yields nothing: a cut
///   document could end in a cut number.
/// - anything else: Prometheus text. `#` lines (HELP, TYPE, `# EOF`) are
///   skipped; a sample line counts when its metric name equals a wanted name
///   exactly, with or without labels. Its value may be a float with exponent,
///   +Inf, -Inf or NaN; a trailing timestamp is ignored. Malformed lines are
///   skipped, the rest still read. Several label sets of one name
///   (`queue_depth{queue="a"}`, `queue_depth{queue="b"}`) are summed: a
///   signal is one number per name, and for the counts and gauges plugins
///   expose (jobs, queue depths per shard) the sum is the plugin's total.
std::map<std::string, double> parse_plugin_signals(std::string_view body,
                                                   const std::vector<std::string>& wanted);

} // namespace conductor

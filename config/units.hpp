// units.hpp -- the text forms of durations and sizes in config/node.yaml.
//
// Pure functions without yaml-cpp, so the rules users meet in every section are
// tested once, alone (tests/unit/units_test.cpp). The loader adds the key path
// and the file position to the reasons returned here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/node_config.hpp"

namespace conductor::config {

/// The value parsed from one unit string, or why the text is not one. The
/// reason is a fragment the loader puts after `invalid duration "x": `.
template <class T>
struct unit_result {
  std::optional<T> value;
  /// Empty when `value` is set; else e.g. `missing unit (expected ms|s|m|h)`.
  std::string error;

  explicit operator bool() const {
    return value.has_value();
  }
};

/// Parses `<integer><unit>` with unit ms|s|m|h (`250ms`, `5s`, `30m`, `24h`).
/// A bare number is rejected, even 0: a duration without a unit is the
/// classic "was that seconds or milliseconds?" mistake. Decimals and negative
/// values are rejected too; `0s` is accepted (callers check their own range).
unit_result<duration> parse_duration(std::string_view text);

/// Parses a byte count: a plain integer (bytes), or an integer or decimal with
/// unit B|KiB|MiB|GiB|TiB (`512MiB`, `1.5GiB`; decimals need KiB or larger,
/// at most 6 decimal places, and are rounded down to a whole byte).
/// KB/MB/GB/TB and K/M/G/T are rejected on purpose: systemd reads `2G` as
/// 2^31 bytes while SI reads `2GB` as 2*10^9, and a memory limit should not
/// depend on which convention the reader assumed.
unit_result<uint64_t> parse_size(std::string_view text);

/// Renders a duration in the largest unit that represents it exactly, so that
/// messages echo the form users write (`5m`, `90s`, `250ms`). Values that are
/// not whole milliseconds (parse_duration never produces them) render as ns.
std::string format_duration(duration d);

/// Renders a size in the largest binary unit that represents it exactly
/// (`256MiB`, `1536KiB`, `1000B`); parse_size() reads the result back.
std::string format_size(uint64_t bytes);

} // namespace conductor::config

// units.cpp -- see units.hpp.
#include "config/units.hpp"

#include <cctype>
#include <charconv>
#include <limits>

namespace conductor::config {

namespace {

template <class T>
unit_result<T> fail(std::string why) {
  return unit_result<T>{std::nullopt, std::move(why)};
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// Length of the run of decimal digits at the start of `text`.
size_t digit_run(std::string_view text) {
  size_t n = 0;
  while (n < text.size() && is_digit(text[n]))
    ++n;
  return n;
}

/// Reads a run of decimal digits into a uint64_t; false on overflow.
bool to_u64(std::string_view digits, uint64_t& out) {
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return ec == std::errc{} && end == digits.data() + digits.size();
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  out += text;
  out += '"';
  return out;
}

/// If `unit` is a decimal or unsuffixed spelling of a binary unit (KB, G, mi, kib...), the
/// binary unit meant; else empty. Lets the error say what to write instead of just "unknown".
std::string binary_spelling_of(std::string_view unit) {
  if (unit.empty() || unit.size() > 3)
    return {};
  std::string lower;
  for (char c : unit)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto rest = std::string_view{lower}.substr(1);
  if (rest != "" && rest != "b" && rest != "i" && rest != "ib")
    return {};
  switch (lower[0]) {
    case 'k':
      return "KiB";
    case 'm':
      return "MiB";
    case 'g':
      return "GiB";
    case 't':
      return "TiB";
    default:
      return {};
  }
}

} // namespace

unit_result<duration> parse_duration(std::string_view text) {
  using rep = duration::rep;
  if (text.empty())
    return fail<duration>("expected an integer with a unit ms|s|m|h, e.g. 5s");
  if (text[0] == '-')
    return fail<duration>("negative durations are not allowed");
  auto n_digits = digit_run(text);
  if (n_digits == 0)
    return fail<duration>("expected an integer with a unit ms|s|m|h, e.g. 5s");
  auto digits = text.substr(0, n_digits);
  auto unit = text.substr(n_digits);
  if (unit.empty())
    return fail<duration>("missing unit (expected ms|s|m|h)");
  if (unit[0] == '.')
    return fail<duration>("decimals are not allowed, use a smaller unit (e.g. 1500ms)");
  if (std::isspace(static_cast<unsigned char>(unit[0])))
    return fail<duration>("no space allowed between the number and the unit");
  rep unit_ns = 0;
  if (unit == "ms")
    unit_ns = 1'000'000;
  else if (unit == "s")
    unit_ns = 1'000'000'000;
  else if (unit == "m")
    unit_ns = 60'000'000'000;
  else if (unit == "h")
    unit_ns = 3'600'000'000'000;
  else
    return fail<duration>("unknown unit " + quoted(unit) + " (expected ms|s|m|h)");
  uint64_t n = 0;
  if (!to_u64(digits, n) || n > static_cast<uint64_t>(std::numeric_limits<rep>::max() / unit_ns))
    return fail<duration>("too large");
  return {duration{static_cast<rep>(n) * unit_ns}, {}};
}

unit_result<uint64_t> parse_size(std::string_view text) {
  constexpr auto expected = "expected bytes or a number with a unit B|KiB|MiB|GiB|TiB, e.g. 512MiB";
  if (text.empty())
    return fail<uint64_t>(expected);
  if (text[0] == '-')
    return fail<uint64_t>("negative sizes are not allowed");
  auto n_int = digit_run(text);
  if (n_int == 0)
    return fail<uint64_t>(expected);
  auto int_digits = text.substr(0, n_int);
  auto rest = text.substr(n_int);
  std::string_view frac_digits;
  if (!rest.empty() && rest[0] == '.') {
    auto n_frac = digit_run(rest.substr(1));
    if (n_frac == 0)
      return fail<uint64_t>("expected digits after the decimal point");
    frac_digits = rest.substr(1, n_frac);
    rest = rest.substr(1 + n_frac);
  }
  auto unit = rest;
  if (!unit.empty() && std::isspace(static_cast<unsigned char>(unit[0])))
    return fail<uint64_t>("no space allowed between the number and the unit");
  uint64_t multiplier = 0;
  if (unit.empty() || unit == "B")
    multiplier = 1;
  else if (unit == "KiB")
    multiplier = uint64_t{1} << 10;
  else if (unit == "MiB")
    multiplier = uint64_t{1} << 20;
  else if (unit == "GiB")
    multiplier = uint64_t{1} << 30;
  else if (unit == "TiB")
    multiplier = uint64_t{1} << 40;
  else if (auto meant = binary_spelling_of(unit); !meant.empty())
    return fail<uint64_t>("unit " + quoted(unit) + " is not accepted, write " + meant
                          + " (units are powers of 1024)");
  else
    return fail<uint64_t>("unknown unit " + quoted(unit) + " (expected B|KiB|MiB|GiB|TiB)");
  if (!frac_digits.empty() && multiplier == 1)
    return fail<uint64_t>("decimals need a unit of KiB or larger");
  // Six places keep frac * multiplier below 10^6 * 2^40 < 2^64: exact integer math.
  if (frac_digits.size() > 6)
    return fail<uint64_t>("at most 6 decimal places");
  uint64_t whole = 0;
  if (!to_u64(int_digits, whole) || whole > std::numeric_limits<uint64_t>::max() / multiplier)
    return fail<uint64_t>("too large");
  uint64_t bytes = whole * multiplier;
  if (!frac_digits.empty()) {
    uint64_t frac = 0;
    to_u64(frac_digits, frac); // at most 6 digits: cannot overflow
    uint64_t scale = 1;
    for (size_t i = 0; i < frac_digits.size(); ++i)
      scale *= 10;
    auto extra = frac * multiplier / scale;
    if (bytes > std::numeric_limits<uint64_t>::max() - extra)
      return fail<uint64_t>("too large");
    bytes += extra;
  }
  return {bytes, {}};
}

std::string format_duration(duration d) {
  auto ns = d.count();
  if (ns == 0)
    return "0s";
  struct unit {
    duration::rep ns;
    const char* suffix;
  };
  static constexpr unit units[] = {{3'600'000'000'000, "h"},
                                   {60'000'000'000, "m"},
                                   {1'000'000'000, "s"},
                                   {1'000'000, "ms"}};
  for (auto& u : units)
    if (ns % u.ns == 0)
      return std::to_string(ns / u.ns) + u.suffix;
  return std::to_string(ns) + "ns";
}

std::string format_size(uint64_t bytes) {
  if (bytes == 0)
    return "0B";
  struct unit {
    int shift;
    const char* suffix;
  };
  static constexpr unit units[] = {{40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}};
  for (auto& u : units)
    if (bytes % (uint64_t{1} << u.shift) == 0)
      return std::to_string(bytes >> u.shift) + u.suffix;
  return std::to_string(bytes) + "B";
}

} // namespace conductor::config

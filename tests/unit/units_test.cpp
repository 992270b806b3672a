// Durations and sizes as users write them in config/node.yaml (config/units.hpp).
#define CAF_SUITE units

#include <caf/test/unit_test.hpp>

#include "config/units.hpp"

using namespace conductor::config;
using namespace std::chrono_literals;

namespace {

/// The parsed duration, or -1ns when rejected: keeps each check to one line.
duration dur(std::string_view text) {
  return parse_duration(text).value.value_or(duration{-1});
}

/// Why `text` is not a duration (empty when it is one).
std::string dur_error(std::string_view text) {
  return parse_duration(text).error;
}

/// The parsed size, or UINT64_MAX when rejected.
uint64_t bytes(std::string_view text) {
  return parse_size(text).value.value_or(UINT64_MAX);
}

std::string size_error(std::string_view text) {
  return parse_size(text).error;
}

} // namespace

CAF_TEST(durations take an integer and one of ms s m h) {
  CAF_CHECK_EQUAL(dur("250ms"), duration{250ms});
  CAF_CHECK_EQUAL(dur("5s"), duration{5s});
  CAF_CHECK_EQUAL(dur("30m"), duration{30min});
  CAF_CHECK_EQUAL(dur("24h"), duration{24h});
  CAF_CHECK_EQUAL(dur("0s"), duration{0});
  CAF_CHECK_EQUAL(dur("1500ms"), duration{1500ms});
}

CAF_TEST(durations without a unit are rejected even when zero) {
  CAF_CHECK_EQUAL(dur_error("5"), "missing unit (expected ms|s|m|h)");
  CAF_CHECK_EQUAL(dur_error("0"), "missing unit (expected ms|s|m|h)");
}

CAF_TEST(malformed durations say why) {
  CAF_CHECK_EQUAL(dur_error(""), "expected an integer with a unit ms|s|m|h, e.g. 5s");
  CAF_CHECK_EQUAL(dur_error("abc"), "expected an integer with a unit ms|s|m|h, e.g. 5s");
  CAF_CHECK_EQUAL(dur_error("s"), "expected an integer with a unit ms|s|m|h, e.g. 5s");
  CAF_CHECK_EQUAL(dur_error("+5s"), "expected an integer with a unit ms|s|m|h, e.g. 5s");
  CAF_CHECK_EQUAL(dur_error("-5s"), "negative durations are not allowed");
  CAF_CHECK_EQUAL(dur_error("5x"), "unknown unit \"x\" (expected ms|s|m|h)");
  CAF_CHECK_EQUAL(dur_error("5d"), "unknown unit \"d\" (expected ms|s|m|h)");
  CAF_CHECK_EQUAL(dur_error("5sec"), "unknown unit \"sec\" (expected ms|s|m|h)");
  CAF_CHECK_EQUAL(dur_error("1.5s"), "decimals are not allowed, use a smaller unit (e.g. 1500ms)");
  CAF_CHECK_EQUAL(dur_error("5 s"), "no space allowed between the number and the unit");
  CAF_CHECK_EQUAL(dur_error("5s5"), "unknown unit \"s5\" (expected ms|s|m|h)");
}

CAF_TEST(durations that overflow are rejected) {
  // 2^63 ns is about 292 years, i.e. 2562047 hours.
  CAF_CHECK_EQUAL(dur("2562047h"), duration{2562047h});
  CAF_CHECK_EQUAL(dur_error("2562048h"), "too large");
  CAF_CHECK_EQUAL(dur_error("99999999999999999999999ms"), "too large");
}

CAF_TEST(sizes are plain bytes or binary units) {
  CAF_CHECK_EQUAL(bytes("0"), 0u);
  CAF_CHECK_EQUAL(bytes("1024"), 1024u);
  CAF_CHECK_EQUAL(bytes("1B"), 1u);
  CAF_CHECK_EQUAL(bytes("64KiB"), 64u << 10);
  CAF_CHECK_EQUAL(bytes("512MiB"), 512u << 20);
  CAF_CHECK_EQUAL(bytes("8GiB"), uint64_t{8} << 30);
  CAF_CHECK_EQUAL(bytes("2TiB"), uint64_t{2} << 40);
}

CAF_TEST(decimal sizes round down to whole bytes) {
  CAF_CHECK_EQUAL(bytes("1.5GiB"), uint64_t{3} << 29);
  CAF_CHECK_EQUAL(bytes("0.5KiB"), 512u);
  CAF_CHECK_EQUAL(bytes("0.1KiB"), 102u); // 102.4 bytes
  CAF_CHECK_EQUAL(bytes("1.000001TiB"), (uint64_t{1} << 40) + 1099511u);
  CAF_CHECK_EQUAL(size_error("1.5"), "decimals need a unit of KiB or larger");
  CAF_CHECK_EQUAL(size_error("1.5B"), "decimals need a unit of KiB or larger");
  CAF_CHECK_EQUAL(size_error("1.1234567GiB"), "at most 6 decimal places");
  CAF_CHECK_EQUAL(size_error("1.GiB"), "expected digits after the decimal point");
}

CAF_TEST(decimal and suffix-only units are rejected with the binary unit to write) {
  CAF_CHECK_EQUAL(size_error("2GB"),
                  "unit \"GB\" is not accepted, write GiB (units are powers of 1024)");
  CAF_CHECK_EQUAL(size_error("512M"),
                  "unit \"M\" is not accepted, write MiB (units are powers of 1024)");
  CAF_CHECK_EQUAL(size_error("64kB"),
                  "unit \"kB\" is not accepted, write KiB (units are powers of 1024)");
  CAF_CHECK_EQUAL(size_error("1Ti"),
                  "unit \"Ti\" is not accepted, write TiB (units are powers of 1024)");
  CAF_CHECK_EQUAL(size_error("1gib"),
                  "unit \"gib\" is not accepted, write GiB (units are powers of 1024)");
}

CAF_TEST(malformed sizes say why) {
  auto expected = "expected bytes or a number with a unit B|KiB|MiB|GiB|TiB, e.g. 512MiB";
  CAF_CHECK_EQUAL(size_error(""), expected);
  CAF_CHECK_EQUAL(size_error("abc"), expected);
  CAF_CHECK_EQUAL(size_error("MiB"), expected);
  CAF_CHECK_EQUAL(size_error("-1"), "negative sizes are not allowed");
  CAF_CHECK_EQUAL(size_error("12XB"), "unknown unit \"XB\" (expected B|KiB|MiB|GiB|TiB)");
  CAF_CHECK_EQUAL(size_error("5 MiB"), "no space allowed between the number and the unit");
  CAF_CHECK_EQUAL(size_error("16777216TiB"), "too large"); // 2^64 bytes
  CAF_CHECK_EQUAL(size_error("18446744073709551616"), "too large");
  auto largest = parse_size("18446744073709551615").value;
  CAF_REQUIRE(largest);
  CAF_CHECK_EQUAL(*largest, UINT64_MAX);
}

CAF_TEST(formatting picks the largest exact unit and reads back) {
  CAF_CHECK_EQUAL(format_duration(0s), "0s");
  CAF_CHECK_EQUAL(format_duration(250ms), "250ms");
  CAF_CHECK_EQUAL(format_duration(90s), "90s");
  CAF_CHECK_EQUAL(format_duration(30min), "30m");
  CAF_CHECK_EQUAL(format_duration(24h), "24h");
  CAF_CHECK_EQUAL(format_duration(1500us), "1500000ns");
  CAF_CHECK_EQUAL(format_size(0), "0B");
  CAF_CHECK_EQUAL(format_size(1000), "1000B");
  CAF_CHECK_EQUAL(format_size(1536u << 10), "1536KiB");
  CAF_CHECK_EQUAL(format_size(256u << 20), "256MiB");
  CAF_CHECK_EQUAL(format_size(uint64_t{8} << 30), "8GiB");
  for (auto d : {duration{250ms}, duration{90s}, duration{30min}, duration{24h}})
    CAF_CHECK_EQUAL(dur(format_duration(d)), d);
  for (uint64_t s : {uint64_t{0}, uint64_t{1000}, uint64_t{1536} << 10, uint64_t{3} << 40})
    CAF_CHECK_EQUAL(bytes(format_size(s)), s);
}

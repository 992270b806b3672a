// What the fuzz targets (fuzz/) found, fixed: one test per bug, on the input
// that showed it (the same input is in fuzz/regressions/<target>/, which
// ctest's fuzz_corpus_<target> runs through the target's invariants).
#define CAF_SUITE fuzz_regressions

#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

#include "actors/collector/proc_parsers.hpp"
#include "config/loader.hpp"
#include "replay/csv_trace.hpp"

using namespace conductor;

// fuzz/regressions/proc/cpu-ratios-sum-wraps: counters whose deltas sum past
// 2^64 wrapped the total to 1, and the "ratios" came out near 9.2e18.
CAF_TEST(cpu ratios of counters whose sum overflows are no reading) {
  std::vector<cpu_line> lines;
  CAF_REQUIRE(parse_proc_stat_all("cpu  9223372036854775808 9223372036854775809 0 0\n", lines));
  CAF_REQUIRE_EQUAL(lines.size(), 1u);
  CAF_CHECK(!cpu_ratios(cpu_times{}, lines[0].times));
  // Large counters that do not overflow still give ratios.
  auto half = cpu_times{};
  half.user = 1ull << 62;
  half.idle = 1ull << 62;
  auto r = cpu_ratios(cpu_times{}, half);
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->user, 0.5);
  CAF_CHECK_EQUAL(r->idle, 0.5);
}

// fuzz/regressions/config/yaml-cpp-loadall-loop (and -fuzzed, a mutated node.yaml): a
// "," where a top-level node should start made yaml-cpp 0.7's LoadAll loop forever,
// allocating until the process died; `conductor --check-config` and a SIGHUP reload hung.
CAF_TEST(a stray comma at the top level is a syntax error not a hang) {
  for (const char* text : {",", "# comment\n,\n", ",\nnode: {}\n"}) {
    auto r = config::load_config_text(text, "node.yaml");
    CAF_REQUIRE_EQUAL(r.errors.size(), 1u);
    CAF_CHECK_EQUAL(r.errors[0].message, "yaml syntax error: unexpected \",\"");
    CAF_CHECK_EQUAL(r.errors[0].column, 1);
  }
  // Documents are still counted as before.
  auto two = config::load_config_text("node: {}\n---\nnode: {}\n", "node.yaml");
  CAF_REQUIRE_EQUAL(two.errors.size(), 1u);
  CAF_CHECK_EQUAL(two.errors[0].to_string(), "node.yaml:3:1: expected one YAML document, found 2");
  CAF_CHECK(config::load_config_text("", "node.yaml").ok());
  CAF_CHECK(config::load_config_text("---\n", "node.yaml").ok());
}

// fuzz/regressions/csv/timestamps-span-overflows.csv: epoch seconds -1e308 and 1e308 read as
// times gave an infinite spacing, which conductor-replay turned into a step with llround (out
// of range); any two rows over 2^63 ns apart broke its nanosecond clock the same way.
CAF_TEST(trace times beyond the replay clock are refused with their line) {
  replay::trace t;
  std::string error;
  CAF_CHECK(!replay::parse_trace("timestamp,value\n-1e308,1\n1e308,2\n", "t.csv", "value", t,
                                 error));
  CAF_CHECK_EQUAL(error.substr(0, 26), "t.csv:2: timestamp \"-1e308");
  CAF_CHECK(!replay::parse_trace("timestamp,value\n0,1\n9999-12-31 23:59:59,2\n", "t.csv",
                                 "value", t, error));
  CAF_CHECK_EQUAL(error.substr(0, 8), "t.csv:3:");
  // The edges of the range, and every real trace, still read.
  CAF_REQUIRE(replay::parse_trace("timestamp,value\n-4e9,1\n4e9,2\n", "t.csv", "value", t,
                                  error));
  CAF_CHECK_EQUAL(replay::median_spacing(t), 8e9);
  CAF_CHECK(replay::parse_trace(
    "timestamp,value\n1844-01-01 00:00:00,1\n2096-01-01 00:00:00,2\n", "t.csv", "value", t,
    error));
}

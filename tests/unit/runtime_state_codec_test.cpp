// The runtime state as rows of autoscaler_config and back
// (actors/persistence/runtime_state_codec.hpp).
#define CAF_SUITE runtime_state_codec

#include <caf/test/unit_test.hpp>

#include "actors/persistence/runtime_state_codec.hpp"

using namespace conductor;

namespace {

constexpr float demand_memory_unseen = -1;

runtime_state sample_state() {
  runtime_state s;
  s.mode = "manual";
  s.mode_origin = "operator";
  s.config_mode = "enabled";
  s.suspended_reason = "";
  s.policy = "balanced";
  s.steps = {{"batch", "disable", "", "", "memory 91% >= degrade 85%: batch: lowest priority"},
             {"chat", "variant", "small", "large", "memory 90%: chat: next smaller variant"}};
  s.limits = {{"voice", {150, 3ull << 30, 0}}};
  s.saved = 1700000000.25;
  s.demand = {{"voice", "cpu_quota", {12.5f, 0.1f, demand_memory_unseen, 3e-7f}},
              {"voice", "memory_max", {1.5e9f, 123456789.f}}};
  s.demand_saved = 1699999900.5;
  return s;
}

} // namespace

CAF_TEST(a state comes back as it was saved) {
  auto s = sample_state();
  auto rows = encode_runtime_state(s);
  // Plain for an operator's SELECT.
  CAF_CHECK_EQUAL(rows["mode"], "manual");
  CAF_CHECK_EQUAL(rows["mode_origin"], "operator");
  // Peaks as short text, each float exactly.
  CAF_CHECK(rows["demand"].find(R"("peaks":"12.5 0.1 - 3e-07")") != std::string::npos);
  std::string error;
  auto back = decode_runtime_state(rows, error);
  CAF_CHECK_EQUAL(error, "");
  CAF_CHECK_EQUAL(back, s);
}

CAF_TEST(no rows is an empty state that was never saved) {
  std::string error;
  auto s = decode_runtime_state({}, error);
  CAF_CHECK_EQUAL(error, "");
  CAF_CHECK_EQUAL(s.saved, 0.0);
  CAF_CHECK(s.steps.empty());
}

CAF_TEST(an unreadable part is named and the rest still restored) {
  auto rows = encode_runtime_state(sample_state());
  rows["degraded"] = "[{\"plugin\": \"batch\""; // cut short by hand editing
  rows["newer_key"] = "from a newer conductor";
  std::string error;
  auto s = decode_runtime_state(rows, error);
  CAF_CHECK(error.find("degraded") != std::string::npos);
  CAF_CHECK(s.steps.empty());
  CAF_CHECK_EQUAL(s.mode, "manual");
  CAF_REQUIRE_EQUAL(s.limits.size(), 1u);
  CAF_CHECK_EQUAL(s.limits[0].limits.memory_max, 3ull << 30);
  // A step without its plugin is as unreadable as bad JSON.
  rows["degraded"] = R"([{"kind": "disable"}])";
  s = decode_runtime_state(rows, error);
  CAF_CHECK(error.find("degraded") != std::string::npos);
}

CAF_TEST(unreadable remembered use is named and costs only itself) {
  auto rows = encode_runtime_state(sample_state());
  std::string error;
  for (const char* bad : {R"({"saved": 1, "bucket_seconds": 300, "plugins": [)"
                          R"({"plugin": "voice", "resource": "cpu_quota", "peaks": "1 x 2"}]})",
                          R"({"saved": 1, "bucket_seconds": 300, "plugins": [)"
                          R"({"plugin": "voice", "resource": "cpu_quota", "peaks": "1 -2"}]})",
                          R"({"saved": 1, "bucket_seconds": 300, "plugins": [)"
                          R"({"plugin": "voice", "resource": "cpu_quota", "peaks": "inf"}]})",
                          R"({"saved": 1, "bucket_seconds": 300, "plugins": [{"plugin": "v"}]})",
                          R"({"saved": 1, "bucket_seconds": 60, "plugins": []})"}) {
    rows["demand"] = bad;
    auto s = decode_runtime_state(rows, error);
    CAF_CHECK(error.find("demand") != std::string::npos);
    CAF_CHECK(s.demand.empty());
    CAF_CHECK_EQUAL(s.demand_saved, 0.0);
    CAF_CHECK_EQUAL(s.mode, "manual");
    CAF_CHECK_EQUAL(s.steps.size(), 2u);
  }
  CAF_CHECK(error.find("per 60 s, where this conductor keeps them per 300 s")
            != std::string::npos);
  // A database from before the memory was kept has no such row.
  rows.erase("demand");
  auto s = decode_runtime_state(rows, error);
  CAF_CHECK_EQUAL(error, "");
  CAF_CHECK(s.demand.empty());
}

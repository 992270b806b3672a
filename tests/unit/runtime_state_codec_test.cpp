// The runtime state as rows of autoscaler_config and back
// (actors/persistence/runtime_state_codec.hpp).
#define CAF_SUITE runtime_state_codec

#include <caf/test/unit_test.hpp>

#include "actors/persistence/runtime_state_codec.hpp"

using namespace conductor;

namespace {

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
  return s;
}

} // namespace

CAF_TEST(a state comes back as it was saved) {
  auto s = sample_state();
  auto rows = encode_runtime_state(s);
  // Plain for an operator's SELECT.
  CAF_CHECK_EQUAL(rows["mode"], "manual");
  CAF_CHECK_EQUAL(rows["mode_origin"], "operator");
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

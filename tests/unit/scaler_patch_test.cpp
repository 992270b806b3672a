// Run-time changes of the scaler section (config/scaler_patch.hpp): laid over
// the file's own YAML and validated by the loader, so a change the file
// would refuse is refused with the same key.
#define CAF_SUITE scaler_patch

#include <caf/test/unit_test.hpp>

#include "config/scaler_patch.hpp"

using namespace conductor::config;
using nlohmann::json;

namespace {

const std::string file = "node:\n  data_dir: /tmp/x\nscaler:\n  policy: balanced\n"
                         "  degrade: {cpu: 90, memory: 80}\n  evaluation_interval: 30s\n";

} // namespace

CAF_TEST(a valid change is applied over the file) {
  auto r = patch_scaler(file, "node.yaml", json::object(), {{"degrade", {{"memory", 85}}}});
  CAF_REQUIRE(r.ok);
  CAF_CHECK_EQUAL(r.config.scaler.degrade_memory, 85);
  // What the file says and the change does not touch stays.
  CAF_CHECK_EQUAL(r.config.scaler.degrade_cpu, 90);
  CAF_CHECK_EQUAL(r.config.node.data_dir, "/tmp/x");
  CAF_REQUIRE_EQUAL(r.keys.size(), 1u);
  CAF_CHECK_EQUAL(r.keys[0], "scaler.degrade.memory");
  CAF_CHECK_EQUAL(r.changes["degrade"]["memory"], 85);
}

CAF_TEST(changes accumulate and null removes one) {
  auto first = patch_scaler(file, "node.yaml", json::object(), {{"policy", "conservative"}});
  CAF_REQUIRE(first.ok);
  auto second = patch_scaler(file, "node.yaml", first.changes, {{"evaluation_interval", "10s"}});
  CAF_REQUIRE(second.ok);
  CAF_CHECK_EQUAL(second.config.scaler.policy, "conservative");
  CAF_CHECK(second.config.scaler.evaluation_interval == std::chrono::seconds(10));
  auto undone = patch_scaler(file, "node.yaml", second.changes, {{"policy", nullptr}});
  CAF_REQUIRE(undone.ok);
  CAF_CHECK_EQUAL(undone.config.scaler.policy, "balanced");
  CAF_CHECK(!undone.changes.contains("policy"));
}

CAF_TEST(a change the file would refuse is refused with its key) {
  auto r = patch_scaler(file, "node.yaml", json::object(), {{"degrade", {{"memory", 500}}}});
  CAF_CHECK(!r.ok);
  CAF_CHECK_EQUAL(r.field, "scaler.degrade.memory");
  auto unknown = patch_scaler(file, "node.yaml", json::object(), {{"degrad", 1}});
  CAF_CHECK(!unknown.ok);
  CAF_CHECK(unknown.error.find("degrad") != std::string::npos);
  auto unitless = patch_scaler(file, "node.yaml", json::object(), {{"evaluation_interval", 30}});
  CAF_CHECK(!unitless.ok);
  CAF_CHECK_EQUAL(unitless.field, "scaler.evaluation_interval");
  auto policy = patch_scaler(file, "node.yaml", json::object(), {{"policy", "yolo"}});
  CAF_CHECK(!policy.ok);
  CAF_CHECK_EQUAL(policy.field, "scaler.policy");
  CAF_CHECK(!patch_scaler(file, "node.yaml", json::object(), json::array()).ok);
  CAF_CHECK(!patch_scaler(file, "node.yaml", json::object(), json::object()).ok);
}

CAF_TEST(the section as written shows the file with the changes) {
  auto shown = scaler_as_written(file, {{"degrade", {{"memory", 85}}}});
  CAF_CHECK_EQUAL(shown["degrade"]["memory"], 85);
  CAF_CHECK_EQUAL(shown["degrade"]["cpu"], 90);
  CAF_CHECK_EQUAL(shown["evaluation_interval"], "30s");
  CAF_CHECK_EQUAL(shown["policy"], "balanced");
}

// The node API's body checks (api/node_api.hpp: parse_*_body), pure functions
// that run before anything is asked of the node: what each command accepts,
// and the 400 answer naming the field for what it does not.
#define CAF_SUITE node_api_body

#include <caf/test/unit_test.hpp>

#include <string>

#include "api/node_api.hpp"

using namespace conductor;
using api::json;

namespace {

/// The status and field of a refusal; 0 and "" when the body was accepted.
std::pair<int, std::string> refusal(const std::optional<api::result>& r) {
  if (!r)
    return {0, ""};
  return {r->status, r->body.value("field", "")};
}

} // namespace

CAF_TEST(mode and policy need their one string field) {
  std::string out;
  CAF_CHECK(!api::parse_mode_body(json{{"mode", "manual"}}, out));
  CAF_CHECK_EQUAL(out, "manual");
  CAF_CHECK(refusal(api::parse_mode_body(json::object(), out))
            == std::make_pair(400, std::string{"mode"}));
  CAF_CHECK(refusal(api::parse_mode_body(json{{"mode", 1}}, out))
            == std::make_pair(400, std::string{"mode"}));
  CAF_CHECK(refusal(api::parse_mode_body(json{{"mode", "x"}, {"extra", 1}}, out))
            == std::make_pair(400, std::string{"extra"}));
  CAF_CHECK_EQUAL(refusal(api::parse_mode_body(json::array(), out)).first, 400);
  CAF_CHECK(!api::parse_policy_body(json{{"policy", "balanced"}}, out));
  CAF_CHECK_EQUAL(out, "balanced");
}

CAF_TEST(a config change is a non empty object) {
  CAF_CHECK(!api::check_config_body(json{{"degrade", {{"memory", 85}}}}));
  CAF_CHECK_EQUAL(refusal(api::check_config_body(json::object())).first, 400);
  CAF_CHECK_EQUAL(refusal(api::check_config_body(json(3))).first, 400);
}

CAF_TEST(a manual scale reads sizes and counts) {
  scale_request req;
  CAF_CHECK(!api::parse_scale_body(
    json{{"plugin", "chat"}, {"cpu_quota", 1.5}, {"memory_max", "512MiB"}, {"tasks_max", 64u}},
    "http:127.0.0.1", req));
  CAF_CHECK_EQUAL(req.plugin, "chat");
  CAF_CHECK_EQUAL(req.limits.cpu_quota, 1.5);
  CAF_CHECK_EQUAL(req.limits.memory_max, 512ull << 20);
  CAF_CHECK_EQUAL(req.limits.tasks_max, 64u);
  CAF_CHECK_EQUAL(req.origin, "http:127.0.0.1");
  // A number written in C++ is signed; parsed JSON text such as 64 is unsigned.
  CAF_CHECK(refusal(api::parse_scale_body(json{{"plugin", "a"}, {"tasks_max", 64}}, "o", req))
            == std::make_pair(400, std::string{"tasks_max"}));
  CAF_CHECK(!api::parse_scale_body(json::parse(R"({"plugin": "a", "tasks_max": 64})"), "o", req));
  CAF_CHECK_EQUAL(req.limits.tasks_max, 64u);
  CAF_CHECK_EQUAL(req.limits.memory_max, 0u); // fresh: nothing left of the call before
  CAF_CHECK(refusal(api::parse_scale_body(json{{"cpu_quota", 1}}, "o", req))
            == std::make_pair(400, std::string{"plugin"}));
  CAF_CHECK(refusal(api::parse_scale_body(json{{"plugin", "a"}, {"cpu_quota", -1}}, "o", req))
            == std::make_pair(400, std::string{"cpu_quota"}));
  CAF_CHECK(refusal(api::parse_scale_body(json{{"plugin", "a"}, {"memory_max", "2G"}}, "o", req))
            == std::make_pair(400, std::string{"memory_max"}));
  CAF_CHECK(refusal(api::parse_scale_body(json{{"plugin", "a"}, {"tasks_max", -3}}, "o", req))
            == std::make_pair(400, std::string{"tasks_max"}));
}

CAF_TEST(a breaker reason names who asked) {
  std::string reason;
  CAF_CHECK(!api::parse_breaker_body(json{{"reason", "maintenance"}}, "http:1.2.3.4", reason));
  CAF_CHECK_EQUAL(reason, "maintenance (by http:1.2.3.4)");
  CAF_CHECK(!api::parse_breaker_body(json(nullptr), "cli", reason));
  CAF_CHECK_EQUAL(reason, "by cli");
  CAF_CHECK(refusal(api::parse_breaker_body(json{{"reason", 5}}, "cli", reason))
            == std::make_pair(400, std::string{"reason"}));
}

CAF_TEST(a preflight reads memory as bytes or a size) {
  preflight_request req;
  CAF_CHECK(!api::parse_preflight_body(json{{"memory", "1GiB"}, {"cpu", 2}}, req));
  CAF_CHECK_EQUAL(req.memory_bytes, 1ull << 30);
  CAF_CHECK_EQUAL(req.cpu_cores, 2.0);
  CAF_CHECK(refusal(api::parse_preflight_body(json{{"memory", true}}, req))
            == std::make_pair(400, std::string{"memory"}));
}

CAF_TEST(a metric range defaults to the last hour and checks its bounds) {
  metric_range_request q;
  CAF_CHECK(!api::parse_metric_range_query(json{{"metric", "cpu_percent"}}, 10000, q));
  CAF_CHECK_EQUAL(q.source, "host");
  CAF_CHECK_EQUAL(q.to, 10000.0);
  CAF_CHECK_EQUAL(q.from, 10000.0 - 3600);
  CAF_CHECK_EQUAL(q.points, 100);
  CAF_CHECK(refusal(api::parse_metric_range_query(json::object(), 10000, q))
            == std::make_pair(400, std::string{"metric"}));
  CAF_CHECK(refusal(api::parse_metric_range_query(json{{"metric", "m"}, {"points", 0}}, 1e4, q))
            == std::make_pair(400, std::string{"points"}));
  CAF_CHECK(refusal(api::parse_metric_range_query(
                      json{{"metric", "m"}, {"from", 5}, {"to", 5}}, 1e4, q))
            == std::make_pair(400, std::string{"from"}));
}

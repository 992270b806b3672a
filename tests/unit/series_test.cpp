// Series keys (messages/series.hpp) and their export to a real Prometheus
// registry (actors/series_exporter.hpp), read back as exposition text.
#define CAF_SUITE series

#include <caf/test/unit_test.hpp>

#include <set>

#include "actors/series_exporter.hpp"
#include "messages/series.hpp"

using namespace conductor;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct registry_fixture {
  metric_registry registry;
  series_exporter exporter{registry};
  std::string scrape() {
    return registry.render();
  }
};

const std::string user0 = R"(conductor_host_cpu_ratio{cpu="0",mode="user"})";

} // namespace

CAF_TEST(keys are exposition text and parse back) {
  auto key = series_key(series::host_cpu_mode, {{"cpu", "0"}, {"mode", "user"}});
  CAF_CHECK_EQUAL(key, user0);
  auto parsed = parse_series_key(key);
  CAF_REQUIRE(parsed);
  CAF_CHECK_EQUAL(parsed->first, "conductor_host_cpu_ratio");
  CAF_REQUIRE_EQUAL(parsed->second.size(), 2u);
  CAF_CHECK_EQUAL(parsed->second[1].first, "mode");
  CAF_CHECK_EQUAL(parsed->second[1].second, "user");
  CAF_CHECK_EQUAL(series_key(series::host_load1), "conductor_host_load1");
  auto bare = parse_series_key("conductor_host_load1");
  CAF_REQUIRE(bare);
  CAF_CHECK(bare->second.empty());
  // Label values may hold what mount points hold, commas and braces included.
  auto odd = parse_series_key(series_key(series::host_fs_size, {{"mountpoint", "/mnt/a,b{c}"}}));
  CAF_REQUIRE(odd);
  CAF_CHECK_EQUAL(odd->second.at(0).second, "/mnt/a,b{c}");
}

CAF_TEST(malformed keys do not parse) {
  for (const char* bad : {"", "{a=\"b\"}", "x{a=\"b\"", "x{a=b}", "x{a=\"b\"c=\"d\"}",
                          "x{=\"b\"}", "x{a=\"b}"})
    CAF_CHECK(!parse_series_key(bad));
  CAF_CHECK(!is_label_safe("a\"b"));
  CAF_CHECK(!is_label_safe("a\\b"));
  CAF_CHECK(is_label_safe("/var/lib/docker"));
}

CAF_TEST(catalog names are unique and follow the conventions) {
  std::set<std::string> names;
  for (const auto& f : series_catalog()) {
    CAF_CHECK(names.insert(f.name).second);
    std::string name = f.name;
    bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    CAF_CHECK_EQUAL(total, f.counter);
  }
}

CAF_TEST(gauges are set and vanished series removed) {
  registry_fixture f;
  f.exporter.update("host", {{user0, 0.25}, {"conductor_host_load1", 1.5}});
  auto text = f.scrape();
  CAF_CHECK(has(text, user0 + " 0.25"));
  CAF_CHECK(has(text, "conductor_host_load1 1.5"));
  f.exporter.update("host", {{"conductor_host_load1", 2}});
  text = f.scrape();
  CAF_CHECK(!has(text, user0));
  CAF_CHECK(has(text, "conductor_host_load1 2"));
  // Another source's series are its own: removing nothing of the host's.
  f.exporter.update("voice", {{R"(conductor_plugin_pids{plugin="voice"})", 3}});
  f.exporter.update("voice", {});
  text = f.scrape();
  CAF_CHECK(!has(text, "plugin=\"voice\""));
  CAF_CHECK(has(text, "conductor_host_load1 2"));
}

CAF_TEST(counters follow the cumulative value and survive a reset) {
  registry_fixture f;
  const std::string key = R"(conductor_plugin_cpu_seconds_total{plugin="chat"})";
  f.exporter.update("chat", {{key, 10}});
  f.exporter.update("chat", {{key, 12.5}});
  CAF_CHECK(has(f.scrape(), key + " 12.5"));
  // The cgroup was recreated: its counter restarts at 1; the exported counter
  // still only grows.
  f.exporter.update("chat", {{key, 1}});
  CAF_CHECK(has(f.scrape(), key + " 13.5"));
}

CAF_TEST(unknown families are rejected once and not exported) {
  registry_fixture f;
  f.exporter.update("host", {{"conductor_no_such_family", 1}, {"x{bad", 2}});
  f.exporter.update("host", {{"conductor_no_such_family", 1}});
  CAF_CHECK_EQUAL(f.exporter.rejected().size(), 2u);
  CAF_CHECK(!has(f.scrape(), "conductor_no_such_family"));
}

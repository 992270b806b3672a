// Host tiers (config/node_config.hpp): which tier a host of a given size falls in, and the
// thresholds and reserves the scaler applies there, with the keys a file sets directly under
// scaler: winning over the tier's and scaler.tiers overriding the built-in tiers.
#define CAF_SUITE host_tier

#include <caf/test/unit_test.hpp>

#include <set>
#include <string>

#include "config/loader.hpp"
#include "config/node_config.hpp"

using namespace conductor::config;

namespace {

constexpr uint64_t gib = uint64_t{1} << 30;

host_shape shape(unsigned cores, uint64_t memory_gib) {
  return {cores, memory_gib * gib};
}

/// The scaler section of `yaml`, which must load without errors.
scaler_section scaler_of(const std::string& yaml) {
  auto result = load_config_text(yaml, "node.yaml");
  for (const auto& e : result.errors)
    CAF_MESSAGE(e.to_string());
  CAF_REQUIRE(result.ok());
  return result.config.scaler;
}

} // namespace

CAF_TEST(the built-in tiers) {
  auto tiers = default_tiers();
  CAF_REQUIRE_EQUAL(tiers.size(), 3u);
  const auto& small = tiers.at("small");
  CAF_CHECK_EQUAL(small.max_cores, 4u);
  CAF_CHECK_EQUAL(small.max_memory, 16 * gib);
  CAF_CHECK_EQUAL(small.degrade_cpu, 85);
  CAF_CHECK_EQUAL(small.degrade_memory, 75);
  CAF_CHECK_EQUAL(small.restore_cpu, 60);
  CAF_CHECK_EQUAL(small.restore_memory, 60);
  CAF_CHECK_EQUAL(small.emergency_memory, 92);
  // medium holds the long-standing top-level defaults.
  const auto& medium = tiers.at("medium");
  scaler_section defaults;
  CAF_CHECK_EQUAL(medium.max_cores, 16u);
  CAF_CHECK_EQUAL(medium.max_memory, 64 * gib);
  CAF_CHECK_EQUAL(medium.degrade_cpu, defaults.degrade_cpu);
  CAF_CHECK_EQUAL(medium.degrade_memory, defaults.degrade_memory);
  CAF_CHECK_EQUAL(medium.restore_cpu, defaults.restore_cpu);
  CAF_CHECK_EQUAL(medium.restore_memory, defaults.restore_memory);
  CAF_CHECK_EQUAL(medium.emergency_memory, defaults.emergency_memory);
  const auto& large = tiers.at("large");
  CAF_CHECK_EQUAL(large.max_cores, 0u);
  CAF_CHECK_EQUAL(large.max_memory, 0u);
  CAF_CHECK_EQUAL(large.degrade_cpu, 90);
  CAF_CHECK_EQUAL(large.degrade_memory, 85);
  CAF_CHECK_EQUAL(large.restore_cpu, 70);
  CAF_CHECK_EQUAL(large.restore_memory, 70);
  CAF_CHECK_EQUAL(large.emergency_memory, 97);
}

CAF_TEST(a host belongs to the first tier whose maxima both hold) {
  scaler_section s;
  CAF_CHECK_EQUAL(host_tier(s, shape(2, 4)), "small");
  CAF_CHECK_EQUAL(host_tier(s, shape(4, 16)), "small");
  // Few cores but more memory than a small host: medium.
  CAF_CHECK_EQUAL(host_tier(s, shape(2, 24)), "medium");
  CAF_CHECK_EQUAL(host_tier(s, shape(8, 8)), "medium");
  CAF_CHECK_EQUAL(host_tier(s, shape(16, 64)), "medium");
  CAF_CHECK_EQUAL(host_tier(s, shape(64, 512)), "large");
  CAF_CHECK_EQUAL(host_tier(s, shape(8, 128)), "large");
  // Unknown figures keep the long-standing thresholds.
  CAF_CHECK_EQUAL(host_tier(s, host_shape{}), "medium");
  CAF_CHECK_EQUAL(host_tier(s, host_shape{2, 0}), "medium");
  // Bounded large tier that a host exceeds: the last tier still takes it.
  s.tiers["large"].max_cores = 32;
  CAF_CHECK_EQUAL(host_tier(s, shape(64, 512)), "large");
}

CAF_TEST(a 2-core 24 GiB host is medium with the configured reserves) {
  auto t = effective_thresholds(scaler_section{}, shape(2, 24));
  CAF_CHECK_EQUAL(t.tier, "medium");
  CAF_CHECK_EQUAL(t.degrade_cpu, 90);
  CAF_CHECK_EQUAL(t.degrade_memory, 80);
  CAF_CHECK_EQUAL(t.restore_cpu, 65);
  CAF_CHECK_EQUAL(t.restore_memory, 65);
  CAF_CHECK_EQUAL(t.emergency_memory, 95);
  CAF_CHECK_EQUAL(t.reserve_cpu_cores, 1.0);
  CAF_CHECK_EQUAL(t.reserve_memory, 8 * gib);
}

CAF_TEST(a 2-core 4 GiB host is small and its default reserves are capped at a quarter) {
  auto t = effective_thresholds(scaler_section{}, shape(2, 4));
  CAF_CHECK_EQUAL(t.tier, "small");
  CAF_CHECK_EQUAL(t.degrade_cpu, 85);
  CAF_CHECK_EQUAL(t.degrade_memory, 75);
  CAF_CHECK_EQUAL(t.restore_cpu, 60);
  CAF_CHECK_EQUAL(t.restore_memory, 60);
  CAF_CHECK_EQUAL(t.emergency_memory, 92);
  CAF_CHECK_EQUAL(t.reserve_cpu_cores, 0.5);
  CAF_CHECK_EQUAL(t.reserve_memory, 1 * gib);
  // The cap is a quarter of the host: 1 core (the default) and 4 GiB of a 4-core 16 GiB host.
  auto u = effective_thresholds(scaler_section{}, shape(4, 16));
  CAF_CHECK_EQUAL(u.tier, "small");
  CAF_CHECK_EQUAL(u.reserve_cpu_cores, 1.0);
  CAF_CHECK_EQUAL(u.reserve_memory, 4 * gib);
}

CAF_TEST(a 64-core 512 GiB host is large) {
  auto t = effective_thresholds(scaler_section{}, shape(64, 512));
  CAF_CHECK_EQUAL(t.tier, "large");
  CAF_CHECK_EQUAL(t.degrade_cpu, 90);
  CAF_CHECK_EQUAL(t.degrade_memory, 85);
  CAF_CHECK_EQUAL(t.restore_cpu, 70);
  CAF_CHECK_EQUAL(t.restore_memory, 70);
  CAF_CHECK_EQUAL(t.emergency_memory, 97);
  CAF_CHECK_EQUAL(t.reserve_cpu_cores, 1.0);
  CAF_CHECK_EQUAL(t.reserve_memory, 8 * gib);
}

CAF_TEST(keys set directly under scaler win over the tier) {
  auto s = scaler_of("scaler:\n"
                     "  degrade: {memory: 78}\n"
                     "  emergency: {memory: 93}\n"
                     "  reserves: {cpu_cores: 2, memory: 3GiB}\n");
  CAF_CHECK_EQUAL(s.explicit_keys,
                  (std::set<std::string>{"scaler.degrade.memory", "scaler.emergency.memory",
                                         "scaler.reserves.cpu_cores", "scaler.reserves.memory"}));
  auto t = effective_thresholds(s, shape(2, 4));
  CAF_CHECK_EQUAL(t.tier, "small");
  CAF_CHECK_EQUAL(t.degrade_cpu, 85);
  CAF_CHECK_EQUAL(t.degrade_memory, 78);
  CAF_CHECK_EQUAL(t.restore_memory, 60);
  CAF_CHECK_EQUAL(t.emergency_memory, 93);
  // Reserves the file sets are not capped, even where they take most of a small host.
  CAF_CHECK_EQUAL(t.reserve_cpu_cores, 2.0);
  CAF_CHECK_EQUAL(t.reserve_memory, 3 * gib);
  auto l = effective_thresholds(s, shape(64, 512));
  CAF_CHECK_EQUAL(l.degrade_memory, 78);
  CAF_CHECK_EQUAL(l.restore_memory, 70);
  CAF_CHECK_EQUAL(l.emergency_memory, 93);
  // Only one reserve set: the other is still capped on a small host.
  auto r = effective_thresholds(scaler_of("scaler:\n  reserves: {memory: 3GiB}\n"), shape(2, 4));
  CAF_CHECK_EQUAL(r.reserve_cpu_cores, 0.5);
  CAF_CHECK_EQUAL(r.reserve_memory, 3 * gib);
  // A key set to its default value still counts as set.
  auto d = effective_thresholds(scaler_of("scaler:\n  degrade: {cpu: 90}\n"), shape(2, 4));
  CAF_CHECK_EQUAL(d.degrade_cpu, 90);
  CAF_CHECK_EQUAL(d.degrade_memory, 75);
}

CAF_TEST(scaler.tiers overrides any field of any tier) {
  auto s = scaler_of("scaler:\n"
                     "  tiers:\n"
                     "    small:\n"
                     "      max_cores: 2\n"
                     "      max_memory: 8GiB\n"
                     "      degrade: {cpu: 80}\n"
                     "    medium:\n"
                     "      restore: {memory: 70}\n"
                     "    large:\n"
                     "      emergency: {memory: 98}\n");
  CAF_CHECK(s.explicit_keys.empty());
  const auto& small = s.tiers.at("small");
  CAF_CHECK_EQUAL(small.max_cores, 2u);
  CAF_CHECK_EQUAL(small.max_memory, 8 * gib);
  CAF_CHECK_EQUAL(small.degrade_cpu, 80);
  CAF_CHECK_EQUAL(small.degrade_memory, 75);
  // 4 cores is now beyond small.
  auto m = effective_thresholds(s, shape(4, 8));
  CAF_CHECK_EQUAL(m.tier, "medium");
  CAF_CHECK_EQUAL(m.restore_memory, 70);
  CAF_CHECK_EQUAL(m.degrade_memory, 80);
  CAF_CHECK_EQUAL(m.reserve_memory, 8 * gib);
  auto t = effective_thresholds(s, shape(2, 4));
  CAF_CHECK_EQUAL(t.tier, "small");
  CAF_CHECK_EQUAL(t.degrade_cpu, 80);
  CAF_CHECK_EQUAL(effective_thresholds(s, shape(64, 512)).emergency_memory, 98);
}

CAF_TEST(the running host has a shape) {
  auto h = detect_host_shape();
  CAF_CHECK_GREATER(h.cores, 0u);
  CAF_CHECK_GREATER(h.memory_bytes, 0u);
}

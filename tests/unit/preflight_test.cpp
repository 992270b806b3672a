// preflight (actors/scaler/preflight.hpp) on an 8-core 32 GiB host with a
// 1-core 4 GiB reserve, degrading at 90 % CPU and 80 % memory. At 25 % CPU
// and 50 % memory, 5 cores are free (the reserve bounds them: 8 - 2 - 1, while
// the threshold would leave 7.2 - 2) and 9830.4 MiB (the threshold bounds it:
// 25.6 - 16 GiB, while the reserve would leave 32 - 16 - 4 GiB).
#define CAF_SUITE preflight

#include <caf/test/unit_test.hpp>

#include "actors/scaler/preflight.hpp"

using namespace conductor;

namespace {

constexpr uint64_t mib = uint64_t{1} << 20;
constexpr uint64_t gib = uint64_t{1} << 30;

preflight_host host() {
  preflight_host h;
  h.cores = 8;
  h.memory_total = 32 * gib;
  h.cpu_percent = 25;
  h.memory_percent = 50;
  h.min_confidence = 0.6;
  h.degrade_cpu = 90;
  h.degrade_memory = 80;
  h.reserve_cpu_cores = 1;
  h.reserve_memory = 4 * gib;
  return h;
}

preflight_request request(uint64_t memory_bytes, double cpu_cores,
                          std::string plugin = "voice") {
  return {std::move(plugin), memory_bytes, cpu_cores};
}

/// voice's variants, largest first: 12 GiB and 6 cores, 8 GiB and 2 cores, 2 GiB with the
/// request's cores.
std::vector<preflight_variant> voice_variants() {
  return {{"large", 12 * gib, 600}, {"medium", 8 * gib, 200}, {"small", 2 * gib, 0}};
}

} // namespace

CAF_TEST(work within what is free is allowed and the free figures are reported) {
  auto a = preflight(request(2 * gib, 1.5), host(), {});
  CAF_CHECK(a.allow);
  CAF_CHECK_EQUAL(a.free_memory_bytes, static_cast<uint64_t>(9830.4 * mib));
  CAF_CHECK_EQUAL(a.free_cpu_cores, 5.0);
  CAF_CHECK_EQUAL(a.recommended_variant, "");
  CAF_CHECK_EQUAL(a.reason,
                  "fits: needs 2048 MiB and 1.5 cores; 9830.4 MiB free below the 80% degrade "
                  "threshold with memory at 50% of 32768 MiB, 5 cores free after the 1 core "
                  "reserve with cpu at 25% of 8 cores");
  // Exactly what is free still fits.
  CAF_CHECK(preflight(request(a.free_memory_bytes, 5), host(), {}).allow);
}

CAF_TEST(work needing more memory than is free is denied) {
  auto a = preflight(request(10 * gib, 1), host(), {});
  CAF_CHECK(!a.allow);
  CAF_CHECK_EQUAL(a.reason,
                  "does not fit: memory short by 409.6 MiB (needs 10240 MiB; 9830.4 MiB free "
                  "below the 80% degrade threshold with memory at 50% of 32768 MiB); plugin "
                  "voice has no variants");
}

CAF_TEST(work needing more cores than are free is denied) {
  auto a = preflight(request(1 * gib, 6, ""), host(), {});
  CAF_CHECK(!a.allow);
  CAF_CHECK_EQUAL(a.reason,
                  "does not fit: cpu short by 1 core (needs 6 cores; 5 cores free after the "
                  "1 core reserve with cpu at 25% of 8 cores)");
  // Short of both: both are named.
  auto b = preflight(request(16 * gib, 6), host(), {});
  CAF_CHECK(!b.allow);
  CAF_CHECK_EQUAL(b.reason,
                  "does not fit: memory short by 6553.6 MiB (needs 16384 MiB; 9830.4 MiB free "
                  "below the 80% degrade threshold with memory at 50% of 32768 MiB) and cpu "
                  "short by 1 core (needs 6 cores; 5 cores free after the 1 core reserve with "
                  "cpu at 25% of 8 cores); plugin voice has no variants");
}

CAF_TEST(a trusted forecast above the measurement sets the level and is named) {
  auto h = host();
  h.memory_forecast = preflight_forecast{70, 0.8};
  auto a = preflight(request(4 * gib, 1), h, {});
  CAF_CHECK(!a.allow);
  // 80 % - 70 % of 32 GiB.
  CAF_CHECK_EQUAL(a.free_memory_bytes, static_cast<uint64_t>(3276.8 * mib));
  CAF_CHECK_EQUAL(a.reason,
                  "does not fit: memory short by 819.2 MiB (needs 4096 MiB; 3276.8 MiB free "
                  "below the 80% degrade threshold with memory forecast to reach 70% of "
                  "32768 MiB, now 50%); plugin voice has no variants");
  // A forecast below the measurement changes nothing.
  h.memory_forecast = preflight_forecast{30, 0.9};
  CAF_CHECK(preflight(request(4 * gib, 1), h, {}).allow);
  // A CPU forecast counts the same way: at 75 % only 8 - 6 - 1 = 1 core is free.
  h.cpu_forecast = preflight_forecast{75, 0.6};
  auto c = preflight(request(1 * gib, 2), h, {});
  CAF_CHECK(!c.allow);
  CAF_CHECK_EQUAL(c.free_cpu_cores, 1.0);
  CAF_CHECK_NOT_EQUAL(c.reason.find("cpu forecast to reach 75% of 8 cores, now 25%"),
                      std::string::npos);
}

CAF_TEST(a forecast below min_confidence is ignored) {
  auto h = host();
  h.memory_forecast = preflight_forecast{70, 0.5};
  auto a = preflight(request(4 * gib, 1), h, {});
  CAF_CHECK(a.allow);
  CAF_CHECK_EQUAL(a.free_memory_bytes, static_cast<uint64_t>(9830.4 * mib));
  CAF_CHECK_EQUAL(a.reason.find("forecast"), std::string::npos);
}

CAF_TEST(the reserve is never handed out even far below the degrade threshold) {
  auto h = host();
  h.memory_percent = 10;
  h.cpu_percent = 0;
  h.reserve_memory = 16 * gib;
  // Threshold: 25.6 - 3.2 = 22.4 GiB; reserve: 32 - 3.2 - 16 = 12.8 GiB.
  auto a = preflight(request(13 * gib, 7.5), h, {});
  CAF_CHECK(!a.allow);
  CAF_CHECK_EQUAL(a.free_memory_bytes, static_cast<uint64_t>(12.8 * gib));
  CAF_CHECK_EQUAL(a.free_cpu_cores, 7.0);
  CAF_CHECK_EQUAL(a.reason,
                  "does not fit: memory short by 204.8 MiB (needs 13312 MiB; 13107.2 MiB free "
                  "after the 16384 MiB reserve with memory at 10% of 32768 MiB) and cpu short "
                  "by 0.5 cores (needs 7.5 cores; 7 cores free after the 1 core reserve with "
                  "cpu at 0% of 8 cores); plugin voice has no variants");
  // A host already past its threshold or into its reserve has nothing free, not less.
  h.memory_percent = 90;
  h.cpu_percent = 95;
  auto b = preflight(request(0, 0), h, {});
  CAF_CHECK(b.allow);
  CAF_CHECK_EQUAL(b.free_memory_bytes, 0u);
  CAF_CHECK_EQUAL(b.free_cpu_cores, 0.0);
  CAF_CHECK(!preflight(request(1, 0), h, {}).allow);
}

CAF_TEST(the largest variant that fits is recommended) {
  // 9830.4 MiB and 5 cores free: large (12 GiB) does not fit, medium (8 GiB, 2 cores) does.
  auto a = preflight(request(10 * gib, 1), host(), voice_variants());
  CAF_CHECK(!a.allow);
  CAF_CHECK_EQUAL(a.recommended_variant, "medium");
  CAF_CHECK_EQUAL(a.reason,
                  "does not fit: memory short by 409.6 MiB (needs 10240 MiB; 9830.4 MiB free "
                  "below the 80% degrade threshold with memory at 50% of 32768 MiB); variant "
                  "medium would fit");
  // Allowed work is told the largest variant that fits as well.
  auto b = preflight(request(1 * gib, 1), host(), voice_variants());
  CAF_CHECK(b.allow);
  CAF_CHECK_EQUAL(b.recommended_variant, "medium");
  CAF_CHECK_NOT_EQUAL(b.reason.find("; the largest variant that fits is medium"),
                      std::string::npos);
  // A variant without a CPU quota needs the request's cores: small needs 6 and does not fit.
  auto h = host();
  h.memory_percent = 70; // 3276.8 MiB free
  auto c = preflight(request(1 * gib, 6), h, voice_variants());
  CAF_CHECK(!c.allow);
  CAF_CHECK_EQUAL(c.recommended_variant, "");
  CAF_CHECK_NOT_EQUAL(c.reason.find("; no variant of plugin voice fits"), std::string::npos);
  // With the request's cores within what is free, small fits on its own 2 GiB.
  auto d = preflight(request(4 * gib, 2), h, voice_variants());
  CAF_CHECK(!d.allow);
  CAF_CHECK_EQUAL(d.recommended_variant, "small");
}

CAF_TEST(a plugin without variants gets no recommendation) {
  auto a = preflight(request(1 * gib, 1), host(), {});
  CAF_CHECK(a.allow);
  CAF_CHECK_EQUAL(a.recommended_variant, "");
  CAF_CHECK_EQUAL(a.reason.find("variant"), std::string::npos);
  auto b = preflight(request(20 * gib, 1, ""), host(), {});
  CAF_CHECK(!b.allow);
  CAF_CHECK_EQUAL(b.recommended_variant, "");
  CAF_CHECK_EQUAL(b.reason.find("variant"), std::string::npos);
}

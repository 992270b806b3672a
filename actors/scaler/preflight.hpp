// preflight.hpp -- "can work needing this much start now?": the scaler's
// pre-flight answer, decided without an actor, a clock or a sample source.
//
// Per resource (CPU, memory) the host's level is the measured percent, or the
// forecast's upper bound within the horizon when that is higher and its
// confidence is at least min_confidence. What is free is the smaller of
//   total - used - reserve            (the work must not eat into the reserve)
//   total x degrade / 100 - used      (nor push the host over its degrade threshold)
// and never below 0. The work is allowed when it needs no more than what is
// free of both. The recommended variant is the plugin's largest variant whose
// needs (its memory_max and cpu_quota where known, else the request's) fit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "messages/types.hpp"

namespace conductor {

/// A forecast of one host percent: the upper bound of its prediction interval anywhere within
/// the horizon, and how far to trust it.
struct preflight_forecast {
  double upper = 0;
  double confidence = 0;
};

/// What the pre-flight weighs a request against: the host now and ahead, and the scaler's
/// thresholds and reserves for it (config::effective_thresholds()).
struct preflight_host {
  /// The host's cores and memory in bytes.
  double cores = 0;
  uint64_t memory_total = 0;
  /// Host CPU and memory use, percent of the whole host, as last measured.
  double cpu_percent = 0;
  double memory_percent = 0;
  /// The forecasts, when the predictor has one.
  std::optional<preflight_forecast> cpu_forecast;
  std::optional<preflight_forecast> memory_forecast;
  /// A forecast less confident than this is ignored (prediction.min_confidence).
  double min_confidence = 0.6;
  /// Host percent that starts the degradation cascade: work must not push the host there.
  double degrade_cpu = 90;
  double degrade_memory = 80;
  /// Never handed to work.
  double reserve_cpu_cores = 1;
  uint64_t reserve_memory = 8ull << 30;
};

/// One variant of the plugin that would run the work (plugins[].variants[]).
struct preflight_variant {
  std::string name;
  /// Bytes; 0 = unknown (the request's memory is assumed).
  uint64_t memory_max = 0;
  /// Percent of one core; 0 = unknown (the request's cores are assumed).
  double cpu_quota = 0;
};

/// Answers `request` on `host`. `variants` are the plugin's, largest first (empty when the
/// plugin has none or is unknown). The reason is one sentence with the figures.
preflight_answer preflight(const preflight_request& request, const preflight_host& host,
                           const std::vector<preflight_variant>& variants);

} // namespace conductor

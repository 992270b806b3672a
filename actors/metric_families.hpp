// metric_families.hpp -- every Prometheus family conductor exports, built once.
//
// One factory creates every family at start, so a bad name fails there and not
// in the middle of a run. Actors keep plain Family/Counter/Gauge references;
// prometheus-cpp's metrics are atomic, so the HTTP thread that serializes the
// registry and the actors that update it need no further locking.
#pragma once

#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "actors/series_exporter.hpp"

namespace conductor {

struct metric_families {
  /// Builds every family in `registry`, and sets conductor_build_info.
  explicit metric_families(prometheus::Registry& registry);

  /// conductor_build_info{version} 1: which build answers the scrape.
  prometheus::Family<prometheus::Gauge>& build_info;
  /// The predictor's forecasts {source, metric, horizon}, in the metric's unit.
  prometheus::Family<prometheus::Gauge>& forecast;
  prometheus::Family<prometheus::Gauge>& forecast_lower;
  prometheus::Family<prometheus::Gauge>& forecast_upper;
  prometheus::Family<prometheus::Gauge>& forecast_confidence;
  /// How unusual the newest step of a series was {source, metric}, in [0, 1].
  prometheus::Family<prometheus::Gauge>& anomaly_score;
  /// Decisions of the scaler {action}.
  prometheus::Family<prometheus::Counter>& decisions;
  /// Collector ticks taken and skipped (late), and read failures {source}.
  prometheus::Family<prometheus::Counter>& collector_ticks;
  prometheus::Family<prometheus::Counter>& collector_skipped;
  prometheus::Family<prometheus::Counter>& collector_errors;
  /// Supervisor restarts {actor}.
  prometheus::Family<prometheus::Counter>& actor_restarts;
  /// Rows written {table} and failed writes.
  prometheus::Family<prometheus::Counter>& persistence_rows;
  prometheus::Family<prometheus::Counter>& persistence_errors;
  /// Health per target: 1 healthy, 0 not; breaker state 0 closed, 1 half-open, 2 open.
  prometheus::Family<prometheus::Gauge>& health_up;
  prometheus::Family<prometheus::Gauge>& breaker_state;
  /// The series of the collector's samples (messages/series.hpp).
  series_exporter sample_series;
};

/// A registry and its families: what the node creates once and shares with
/// the actors (which update it) and the HTTP server (which serializes it).
struct metrics_hub {
  metrics_hub();
  std::shared_ptr<prometheus::Registry> registry;
  metric_families families;

  /// The Prometheus text exposition of everything registered.
  std::string scrape() const;
};

} // namespace conductor

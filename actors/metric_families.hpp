// metric_families.hpp -- every Prometheus family conductor exports, built once.
//
// One factory creates every family at start, so a bad name fails there and not
// in the middle of a run. Actors keep plain family references; series values
// are atomic (actors/metric_registry.hpp), so the HTTP thread that renders the
// registry and the actors that update it need no further locking.
#pragma once

#include <memory>
#include <string>

#include "actors/metric_registry.hpp"
#include "actors/series_exporter.hpp"

namespace conductor {

struct metric_families {
  /// Builds every family in `registry`, and sets conductor_build_info.
  explicit metric_families(metric_registry& registry);

  /// conductor_build_info{version} 1: which build answers the scrape.
  metric_family& build_info;
  /// The predictor's forecasts {source, metric, horizon}, in the metric's unit.
  metric_family& forecast;
  metric_family& forecast_lower;
  metric_family& forecast_upper;
  metric_family& forecast_confidence;
  /// How unusual the newest step of a series was {source, metric}, in [0, 1].
  metric_family& anomaly_score;
  /// Decisions of the scaler {action}.
  metric_family& decisions;
  /// Collector ticks taken and skipped (late), and read failures {source}.
  metric_family& collector_ticks;
  metric_family& collector_skipped;
  metric_family& collector_errors;
  /// Supervisor restarts {actor}.
  metric_family& actor_restarts;
  /// Rows written {table} and failed writes.
  metric_family& persistence_rows;
  metric_family& persistence_errors;
  /// Rows not written {table}: metric rows coalesced away on a slow or failing
  /// disk; audit rows only when the retry queue overflowed (each then logged
  /// whole, so nothing is lost from sight).
  metric_family& persistence_dropped;
  /// Audit rows waiting in the retry queue for the database to come back.
  metric_family& persistence_audit_backlog;
  /// 1 while the database is open and writable, 0 while it is not.
  metric_family& persistence_available;
  /// Health per target: 1 healthy, 0 not.
  metric_family& health_up;
  /// Checks {target, result = success | failure} and their duration {target}.
  metric_family& health_checks;
  histogram_family& health_duration;
  /// How late checks started against their plan (no labels).
  histogram_family& health_lateness;
  /// Failed health checks of plugins {plugin}.
  metric_family& plugin_failures;
  /// A plugin's lifecycle state {plugin, state}: 1, one series per plugin;
  /// and how often its process was started {plugin}.
  metric_family& plugin_state;
  metric_family& plugin_starts;
  /// Outcomes of the scaler's steps on plugins {plugin, action, status}.
  metric_family& plugin_actions;
  /// 1 while the scaler has suspended itself after failed actions.
  metric_family& scaler_suspended;
  /// Breaker state {target}: 0 closed, 1 open, 2 half-open; transitions
  /// {target, from, to}.
  metric_family& breaker_state;
  metric_family& breaker_transitions;
  /// The series of the collector's samples (messages/series.hpp).
  series_exporter sample_series;
};

/// The value of conductor_circuit_breaker_state for a breaker state name:
/// closed 0, open 1, half_open 2.
double breaker_state_value(const std::string& state);

/// A registry and its families: what the node creates once and shares with
/// the actors (which update it) and the HTTP server (which renders it).
struct metrics_hub {
  metrics_hub();
  std::shared_ptr<metric_registry> registry;
  metric_families families;

  /// The Prometheus text exposition of everything registered.
  std::string scrape() const;
};

} // namespace conductor

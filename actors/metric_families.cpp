#include "actors/metric_families.hpp"

namespace conductor {

metric_families::metric_families(metric_registry& r)
  : build_info(r.gauge("conductor_build_info", "The running conductor build; always 1.")),
    forecast(r.gauge("conductor_forecast", "Forecast value of a metric at the horizon.")),
    forecast_lower(r.gauge("conductor_forecast_lower",
                         "Lower bound of the forecast's prediction interval.")),
    forecast_upper(r.gauge("conductor_forecast_upper",
                         "Upper bound of the forecast's prediction interval.")),
    forecast_confidence(r.gauge("conductor_forecast_confidence",
                              "Trust in the forecast, in [0, 1].")),
    anomaly_score(r.gauge("conductor_anomaly_score",
                        "How unusual the newest step of a series was, in [0, 1].")),
    decisions(r.counter("conductor_decisions_total", "Decisions taken by the scaler.")),
    collector_ticks(r.counter("conductor_collector_ticks_total", "Collector ticks taken.")),
    collector_skipped(r.counter("conductor_collector_skipped_ticks_total",
                              "Collector ticks skipped because the previous one ran late.")),
    collector_errors(r.counter("conductor_collector_errors_total",
                             "Reads that failed, by source; the metric is left out.")),
    actor_restarts(r.counter("conductor_actor_restarts_total",
                           "Actors restarted by the supervisor after a crash.")),
    persistence_rows(r.counter("conductor_persistence_rows_total",
                             "Rows written to the database, by table.")),
    persistence_errors(r.counter("conductor_persistence_errors_total",
                               "Database writes that failed.")),
    persistence_dropped(r.counter("conductor_persistence_dropped_total",
                                  "Rows not written: metric rows dropped on a slow or failing"
                                  " disk, audit rows beyond the retry queue (logged whole).")),
    persistence_audit_backlog(r.gauge("conductor_persistence_audit_backlog",
                                      "Audit rows waiting for the database to accept them.")),
    persistence_available(r.gauge("conductor_persistence_available",
                                  "1 while the database is open and writable, else 0.")),
    health_up(r.gauge("conductor_health_up", "1 if the target's last check passed, else 0.")),
    health_checks(r.counter("conductor_health_check_total", "Health checks, by result.")),
    health_duration(r.histogram("conductor_health_check_duration_seconds",
                                "Duration of health checks, connect or spawn included.",
                                {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                 2.5, 5, 10})),
    health_lateness(r.histogram("conductor_health_check_lateness_seconds",
                                "How much later than planned health checks started.",
                                {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5})),
    plugin_failures(r.counter("conductor_plugin_failure_total",
                              "Failed health checks of plugins.")),
    plugin_state(r.gauge("conductor_plugin_state",
                         "1 for the state a plugin is in (stopped, starting, running, draining,"
                         " stopping, failed, disabled).")),
    plugin_starts(r.counter("conductor_plugin_starts_total",
                            "Plugin processes started, restarts included.")),
    plugin_actions(r.counter("conductor_plugin_actions_total",
                             "The scaler's steps on plugins, by outcome (applied, failed).")),
    scaler_suspended(r.gauge("conductor_scaler_suspended",
                             "1 while the scaler has suspended itself after failed actions.")),
    breaker_state(r.gauge("conductor_circuit_breaker_state",
                          "Circuit breaker state: 0 closed, 1 open, 2 half-open.")),
    breaker_transitions(r.counter("conductor_circuit_breaker_transitions_total",
                                  "Circuit breaker state changes.")),
    sample_series(r) {
  build_info.add({{"version", CONDUCTOR_VERSION}}).set(1);
}

double breaker_state_value(const std::string& state) {
  if (state == "open")
    return 1;
  if (state == "half_open")
    return 2;
  return 0;
}

metrics_hub::metrics_hub()
  : registry(std::make_shared<metric_registry>()), families(*registry) {
}

std::string metrics_hub::scrape() const {
  return registry->render();
}

} // namespace conductor

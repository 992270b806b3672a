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
    health_up(r.gauge("conductor_health_up", "1 if the target's last check passed, else 0.")),
    breaker_state(r.gauge("conductor_breaker_state",
                        "Circuit breaker state: 0 closed, 1 half-open, 2 open.")),
    sample_series(r) {
  build_info.add({{"version", CONDUCTOR_VERSION}}).set(1);
}

metrics_hub::metrics_hub()
  : registry(std::make_shared<metric_registry>()), families(*registry) {
}

std::string metrics_hub::scrape() const {
  return registry->render();
}

} // namespace conductor

#include "actors/metric_families.hpp"

#include <prometheus/text_serializer.h>

namespace conductor {

namespace {

prometheus::Family<prometheus::Gauge>& gauge(prometheus::Registry& r, const char* name,
                                             const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& r, const char* name,
                                                 const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

} // namespace

metric_families::metric_families(prometheus::Registry& r)
  : build_info(gauge(r, "conductor_build_info", "The running conductor build; always 1.")),
    forecast(gauge(r, "conductor_forecast", "Forecast value of a metric at the horizon.")),
    forecast_lower(gauge(r, "conductor_forecast_lower",
                         "Lower bound of the forecast's prediction interval.")),
    forecast_upper(gauge(r, "conductor_forecast_upper",
                         "Upper bound of the forecast's prediction interval.")),
    forecast_confidence(gauge(r, "conductor_forecast_confidence",
                              "Trust in the forecast, in [0, 1].")),
    anomaly_score(gauge(r, "conductor_anomaly_score",
                        "How unusual the newest step of a series was, in [0, 1].")),
    decisions(counter(r, "conductor_decisions_total", "Decisions taken by the scaler.")),
    collector_ticks(counter(r, "conductor_collector_ticks_total", "Collector ticks taken.")),
    collector_skipped(counter(r, "conductor_collector_skipped_ticks_total",
                              "Collector ticks skipped because the previous one ran late.")),
    collector_errors(counter(r, "conductor_collector_errors_total",
                             "Reads that failed, by source; the metric is left out.")),
    actor_restarts(counter(r, "conductor_actor_restarts_total",
                           "Actors restarted by the supervisor after a crash.")),
    persistence_rows(counter(r, "conductor_persistence_rows_total",
                             "Rows written to the database, by table.")),
    persistence_errors(counter(r, "conductor_persistence_errors_total",
                               "Database writes that failed.")),
    health_up(gauge(r, "conductor_health_up", "1 if the target's last check passed, else 0.")),
    breaker_state(gauge(r, "conductor_breaker_state",
                        "Circuit breaker state: 0 closed, 1 half-open, 2 open.")),
    sample_series(r) {
  build_info.Add({{"version", CONDUCTOR_VERSION}}).Set(1);
}

metrics_hub::metrics_hub()
  : registry(std::make_shared<prometheus::Registry>()), families(*registry) {
}

std::string metrics_hub::scrape() const {
  return prometheus::TextSerializer{}.Serialize(registry->Collect());
}

} // namespace conductor

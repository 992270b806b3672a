// interfaces.hpp -- every typed actor interface of conductor, in one place.
//
// Actors know each other only through these handles. Each publisher takes
// typed sinks (messages/type_ids.hpp) through `subscribe`, so the supervisor
// can re-wire a restarted actor without the publisher knowing who listens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/type_ids.hpp"

namespace conductor {

/// The collector: samples the host (and, later, plugin cgroups) every
/// collector.interval and publishes one resource_sample per source and tick.
using collector_actor = caf::typed_actor<
  /// INTERNAL: the planned tick.
  caf::reacts_to<atom::tick>,
  /// Adds a consumer of samples; dropped again when it terminates.
  caf::reacts_to<atom::subscribe, sample_sink>,
  /// Applies new settings (SIGHUP) from the next tick on.
  caf::reacts_to<atom::update, collector_settings>>;

/// The predictor: keeps a window per metric, publishes a forecast per metric
/// and sample.
using predictor_actor = caf::typed_actor<
  /// Feeds one sample into the windows.
  caf::reacts_to<resource_sample>,
  /// Adds a consumer of forecasts.
  caf::reacts_to<atom::subscribe, forecast_sink>,
  /// Applies new settings; windows are kept, trimmed to the new length.
  caf::reacts_to<atom::update, predictor_settings>>;

/// What operators ask of the scaler; the supervisor and the inspector answer
/// the same, forwarding to the scaler of the moment.
using scaler_commands = caf::typed_actor<
  /// Mode, host state, the steps in effect, failures.
  caf::replies_to<atom::get, atom::scaler>::with<scaler_status>,
  /// The last evaluation explained: what was done and, for the host and each
  /// plugin, why nothing else was (status "none").
  caf::replies_to<atom::explain>::with<std::vector<decision>>,
  /// Can work needing this much start now?
  caf::replies_to<preflight_request>::with<preflight_answer>,
  /// Sets the mode (enabled | disabled | manual; origin: who) and lifts a
  /// suspension. Fails with ec::invalid_argument for another mode.
  caf::replies_to<atom::mode, std::string, std::string>::with<scaler_status>,
  /// An operator's manual resize: switches to manual mode and sends the
  /// plugin manager a resize; answers with the committed step (its id set).
  /// Fails with ec::unknown_name for an unknown plugin, ec::invalid_argument
  /// for limits outside the plugin's bounds or none at all.
  caf::replies_to<scale_request>::with<decision>,
  /// The newest forecast per source and metric.
  caf::replies_to<atom::get, atom::forecasts>::with<std::vector<forecast>>,
  /// The newest sample per source.
  caf::replies_to<atom::get, atom::samples>::with<std::vector<resource_sample>>>;

/// The scaler: the policy engine. Turns samples, forecasts, health and plugin
/// states into decisions, each with its reason (scaler_engine.hpp).
using scaler_actor = caf::typed_actor<
  caf::reacts_to<resource_sample>,
  caf::reacts_to<forecast>,
  /// Health results and breaker transitions, kept per target for decisions.
  caf::reacts_to<health_event>,
  caf::reacts_to<breaker_transition>,
  /// Plugin state changes.
  caf::reacts_to<plugin_event>,
  /// The plugin manager's outcomes of the scaler's steps.
  caf::reacts_to<decision>,
  /// INTERNAL: the periodic evaluation.
  caf::reacts_to<atom::evaluate>,
  /// Adds a consumer of decisions.
  caf::reacts_to<atom::subscribe, decision_sink>,
  /// Adds a keeper of the runtime state (sent the current one at once).
  caf::reacts_to<atom::subscribe, state_sink>,
  /// The durable audit log: an operator's command is committed there before
  /// the operator is answered.
  caf::reacts_to<atom::subscribe, audit_log>,
  /// Applies new settings; the pressure state is kept.
  caf::reacts_to<atom::update, scaler_settings>>::extend_with<scaler_commands>;

/// What operators ask of the health checker; the supervisor and the
/// inspector answer the same, forwarding to the health actor of the moment.
using health_commands = caf::typed_actor<
  /// Every target's health and breaker.
  caf::replies_to<atom::get, atom::health>::with<std::vector<target_health>>,
  /// Force a breaker open (target, reason); it stays open until closed or
  /// reset. Fails with ec::unknown_name for an unknown target.
  caf::replies_to<atom::open, std::string, std::string>::with<target_health>,
  /// Force a breaker closed (target, reason).
  caf::replies_to<atom::close, std::string, std::string>::with<target_health>,
  /// Reset a breaker to a new one's state (target, who: named in the
  /// transition when the breaker was not closed).
  caf::replies_to<atom::reset, std::string, std::string>::with<target_health>>;

/// The health checker: staggered checks per target behind circuit breakers.
using health_actor = caf::typed_actor<
  /// INTERNAL: a check is due.
  caf::reacts_to<atom::tick>,
  /// INTERNAL: a check finished (from the check engine's thread).
  caf::reacts_to<check_outcome>,
  /// Adds a consumer of health events and breaker transitions...
  caf::reacts_to<atom::subscribe, health_sink>,
  /// ...or of breaker transitions only.
  caf::reacts_to<atom::subscribe, breaker_sink>,
  /// Host samples: over a degrade threshold, healthy targets back off.
  caf::reacts_to<resource_sample>,
  /// The scaler's decisions: degrade and emergency mean pressure until restore.
  caf::reacts_to<decision>,
  /// Plugin state changes: which process a plugin runs, for `process` checks.
  caf::reacts_to<plugin_event>,
  /// New settings (SIGHUP).
  caf::reacts_to<atom::update, health_settings>>::extend_with<health_commands>;

/// What operators ask of the plugin manager (name, origin); each answers with
/// the plugin's state once the action has begun (a drain may take its grace
/// period; the outcome is audited). Fails with ec::unknown_name for an
/// unknown plugin and ec::conflict when the action does not fit its state
/// (enabling a running plugin, disabling a stopped one).
using plugin_commands = caf::typed_actor<
  caf::replies_to<atom::enable, std::string, std::string>::with<plugin_event>,
  caf::replies_to<atom::disable, std::string, std::string>::with<plugin_event>,
  caf::replies_to<atom::restart, std::string, std::string>::with<plugin_event>>;

/// The plugin manager: owns plugin processes and their cgroups.
using plugin_manager_actor = caf::typed_actor<
  /// Starts every plugin (sent by the supervisor once the sinks are wired).
  caf::reacts_to<atom::start>,
  /// INTERNAL: a lifecycle deadline (restart backoff, grace) is due.
  caf::reacts_to<atom::tick>,
  /// INTERNAL: a plugin process exited (from the exit watcher's thread).
  caf::reacts_to<plugin_exit>,
  /// Adds a consumer of plugin state changes...
  caf::reacts_to<atom::subscribe, plugin_sink>,
  /// ...or of the audit of what was done to plugins (limits applied or not,
  /// the outcome of each of the scaler's steps).
  caf::reacts_to<atom::subscribe, decision_sink>,
  /// The durable audit log: each outcome is committed there before it is
  /// reported done (logged, and sent to the decision sinks).
  caf::reacts_to<atom::subscribe, audit_log>,
  /// The scaler's steps (status "decided", target a plugin); others ignored.
  caf::reacts_to<decision>,
  /// Every plugin's state, pid and the reason of its last change.
  caf::replies_to<atom::get, atom::plugins>::with<std::vector<plugin_event>>>::
  extend_with<plugin_commands>;

/// What operators read from the database; the supervisor and the inspector
/// answer the same, forwarding to the persistence actor of the moment. Fails
/// with ec::database_error while the database is unavailable, and with
/// ec::invalid_argument for a negative limit or offset, an empty range or
/// fewer than one point.
using persistence_queries = caf::typed_actor<
  /// The audit, newest first (history_request).
  caf::replies_to<history_request>::with<std::vector<decision>>,
  /// One metric over a range, downsampled in the database.
  caf::replies_to<metric_range_request>::with<metric_range>>;

/// The persistence actor: owns the SQLite connection. Never blocks the
/// others (it runs on its own thread) and never loses an audit row: while the
/// database cannot take one it waits in a bounded retry queue.
using persistence_actor = caf::typed_actor<
  /// Buffers a sample; written in batches (persistence.batch).
  caf::reacts_to<resource_sample>,
  /// Writes a decision to the audit log at once, durably.
  caf::reacts_to<decision>,
  /// Writes a breaker transition at once, durably.
  caf::reacts_to<breaker_transition>,
  /// Writes a plugin state change at once, durably.
  caf::reacts_to<plugin_event>,
  /// Keeps the scaler's runtime state (autoscaler_config), durably.
  caf::reacts_to<runtime_state>,
  /// Writes buffered samples now (also the batch timer).
  caf::reacts_to<atom::flush>,
  /// INTERNAL: retry what the database refused (and reopen it).
  caf::reacts_to<atom::tick>,
  /// Applies new retention and batch settings (the path needs a restart).
  caf::reacts_to<atom::update, persistence_settings>>::extend_with<audit_log>::
  extend_with<persistence_queries>;

/// The metrics actor: turns events into Prometheus gauges and counters.
using metrics_actor = caf::typed_actor<
  caf::reacts_to<resource_sample>,
  /// Plugin state changes.
  caf::reacts_to<plugin_event>,
  caf::reacts_to<forecast>,
  caf::reacts_to<decision>,
  /// Breaker transitions (health results the health actor counts itself).
  caf::reacts_to<breaker_transition>>;

/// Anything that follows the node's events as they happen: decisions and
/// outcomes, breaker transitions, plugin state changes (the HTTP API's
/// event stream and webhooks). Given to the supervisor, which subscribes it
/// to the actors of the moment.
using event_sink = caf::typed_actor<caf::reacts_to<decision>, caf::reacts_to<breaker_transition>,
                                    caf::reacts_to<plugin_event>>;

/// An operator's fault drill, to rehearse a crash on a running node: the
/// supervisor audits it, makes the named child throw (mailbox_probe.hpp) and
/// answers with that child once it has been restarted. Fails with
/// ec::unknown_name for an actor it does not supervise, and with
/// ec::restart_intensity when that crash was one too many (the node stops).
using drill_commands = caf::typed_actor<
  /// (actor name, who asks): answers with the restarted child.
  caf::replies_to<atom::fault, std::string, std::string>::with<child_info>>;

/// The supervisor: spawns, monitors, restarts and re-wires the actors above.
using supervisor_actor = caf::typed_actor<
  /// The children and their restart counts.
  caf::replies_to<atom::get, atom::children>::with<std::vector<child_info>>,
  /// Every plugin's state (from the plugin manager of the moment).
  caf::replies_to<atom::get, atom::plugins>::with<std::vector<plugin_event>>,
  /// New settings after a SIGHUP: kept for restarts and sent to each child.
  caf::reacts_to<atom::update, node_settings>,
  /// The scaler's runtime state, kept to start a restarted scaler and plugin
  /// manager where the old ones were.
  caf::reacts_to<runtime_state>>::extend_with<health_commands>::
  extend_with<scaler_commands>::extend_with<persistence_queries>::extend_with<plugin_commands>::
  extend_with<audit_log>::extend_with<drill_commands>;

/// The configuration in force, kept by the node's config keeper: read, and
/// changed at run time (the HTTP API's PUT, conductor-mcp) or from the file
/// (SIGHUP). Changes are validated like the YAML, applied to every actor and
/// audited.
using config_commands = caf::typed_actor<
  /// The scaler section in force, as JSON text.
  caf::replies_to<atom::get, atom::config>::with<std::string>,
  /// Lays a partial scaler section (JSON text) over the one in force
  /// (origin: who); answers with the new one. Fails with
  /// ec::invalid_argument (message, then the offending key) when the result
  /// would not load from a file.
  caf::replies_to<atom::config, std::string, std::string>::with<std::string>,
  /// Sets the policy (one of scaler.policies; origin: who), as a change of
  /// scaler.policy; answers with the scaler's status after it. Fails with
  /// ec::invalid_argument for an unknown one.
  caf::replies_to<atom::policy, std::string, std::string>::with<scaler_status>,
  /// What-if on the node's own history (replay/whatif.hpp): (plugin or
  /// "host", how far back as a duration such as "6h", a policy or "" for the
  /// one in force) replayed from the node's database with the configuration
  /// in force; answers with the report as JSON text (whatif_json). Runs on a
  /// worker thread of its own, bounded in rows and time, one at a time. Fails
  /// with ec::invalid_argument (message, then the offending field) for an
  /// unknown plugin or policy or a bad window, ec::unknown_name when the
  /// window holds no samples, ec::database_error when the database cannot be
  /// read and ec::unavailable while another what-if runs.
  caf::replies_to<atom::whatif, std::string, std::string, std::string>::with<std::string>>;

/// The node's config keeper: config_commands, and the file re-read (SIGHUP).
using config_keeper_actor = config_commands::extend<caf::reacts_to<atom::reload>>;

/// The inspector: the one actor published for remote access (conductorctl,
/// the HTTP API). Answers questions about the node.
using inspector_actor = caf::typed_actor<
  /// The supervised actors and their state.
  caf::replies_to<atom::get, atom::children>::with<std::vector<child_info>>,
  /// Every plugin's state, pid, variant and the reason of its last change.
  caf::replies_to<atom::get, atom::plugins>::with<std::vector<plugin_event>>>::
  extend_with<health_commands>::extend_with<scaler_commands>::
  extend_with<persistence_queries>::extend_with<plugin_commands>::extend_with<config_commands>::
  extend_with<drill_commands>;

} // namespace conductor

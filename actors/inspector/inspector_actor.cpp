#include "actors/inspector/inspector_actor.hpp"

namespace conductor {

namespace {

caf::error no_config() {
  return caf::make_error(ec::unavailable, "this node has no configuration keeper");
}

} // namespace

inspector_actor::behavior_type inspector(inspector_actor::pointer self,
                                         supervisor_actor supervisor,
                                         config_keeper_actor config) {
  // Each request is delegated: the actor that knows answers the requester
  // directly, and the inspector never waits.
  return {
    [=](atom::get, atom::children) {
      return self->delegate(supervisor, atom::get_v, atom::children_v);
    },
    [=](atom::get, atom::plugins) {
      return self->delegate(supervisor, atom::get_v, atom::plugins_v);
    },
    [=](atom::get, atom::health) {
      return self->delegate(supervisor, atom::get_v, atom::health_v);
    },
    [=](atom::open, const std::string& target, const std::string& reason) {
      return self->delegate(supervisor, atom::open_v, target, reason);
    },
    [=](atom::close, const std::string& target, const std::string& reason) {
      return self->delegate(supervisor, atom::close_v, target, reason);
    },
    [=](atom::reset, const std::string& target, const std::string& by) {
      return self->delegate(supervisor, atom::reset_v, target, by);
    },
    [=](atom::get, atom::scaler) {
      return self->delegate(supervisor, atom::get_v, atom::scaler_v);
    },
    [=](atom::explain) { return self->delegate(supervisor, atom::explain_v); },
    [=](const preflight_request& req) { return self->delegate(supervisor, req); },
    [=](atom::mode, const std::string& mode, const std::string& origin) {
      return self->delegate(supervisor, atom::mode_v, mode, origin);
    },
    [=](const scale_request& req) { return self->delegate(supervisor, req); },
    [=](atom::get, atom::forecasts) {
      return self->delegate(supervisor, atom::get_v, atom::forecasts_v);
    },
    [=](atom::get, atom::samples) {
      return self->delegate(supervisor, atom::get_v, atom::samples_v);
    },
    [=](const history_request& q) { return self->delegate(supervisor, q); },
    [=](const metric_range_request& q) { return self->delegate(supervisor, q); },
    [=](atom::enable, const std::string& name, const std::string& origin) {
      return self->delegate(supervisor, atom::enable_v, name, origin);
    },
    [=](atom::disable, const std::string& name, const std::string& origin) {
      return self->delegate(supervisor, atom::disable_v, name, origin);
    },
    [=](atom::restart, const std::string& name, const std::string& origin) {
      return self->delegate(supervisor, atom::restart_v, name, origin);
    },
    [=](atom::get, atom::config) -> caf::result<std::string> {
      if (!config)
        return no_config();
      return self->delegate(config, atom::get_v, atom::config_v);
    },
    [=](atom::config, const std::string& patch,
        const std::string& origin) -> caf::result<std::string> {
      if (!config)
        return no_config();
      return self->delegate(config, atom::config_v, patch, origin);
    },
    [=](atom::whatif, const std::string& plugin, const std::string& since,
        const std::string& policy) -> caf::result<std::string> {
      if (!config)
        return no_config();
      return self->delegate(config, atom::whatif_v, plugin, since, policy);
    },
    [=](atom::fault, const std::string& name, const std::string& origin) {
      return self->delegate(supervisor, atom::fault_v, name, origin);
    },
    [=](atom::policy, const std::string& name,
        const std::string& origin) -> caf::result<scaler_status> {
      if (!config)
        return no_config();
      return self->delegate(config, atom::policy_v, name, origin);
    },
  };
}

} // namespace conductor

#include "actors/inspector/inspector_actor.hpp"

namespace conductor {

inspector_actor::behavior_type inspector(inspector_actor::pointer self,
                                         supervisor_actor supervisor) {
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
    [=](atom::reset, const std::string& target) {
      return self->delegate(supervisor, atom::reset_v, target);
    },
    [=](atom::get, atom::scaler) {
      return self->delegate(supervisor, atom::get_v, atom::scaler_v);
    },
    [=](atom::explain) { return self->delegate(supervisor, atom::explain_v); },
    [=](const preflight_request& req) { return self->delegate(supervisor, req); },
    [=](atom::mode, const std::string& mode, const std::string& origin) {
      return self->delegate(supervisor, atom::mode_v, mode, origin);
    },
    [=](const history_request& q) { return self->delegate(supervisor, q); },
    [=](const metric_range_request& q) { return self->delegate(supervisor, q); },
  };
}

} // namespace conductor

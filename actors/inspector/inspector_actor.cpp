#include "actors/inspector/inspector_actor.hpp"

namespace conductor {

inspector_actor::behavior_type inspector(inspector_actor::pointer self,
                                         supervisor_actor supervisor) {
  return {
    [=](atom::get, atom::children) {
      return self->delegate(supervisor, atom::get_v, atom::children_v);
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
  };
}

} // namespace conductor

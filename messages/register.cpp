#include <caf/actor_system_config.hpp>
#include <caf/deep_to_string.hpp>

#include "messages/type_ids.hpp"

namespace conductor {

std::string to_string(ec x) {
  switch (x) {
    case ec::none:
      return "none";
    case ec::invalid_config:
      return "invalid_config";
    case ec::restart_intensity:
      return "restart_intensity";
    case ec::database_error:
      return "database_error";
    case ec::probe_failed:
      return "probe_failed";
    case ec::unknown_name:
      return "unknown_name";
    case ec::invalid_argument:
      return "invalid_argument";
    case ec::conflict:
      return "conflict";
    case ec::unavailable:
      return "unavailable";
  }
  return "unknown_error";
}

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::conductor>();
  // add_error_category<ec>(atom) does not compile in 0.17.6: pass a renderer.
  cfg.add_error_category(caf::atom("conductor"),
                         [](uint8_t code, caf::atom_value, const caf::message& ctx) {
                           auto str = "conductor: " + to_string(static_cast<ec>(code));
                           if (!ctx.empty())
                             str += " " + caf::deep_to_string(ctx);
                           return str;
                         });
}

} // namespace conductor

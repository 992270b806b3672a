#include "ctl/inspector_connect.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>

namespace conductor::ctl {

remote_config::remote_config(const tls_files& tls) {
  register_types(*this);
  load<caf::io::middleman>();
  use_tls(*this, tls);
}

caf::expected<inspector_actor> connect_inspector(caf::actor_system& sys, const std::string& host,
                                                 uint16_t port, caf::timespan timeout) {
  // What remote_actor<inspector_actor>() does, with a timeout: a node that
  // accepts the connection but never finishes a handshake must not hang us.
  auto broker = sys.has_openssl_manager() ? sys.openssl_manager().actor_handle()
                                          : sys.middleman().actor_handle();
  caf::scoped_actor self{sys};
  caf::expected<inspector_actor> out{caf::sec::request_timeout};
  self->request(broker, timeout, caf::connect_atom::value, host, port)
    .receive(
      [&](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>& ifs) {
        if (!ptr)
          out = caf::make_error(caf::sec::no_actor_published_at_port, port);
        else if (!sys.assignable<inspector_actor>(ifs))
          out = caf::make_error(caf::sec::unexpected_actor_messaging_interface);
        else
          out = caf::actor_cast<inspector_actor>(std::move(ptr));
      },
      [&](caf::error& err) { out = std::move(err); });
  return out;
}

std::string connect_failure_text(caf::actor_system& sys, const caf::error& err, bool tls) {
  auto caf_text = sys.render(err);
  bool refused = err == caf::sec::cannot_connect_to_node
                 && err.context().size() > 0 && err.context().match_element<std::string>(0)
                 && err.context().get_as<std::string>(0) == "ip_connect failed";
  if (refused || (!tls && err == caf::sec::cannot_connect_to_node))
    return caf_text + " (is conductor running, and is inspect.listen this address?)";
  if (err == caf::sec::request_timeout)
    return std::string{tls ? "TLS failed: " : ""} + "no handshake within "
           + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(connect_timeout)
                              .count())
           + " s (is it a conductor inspector, and does it speak "
           + (tls ? "TLS (inspect.tls)?)" : "plain, without inspect.tls?)");
  if (err == caf::sec::unexpected_actor_messaging_interface)
    return "the actor published there is not this version's inspector: " + caf_text;
  if (err == caf::sec::no_actor_published_at_port)
    return "nothing is published there: " + caf_text;
  if (tls && err == caf::sec::cannot_connect_to_node)
    return "TLS failed: the node did not answer in TLS (is inspect.tls set on the node?): "
           + caf_text;
  if (tls && err == caf::sec::disconnect_during_handshake)
    return "TLS failed: the node and conductorctl did not accept each other's certificates"
           " (is the node's certificate signed by --tls-ca, and --tls-cert by the node's"
           " inspect.tls.ca?): "
           + caf_text;
  if (err == caf::sec::disconnect_during_handshake)
    return "the node closed the connection during the handshake (did it stop or crash? if"
           " its inspector is behind TLS (inspect.tls), give --tls-ca, --tls-cert and"
           " --tls-key): "
           + caf_text;
  return std::string{tls ? "TLS failed: " : ""} + caf_text;
}

} // namespace conductor::ctl

// mailbox_probe.hpp -- how the supervisor learns how many messages wait in a
// child's mailbox (conductorctl actors, GET /api/actors).
//
// A mailbox may only be counted by its owner (counting moves messages from
// the lock-free inbox into the actor's own queue), so the child answers an
// untyped (get, mailbox) itself, from its default handler: no child's typed
// interface has to carry it. The same handler takes an operator's fault
// drill, (fault, who): the child throws, as a bug would, so that the
// supervisor's restart can be rehearsed on a running node (conductorctl
// actors crash NAME). Anything else unexpected is printed and dropped, CAF's
// default.
//
// It also installs the children's exception handler: CAF's default prints
// the exception to stdout and ends the actor with a bare runtime_error, so
// the supervisor's log and `conductorctl actors` could not say what was
// thrown. Ours logs it under the actor's name and keeps the text in the exit
// reason.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <caf/scheduled_actor.hpp>

#include "actors/logger.hpp"
#include "messages/type_ids.hpp"

namespace conductor {

inline void answer_mailbox_queries(caf::scheduled_actor* self) {
  self->set_default_handler(
    [](caf::scheduled_actor* owner, caf::message_view& x) -> caf::result<caf::message> {
      if (x.content().match_elements<atom::get, atom::mailbox>())
        return caf::make_message(static_cast<uint64_t>(owner->mailbox().size()));
      // Thrown, not quit(): the drill must take the path a real bug takes
      // (CAF's exception handler, a down message with the error).
      if (x.content().match_elements<atom::fault, std::string>())
        throw std::runtime_error(std::string{"fault drill: "} + owner->name()
                                 + " crashed on purpose, as asked by "
                                 + x.content().get_as<std::string>(1));
      return caf::print_and_drop(owner, x);
    });
  self->set_exception_handler(
    [](caf::scheduled_actor* owner, std::exception_ptr& x) -> caf::error {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(x);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      CONDUCTOR_LOG(error, owner->name()) << "unhandled exception: " << what;
      return caf::make_error(caf::sec::runtime_error, std::move(what));
    });
}

} // namespace conductor

// mailbox_probe.hpp -- how the supervisor learns how many messages wait in a
// child's mailbox (conductorctl actors, GET /api/actors).
//
// A mailbox may only be counted by its owner (counting moves messages from
// the lock-free inbox into the actor's own queue), so the child answers an
// untyped (get, mailbox) itself, from its default handler: no child's typed
// interface has to carry it. Anything else unexpected is printed and
// dropped, CAF's default.
#pragma once

#include <cstdint>

#include <caf/scheduled_actor.hpp>

#include "messages/type_ids.hpp"

namespace conductor {

inline void answer_mailbox_queries(caf::scheduled_actor* self) {
  self->set_default_handler(
    [](caf::scheduled_actor* owner, caf::message_view& x) -> caf::result<caf::message> {
      if (x.content().match_elements<atom::get, atom::mailbox>())
        return caf::make_message(static_cast<uint64_t>(owner->mailbox().size()));
      return caf::print_and_drop(owner, x);
    });
}

} // namespace conductor

// ctl_main.hpp -- conductorctl: connects to a node's inspector through CAF's
// middleman (plain, or TLS with --tls-*) and runs one command
// (ctl_options.hpp), printing a table or JSON (ctl_render.hpp).
#pragma once

namespace conductor::ctl {

/// Exit codes: 0 ok; 1 the node refused the command (or has no such audit
/// row); 2 usage error (also unusable TLS files); 3 the node could not be
/// reached (TLS failing included) or was lost during the command.
int ctl_main(int argc, char** argv);

} // namespace conductor::ctl

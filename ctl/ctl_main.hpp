// ctl_main.hpp -- conductorctl: connects to a node's inspector through CAF's
// middleman and runs one command (ctl_options.hpp), printing a table or JSON
// (ctl_render.hpp).
#pragma once

namespace conductor::ctl {

/// Exit codes: 0 ok; 1 the node refused the command; 2 usage error; 3 the
/// node could not be reached (or was lost during the command).
int ctl_main(int argc, char** argv);

} // namespace conductor::ctl

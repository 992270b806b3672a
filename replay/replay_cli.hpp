// replay_cli.hpp -- conductor-replay's command line: flags, config, errors.
#pragma once

namespace conductor::replay {

/// Runs conductor-replay; returns the process exit code (0 ok, 1 the run
/// failed, 2 bad usage or input).
int replay_main(int argc, char** argv);

} // namespace conductor::replay

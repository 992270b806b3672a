// simulate_cli.hpp -- conductor-replay --simulate: flags, output, errors.
#pragma once

namespace conductor::replay {

/// Runs conductor-replay in --simulate mode; returns the exit code (0 ok, 1
/// the run failed, 2 bad usage or input).
int simulate_main(int argc, char** argv);

} // namespace conductor::replay

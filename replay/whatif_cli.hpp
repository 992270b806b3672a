// whatif_cli.hpp -- conductor-replay --from-db: flags, output, errors.
#pragma once

namespace conductor::replay {

/// Runs conductor-replay in --from-db mode; returns the exit code (0 ok, 1
/// the run failed, 2 bad usage or input).
int whatif_main(int argc, char** argv);

} // namespace conductor::replay

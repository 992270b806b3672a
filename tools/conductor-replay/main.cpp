// conductor-replay -- a CSV trace through the node's predictor and scaler.
// Everything lives in the library (replay/).
#include "replay/replay_cli.hpp"

int main(int argc, char** argv) {
  return conductor::replay::replay_main(argc, argv);
}

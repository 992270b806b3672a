// conductor -- the node agent. Everything lives in the library (node/).
#include "node/node_main.hpp"

int main(int argc, char** argv) {
  return conductor::node_main(argc, argv);
}

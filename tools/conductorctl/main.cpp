// conductorctl -- inspects and steers a running conductor node through its
// inspector (CAF remote actor). Everything lives in the library (ctl/).
#include "ctl/ctl_main.hpp"

int main(int argc, char** argv) {
  return conductor::ctl::ctl_main(argc, argv);
}

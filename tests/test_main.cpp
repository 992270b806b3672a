// The one translation unit that instantiates CAF's test engine; every suite
// file includes caf/test/unit_test.hpp or caf/test/dsl.hpp only.
#define CAF_TEST_NO_MAIN

#include <caf/test/unit_test_impl.hpp>

#include "actors/logger.hpp"

int main(int argc, char** argv) {
  // Tests assert on behaviour, not on log lines: keep the output readable.
  conductor::log::configure(conductor::log::log_level::error, conductor::log::log_format::text);
  return caf::test::main(argc, argv);
}

// require.hpp -- "require" for tests that own resources.
//
// CAF_REQUIRE calls abort() in CAF 0.17.6, so a failed requirement would leave
// temporary directories and child processes behind: these check, then leave
// the test instead.
#pragma once

#include <caf/test/unit_test.hpp>

#define REQUIRE_OR_RETURN(...)                                                                \
  do {                                                                                        \
    if (!static_cast<bool>(__VA_ARGS__)) {                                                    \
      CAF_CHECK(__VA_ARGS__);                                                                 \
      return;                                                                                 \
    }                                                                                         \
  } while (false)

/// As REQUIRE_OR_RETURN, for an equality (both sides evaluated once).
#define REQUIRE_EQUAL_OR_RETURN(x, y)                                                         \
  do {                                                                                        \
    auto&& req_x_ = x;                                                                        \
    auto&& req_y_ = y;                                                                        \
    if (!(req_x_ == req_y_)) {                                                                \
      CAF_CHECK_EQUAL(req_x_, req_y_);                                                        \
      return;                                                                                 \
    }                                                                                         \
  } while (false)

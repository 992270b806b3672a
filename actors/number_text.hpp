// number_text.hpp -- a number for a sentence of reason or a log line.
#pragma once

#include <cstdio>
#include <string>

namespace conductor {

/// `x` with at most `significant` significant digits, trailing zeros dropped
/// (printf's %g): 0.5, 85, 1.61061e+09.
inline std::string number_text(double x, int significant = 6) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", significant, x);
  return buf;
}

} // namespace conductor

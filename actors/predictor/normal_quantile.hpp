// normal_quantile.hpp -- the standard normal quantile, for bounds before a
// series has a record of errors to take quantiles of.
#pragma once

namespace conductor {

/// z such that P(Z <= z) = p for a standard normal Z; p is clamped into
/// [1e-12, 1 - 1e-12].
double normal_quantile(double p);

} // namespace conductor

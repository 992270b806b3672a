// fuzz_check.hpp -- the invariants the fuzz targets assert.
//
// A broken invariant must stop the run in both builds: libFuzzer reports an
// abort as a crash and keeps the input, and the corpus driver
// (corpus_main.cpp) dies with the input's name printed before it. assert()
// would vanish under NDEBUG (RelWithDebInfo), so this is always on.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                                                 \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, __LINE__, #cond,    \
                   what);                                                                      \
      std::abort();                                                                            \
    }                                                                                          \
  } while (false)

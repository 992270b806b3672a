#!/usr/bin/env bash
# Builds CAF 0.17.6 -- the source Debian's libcaf-dev is built from -- with
# ThreadSanitizer into PREFIX, for make test-tsan.
#
# Why: ThreadSanitizer only sees the synchronisation of instrumented code. A
# message handed from one actor to another passes through CAF's lock-free
# mailbox inside libcaf_core; with Debian's uninstrumented library every such
# hand-off looks like a data race. Built from the same source with
# -fsanitize=thread, the hand-offs are visible and only real races remain.
#
# The tarball is Debian's own (the archive's pool), checked against the hash
# in Debian's .dsc for 0.17.6-2.1. Idempotent: a finished PREFIX is kept.
set -euo pipefail

prefix=${1:?usage: caf-tsan.sh PREFIX}
jobs=${JOBS:-$(nproc)}
version=0.17.6
tarball=actor-framework_${version}.orig.tar.gz
sha256=e2bf5bd243f08bb7d8adde197cfe3e6d71314ed3378fe0692f8932f4c3b3928c
url=http://deb.debian.org/debian/pool/main/a/actor-framework/$tarball

if [[ -f $prefix/.complete ]]; then
  exit 0
fi

work=$prefix.work
rm -rf "$work" "$prefix"
mkdir -p "$work"
echo "caf-tsan: fetching $tarball from Debian's archive" >&2
curl -fsSL --retry 3 -o "$work/$tarball" "$url"
echo "$sha256  $work/$tarball" | sha256sum -c --quiet - || {
  echo "caf-tsan: $tarball does not match Debian's checksum; not building it" >&2
  exit 1
}
tar -xzf "$work/$tarball" -C "$work"
# The one change Debian's patches make to what we build: a missing include
# that GCC 11 and later need (the installed header has it).
sed -i 's|^#include <cstddef>$|#include <cstddef>\n#include <limits>|' \
  "$work/actor-framework-$version/libcaf_io/caf/io/network/receive_buffer.hpp"
grep -q '^#include <limits>$' \
  "$work/actor-framework-$version/libcaf_io/caf/io/network/receive_buffer.hpp"

# Only what conductor links: core, io and the OpenSSL module; Debian's
# options otherwise (exceptions and memory management on, logging quiet).
cmake -S "$work/actor-framework-$version" -B "$work/build" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" \
  -DCAF_NO_EXAMPLES=yes -DCAF_NO_UNIT_TESTS=yes -DCAF_NO_TOOLS=yes \
  -DCAF_NO_PYTHON=yes -DCAF_NO_OPENCL=yes -DCAF_NO_SUMMARY=yes \
  -DCAF_NO_COMPILER_CHECK=yes >/dev/null
cmake --build "$work/build" -j "$jobs"
cmake --install "$work/build" >/dev/null
rm -rf "$work"
touch "$prefix/.complete"

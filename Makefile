# Thin wrapper: the two commands of the README's Quick start, and their parts.
BUILD ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS  ?= $(shell nproc)
CONFIG ?= config/node.yaml

.PHONY: all setup build run test test-asan test-tsan clean

all: build

# Installs missing Debian packages (idempotent; no network when all are present).
setup:
	@bash cmake/setup-deps.sh

build: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The node in the foreground on the default config, logging to stderr, until Ctrl-C.
run: build
	./$(BUILD)/bin/conductor --config $(CONFIG)

# The whole suite through ctest, then again under AddressSanitizer and
# UndefinedBehaviorSanitizer, then the actor and process suites under
# ThreadSanitizer (each in a build dir of its own); non-zero on any failure or
# sanitizer report.
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan test-tsan

test-asan: setup
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCONDUCTOR_SANITIZE=address,undefined >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# ThreadSanitizer needs CAF itself instrumented (see cmake/caf-tsan.sh): it is
# built once from Debian's source into the build dir.
test-tsan: setup
	@bash cmake/caf-tsan.sh $(abspath $(TSAN_BUILD))/caf
	@cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCONDUCTOR_SANITIZE=thread -DCONDUCTOR_CAF_ROOT=$(abspath $(TSAN_BUILD))/caf >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS)
	ctest --test-dir $(TSAN_BUILD) --output-on-failure -j $(JOBS) -L '^(actors|system)$$'

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)

# Thin wrapper: the two commands of the README's Quick start, and their parts.
BUILD ?= build
JOBS  ?= $(shell nproc)
CONFIG ?= config/node.yaml

.PHONY: all setup build run test clean

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

# The whole suite through ctest; non-zero on any failure.
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD)

# strata — one plain Makefile.
#   make / make all   build bin/strata-server and the tools
#   make run          build and start the server with ./strata.conf (data in ./data)
#   make test         build and run every test under prove
#   make asan         the same tests built with AddressSanitizer + UBSan
#   make bench        strata vs redis-server, side by side, ratios
# Missing Debian packages are installed on demand (apt-get; sudo when not root).

CC      ?= cc
OPT     ?= -O2
BUILD   ?= build
BIN     ?= bin
SANFLAGS ?=
MALLOC_LIB ?= -ljemalloc
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Wall -Wextra -Wshadow \
	-Wstrict-prototypes -Wno-unused-parameter -g $(OPT) $(SANFLAGS) -I. $(CFLAGS)
LDLIBS_ALL = -lm -lpthread -laio -llz4 -llzf $(SANFLAGS) $(LDFLAGS)

PKGS = gcc make perl pkg-config libhiredis-dev liblz4-dev libaio-dev liblzf-dev libjemalloc-dev \
	redis-server redis-tools

ENGINE_SRC = $(wildcard engine/*.c rdb/*.c aof/*.c recovery/*.c)
NET_SRC    = $(filter-out net/main.c,$(wildcard net/*.c))
TESTLIB_SRC = $(wildcard tests/lib/*.c)
UNIT_SRC   = $(wildcard tests/unit/test_*.c)
INTEG_SRC  = $(wildcard tests/integration/test_*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
ENGINE_LIB = $(BUILD)/libstrata_engine.a
NET_LIB    = $(BUILD)/libstrata_net.a
TEST_LIB   = $(BUILD)/libstrata_testlib.a
UNIT_BIN   = $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
INTEG_BIN  = $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%,$(INTEG_SRC))
TOOLS      = $(patsubst tools/%.c,$(BIN)/%,$(wildcard tools/strata-*.c))

.SECONDARY:
.PHONY: all deps run test test-unit test-integration asan bench clean
.DEFAULT_GOAL := all

all: deps $(BIN)/strata-server $(TOOLS)

deps:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing missing packages:$$missing"; \
		SUDO=; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Rebuild everything when the flags change.
$(BUILD)/.flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(CFLAGS_ALL) $(LDLIBS_ALL)' | cmp -s - $@ || echo '$(CC) $(CFLAGS_ALL) $(LDLIBS_ALL)' > $@
FORCE:

$(BUILD)/%.o: %.c $(BUILD)/.flags | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(ENGINE_LIB): $(call obj,$(ENGINE_SRC))
	@rm -f $@; ar rcs $@ $^
$(NET_LIB): $(call obj,$(NET_SRC))
	@rm -f $@; ar rcs $@ $^
$(TEST_LIB): $(call obj,$(TESTLIB_SRC))
	@rm -f $@; ar rcs $@ $^

$(BIN)/strata-server: $(call obj,net/main.c) $(NET_LIB) $(ENGINE_LIB)
	@mkdir -p $(BIN)
	$(CC) -o $@ $^ $(LDLIBS_ALL) $(MALLOC_LIB)

$(BIN)/strata-%: $(BUILD)/tools/strata-%.o $(ENGINE_LIB)
	@mkdir -p $(BIN)
	$(CC) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(NET_LIB) $(ENGINE_LIB)
	$(CC) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/integration/%: $(BUILD)/tests/integration/%.o $(TEST_LIB) $(NET_LIB) $(ENGINE_LIB)
	$(CC) -o $@ $^ -lhiredis $(LDLIBS_ALL)

run: all
	@mkdir -p data
	./$(BIN)/strata-server ./strata.conf

# Test data handed to the project (fixtures); tests that need it skip when it is absent.
STRATA_SHARED ?= $(CURDIR)/../shared

# Tests find the server through STRATA_SERVER and the reference through
# REDIS_SERVER; they start their own on free loopback ports.
TEST_ENV = STRATA_SERVER=$(CURDIR)/$(BIN)/strata-server STRATA_BIN=$(CURDIR)/$(BIN) \
	REDIS_SERVER=$$(command -v redis-server) REDIS_BENCHMARK=$$(command -v redis-benchmark) \
	REDIS_CLI=$$(command -v redis-cli) STRATA_SHARED=$(STRATA_SHARED)

test: all $(UNIT_BIN) $(INTEG_BIN)
	$(TEST_ENV) prove -j2 --exec '' $(UNIT_BIN) $(INTEG_BIN)

# Sanitizer reports from every process (unit tests and the servers the
# integration tests start) go to build-asan/san.*; any report fails the run.
asan:
	@mkdir -p build-asan && rm -f build-asan/san.*
	ASAN_OPTIONS="detect_leaks=1:log_path=$(CURDIR)/build-asan/san" \
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$(CURDIR)/build-asan/san" \
	$(MAKE) BUILD=build-asan BIN=build-asan/bin OPT=-O1 MALLOC_LIB= \
		SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		test
	@if ls build-asan/san.* >/dev/null 2>&1; then \
		echo "sanitizer reports:"; cat build-asan/san.*; exit 1; \
	else echo "asan: no sanitizer reports"; fi

bench: all
	./bench/run.sh
	./bench/memory.sh

clean:
	rm -rf build build-asan bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- crash harness: bin/strata-crashtest (tests/crash/, docs/crash-testing.md) ----
# libc + hiredis + tests/lib (ports); no engine code. `make crashtest` is the long run:
#   make crashtest [CRASH_SERVER=path] [CRASH_POLICIES="always everysec no"]
#                  [CRASH_CYCLES=1000] [CRASH_PHASE=mixed] [CRASH_ARGS="--clients 16 ..."]
CRASH_SRC      = $(wildcard tests/crash/*.c)
CRASH_SERVER  ?= $(CURDIR)/$(BIN)/strata-server
CRASH_POLICIES ?= always everysec no
CRASH_CYCLES  ?= 1000
CRASH_PHASE   ?= mixed
CRASH_ARGS    ?= --time-limit 1200

$(BIN)/strata-crashtest: $(call obj,$(CRASH_SRC)) $(TEST_LIB)
	@mkdir -p $(BIN)
	$(CC) -o $@ $^ -lhiredis $(SANFLAGS) $(LDFLAGS)

all: $(BIN)/strata-crashtest
test: $(BIN)/strata-crashtest

.PHONY: crashtest
crashtest: $(BIN)/strata-crashtest
	@rc=0; for p in $(CRASH_POLICIES); do \
		./$(BIN)/strata-crashtest --server $(CRASH_SERVER) --policy $$p --phase $(CRASH_PHASE) \
			--cycles $(CRASH_CYCLES) $(CRASH_ARGS) || rc=1; \
	done; exit $$rc

# vtopo: the README's two commands are `make demo` and `make check`.
# Both install missing Debian packages first (scripts/install-deps.sh, as root).

BUILD      ?= build
SAN_BUILD  ?= build-sanitize
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps configure build check test sanitize tsan demo install format clean

all: build

deps:
	@scripts/install-deps.sh all

configure: deps
	cmake -S . -B $(BUILD) -DVT_WERROR=ON $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD) -j$(JOBS)

# Every suite: unit, datasets, hwloc comparison, CLI, install, the fuzz corpus
# replay — then the unit, CLI and fuzz-replay suites again under
# AddressSanitizer + UndefinedBehaviorSanitizer, built with clang (which also
# proves the clang build is warning-free), and the exec runtime's tests under
# ThreadSanitizer. Fuzzing itself: docs/fuzzing.md.
check: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	$(MAKE) sanitize
	$(MAKE) tsan

sanitize: deps
	CC=clang cmake -S . -B $(SAN_BUILD) -DVT_WERROR=ON -DVT_SANITIZE=ON \
	    -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)
	cmake --build $(SAN_BUILD) -j$(JOBS)
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j$(JOBS) -L 'unit|datasets|cli|fuzz|exec'

# The execution runtime's tests (label exec: threads, handoffs, concurrency)
# under ThreadSanitizer, built with clang -Werror in a tree of their own.
tsan: deps
	CC=clang cmake -S . -B $(TSAN_BUILD) -DVT_WERROR=ON -DVT_TSAN=ON \
	    -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)
	cmake --build $(TSAN_BUILD) -j$(JOBS) --target test_exec
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	    ctest --output-on-failure -L exec

test: check

demo: build
	scripts/demo.sh $(BUILD)

install: build
	cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(TSAN_BUILD)

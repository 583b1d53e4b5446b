# The two commands: `make demo` and `make test` (see README.md).
BUILD ?= build
CMAKE_FLAGS ?=

.PHONY: all deps build web demo test bench bench-compare fuzz fuzz-smoke soak sanitize clean format

all: build web

deps:
	bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD)

web:
	bash scripts/build-web.sh

demo: deps build web
	$(BUILD)/jingwu demo --data data/demo --web web/dist

test: deps build web
	bash scripts/test.sh

bench: deps build
	bash scripts/bench.sh

# jingwu vs SQLite, PostgreSQL and ClickHouse on the same rows (Release build; minutes at 10M).
EVENTS ?= 10000000
bench-compare:
	bash scripts/bench-compare.sh --events $(EVENTS) $(BENCH_ARGS)

# libFuzzer targets of fuzz/ built with clang into build-fuzz/ (docs/fuzzing.md); crashes in build-fuzz/crashes/.
RUNS ?= 10000000
fuzz: deps
	bash scripts/fuzz.sh long $(RUNS)

fuzz-smoke: deps
	bash scripts/fuzz.sh smoke

# Unit, fuzz smoke, API and browser tests on an ASan+UBSan build (build-asan/; before a release).
sanitize: deps web
	cmake -S . -B build-asan -G Ninja -DJINGWU_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build build-asan --target jingwu jingwu_tests
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 JINGWU_BIN=build-asan/jingwu bash scripts/test.sh

# A bounded mixed load on one server, RSS over time (scripts/soak.sh; minutes).
MINUTES ?= 30
soak: deps build
	bash scripts/soak.sh $(MINUTES)

clean:
	rm -rf $(BUILD) web/dist

format:
	bash scripts/format.sh

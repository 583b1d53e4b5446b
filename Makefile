# The two commands: `make demo` and `make test` (see README.md).
BUILD ?= build
CMAKE_FLAGS ?=

.PHONY: all deps build web demo test bench bench-compare fuzz fuzz-smoke clean format

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

clean:
	rm -rf $(BUILD) web/dist

format:
	bash scripts/format.sh

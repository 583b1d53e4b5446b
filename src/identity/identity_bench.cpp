// Micro-benchmarks of identifier parsing (ingest parses every row's identifiers).
#include <benchmark/benchmark.h>

#include "identity/identity.h"

namespace jingwu::identity {
namespace {

void BM_ParseIdNumber(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ParseIdNumber("460100199001011230"));
}
BENCHMARK(BM_ParseIdNumber);

void BM_ParseIdNumberFullWidth(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ParseIdNumber("４６０１００１９９００１０１１２３０"));
}
BENCHMARK(BM_ParseIdNumberFullWidth);

void BM_ParsePlate(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ParsePlate("琼AD12345"));
}
BENCHMARK(BM_ParsePlate);

void BM_ParsePhone(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ParsePhone("+86 138-0013-8000"));
}
BENCHMARK(BM_ParsePhone);

void BM_ParseEntityRef(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ParseEntityRef("PASSPORT:RUS/751234567"));
}
BENCHMARK(BM_ParseEntityRef);

}  // namespace
}  // namespace jingwu::identity

// One-box search and the relationship graph on a generated city.
// Targets (issue 4, city scale): exact identifier p99 < 1 ms, Chinese name
// p95 < 50 ms, graph of depth 2 < 50 ms for a typical person.
//
// JINGWU_BENCH_DATA=DIR reuses a folder already ingested and indexed
// (jingwu gen + jingwu ingest + jingwu reindex; DIR/events and DIR/search);
// otherwise a `small` city is generated, ingested and indexed in a temp folder
// (JINGWU_BENCH_SCALE=city for the larger one), and the indexing rate printed.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fusion/ingest.h"
#include "gen/city_gen.h"
#include "search/graph.h"
#include "search/index.h"

namespace jingwu::search {
namespace {

namespace fs = std::filesystem;

struct Fixture {
  Fixture() {
    const char* data = std::getenv("JINGWU_BENCH_DATA");
    fs::path dir;
    if (data) {
      dir = data;
    } else {
      dir = fs::temp_directory_path() / ("jingwu-search-bench-" + std::to_string(getpid()));
      fs::remove_all(dir);
      gen::CityOptions o;
      o.out_dir = (dir / "src").string();
      o.seed = 3;
      const char* scale = std::getenv("JINGWU_BENCH_SCALE");
      o.scale = scale ? scale : "small";
      if (!gen::WriteCity(o).ok()) std::abort();
      auto s = events::Store::Open((dir / "events").string(), {.bulk = true});
      if (!s.ok()) std::abort();
      fusion::IngestOptions io;
      io.rejects_path = "-";
      for (const char* f : {"places", "residents", "vehicles", "hotel", "vehicle_pass", "travel", "dutyfree", "netcafe"})
        if (!fusion::IngestFile(**s, *events::SourceFromName(f), (dir / "src" / (std::string(f) + ".csv")).string(), io)
                 .ok())
          std::abort();
      s->reset();
      cleanup = dir;
    }
    auto s = events::Store::Open((dir / "events").string(), {.read_only = true});
    if (!s.ok()) std::abort();
    store = std::move(*s);
    auto ix = Index::Open((dir / "search").string(), store.get());
    if (!ix.ok()) std::abort();
    index = std::move(*ix);
    auto t0 = std::chrono::steady_clock::now();
    auto n = index->CatchUp();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!n.ok()) std::abort();
    if (*n > 0)
      std::fprintf(stderr, "indexed %lld entities in %.1f s (%.0f documents/s)\n", static_cast<long long>(*n), secs,
                   *n / secs);
    // A typical person: a resident with a few events.
    for (events::EntityId e = 1; e <= store->EntityCount() && person.empty(); ++e) {
      auto ref = store->EntityOf(e);
      if (!ref.ok() || ref->kind != identity::Kind::kId) continue;
      int64_t n_ev = store->EntityEventCount(e);
      if (n_ev < 5 || n_ev > 50) continue;
      auto names = NamesOf(*store, e);
      if (names.empty()) continue;
      person = ref->value;
      person_id = e;
      name = names[0];
    }
    std::fprintf(stderr, "typical person %s (%s), %lld events\n", person.c_str(), name.c_str(),
                 static_cast<long long>(store->EntityEventCount(person_id)));
  }
  ~Fixture() {
    index.reset();
    store.reset();
    if (!cleanup.empty()) fs::remove_all(cleanup);
  }
  std::unique_ptr<events::Store> store;
  std::unique_ptr<Index> index;
  std::string person, name;
  events::EntityId person_id = 0;
  fs::path cleanup;
};

Fixture& F() {
  static Fixture f;
  return f;
}

void BM_ExactIdentifier(benchmark::State& st) {
  Fixture& f = F();
  for (auto _ : st) {
    auto r = f.index->Search(f.person);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ExactIdentifier)->Unit(benchmark::kMicrosecond);

void BM_ChineseName(benchmark::State& st) {
  Fixture& f = F();
  for (auto _ : st) {
    auto r = f.index->Search(f.name);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ChineseName)->Unit(benchmark::kMillisecond);

void BM_SurnameOnly(benchmark::State& st) {
  Fixture& f = F();
  std::string one = f.name.substr(0, 3);  // one CJK character (3 bytes of UTF-8)
  for (auto _ : st) {
    auto r = f.index->Search(one);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SurnameOnly)->Unit(benchmark::kMillisecond);

void BM_GraphDepth2(benchmark::State& st) {
  Fixture& f = F();
  GraphOptions o;
  o.depth = 2;
  size_t nodes = 0;
  for (auto _ : st) {
    Graph g = BuildGraph(*f.store, f.index.get(), f.person_id, o);
    nodes = g.nodes.size();
    benchmark::DoNotOptimize(g);
  }
  st.counters["nodes"] = static_cast<double>(nodes);
}
BENCHMARK(BM_GraphDepth2)->Unit(benchmark::kMillisecond);

void BM_Profile(benchmark::State& st) {
  Fixture& f = F();
  for (auto _ : st) benchmark::DoNotOptimize(Profile(*f.store, f.person_id));
}
BENCHMARK(BM_Profile)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace jingwu::search

// Recommendation over N units (target: under 1 ms for 10,000).
#include <benchmark/benchmark.h>

#include <mutex>
#include <random>
#include <string>

#include "dispatch/recommend.h"

namespace jingwu::dispatch {
namespace {

void BM_Recommend(benchmark::State& state) {
  const Timestamp now = Timestamp::FromSeconds(1767225600);
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> lat(19.85, 20.10), lon(110.15, 110.60);
  std::uniform_int_distribution<int> type(0, 4), age(0, 600), busy(0, 9);
  std::map<int64_t, Unit> units;
  for (int64_t i = 1; i <= state.range(0); ++i) {
    Unit u;
    u.id = i;
    u.type = UnitTypes()[type(rng)].code;
    u.lat = lat(rng);
    u.lon = lon(rng);
    u.position_at = now + (-age(rng) * kMicrosPerSecond);
    if (busy(rng) == 0) u.current_incident = 1;
    units[i] = u;
  }
  Incident inc;
  inc.id = 2;
  inc.category = "criminal";
  inc.lat = 20.03;
  inc.lon = 110.33;
  StraightLineEta eta;
  for (auto _ : state) {
    auto r = Recommend(units, inc, now, eta, 300, 10);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Recommend)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// The same with a roster: a crew lookup per unit shaped like force::Service::CrewOf
// (a mutex and a map by call sign; half the cars crewed now).
void BM_RecommendRostered(benchmark::State& state) {
  const Timestamp now = Timestamp::FromSeconds(1767225600);
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> lat(19.85, 20.10), lon(110.15, 110.60);
  std::uniform_int_distribution<int> type(0, 4), age(0, 600), busy(0, 9);
  std::map<int64_t, Unit> units;
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> roster;
  for (int64_t i = 1; i <= state.range(0); ++i) {
    Unit u;
    u.id = i;
    u.call_sign = "琼A-" + std::to_string(i);
    u.station = "S" + std::to_string(i % 40);
    u.type = UnitTypes()[type(rng)].code;
    u.lat = lat(rng);
    u.lon = lon(rng);
    u.position_at = now + (-age(rng) * kMicrosPerSecond);
    if (busy(rng) == 0) u.current_incident = 1;
    roster[u.call_sign].emplace_back(now.micros - (i % 2 ? 3600 : -3600) * kMicrosPerSecond,
                                     now.micros + 8 * 3600 * kMicrosPerSecond);
    units[i] = u;
  }
  std::mutex mu;
  auto crewed = [&](const Unit& u) {
    std::lock_guard lock(mu);
    auto it = roster.find(u.call_sign);
    if (it == roster.end()) return true;
    for (const auto& [a, b] : it->second)
      if (a <= now.micros && now.micros < b) return true;
    return false;
  };
  Incident inc;
  inc.id = 2;
  inc.category = "criminal";
  inc.lat = 20.03;
  inc.lon = 110.33;
  StraightLineEta eta;
  for (auto _ : state) {
    auto r = Recommend(units, inc, now, eta, 300, 10, crewed);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RecommendRostered)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace jingwu::dispatch

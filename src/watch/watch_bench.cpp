// Watchlists under bulk ingest: the same generated city ingested into a
// fresh event store with 0 and with 10,000 active watchlist entries (none, or
// 10 of them, naming vehicles of the city, so that alerts are raised too); rows per
// second for both. And the alert latency from the start of an upload to the
// alert listener (what the SSE stream publishes), with 10,000 active entries.
//
//   JINGWU_BENCH_EVENTS=1000000 build/jingwu_bench --benchmark_filter=Watch
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fusion/ingest.h"
#include "gen/city_gen.h"
#include "sql/test_database.h"
#include "watch/service.h"

namespace jingwu::watch {
namespace {

namespace fs = std::filesystem;

const fs::path& City() {
  static fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("jingwu-watch-bench-" + std::to_string(getpid()));
    gen::CityOptions o;
    o.out_dir = (d / "src").string();
    o.seed = 3;
    o.scale = "small";
    const char* n = std::getenv("JINGWU_BENCH_EVENTS");
    o.events = n ? std::atoll(n) : 1000000;
    if (!gen::WriteCity(o).ok()) std::abort();
    return d;
  }();
  return dir;
}

// The first n distinct plates of the city's checkpoint passes.
std::vector<std::string> CityPlates(size_t n) {
  std::ifstream in(City() / "src" / "vehicle_pass.csv");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> out;
  while (out.size() < n && std::getline(in, line)) {
    std::string p = "PLATE:" + line.substr(0, line.find(','));
    if (identity::ParseEntityRef(p).ok() && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

Status AddEntries(sql::Database& db, const Clock& clock, int n, const std::vector<std::string>& real) {
  JW_RETURN_IF_ERROR(db.Exec("BEGIN").status());  // one transaction: 10,000 fsyncs would dominate the setup
  Store st(&db);
  for (int i = 0; i < n; ++i) {
    Entry e;
    char phone[32];
    std::snprintf(phone, sizeof phone, "PHONE:199%08d", 10000000 + i * 7);
    e.entity = i < static_cast<int>(real.size()) ? real[i] : phone;
    e.reason = "bench";
    e.legal_basis = "bench";
    e.requested_by = "bench.officer";
    e.requested_at = clock.Now();
    e.expires_at = clock.Now() + int64_t{86400} * 30 * kMicrosPerSecond;
    e.status = kActive;
    JW_RETURN_IF_ERROR(st.Insert(e).status());
  }
  return db.Exec("COMMIT").status();
}

struct Fixture {
  std::unique_ptr<sql::TestDatabase> db;
  std::unique_ptr<audit::Log> log;
  std::unique_ptr<events::Store> events;
  std::unique_ptr<Service> svc;
  fs::path dir;
  SystemClock clock;

  Status Open(int entries, bool bulk, size_t real = 10) {
    JW_ASSIGN_OR_RETURN(db, sql::TestDatabase::Create("sqlite"));
    JW_RETURN_IF_ERROR(db->db().Migrate(audit::Migrations()).status());
    JW_RETURN_IF_ERROR(db->db().Migrate(Migrations()).status());
    log = std::make_unique<audit::Log>(&db->db(), &clock);
    static int seq = 0;
    dir = City() / ("store-" + std::to_string(++seq));
    fs::remove_all(dir);
    JW_ASSIGN_OR_RETURN(events, events::Store::Open(dir.string(), {.bulk = bulk}));
    JW_RETURN_IF_ERROR(AddEntries(db->db(), clock, entries, CityPlates(real)));
    svc = std::make_unique<Service>(&db->db(), log.get(), &clock, events.get());
    return svc->Attach();
  }
  ~Fixture() {
    svc.reset();
    events.reset();
    if (!dir.empty()) fs::remove_all(dir);
  }
};

void BM_WatchBulkIngest(benchmark::State& state) {
  int entries = static_cast<int>(state.range(0));
  size_t real = static_cast<size_t>(state.range(1));
  City();
  for (auto _ : state) {
    Fixture f;
    if (Status s = f.Open(entries, true, real); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    int64_t rows = 0;
    auto start = std::chrono::steady_clock::now();
    for (const char* file : {"places", "vehicle_pass", "hotel", "travel", "dutyfree", "netcafe"}) {
      fusion::IngestOptions o;
      o.rejects_path = "-";
      auto r = fusion::IngestFile(*f.events, *events::SourceFromName(file), (City() / "src" / (std::string(file) + ".csv")).string(), o);
      if (!r.ok()) {
        state.SkipWithError(r.status().message().c_str());
        return;
      }
      if (std::string(file) != "places") rows += r->rows;
    }
    double ingest_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    f.svc->WaitIdle();  // the alerts raised are stored too (not part of the ingest rate)
    state.counters["rows"] = static_cast<double>(rows);
    state.counters["rows_per_s"] = static_cast<double>(rows) / ingest_s;
    state.counters["active_entries"] = static_cast<double>(f.svc->ActiveEntries());
    state.counters["alerts"] = static_cast<double>(f.svc->AlertsRaised());
  }
}
// Args: active entries, of which naming vehicles of the city (they alert).
BENCHMARK(BM_WatchBulkIngest)->Args({0, 0})->Args({10000, 0})->Args({10000, 10})->Args({0, 0})->Args({10000, 0})->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The listener alone: one stored batch of 200,000 events (none watched)
// looked up in the index of 10,000 active entries whose entities are all in
// the store's dictionary (so every event is a hash lookup); ns per event.
void BM_WatchListenerLookup(benchmark::State& state) {
  City();
  Fixture f;
  if (Status s = f.Open(static_cast<int>(state.range(0)), false, 0); !s.ok()) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  {
    auto w = f.events->BeginWrite();
    for (int i = 0; i < state.range(0); ++i) {
      char phone[32];
      std::snprintf(phone, sizeof phone, "PHONE:199%08d", 10000000 + i * 7);
      w->Intern(*identity::ParseEntityRef(phone));
    }
    if (!w->Commit().ok()) {
      state.SkipWithError("intern");
      return;
    }
  }
  std::vector<events::Event> batch;
  for (uint32_t i = 0; i < 200000; ++i)
    batch.push_back({20001 + i % 50000, 1 + i % 300, 1700000000 + i, events::Source::kVehiclePass});
  f.svc->OnEvents(batch);  // first sight of the ids: the entries' entities are found and indexed
  for (auto _ : state) f.svc->OnEvents(batch);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
  state.counters["alerts"] = static_cast<double>(f.svc->AlertsRaised());
}
BENCHMARK(BM_WatchListenerLookup)->Arg(0)->Arg(10000)->Unit(benchmark::kMicrosecond);

// Upload of one matching row (the HTTP upload path: WAL, check_existing) to
// the alert listener, with 10,000 active entries.
void BM_WatchAlertLatency(benchmark::State& state) {
  City();
  Fixture f;
  if (Status s = f.Open(10000, false); !s.ok()) {
    state.SkipWithError(s.message().c_str());
    return;
  }
  fusion::IngestOptions po;
  po.rejects_path = "-";
  if (!fusion::IngestFile(*f.events, events::Source::kPlaces, (City() / "src" / "places.csv").string(), po).ok()) {
    state.SkipWithError("places");
    return;
  }
  std::string cp = f.events->Places().front().code;
  for (const auto& p : f.events->Places())
    if (p.kind == "checkpoint") {
      cp = p.code;
      break;
    }
  std::string plate = CityPlates(1).at(0).substr(6);
  std::mutex mu;
  std::condition_variable cv;
  int64_t seen = 0;
  f.svc->AddAlertListener([&](const Alert&) {
    std::lock_guard lock(mu);
    ++seen;
    cv.notify_all();
  });
  std::vector<double> ms;
  int64_t minute = 0;
  for (auto _ : state) {
    ++minute;
    char at[64];
    std::snprintf(at, sizeof at, "2027-01-%02lldT%02lld:%02lld:00", static_cast<long long>(1 + minute / 1440),
                  static_cast<long long>(minute / 60 % 24), static_cast<long long>(minute % 60));
    std::string body = "plate,plate_color,checkpoint_code,passed_at,direction,speed_kmh\n" + plate + ",蓝," + cp + "," +
                       at + ",IN,60\n";
    fusion::IngestOptions o;
    o.check_existing = true;
    o.rejects_path = "-";
    int64_t want;
    {
      std::lock_guard lock(mu);
      want = seen + 1;
    }
    auto t0 = std::chrono::steady_clock::now();
    auto r = fusion::IngestBody(*f.events, events::Source::kVehiclePass, body, fusion::Format::kCsv, o);
    if (!r.ok() || r->accepted != 1) {
      state.SkipWithError("upload failed");
      return;
    }
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(5), [&] { return seen >= want; })) {
      state.SkipWithError("no alert within 5 s");
      return;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  if (!ms.empty()) {
    state.counters["p50_ms"] = ms[ms.size() / 2];
    state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
    state.counters["max_ms"] = ms.back();
  }
}
BENCHMARK(BM_WatchAlertLatency)->Iterations(200)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace jingwu::watch

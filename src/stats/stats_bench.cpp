// Dashboard queries over a million cases: the in-memory engine against the
// same question asked of SQLite (GROUP BY over an indexed table, in memory).
// Target (issue 6): every dashboard query under 100 ms.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include "gen/cases_gen.h"
#include "stats/engine.h"

namespace jingwu::stats {
namespace {

constexpr double kScale = 1000000.0 / 190331.0;  // the demo city is ~190k cases

struct Fixture {
  Fixture() : engine(nullptr) {
    cases::Dataset data = gen::GenerateCases(7, kScale);
    int64_t id = 0;
    for (auto& c : data.cases) {
      c.id = ++id;
      engine.OnCase(c);
    }
    sqlite3_open(":memory:", &db);
    sqlite3_exec(db,
                 "CREATE TABLE cases (id INTEGER PRIMARY KEY, kind TEXT, category TEXT, district_code TEXT, "
                 "status TEXT, filed_at TEXT, solved_at TEXT); BEGIN",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt* ins;
    sqlite3_prepare_v2(db, "INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &ins, nullptr);
    for (const auto& c : data.cases) {
      sqlite3_bind_int64(ins, 1, c.id);
      sqlite3_bind_text(ins, 2, c.kind.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 3, c.category.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 4, c.district_code.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 5, c.status.c_str(), -1, SQLITE_TRANSIENT);
      std::string f = FormatTime(*c.filed_at);
      sqlite3_bind_text(ins, 6, f.c_str(), -1, SQLITE_TRANSIENT);
      if (c.solved_at) {
        std::string s = FormatTime(*c.solved_at);
        sqlite3_bind_text(ins, 7, s.c_str(), -1, SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_null(ins, 7);
      }
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_exec(db, "COMMIT; CREATE INDEX cases_filed ON cases (kind, filed_at); ANALYZE", nullptr, nullptr, nullptr);
    count = data.cases.size();
  }
  Engine engine;
  sqlite3* db = nullptr;
  size_t count = 0;
};

Fixture& F() {
  static Fixture f;
  return f;
}

void RunEngine(benchmark::State& state, std::map<std::string, std::string> params) {
  auto q = ParseQuery(params);
  if (!q.ok()) {
    state.SkipWithError(q.status().message().c_str());
    return;
  }
  Engine& e = F().engine;
  for (auto _ : state) benchmark::DoNotOptimize(e.Run(*q));
  state.counters["cases"] = static_cast<double>(F().count);
}

void RunSqlite(benchmark::State& state, const char* sql) {
  sqlite3* db = F().db;
  sqlite3_stmt* st;
  sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
  for (auto _ : state) {
    int64_t rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) ++rows;
    sqlite3_reset(st);
    benchmark::DoNotOptimize(rows);
  }
  sqlite3_finalize(st);
}

// Criminal cases per year 2015-2020 with year-over-year change.
void BM_Engine_YearlyYoy(benchmark::State& s) {
  RunEngine(s, {{"group", "year"}, {"kind", "criminal"}, {"from", "2015-01-01"}, {"to", "2020-12-31"}, {"compare", "yoy"}});
}
void BM_Sqlite_Yearly(benchmark::State& s) {
  RunSqlite(s, "SELECT substr(filed_at, 1, 4) AS y, COUNT(*) FROM cases WHERE kind = 'criminal' "
               "AND filed_at >= '2014' AND filed_at < '2021' GROUP BY y");
}
// Monthly counts by district and category over six years (the heaviest dashboard grid).
void BM_Engine_MonthDistrictCategory(benchmark::State& s) {
  RunEngine(s, {{"group", "month,district,category"}, {"from", "2015-01-01"}, {"to", "2020-12-31"}, {"compare", "yoy"}});
}
void BM_Sqlite_MonthDistrictCategory(benchmark::State& s) {
  RunSqlite(s, "SELECT substr(filed_at, 1, 7) AS m, district_code, category, COUNT(*) FROM cases "
               "WHERE filed_at >= '2014' AND filed_at < '2021' GROUP BY m, district_code, category");
}
// Clearance rate per year for one district.
void BM_Engine_ClearanceDistrict(benchmark::State& s) {
  RunEngine(s, {{"measure", "clearance"}, {"group", "year"}, {"district", "460106"}, {"from", "2015-01-01"}, {"to", "2020-12-31"}});
}
void BM_Sqlite_ClearanceDistrict(benchmark::State& s) {
  RunSqlite(s, "SELECT substr(filed_at, 1, 4) AS y, COUNT(solved_at) * 100.0 / COUNT(*) FROM cases "
               "WHERE district_code = '460106' AND filed_at >= '2015' AND filed_at < '2021' GROUP BY y");
}
// Daily counts for one year (the longest period list).
void BM_Engine_DailyOneYear(benchmark::State& s) {
  RunEngine(s, {{"group", "day"}, {"kind", "public_order"}, {"from", "2019-01-01"}, {"to", "2019-12-31"}, {"compare", "pop"}});
}

BENCHMARK(BM_Engine_YearlyYoy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Sqlite_Yearly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Engine_MonthDistrictCategory)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Sqlite_MonthDistrictCategory)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Engine_ClearanceDistrict)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Sqlite_ClearanceDistrict)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Engine_DailyOneYear)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace jingwu::stats

// Cost of one audit append (a transaction with an fsync on SQLite) and of
// verifying the chain. Every personal-data read pays one append.
// PostgreSQL runs too when JINGWU_TEST_PG_URL is set (scripts/pg.sh).
#include <benchmark/benchmark.h>

#include "audit/audit.h"
#include "sql/test_database.h"

namespace jingwu::audit {
namespace {

void Append(benchmark::State& state, const char* backend) {
  auto t = sql::TestDatabase::Create(backend);
  if (!t.ok()) {
    state.SkipWithError(t.status().message().c_str());
    return;
  }
  if (!(*t)->db().Migrate(Migrations()).ok()) {
    state.SkipWithError("migration failed");
    return;
  }
  SystemClock clock;
  Log log(&(*t)->db(), &clock);
  Entry e;
  e.actor = "wang.li";
  e.role = "investigator";
  e.client = "10.46.1.20";
  e.action = "identity.parse";
  e.target = "ID:460100199001011230";
  e.purpose = "案件核查";
  e.case_no = "A4601002026110001";
  e.outcome = "ok";
  for (auto _ : state) {
    auto r = log.Append(e);
    if (!r.ok()) state.SkipWithError(r.status().message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  if (state.range(0)) {  // then time one verification of everything appended
    auto start = std::chrono::steady_clock::now();
    auto v = log.Verify();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.counters["verify_entries_per_s"] = v.ok() ? static_cast<double>(v->checked) / secs : 0;
  }
}

void BM_AuditAppendSqlite(benchmark::State& s) { Append(s, "sqlite"); }
void BM_AuditAppendPostgres(benchmark::State& s) { Append(s, "postgres"); }
BENCHMARK(BM_AuditAppendSqlite)->Arg(1)->Iterations(2000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AuditAppendPostgres)->Arg(1)->Iterations(2000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace jingwu::audit

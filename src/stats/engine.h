// Statistics computed from the records, never stored as answers.
//
// The engine keeps a compact in-memory copy of the fields statistics need
// (about 20 bytes a case: the occurred, filed and solved days and four small
// codes), built from the database at start-up and kept current through the
// cases service's listeners. A query scans it once, so any dashboard query
// over a million cases takes milliseconds (bench: stats_bench.cpp).
//
// Definitions (stated in every answer):
//   cases       count by filing date (立案) by default, or by occurrence date
//   solved      count by solving date (破案)
//   clearance   of the cases filed in a period, the share solved so far (%)
//   accidents, deaths, injuries   by accident date
//   death_rate  deaths in a year ÷ registered vehicles at that year's end × 10,000 (万车死亡率)
//   gangs, gang_members           gangs broken up (打掉), by that date
//   yoy (同比)  against the same period a year earlier
//   pop (环比)  against the immediately preceding period of the same length
//
// Thread-safe: queries share a lock, updates take it exclusively.
#pragma once

#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cases/service.h"

namespace jingwu::stats {

// Dimensions a statistic can be filtered and grouped by.
enum Dim { kKind = 0, kCategory, kDistrict, kStatus, kType, kNumDims };
const char* DimName(int d);

struct Query {
  std::string measure = "cases";
  std::string basis;   // cases: "filed" (default) or "occurred"
  std::string period;  // "", "day", "month", "quarter", "year"
  std::vector<int> dims;                      // grouped dimensions
  std::vector<std::vector<std::string>> filters = std::vector<std::vector<std::string>>(kNumDims);
  int64_t from_day = 0, to_day = 0;           // local (Asia/Shanghai) days since 1970-01-01, inclusive
  std::string compare;                        // "", "yoy", "pop"
};

struct Row {
  std::string period;                    // 2019, 2019-Q1, 2019-03, 2019-03-05, or "" without a period
  std::vector<std::string> keys;         // one per grouped dimension
  std::optional<double> value;           // empty: no denominator, or suppressed
  std::optional<double> previous;
  std::optional<double> change, change_pct;
  int64_t numerator = 0, denominator = 0;  // clearance and death_rate: the parts
  bool suppressed = false;
  bool complementary = false;  // hidden only so that a small sibling cannot be recovered
};

struct Answer {
  std::string measure, basis, basis_note, compare_note;
  std::vector<Row> rows;
  std::optional<double> total;  // sum over rows for counts
};

// Parses a query from request parameters (measure, basis, group, from, to,
// compare, and filters kind/category/district/status/type as comma lists).
Result<Query> ParseQuery(const std::map<std::string, std::string>& params);

class Engine {
 public:
  explicit Engine(cases::Service* cases) : cases_(cases) {}

  // Loads everything from the database (start-up).
  Status Rebuild();
  // Reloads gangs, accidents and vehicle counts (small tables).
  Status ReloadSmallTables();
  // Follows one stored case.
  void OnCase(const cases::Case& after);

  // public_view: suppress cells under 5 so no individual case can be singled out.
  Result<Answer> Run(const Query& q, bool public_view = false) const;

  size_t case_count() const;

 private:
  struct CaseFact {
    int32_t occurred = -1, filed = -1, solved = -1;
    uint8_t code[4] = {0, 0, 0, 0};  // kind, category, district, status
  };
  struct SmallFact {
    int32_t day = -1;
    uint8_t district = 0, type = 0;
    int32_t w1 = 0, w2 = 0;  // accidents: deaths, injuries; gangs: members
  };
  static CaseFact FactOf(const cases::Case& c);

  cases::Service* cases_;
  mutable std::shared_mutex mu_;
  std::vector<CaseFact> facts_;                     // guarded by mu_
  std::unordered_map<int64_t, size_t> position_;    // case id -> index in facts_; guarded by mu_
  std::vector<SmallFact> accidents_, gangs_;        // guarded by mu_
  std::map<int, int64_t> vehicles_;                 // year -> year-end count; guarded by mu_
};

// CSV of an answer (UTF-8, header row).
std::string ToCsv(const Query& q, const Answer& a);

}  // namespace jingwu::stats

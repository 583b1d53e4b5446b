#include "stats/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace jingwu::stats {

using cases::IndexOf;

namespace {

const char* kDimNames[] = {"kind", "category", "district", "status", "type"};

// The code values of each dimension, in code order.
std::vector<std::string_view> DimValues(int d) {
  auto all = [](const auto& table) { return std::vector<std::string_view>(std::begin(table), std::end(table)); };
  switch (d) {
    case kKind: return all(cases::kKinds);
    case kCategory: return all(cases::kCategories);
    case kDistrict: return all(cases::kDistricts);
    case kStatus: return all(cases::kStatuses);
    default: return all(cases::kGangTypes);
  }
}

enum class Source { kCases, kAccidents, kGangs, kVehicles };

struct MeasureInfo {
  const char* name;
  Source source;
  std::vector<int> dims;  // allowed dimensions
  bool count;             // a count (summable, suppressible under 5)
};

const std::vector<MeasureInfo>& Measures() {
  static const std::vector<MeasureInfo> kAll = {
      {"cases", Source::kCases, {kKind, kCategory, kDistrict, kStatus}, true},
      {"solved", Source::kCases, {kKind, kCategory, kDistrict, kStatus}, true},
      {"clearance", Source::kCases, {kKind, kCategory, kDistrict, kStatus}, false},
      {"accidents", Source::kAccidents, {kDistrict}, true},
      {"deaths", Source::kAccidents, {kDistrict}, true},
      {"injuries", Source::kAccidents, {kDistrict}, true},
      {"death_rate", Source::kVehicles, {}, false},
      {"gangs", Source::kGangs, {kDistrict, kType}, true},
      {"gang_members", Source::kGangs, {kDistrict, kType}, true},
  };
  return kAll;
}

const MeasureInfo* FindMeasure(const std::string& name) {
  for (const auto& m : Measures())
    if (name == m.name) return &m;
  return nullptr;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t c = s.find(',', pos);
    if (c == std::string::npos) c = s.size();
    if (c > pos) out.push_back(s.substr(pos, c - pos));
    pos = c + 1;
  }
  return out;
}

int32_t DayOf(const std::optional<Timestamp>& t) { return t ? static_cast<int32_t>(LocalDay(*t)) : -1; }

// ---- periods ----

int64_t Bucket(int64_t day, const std::string& period) {
  if (period.empty()) return 0;
  if (period == "day") return day;
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  if (period == "month") return y * 12 + (m - 1);
  if (period == "quarter") return y * 4 + (m - 1) / 3;
  return y;  // year
}

int64_t BucketStartDay(int64_t b, const std::string& period) {
  if (period == "day") return b;
  if (period == "month") return DaysFromCivil(static_cast<int>(b / 12), static_cast<unsigned>(b % 12 + 1), 1);
  if (period == "quarter") return DaysFromCivil(static_cast<int>(b / 4), static_cast<unsigned>(b % 4 * 3 + 1), 1);
  return DaysFromCivil(static_cast<int>(b), 1, 1);
}

// The bucket a period is compared with, or nothing (29 February has no
// counterpart a year earlier).
std::optional<int64_t> PreviousBucket(int64_t b, const std::string& period, const std::string& compare) {
  if (compare == "pop") return b - 1;
  if (period == "year") return b - 1;
  if (period == "quarter") return b - 4;
  if (period == "month") return b - 12;
  int y, m, d;
  CivilFromDays(b, &y, &m, &d);
  if (!IsValidDate(y - 1, m, d)) return std::nullopt;
  return DaysFromCivil(y - 1, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::string Label(int64_t b, const std::string& period) {
  char buf[48];
  if (period.empty()) return "";
  if (period == "year") std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(b));
  else if (period == "quarter") std::snprintf(buf, sizeof buf, "%lld-Q%lld", static_cast<long long>(b / 4), static_cast<long long>(b % 4 + 1));
  else if (period == "month") std::snprintf(buf, sizeof buf, "%lld-%02lld", static_cast<long long>(b / 12), static_cast<long long>(b % 12 + 1));
  else {
    int y, m, d;
    CivilFromDays(b, &y, &m, &d);
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  }
  return buf;
}

// Shifts a day by whole years (29 February becomes 28 February).
int64_t ShiftYears(int64_t day, int years) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  y += years;
  if (!IsValidDate(y, m, d)) d = 28;
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

double Round(double v, int digits) {
  double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

}  // namespace

const char* DimName(int d) { return kDimNames[d]; }

Result<Query> ParseQuery(const std::map<std::string, std::string>& params) {
  auto get = [&](const char* k) {
    auto it = params.find(k);
    return it == params.end() ? std::string() : it->second;
  };
  Query q;
  q.measure = get("measure").empty() ? "cases" : get("measure");
  const MeasureInfo* m = FindMeasure(q.measure);
  if (!m) return Validation("unknown_measure", "unknown measure '" + q.measure + "'");
  q.basis = get("basis");
  if (m->source == Source::kCases && q.measure != "solved") {
    if (q.basis.empty()) q.basis = "filed";
    if (q.basis != "filed" && q.basis != "occurred")
      return Validation("unknown_basis", "basis is filed (立案, the default) or occurred");
  } else if (!q.basis.empty()) {
    return Validation("unknown_basis", "basis applies to the cases and clearance measures only");
  }
  for (const std::string& g : SplitList(get("group"))) {
    if (g == "day" || g == "month" || g == "quarter" || g == "year") {
      if (!q.period.empty()) return Validation("bad_group", "group by one period at most");
      q.period = g;
      continue;
    }
    int d = -1;
    for (int i = 0; i < kNumDims; ++i)
      if (g == kDimNames[i]) d = i;
    if (d < 0) return Validation("unknown_dimension", "cannot group by '" + g + "'");
    if (std::find(m->dims.begin(), m->dims.end(), d) == m->dims.end())
      return Validation("unknown_dimension", q.measure + " cannot be grouped by " + g);
    if (std::find(q.dims.begin(), q.dims.end(), d) == q.dims.end()) q.dims.push_back(d);
  }
  if (q.measure == "death_rate" && q.period != "year")
    return Validation("bad_group", "death_rate is defined per year: group=year");
  for (int d = 0; d < kNumDims; ++d) {
    std::string v = get(kDimNames[d]);
    if (v.empty()) continue;
    if (std::find(m->dims.begin(), m->dims.end(), d) == m->dims.end())
      return Validation("unknown_dimension", q.measure + " cannot be filtered by " + std::string(kDimNames[d]));
    auto allowed = DimValues(d);
    for (const auto& x : SplitList(v)) {
      if (std::find(allowed.begin(), allowed.end(), x) == allowed.end())
        return Validation(d == kDistrict ? "unknown_district" : "unknown_" + std::string(kDimNames[d]),
                          "unknown " + std::string(kDimNames[d]) + " '" + x + "'");
      q.filters[static_cast<size_t>(d)].push_back(x);
    }
  }
  std::string from = get("from"), to = get("to");
  if (from.empty() || to.empty()) return Validation("validation_failed", "from and to (dates) are required");
  auto f = ParseTime(from), t = ParseTime(to);
  if (!f.ok()) return Validation("invalid_time", "from: " + f.status().message());
  if (!t.ok()) return Validation("invalid_time", "to: " + t.status().message());
  q.from_day = LocalDay(*f);
  q.to_day = LocalDay(*t);
  if (q.to_day < q.from_day) return Validation("time_order", "to is before from");
  if (q.to_day - q.from_day > 366 * 50) return Validation("validation_failed", "a range of at most 50 years");
  if (q.period == "day" && q.to_day - q.from_day > 366 * 3)
    return Validation("validation_failed", "group=day covers at most three years");
  q.compare = get("compare");
  if (!q.compare.empty() && q.compare != "yoy" && q.compare != "pop")
    return Validation("unknown_compare", "compare is yoy (同比) or pop (环比)");
  return q;
}

Engine::CaseFact Engine::FactOf(const cases::Case& c) {
  CaseFact f;
  f.occurred = DayOf(c.occurred_at);
  f.filed = DayOf(c.filed_at);
  f.solved = DayOf(c.solved_at);
  f.code[0] = static_cast<uint8_t>(std::max(0, IndexOf(cases::kKinds, c.kind)));
  f.code[1] = static_cast<uint8_t>(std::max(0, IndexOf(cases::kCategories, c.category)));
  f.code[2] = static_cast<uint8_t>(std::max(0, IndexOf(cases::kDistricts, c.district_code)));
  f.code[3] = static_cast<uint8_t>(std::max(0, IndexOf(cases::kStatuses, c.status)));
  return f;
}

Status Engine::Rebuild() {
  std::vector<CaseFact> facts;
  std::unordered_map<int64_t, size_t> position;
  JW_RETURN_IF_ERROR(cases_->ScanCases([&](const cases::Case& c) {
    position[c.id] = facts.size();
    facts.push_back(FactOf(c));
  }));
  {
    std::unique_lock lock(mu_);
    facts_ = std::move(facts);
    position_ = std::move(position);
  }
  return ReloadSmallTables();
}

Status Engine::ReloadSmallTables() {
  std::vector<SmallFact> accidents, gangs;
  std::map<int, int64_t> vehicles;
  JW_ASSIGN_OR_RETURN(auto acc, cases_->ListAccidents(std::nullopt, std::nullopt));
  for (const auto& a : acc)
    accidents.push_back({static_cast<int32_t>(LocalDay(a.occurred_at)),
                         static_cast<uint8_t>(std::max(0, IndexOf(cases::kDistricts, a.district_code))), 0, a.deaths,
                         a.injuries});
  JW_ASSIGN_OR_RETURN(auto gs, cases_->ListGangs());
  for (const auto& g : gs)
    gangs.push_back({DayOf(g.broken_up_at), static_cast<uint8_t>(std::max(0, IndexOf(cases::kDistricts, g.district_code))),
                     static_cast<uint8_t>(std::max(0, IndexOf(cases::kGangTypes, g.type))), 1,
                     static_cast<int32_t>(g.members.size())});
  JW_ASSIGN_OR_RETURN(auto vs, cases_->VehicleCounts());
  for (const auto& v : vs) vehicles[v.year] = v.year_end_count;
  std::unique_lock lock(mu_);
  accidents_ = std::move(accidents);
  gangs_ = std::move(gangs);
  vehicles_ = std::move(vehicles);
  return Status::Ok();
}

void Engine::OnCase(const cases::Case& after) {
  std::unique_lock lock(mu_);
  auto it = position_.find(after.id);
  if (it == position_.end()) {
    position_[after.id] = facts_.size();
    facts_.push_back(FactOf(after));
  } else {
    facts_[it->second] = FactOf(after);
  }
}

size_t Engine::case_count() const {
  std::shared_lock lock(mu_);
  return facts_.size();
}

Result<Answer> Engine::Run(const Query& q, bool public_view) const {
  const MeasureInfo* m = FindMeasure(q.measure);
  if (!m) return Validation("unknown_measure", "unknown measure '" + q.measure + "'");
  Answer a;
  a.measure = q.measure;
  a.basis = m->source == Source::kCases ? (q.measure == "solved" ? "solved" : q.basis)
            : m->source == Source::kGangs ? "broken_up" : m->source == Source::kVehicles ? "year_end" : "occurred";
  a.basis_note = a.basis == "filed"      ? "counted by filing date (立案时间)"
                 : a.basis == "occurred" ? "counted by occurrence date (发案时间)"
                 : a.basis == "solved"   ? "counted by solving date (破案时间)"
                 : a.basis == "broken_up" ? "gangs counted by the date they were broken up (打掉)"
                                          : "deaths in the year ÷ registered vehicles at the year's end × 10,000";
  if (q.measure == "clearance") a.basis_note = "share of the cases filed in the period that are solved (破案率)";
  if (q.compare == "yoy") a.compare_note = "year-over-year (同比): against the same period a year earlier";
  if (q.compare == "pop") a.compare_note = "period-over-period (环比): against the preceding period";

  // Filters as bit masks per dimension.
  uint32_t mask[kNumDims];
  for (int d = 0; d < kNumDims; ++d) {
    mask[d] = ~0u;
    if (q.filters[static_cast<size_t>(d)].empty()) continue;
    mask[d] = 0;
    auto vals = DimValues(d);
    for (const auto& v : q.filters[static_cast<size_t>(d)])
      for (size_t i = 0; i < vals.size(); ++i)
        if (vals[i] == v) mask[d] |= 1u << i;
  }

  // The range to scan: the asked range plus what the comparison needs.
  const bool periodic = !q.period.empty();
  int64_t first = Bucket(q.from_day, q.period), last = Bucket(q.to_day, q.period);
  int64_t prev_from = q.from_day, prev_to = q.from_day - 1;  // without a period: the comparison range
  int64_t scan_from = q.from_day;
  if (!q.compare.empty()) {
    if (periodic) {
      int64_t earliest = first;
      for (int64_t b = first; b <= last; ++b)
        if (auto p = PreviousBucket(b, q.period, q.compare)) earliest = std::min(earliest, *p);
      scan_from = std::min(scan_from, BucketStartDay(earliest, q.period));
    } else if (q.compare == "yoy") {
      prev_from = ShiftYears(q.from_day, -1);
      prev_to = ShiftYears(q.to_day, -1);
      scan_from = prev_from;
    } else {
      prev_from = q.from_day - (q.to_day - q.from_day + 1);
      prev_to = q.from_day - 1;
      scan_from = prev_from;
    }
  }

  // Aggregation: key = bucket << 20 | grouped codes (4 bits each).
  struct Sum {
    int64_t w1 = 0, w2 = 0;
  };
  std::unordered_map<int64_t, Sum> sums;
  sums.reserve(4096);
  auto key_of = [&](int64_t bucket, const uint8_t* codes) {
    int64_t k = bucket << 20;
    for (size_t i = 0; i < q.dims.size(); ++i) k |= static_cast<int64_t>(codes[q.dims[i]]) << (4 * i);
    return k;
  };
  // Returns the bucket a fact on `day` counts in, or nothing.
  auto place = [&](int64_t day) -> std::optional<int64_t> {
    if (day < scan_from || day > q.to_day) return std::nullopt;
    if (!periodic) return day >= q.from_day ? 0 : (day >= prev_from && day <= prev_to ? std::optional<int64_t>(1) : std::nullopt);
    int64_t b = Bucket(day, q.period);
    if (day < q.from_day && b >= first) return std::nullopt;  // before `from` inside the first period
    return b;
  };

  std::shared_lock lock(mu_);
  uint8_t codes[kNumDims] = {0, 0, 0, 0, 0};
  if (m->source == Source::kCases) {
    const bool by_occurrence = q.basis == "occurred";
    for (const CaseFact& f : facts_) {
      bool pass = true;
      for (int d = 0; d < 4; ++d)
        if (!(mask[d] >> f.code[d] & 1u)) pass = false;
      if (!pass) continue;
      int32_t day = q.measure == "solved" ? f.solved : by_occurrence ? f.occurred : f.filed;
      if (day < 0) continue;
      auto b = place(day);
      if (!b) continue;
      Sum& s = sums[key_of(*b, f.code)];
      s.w1 += 1;                                          // cases (or the clearance denominator)
      if (f.solved >= 0) s.w2 += 1;                       // clearance numerator
    }
  } else if (m->source == Source::kAccidents || m->source == Source::kVehicles) {
    for (const SmallFact& f : accidents_) {
      if (!(mask[kDistrict] >> f.district & 1u)) continue;
      auto b = place(f.day);
      if (!b) continue;
      codes[kDistrict] = f.district;
      Sum& s = sums[key_of(*b, codes)];
      s.w1 += q.measure == "accidents" ? 1 : q.measure == "injuries" ? f.w2 : f.w1;
    }
  } else {
    for (const SmallFact& f : gangs_) {
      if (!(mask[kDistrict] >> f.district & 1u) || !(mask[kType] >> f.type & 1u)) continue;
      auto b = place(f.day);
      if (!b) continue;
      codes[kDistrict] = f.district;
      codes[kType] = f.type;
      Sum& s = sums[key_of(*b, codes)];
      s.w1 += q.measure == "gangs" ? 1 : f.w2;
    }
  }

  // The value of one cell; empty when undefined (no denominator, no vehicle count).
  auto value_of = [&](int64_t bucket, const uint8_t* c, Row* parts) -> std::optional<double> {
    auto it = sums.find(key_of(bucket, c));
    Sum s = it == sums.end() ? Sum{} : it->second;
    if (q.measure == "clearance") {
      if (parts) parts->numerator = s.w2, parts->denominator = s.w1;
      if (s.w1 == 0) return std::nullopt;
      return Round(100.0 * static_cast<double>(s.w2) / static_cast<double>(s.w1), 1);
    }
    if (q.measure == "death_rate") {
      auto v = vehicles_.find(static_cast<int>(bucket));
      if (parts) parts->numerator = s.w1, parts->denominator = v == vehicles_.end() ? 0 : v->second;
      if (v == vehicles_.end() || v->second <= 0) return std::nullopt;
      return Round(static_cast<double>(s.w1) / static_cast<double>(v->second) * 10000.0, 2);
    }
    if (parts) parts->numerator = s.w1;
    return static_cast<double>(s.w1);
  };
  // Whether a cell must be hidden on the public page (under 5 and not zero).
  auto hide = [&](const Row& parts, std::optional<double> v) {
    if (!public_view || !v) return false;
    int64_t n = q.measure == "clearance" ? parts.denominator : parts.numerator;
    return n > 0 && n < 5;
  };

  // Every combination of the grouped dimensions' (filtered) values.
  std::vector<std::vector<uint8_t>> combos = {{}};
  for (int d : q.dims) {
    std::vector<std::vector<uint8_t>> next;
    auto vals = DimValues(d);
    for (const auto& c : combos)
      for (size_t i = 0; i < vals.size(); ++i) {
        if (!(mask[d] >> i & 1u)) continue;
        auto n = c;
        n.push_back(static_cast<uint8_t>(i));
        next.push_back(std::move(n));
      }
    combos = std::move(next);
  }
  double total = 0;
  bool summable = m->count;
  for (int64_t b = periodic ? first : 0; b <= (periodic ? last : 0); ++b) {
    for (const auto& combo : combos) {
      uint8_t c[kNumDims] = {0, 0, 0, 0, 0};
      Row row;
      for (size_t i = 0; i < q.dims.size(); ++i) {
        c[q.dims[i]] = combo[i];
        row.keys.emplace_back(DimValues(q.dims[i])[combo[i]]);
      }
      row.period = Label(b, q.period);
      row.value = value_of(b, c, &row);
      if (hide(row, row.value)) {
        row.value.reset();
        row.suppressed = true;
        row.numerator = row.denominator = 0;
      }
      if (row.value && summable) total += *row.value;
      if (!q.compare.empty()) {
        std::optional<int64_t> pb = periodic ? PreviousBucket(b, q.period, q.compare) : std::optional<int64_t>(1);
        if (pb) {
          Row prev_parts;
          auto pv = value_of(*pb, c, &prev_parts);
          if (hide(prev_parts, pv)) pv.reset();
          row.previous = pv;
          if (row.value && pv) {
            row.change = Round(*row.value - *pv, 2);
            if (*pv != 0) row.change_pct = Round((*row.value - *pv) / *pv * 100.0, 1);
          }
        }
      }
      a.rows.push_back(std::move(row));
    }
  }
  if (public_view) {
    // Complementary suppression: where a period has exactly one hidden cell,
    // hide its smallest shown non-zero sibling too, so the hidden value cannot
    // be recovered by subtracting the shown cells from the period's total.
    for (size_t start = 0; start < a.rows.size(); start += combos.size()) {
      size_t end = std::min(a.rows.size(), start + combos.size());
      int hidden = 0;
      for (size_t i = start; i < end; ++i) hidden += a.rows[i].suppressed;
      if (hidden != 1) continue;
      size_t pick = end;
      for (size_t i = start; i < end; ++i)
        if (!a.rows[i].suppressed && a.rows[i].value && *a.rows[i].value > 0 &&
            (pick == end || *a.rows[i].value < *a.rows[pick].value))
          pick = i;
      if (pick == end) continue;
      a.rows[pick].value.reset();
      a.rows[pick].suppressed = true;
      a.rows[pick].complementary = true;
      a.rows[pick].numerator = a.rows[pick].denominator = 0;
      a.rows[pick].change.reset();
      a.rows[pick].change_pct.reset();
    }
  }
  bool any_hidden = std::any_of(a.rows.begin(), a.rows.end(), [](const Row& r) { return r.suppressed; });
  // A total over hidden cells would give them away (or mislead): none then.
  if (summable && !(public_view && any_hidden)) a.total = total;
  return a;
}

std::string ToCsv(const Query& q, const Answer& a) {
  std::string out = "period";
  for (int d : q.dims) out += std::string(",") + DimName(d);
  out += ",value,previous,change,change_pct,suppressed\n";
  auto num = [](const std::optional<double>& v) {
    if (!v) return std::string();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", *v);
    return std::string(buf);
  };
  for (const auto& r : a.rows) {
    out += r.period;
    for (const auto& k : r.keys) out += "," + k;
    out += "," + num(r.value) + "," + num(r.previous) + "," + num(r.change) + "," + num(r.change_pct) + "," +
           (r.suppressed ? "1" : "0") + "\n";
  }
  return out;
}

}  // namespace jingwu::stats

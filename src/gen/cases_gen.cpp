#include "gen/cases_gen.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/csv.h"
#include "gen/random.h"
#include "identity/identity.h"

namespace jingwu::gen {

using cases::Accident;
using cases::Case;
using cases::Dataset;
using cases::Gang;

const std::map<int, int>& CriminalCasesPerYear() {
  static const std::map<int, int> k = {{2015, 15862}, {2016, 14731}, {2017, 13512},
                                       {2018, 11986}, {2019, 10325}, {2020, 9478}};
  return k;
}

const std::map<int, int>& PublicOrderCasesPerYear() {
  static const std::map<int, int> k = {{2015, 22557}, {2016, 21236}, {2017, 19788},
                                       {2018, 18140}, {2019, 16805}, {2020, 15911}};
  return k;
}

namespace {

constexpr const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
                                     "胡", "郭", "何", "林", "罗", "高", "符", "梁", "郑", "谢", "韩", "唐", "冯", "邢"};
constexpr const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
                                  "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "海", "琼", "文", "建华", "志强", "晓东"};
constexpr const char* kStreets[] = {"滨海大道", "海秀路", "龙昆南路", "国兴大道", "南海大道", "海府路", "椰海大道",
                                    "和平大道", "长滨路", "金盘路", "丘海大道", "凤翔路", "府城大道", "白龙南路"};
constexpr const char* kDistrictNames[] = {"秀英区", "龙华区", "琼山区", "美兰区"};
const std::vector<double> kDistrictWeights = {0.16, 0.32, 0.22, 0.30};
const std::vector<double> kMonthWeights = {1.05, 0.92, 1.0, 0.95, 1.0, 0.95, 1.0, 1.05, 0.95, 1.0, 1.05, 1.1};
// Haikou's own and other provinces' region codes for suspects' ID numbers.
constexpr const char* kRegions[] = {"460100", "460105", "460106", "460107", "460108", "460200", "460300",
                                    "440100", "450100", "430100", "510100", "360100"};

// Category weights per kind; `trend` moves a weight by year (2015 = 0).
struct CategoryWeight {
  const char* category;
  double weight;
  double trend;  // change of the weight per year, relative
};
const std::vector<CategoryWeight> kCriminal = {
    {"theft", 0.34, -0.06}, {"burglary", 0.10, -0.10}, {"robbery", 0.035, -0.18}, {"fraud", 0.17, 0.12},
    {"drugs", 0.09, -0.02}, {"gang", 0.012, 0.0},      {"smuggling", 0.01, 0.10}, {"vice", 0.06, -0.05},
    {"violence", 0.03, -0.08}, {"traffic", 0.02, 0.0}, {"other", 0.13, 0.0}};
const std::vector<CategoryWeight> kPublicOrder = {
    {"theft", 0.30, -0.05}, {"vice", 0.22, -0.06}, {"drugs", 0.12, -0.03}, {"fraud", 0.05, 0.08},
    {"traffic", 0.10, 0.0}, {"violence", 0.02, -0.05}, {"other", 0.19, 0.02}};

constexpr const char* kNarratives[][2] = {
    {"theft", "在{p}附近被盗财物，现场已勘查。"},       {"burglary", "{p}一住户报称家中被入室盗窃。"},
    {"robbery", "{p}路段发生一起抢夺案件。"},           {"fraud", "事主接到冒充客服的电话，被骗转账。"},
    {"epidemic", "{p}附近有人拒不执行疫情防控措施、妨害传染病防治。"},
    {"drugs", "在{p}查获涉毒人员。"},                   {"gang", "涉恶团伙在{p}一带寻衅滋事、强揽工程。"},
    {"smuggling", "团伙组织人员套购离岛免税品并转售牟利。"}, {"vice", "{p}一场所涉嫌聚众赌博。"},
    {"violence", "{p}发生一起故意伤害案件。"},          {"traffic", "{p}发生交通肇事逃逸。"},
    {"other", "{p}发生的其他违法犯罪案件。"}};

Timestamp LocalTime(int y, int m, int d, int64_t seconds_of_day) {
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return Timestamp::FromSeconds(days * 86400 + seconds_of_day - kShanghaiOffsetMinutes * 60);
}

// A time in the given year, months weighted by season.
Timestamp TimeInYear(Random& r, int year) {
  int m = static_cast<int>(r.Pick(kMonthWeights)) + 1;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int dmax = kDays[m - 1] + (m == 2 && IsValidDate(year, 2, 29) ? 1 : 0);
  int d = static_cast<int>(r.Between(1, dmax));
  return LocalTime(year, m, d, r.Between(7 * 3600, 23 * 3600 + 59 * 60));
}

std::string Place(Random& r, size_t district) {
  return std::string(kDistrictNames[district]) + kStreets[r.Below(std::size(kStreets))] +
         std::to_string(r.Between(1, 399)) + "号附近";
}

std::string IdNumber(Random& r) {
  for (;;) {
    auto id = identity::MakeIdNumber(kRegions[r.Below(std::size(kRegions))], static_cast<int>(r.Between(1960, 2003)),
                                     static_cast<int>(r.Between(1, 12)), static_cast<int>(r.Between(1, 28)),
                                     static_cast<int>(r.Between(1, 999)));
    if (id.ok()) return *id;
  }
}

std::string Narrative(const std::string& category, const std::string& place) {
  for (const auto& n : kNarratives)
    if (category == n[0]) {
      std::string s = n[1];
      auto pos = s.find("{p}");
      if (pos != std::string::npos) s.replace(pos, 3, place);
      return s;
    }
  return "";
}

void AddSuspects(Random& r, Case& c, int n, uint64_t* name_seq) {
  for (int i = 0; i < n; ++i)
    c.suspects.push_back({IdNumber(r), SyntheticName((*name_seq)++), i == 0 ? "principal" : "accomplice"});
}

}  // namespace

std::string SyntheticName(uint64_t n) {
  uint64_t a = n * 2654435761u;
  std::string s = kSurnames[a % std::size(kSurnames)];
  s += kGiven[(a / 31) % std::size(kGiven)];
  if ((a / 997) % 3 == 0) s += kGiven[(a / 7919) % std::size(kGiven)];
  return s;
}

Dataset GenerateCases(uint64_t seed, double scale) {
  Random r(seed * 7919 + 17);
  Dataset data;
  uint64_t names = seed * 100000;
  std::map<std::string, int> seq;  // case-number prefix -> last sequence
  Timestamp end_of_data = LocalTime(2020, 12, 31, 86399);

  auto make = [&](const char* kind, int year, const std::vector<CategoryWeight>& table) {
    Case c;
    c.kind = kind;
    std::vector<double> w;
    for (const auto& cw : table) w.push_back(cw.weight * std::max(0.05, 1.0 + cw.trend * (year - 2015)));
    c.category = table[r.Pick(w)].category;
    size_t district = r.Pick(kDistrictWeights);
    c.district_code = std::string(cases::kDistricts[district]);
    c.place = Place(r, district);
    c.filed_at = TimeInYear(r, year);
    // Occurred up to five days before filing (and so sometimes the year before), reported in between.
    c.occurred_at = *c.filed_at + -r.Between(0, 5 * 24 * 3600) * kMicrosPerSecond;
    c.reported_at = *c.occurred_at + (c.filed_at->micros - c.occurred_at->micros) / 3;
    bool criminal = c.kind == "criminal";
    double solve_rate = criminal ? 0.42 + 0.035 * (year - 2015) : 0.93;
    if (r.Chance(0.01)) {
      c.status = "withdrawn";
    } else if (r.Chance(solve_rate)) {
      c.solved_at = *c.filed_at + r.Between(3600, (criminal ? 120 : 20) * 24 * 3600) * kMicrosPerSecond;
      if (*c.solved_at > end_of_data) c.solved_at = end_of_data;
      c.status = "solved";
      if (r.Chance(0.75)) {
        c.closed_at = *c.solved_at + r.Between(3600, 40 * 24 * 3600) * kMicrosPerSecond;
        if (*c.closed_at > end_of_data) c.closed_at = end_of_data;
        c.status = "closed";
      }
      if (criminal) AddSuspects(r, c, static_cast<int>(r.Between(1, 3)), &names);
    }
    c.narrative = Narrative(c.category, c.place);
    std::string prefix = std::string(criminal ? "A" : "B") + c.district_code + std::to_string(year);
    char buf[12];
    std::snprintf(buf, sizeof buf, "%06d", ++seq[prefix]);
    c.case_no = prefix + buf;
    return c;
  };

  std::map<int, std::vector<size_t>> criminal_by_year;
  for (auto [year, n] : CriminalCasesPerYear())
    for (int i = 0; i < static_cast<int>(n * scale); ++i) {
      criminal_by_year[year].push_back(data.cases.size());
      data.cases.push_back(make("criminal", year, kCriminal));
    }
  for (auto [year, n] : PublicOrderCasesPerYear())
    for (int i = 0; i < static_cast<int>(n * scale); ++i) data.cases.push_back(make("public_order", year, kPublicOrder));

  // Gangs: 62 mafia-type or evil-force gangs broken up in 2016-2020, 11 of
  // them mafia-type; each tied to some of that year's criminal cases.
  const std::vector<std::pair<int, int>> gangs_per_year = {{2016, 5}, {2017, 7}, {2018, 19}, {2019, 18}, {2020, 13}};
  const std::map<int, int> mafia_per_year = {{2017, 1}, {2018, 4}, {2019, 4}, {2020, 2}};
  // Ties n of the year's criminal cases filed before the gang was broken up
  // to it; they count as solved by then.
  auto tie_cases = [&](Gang& g, int year, int n, const char* category, const std::string& goods) {
    auto& pool = criminal_by_year[year];
    int tied = 0;
    for (int tries = 0; tied < n && tries < 200 && !pool.empty(); ++tries) {
      size_t idx = pool[r.Below(pool.size())];
      Case& c = data.cases[idx];
      if (c.gang_id || *c.filed_at > *g.broken_up_at || c.status == "withdrawn") continue;
      ++tied;
      c.category = category;
      c.gang_id = static_cast<int64_t>(data.gangs.size() + 1);  // resolved at load time
      c.district_code = g.district_code;
      Timestamp solved = *g.broken_up_at + -r.Between(0, 10 * 24 * 3600) * kMicrosPerSecond;
      c.solved_at = std::max(solved, *c.filed_at);
      if (c.closed_at && *c.closed_at < *c.solved_at) c.closed_at = c.solved_at;
      if (c.status == "filed") c.status = "solved";
      c.suspects.clear();
      for (size_t m = 0; m < std::min<size_t>(g.members.size(), 3); ++m)
        c.suspects.push_back({g.members[m].id_number, g.members[m].name, m == 0 ? "principal" : "accomplice"});
      c.narrative = Narrative(category, c.place);
      if (!goods.empty()) {
        c.seized_goods = goods;
        c.seized_amount_cny = static_cast<double>(r.Between(40, 180)) * 1000;
      }
    }
  };
  int gang_no = 0;
  for (auto [year, n] : gangs_per_year) {
    int mafia = mafia_per_year.count(year) ? mafia_per_year.at(year) : 0;
    for (int i = 0; i < n; ++i) {
      Gang g;
      g.type = i < mafia ? "mafia" : "evil";
      size_t district = r.Pick(kDistrictWeights);
      g.district_code = std::string(cases::kDistricts[district]);
      g.name = std::string(kSurnames[r.Below(std::size(kSurnames))]) + "某某" + (g.type == "mafia" ? "黑社会性质组织" : "恶势力团伙") +
               "（" + std::to_string(++gang_no) + "号）";
      g.broken_up_at = TimeInYear(r, year);
      int members = static_cast<int>(r.Between(g.type == "mafia" ? 12 : 5, g.type == "mafia" ? 30 : 14));
      for (int k = 0; k < members; ++k)
        g.members.push_back({IdNumber(r), SyntheticName(names++), k == 0 ? "leader" : "member"});
      tie_cases(g, year, static_cast<int>(r.Between(1, 4)), "gang", "");
      data.gangs.push_back(std::move(g));
    }
  }
  // Nine duty-free proxy-buying smuggling rings broken up in 2020, 40 suspects.
  const int ring_sizes[] = {5, 4, 6, 3, 5, 4, 4, 5, 4};
  for (int i = 0; i < 9; ++i) {
    Gang g;
    g.type = "smuggling";
    g.district_code = i % 2 ? "460108" : "460106";
    g.name = "离岛免税品套购走私团伙（2020-" + std::to_string(i + 1) + "）";
    g.broken_up_at = TimeInYear(r, 2020);
    for (int k = 0; k < ring_sizes[i]; ++k)
      g.members.push_back({IdNumber(r), SyntheticName(names++), k == 0 ? "leader" : "member"});
    g.notes = "组织人员套购离岛免税品后转售";
    tie_cases(g, 2020, static_cast<int>(r.Between(1, 2)), "smuggling", "离岛免税品（化妆品、手表、箱包）");
    data.gangs.push_back(std::move(g));
  }

  // Traffic safety: deaths fall every year while the vehicle count grows.
  const std::map<int, int> deaths = {{2015, 186}, {2016, 175}, {2017, 163}, {2018, 151}, {2019, 139}, {2020, 128}};
  const std::map<int, int64_t> vehicles = {{2015, 703000}, {2016, 781000}, {2017, 856000},
                                           {2018, 921000}, {2019, 989000}, {2020, 1052000}};
  for (auto [year, target] : deaths) {
    int left = static_cast<int>(target * scale);
    while (left > 0) {
      Accident a;
      a.occurred_at = TimeInYear(r, year);
      size_t district = r.Pick(kDistrictWeights);
      a.district_code = std::string(cases::kDistricts[district]);
      a.place = Place(r, district);
      a.deaths = std::min(left, r.Chance(0.85) ? 1 : static_cast<int>(r.Between(2, 3)));
      a.injuries = static_cast<int>(r.Between(0, 3));
      a.vehicles = static_cast<int>(r.Between(1, 3));
      left -= a.deaths;
      data.accidents.push_back(std::move(a));
    }
    for (int i = 0; i < static_cast<int>(target * 4 * scale); ++i) {  // accidents with injuries only
      Accident a;
      a.occurred_at = TimeInYear(r, year);
      size_t district = r.Pick(kDistrictWeights);
      a.district_code = std::string(cases::kDistricts[district]);
      a.place = Place(r, district);
      a.injuries = static_cast<int>(r.Between(1, 4));
      a.vehicles = static_cast<int>(r.Between(1, 3));
      data.accidents.push_back(std::move(a));
    }
    data.vehicle_counts.push_back({year, vehicles.at(year)});
  }

  // Epidemic-related offences (涉疫): 193 criminal cases with 268 suspects in 2020, the published figures,
  // among the year's 'other' cases of 24 January to 30 April (their own random stream: nothing else moves).
  {
    Random er(seed * 131 + 2020);
    const int64_t from = (DaysFromCivil(2020, 1, 24) * 86400 - 8 * 3600) * kMicrosPerSecond;
    const int64_t to = (DaysFromCivil(2020, 5, 1) * 86400 - 8 * 3600) * kMicrosPerSecond;
    std::vector<size_t> pick;
    for (size_t i = 0; i < data.cases.size(); ++i) {
      const Case& c = data.cases[i];
      if (c.kind == "criminal" && c.category == "other" && c.gang_id == 0 && c.occurred_at &&
          c.occurred_at->micros >= from && c.occurred_at->micros < to)
        pick.push_back(i);
    }
    for (size_t i = 0; i < pick.size(); ++i) std::swap(pick[i], pick[i + er.Below(pick.size() - i)]);
    const size_t n = std::min(pick.size(), static_cast<size_t>(std::llround(193 * scale)));
    int64_t extra = std::llround(268 * scale) - static_cast<int64_t>(n);
    uint64_t name_seq = 7000000;
    for (size_t k = 0; k < n; ++k) {
      Case& c = data.cases[pick[k]];
      c.category = "epidemic";
      c.narrative = Narrative("epidemic", c.place);
      c.suspects.clear();
      int64_t left = static_cast<int64_t>(n - k);
      int64_t more = extra / left + (static_cast<int64_t>(er.Below(static_cast<uint64_t>(left))) < extra % left ? 1 : 0);
      extra -= more;
      for (int64_t j = 0; j <= more; ++j)
        c.suspects.push_back({IdNumber(er), SyntheticName(name_seq++), j == 0 ? "principal" : "accomplice"});
    }
  }
  return data;
}

// ---- CSV ----

namespace {

std::string T(const std::optional<Timestamp>& t) { return t ? FormatTime(*t) : ""; }

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return Internal("cannot write " + path);
  return Status::Ok();
}

// Reads a CSV with a header into maps; stops at the first bad row with its line.
Status ReadTable(const std::string& path, const std::vector<std::string>& required,
                 const std::function<Status(const std::map<std::string, std::string>&, int64_t line)>& row) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("missing_file", "cannot read " + path);
  CsvReader reader(&in);
  std::vector<std::string> header, fields;
  if (!reader.Next(&header)) return InvalidArgument("missing_header", path + ": no header row");
  for (const auto& col : required)
    if (std::find(header.begin(), header.end(), col) == header.end())
      return InvalidArgument("missing_column", path + ": required column '" + col + "' is missing");
  while (reader.Next(&fields)) {
    std::map<std::string, std::string> m;
    for (size_t i = 0; i < header.size() && i < fields.size(); ++i) m[header[i]] = fields[i];
    JW_RETURN_IF_ERROR(row(m, reader.line()));
  }
  if (!reader.error().empty()) return InvalidArgument("malformed_csv", path + ": " + reader.error());
  return Status::Ok();
}

Result<std::optional<Timestamp>> OptTime(const std::string& s, const std::string& where) {
  if (s.empty()) return std::optional<Timestamp>();
  auto t = ParseTime(s);
  if (!t.ok()) return Validation("invalid_time", where + ": " + t.status().message());
  return std::optional<Timestamp>(*t);
}

}  // namespace

Status WriteCasesCsv(const Dataset& data, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string cs, sus, gs, gm, acc, veh;
  AppendCsvRow(&cs, {"case_no", "kind", "category", "district_code", "place", "occurred_at", "reported_at", "filed_at",
                     "solved_at", "closed_at", "status", "narrative", "incident_ref", "seized_goods",
                     "seized_amount_cny", "gang_no"});
  AppendCsvRow(&sus, {"case_no", "id_number", "name", "role"});
  for (const auto& c : data.cases) {
    char amount[32];
    std::snprintf(amount, sizeof amount, "%.2f", c.seized_amount_cny);
    AppendCsvRow(&cs, {c.case_no, c.kind, c.category, c.district_code, c.place, T(c.occurred_at), T(c.reported_at),
                       T(c.filed_at), T(c.solved_at), T(c.closed_at), c.status, c.narrative, c.incident_ref,
                       c.seized_goods, amount, c.gang_id ? std::to_string(c.gang_id) : ""});
    for (const auto& s : c.suspects) AppendCsvRow(&sus, {c.case_no, s.id_number, s.name, s.role});
  }
  AppendCsvRow(&gs, {"gang_no", "name", "type", "district_code", "broken_up_at", "notes"});
  AppendCsvRow(&gm, {"gang_no", "id_number", "name", "role"});
  for (size_t i = 0; i < data.gangs.size(); ++i) {
    const Gang& g = data.gangs[i];
    std::string no = std::to_string(i + 1);
    AppendCsvRow(&gs, {no, g.name, g.type, g.district_code, T(g.broken_up_at), g.notes});
    for (const auto& m : g.members) AppendCsvRow(&gm, {no, m.id_number, m.name, m.role});
  }
  AppendCsvRow(&acc, {"occurred_at", "place", "district_code", "deaths", "injuries", "vehicles"});
  for (const auto& a : data.accidents)
    AppendCsvRow(&acc, {FormatTime(a.occurred_at), a.place, a.district_code, std::to_string(a.deaths),
                        std::to_string(a.injuries), std::to_string(a.vehicles)});
  AppendCsvRow(&veh, {"year", "year_end_count"});
  for (const auto& v : data.vehicle_counts) AppendCsvRow(&veh, {std::to_string(v.year), std::to_string(v.year_end_count)});
  for (auto [name, text] : std::initializer_list<std::pair<const char*, const std::string*>>{
           {"cases.csv", &cs}, {"case_suspects.csv", &sus}, {"gangs.csv", &gs}, {"gang_members.csv", &gm},
           {"accidents.csv", &acc}, {"vehicle_counts.csv", &veh}})
    JW_RETURN_IF_ERROR(WriteFile(dir + "/" + name, *text));
  return Status::Ok();
}

Result<Dataset> ReadCasesCsv(const std::string& dir) {
  Dataset data;
  auto to_int = [](const std::string& s, int64_t* out) {
    try {
      size_t used = 0;
      *out = std::stoll(s, &used);
      return used == s.size();
    } catch (...) {
      return false;
    }
  };
  auto where = [&](const char* file, int64_t line) { return std::string(file) + " line " + std::to_string(line); };
  JW_RETURN_IF_ERROR(ReadTable(dir + "/gangs.csv", {"gang_no", "name", "type", "district_code", "broken_up_at"},
                               [&](const auto& m, int64_t line) -> Status {
                                 Gang g;
                                 g.name = m.at("name");
                                 g.type = m.at("type");
                                 g.district_code = m.at("district_code");
                                 g.notes = m.count("notes") ? m.at("notes") : "";
                                 JW_ASSIGN_OR_RETURN(g.broken_up_at, OptTime(m.at("broken_up_at"), where("gangs.csv", line)));
                                 data.gangs.push_back(std::move(g));
                                 return Status::Ok();
                               }));
  JW_RETURN_IF_ERROR(ReadTable(dir + "/gang_members.csv", {"gang_no", "id_number", "name", "role"},
                               [&](const auto& m, int64_t line) -> Status {
                                 int64_t no = 0;
                                 if (!to_int(m.at("gang_no"), &no) || no < 1 || no > static_cast<int64_t>(data.gangs.size()))
                                   return Validation("unknown_gang", where("gang_members.csv", line) + ": unknown gang_no");
                                 data.gangs[static_cast<size_t>(no - 1)].members.push_back({m.at("id_number"), m.at("name"), m.at("role")});
                                 return Status::Ok();
                               }));
  std::map<std::string, size_t> by_no;
  JW_RETURN_IF_ERROR(ReadTable(
      dir + "/cases.csv",
      {"case_no", "kind", "category", "district_code", "place", "occurred_at", "filed_at", "status"},
      [&](const auto& m, int64_t line) -> Status {
        Case c;
        auto get = [&](const char* k) { return m.count(k) ? m.at(k) : std::string(); };
        c.case_no = get("case_no");
        c.kind = get("kind");
        c.category = get("category");
        c.district_code = get("district_code");
        c.place = get("place");
        c.status = get("status");
        c.narrative = get("narrative");
        c.incident_ref = get("incident_ref");
        c.seized_goods = get("seized_goods");
        std::string w = where("cases.csv", line);
        JW_ASSIGN_OR_RETURN(c.occurred_at, OptTime(get("occurred_at"), w));
        JW_ASSIGN_OR_RETURN(c.reported_at, OptTime(get("reported_at"), w));
        JW_ASSIGN_OR_RETURN(c.filed_at, OptTime(get("filed_at"), w));
        JW_ASSIGN_OR_RETURN(c.solved_at, OptTime(get("solved_at"), w));
        JW_ASSIGN_OR_RETURN(c.closed_at, OptTime(get("closed_at"), w));
        if (!get("seized_amount_cny").empty()) c.seized_amount_cny = std::strtod(get("seized_amount_cny").c_str(), nullptr);
        if (!get("gang_no").empty() && !to_int(get("gang_no"), &c.gang_id))
          return Validation("unknown_gang", w + ": gang_no is not a number");
        by_no[c.case_no] = data.cases.size();
        data.cases.push_back(std::move(c));
        return Status::Ok();
      }));
  JW_RETURN_IF_ERROR(ReadTable(dir + "/case_suspects.csv", {"case_no", "id_number", "name"},
                               [&](const auto& m, int64_t line) -> Status {
                                 auto it = by_no.find(m.at("case_no"));
                                 if (it == by_no.end())
                                   return Validation("unknown_case", where("case_suspects.csv", line) + ": unknown case_no");
                                 data.cases[it->second].suspects.push_back(
                                     {m.at("id_number"), m.at("name"), m.count("role") ? m.at("role") : ""});
                                 return Status::Ok();
                               }));
  JW_RETURN_IF_ERROR(ReadTable(dir + "/accidents.csv", {"occurred_at", "district_code", "deaths", "injuries", "vehicles"},
                               [&](const auto& m, int64_t line) -> Status {
                                 Accident a;
                                 std::string w = where("accidents.csv", line);
                                 JW_ASSIGN_OR_RETURN(auto t, OptTime(m.at("occurred_at"), w));
                                 if (!t) return Validation("invalid_time", w + ": occurred_at is required");
                                 a.occurred_at = *t;
                                 a.place = m.count("place") ? m.at("place") : "";
                                 a.district_code = m.at("district_code");
                                 int64_t d, i, v;
                                 if (!to_int(m.at("deaths"), &d) || !to_int(m.at("injuries"), &i) || !to_int(m.at("vehicles"), &v))
                                   return Validation("validation_failed", w + ": deaths, injuries and vehicles are numbers");
                                 a.deaths = static_cast<int>(d);
                                 a.injuries = static_cast<int>(i);
                                 a.vehicles = static_cast<int>(v);
                                 data.accidents.push_back(std::move(a));
                                 return Status::Ok();
                               }));
  JW_RETURN_IF_ERROR(ReadTable(dir + "/vehicle_counts.csv", {"year", "year_end_count"},
                               [&](const auto& m, int64_t line) -> Status {
                                 int64_t y, n;
                                 if (!to_int(m.at("year"), &y) || !to_int(m.at("year_end_count"), &n))
                                   return Validation("validation_failed", where("vehicle_counts.csv", line) + ": numbers expected");
                                 data.vehicle_counts.push_back({static_cast<int>(y), n});
                                 return Status::Ok();
                               }));
  return data;
}

}  // namespace jingwu::gen

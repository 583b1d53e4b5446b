#include "gen/force_gen.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "gen/csv_file.h"
#include "dispatch/service.h"
#include "gen/random.h"
#include "identity/identity.h"

namespace jingwu::gen {

namespace {
using nlohmann::json;

using Out = CsvFileWriter;
bool ReadCsv(const std::string& path, std::vector<std::vector<std::string>>* rows) { return ReadCsvRows(path, rows).ok(); }

// Local (Asia/Shanghai) time of a day number and minute of day.
std::string At(int64_t day, int64_t minute) {
  return FormatTime(Timestamp{(day * 86400 + minute * 60 - 8 * 3600) * kMicrosPerSecond});
}
int64_t Us(int64_t day, int64_t minute) { return (day * 86400 + minute * 60 - 8 * 3600) * kMicrosPerSecond; }
std::string Date(int64_t day) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  char b[16];
  std::snprintf(b, sizeof b, "%04d-%02d-%02d", y, m, d);
  return b;
}
bool Weekday(int64_t day) { return ((day + 3) % 7 + 7) % 7 < 5; }

constexpr const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "林", "黄", "吴", "符", "邢", "冯", "云", "周", "郑", "何", "羊"};
constexpr const char* kGiven[] = {"海", "明", "军", "伟", "强", "涛", "斌", "峰", "华", "勇", "磊", "琼", "静", "丽", "婷", "杰"};

struct U {
  std::string code, name, kind, parent, district;
};
struct P {
  std::string police_no, name, kind, id_number, unit, rank, post, status, username, call_sign, joined;
};
struct Reader {
  size_t person = 0;  // index into people
  std::string username, role, unit, district;
  int lo = 15, hi = 40;  // reads per working day
  bool night = false;    // rotating day/night shifts instead of office hours
  size_t cursor = 0;     // into the verification pool
};
struct CaseRef {
  std::string case_no, district;
  int64_t filed = 0, closed = 0;  // micros; closed 0 = open
  std::vector<std::string> suspects;
};
}  // namespace

Status WriteForce(const ForceOptions& o, const cases::Dataset& cases, std::map<std::string, int64_t>* rows_out) {
  Random r(o.seed * 7919 + 14);
  const std::string dir = o.out_dir + "/";
  const double scale = o.small ? 0.2 : 1.0;
  // The small city's history covers the year's first 120 days (fewer entries for the tests),
  // unless the readers are given (the benchmark: a whole year).
  const int64_t year_start = DaysFromCivil(o.year, 1, 1),
                year_end = o.small && o.readers == 0 ? year_start + 120 : DaysFromCivil(o.year + 1, 1, 1);
  const int64_t span = year_end - year_start;

  // ---- the city's people (registry) and police stations (places.csv)
  std::vector<std::vector<std::string>> pop, places;
  if (!ReadCsv(dir + "population.csv", &pop)) return NotFound("no_population", "population.csv is missing in " + o.out_dir);
  ReadCsv(dir + "places.csv", &places);
  struct Person {
    std::string id, name, room;
  };
  std::vector<Person> people;
  for (const auto& p : pop)
    if (p.size() >= 8 && p[0].rfind("ID:", 0) == 0 && p[7].empty()) people.push_back({p[0].substr(3), p[1], p[5]});
  if (people.size() < 200) return Validation("too_small", "population.csv has too few residents for the force data");
  std::sort(people.begin(), people.end(), [](const Person& a, const Person& b) { return a.room != b.room ? a.room < b.room : a.id < b.id; });

  // ---- units
  std::vector<U> units;
  const std::string bureau = "460100000000";
  units.push_back({bureau, "海口市公安局", "bureau", "", "460100"});
  const std::pair<const char*, const char*> kDepts[] = {{"01", "指挥中心"},       {"02", "刑事侦查支队"}, {"03", "情报信息中心"},
                                                        {"04", "督察支队"},       {"05", "科技信息化处"}, {"06", "政治部教育训练处"},
                                                        {"07", "出入境管理支队"}, {"08", "治安管理支队"}};
  for (auto [k, n] : kDepts) units.push_back({"460100" + std::string(k) + "0000", n, "brigade", bureau, "460100"});
  const std::pair<const char*, const char*> kBranches[] = {
      {"460105", "秀英分局"}, {"460106", "龙华分局"}, {"460107", "琼山分局"}, {"460108", "美兰分局"}};
  for (auto [d, n] : kBranches) {
    units.push_back({std::string(d) + "000000", n, "branch", bureau, d});
    units.push_back({std::string(d) + "010000", std::string(n).substr(0, 6) + "刑侦大队", "brigade", std::string(d) + "000000", d});
  }
  std::map<std::string, int> per_district;
  std::map<std::string, std::string> station_code_by_name;
  auto add_station = [&](const std::string& name, const std::string& district) {
    if (station_code_by_name.count(name)) return;
    char code[16];
    std::snprintf(code, sizeof code, "%s5%02d000", district.c_str(), ++per_district[district]);
    std::string c = code;
    station_code_by_name[name] = c;
    units.push_back({c, name, "station", district + "000000", district});
    units.push_back({c.substr(0, 10) + "01", name.substr(0, name.size() - std::string("派出所").size()) + "社区警务室", "post", c, district});
  };
  for (const auto& st : dispatch::DemoStations()) add_station(st.name, st.district);
  for (const auto& p : places)
    if (p.size() >= 4 && p[1] == "police_station") add_station(p[2], p[3]);

  // ---- personnel
  std::vector<P> staff;
  std::set<std::string> used_ids;
  int64_t next_no = 100001;
  auto name = [&] {
    return std::string(kSurnames[r.Below(std::size(kSurnames))]) + kGiven[r.Below(std::size(kGiven))] +
           (r.Chance(0.6) ? kGiven[r.Below(std::size(kGiven))] : "");
  };
  auto new_id = [&]() -> std::string {
    for (;;) {
      auto id = identity::MakeIdNumber("460100", static_cast<int>(r.Between(1965, 1998)), static_cast<int>(r.Between(1, 12)),
                                       static_cast<int>(r.Between(1, 28)), static_cast<int>(r.Between(100, 999)));
      if (id.ok() && used_ids.insert(*id).second) return *id;
    }
  };
  auto add_person = [&](const std::string& unit, bool police, const std::string& post) -> size_t {
    P p;
    p.police_no = std::to_string(next_no++);
    p.name = name();
    p.kind = police ? "police" : "auxiliary";
    p.id_number = new_id();
    p.unit = unit;
    static constexpr const char* kRanks[] = {"二级警员", "一级警员", "三级警长", "二级警长", "一级警长", "四级高级警长"};
    p.rank = police ? kRanks[r.Below(std::size(kRanks))] : "";
    p.post = post;
    p.status = r.Chance(0.03) ? "leave" : r.Chance(0.01) ? "training" : "on_duty";
    p.joined = Date(year_start - static_cast<int64_t>(r.Between(200, 9000)));
    staff.push_back(p);
    return staff.size() - 1;
  };
  for (const auto& u : units) {
    int n = u.kind == "station" ? 60 : u.kind == "brigade" ? (u.parent == bureau ? 45 : 70) : u.kind == "branch" ? 40
            : u.kind == "bureau" ? 30 : 4;
    n = std::max(1, static_cast<int>(n * scale));
    for (int i = 0; i < n; ++i) {
      bool police = u.kind != "station" || r.Chance(0.62);
      std::string post = u.kind == "station" ? (police ? (i % 5 == 0 ? "社区民警" : "巡逻民警") : "巡逻辅警")
                         : u.kind == "post"  ? "社区民警"
                                             : (police ? "民警" : "辅警");
      add_person(u.code, police, post);
    }
  }
  // The demo's accounts belong to officers too.
  const std::pair<const char*, std::string> kAccounts[] = {
      {"admin", "460100050000"},     {"commander", "460100010000"}, {"dispatcher", "460100010000"},
      {"investigator", "460100020000"}, {"analyst", "460100030000"},  {"inspector", "460100040000"},
      {"clerk", station_code_by_name.begin()->second},
      // The patrol officer of the mobile app (docs/grassroots.md) crews a car of 海甸派出所, a model station.
      {"patrol", station_code_by_name["海甸派出所"]}};
  for (const auto& [user, unit] : kAccounts) {
    size_t i = add_person(unit, true, user);
    staff[i].username = user;
    staff[i].status = "on_duty";
    if (std::string(user) == "patrol") staff[i].post = "巡逻民警";
  }
  // Community officers of the registry are on the force, at their station.
  {
    std::vector<std::vector<std::string>> officers;
    ReadCsv(dir + "community_officers.csv", &officers);
    std::map<std::string, std::string> place_name;
    for (const auto& p : places)
      if (p.size() >= 3) place_name[p[0]] = p[2];
    for (const auto& c : officers) {
      if (c.size() < 5) continue;
      auto st = station_code_by_name.find(place_name[c[4]]);
      if (st == station_code_by_name.end()) continue;
      P p;
      p.police_no = c[2];
      p.name = c[1];
      p.kind = "police";
      p.id_number = new_id();
      p.unit = st->second;
      p.rank = "一级警长";
      p.post = "社区民警";
      p.status = "on_duty";
      p.joined = Date(year_start - 3000);
      bool dup = false;
      for (const auto& s : staff) dup |= s.police_no == p.police_no;
      if (!dup) staff.push_back(p);
    }
  }
  // Patrol officers crew their station's cars.
  for (const auto& st : dispatch::DemoStations()) {
    std::string unit = station_code_by_name[st.name];
    int k = 0;
    for (auto& p : staff)
      if (p.unit == unit && p.post != "社区民警") p.call_sign = dispatch::DemoCallSign(st, (k++) % 2);
  }

  // ---- readers of personal data, and what they read
  std::vector<std::string> branch_brigades = {"460105010000", "460106010000", "460107010000", "460108010000"};
  std::vector<Reader> readers;
  auto add_reader = [&](const std::string& unit, const std::string& role, int lo, int hi, bool night) -> Reader& {
    size_t i = add_person(unit, true, role == "analyst" ? "情报分析" : "侦查员");
    staff[i].status = "on_duty";
    Reader rd;
    rd.person = i;
    rd.username = "u" + staff[i].police_no;
    staff[i].username = rd.username;
    rd.role = role;
    rd.unit = unit;
    rd.district = unit.substr(0, 6);
    rd.lo = lo;
    rd.hi = hi;
    rd.night = night;
    readers.push_back(rd);
    return readers.back();
  };
  int normal = o.readers > 0 ? o.readers : (o.small ? 6 : 22);
  int busy = o.small ? 2 : 5, nights = o.small ? 1 : 4;
  double rate = o.reads_per_day > 0 ? o.reads_per_day / 27.5 : 1.0;
  for (int i = 0; i < normal; ++i)
    add_reader(i % 5 == 4 ? "460100030000" : branch_brigades[i % 4], "analyst", static_cast<int>(15 * rate),
               static_cast<int>(40 * rate), false);
  for (int i = 0; i < busy; ++i) add_reader(branch_brigades[i % 4], "analyst", 80, 120, false);
  for (int i = 0; i < nights; ++i) add_reader(branch_brigades[(i + 1) % 4], "investigator", 10, 25, true);
  size_t honest_count = readers.size();
  // The planted five: normal analysts, each with one kind of misconduct.
  size_t p_neighbour = readers.size();
  add_reader(branch_brigades[1], "analyst", 15, 40, false);
  size_t p_celebrity = readers.size();
  add_reader(branch_brigades[2], "analyst", 15, 40, false);
  size_t p_bulk = readers.size();
  add_reader(branch_brigades[3], "analyst", 15, 40, false);
  size_t p_case = readers.size();
  add_reader(branch_brigades[0], "analyst", 15, 40, false);
  size_t p_family = readers.size();
  add_reader(branch_brigades[1], "analyst", 15, 40, false);

  // Residents the planted officers live beside: a room with two residents
  // (the family reader) and two rooms of one building (the neighbour).
  std::set<std::string> excluded;  // never read by an honest verification
  size_t fam = 0, nb_home = 0, nb_target = 0;
  for (size_t i = 1; i < people.size(); ++i)
    if (people[i].room == people[i - 1].room && !people[i].room.empty()) {
      fam = i - 1;
      break;
    }
  for (size_t i = people.size() / 2 + 1; i < people.size(); ++i)
    if (people[i].room != people[i - 1].room && people[i].room.substr(0, 21) == people[i - 1].room.substr(0, 21) &&
        people[i].room.size() >= 21) {
      nb_home = i - 1;
      nb_target = i;
      break;
    }
  staff[readers[p_family].person].id_number = people[fam].id;
  staff[readers[p_neighbour].person].id_number = people[nb_home].id;
  for (const auto& p : people)
    if (p.room == people[fam].room || p.room == people[nb_home].room) excluded.insert(p.id);
  excluded.insert(people[nb_target].id);
  for (const auto& s : staff) excluded.insert(s.id_number);
  // Public figures (a protected list): residents chosen at random.
  std::vector<size_t> figures;
  while (figures.size() < 12) {
    size_t i = r.Below(people.size());
    if (!excluded.count(people[i].id)) {
      figures.push_back(i);
      excluded.insert(people[i].id);
    }
  }
  // The tracker's demo citizen: read now and then by honest readers.
  size_t tracked = 0;
  for (size_t i = people.size() / 3;; ++i)
    if (!excluded.count(people[i].id)) {
      tracked = i;
      excluded.insert(people[i].id);
      break;
    }
  std::vector<std::string> pool;
  for (const auto& p : people)
    if (!excluded.count(p.id)) pool.push_back(p.id);
  for (size_t i = pool.size(); i > 1; --i) std::swap(pool[i - 1], pool[r.Below(i)]);
  for (auto& rd : readers) rd.cursor = r.Below(pool.size());

  // Cases by district, with the year's open and closed ones.
  std::map<std::string, std::vector<CaseRef>> by_district;
  std::vector<CaseRef> all_cases;
  for (const auto& c : cases.cases) {
    if (!c.filed_at || c.suspects.empty()) continue;
    if (c.filed_at->micros >= Us(year_end, 0)) continue;
    CaseRef cr{c.case_no, c.district_code, c.filed_at->micros, c.closed_at ? c.closed_at->micros : 0, {}};
    for (const auto& s : c.suspects) cr.suspects.push_back(s.id_number);
    if (cr.closed && cr.closed < Us(year_start, 0) - int64_t{400} * 86400 * kMicrosPerSecond) continue;
    by_district[c.district_code].push_back(cr);
    all_cases.push_back(cr);
  }
  auto open_case = [&](const std::string& district, int64_t t) -> const CaseRef* {
    const auto& list = district == "460100" ? all_cases : by_district[district];
    if (list.empty()) return nullptr;
    for (int tries = 0; tries < 40; ++tries) {
      const CaseRef& c = list[r.Below(list.size())];
      if (c.filed <= t && (c.closed == 0 || c.closed > t + int64_t{86400} * kMicrosPerSecond)) return &c;
    }
    return nullptr;
  };

  // ---- the history
  Out audit, shifts;
  if (!audit.Open(dir + "audit_history.csv",
                  {"at", "actor", "role", "client", "action", "target", "purpose", "case_no", "outcome", "detail"}))
    return Internal("cannot write audit_history.csv");
  if (!shifts.Open(dir + "shifts.csv", {"unit_code", "date", "code", "starts_at", "ends_at", "police_no", "call_sign"}))
    return Internal("cannot write shifts.csv");
  struct Row {
    int64_t us;
    std::vector<std::string> f;
  };
  std::vector<Row> day_rows;
  auto client = [&](const Reader& rd) { return "10.46." + std::to_string(rd.person % 250) + "." + std::to_string(10 + rd.person % 200); };
  auto read = [&](const Reader& rd, int64_t us, const std::string& action, const std::string& target,
                  const std::string& purpose, const std::string& case_no) {
    day_rows.push_back({us, {FormatTime(Timestamp{us}), rd.username, rd.role, client(rd), action, "ID:" + target, purpose, case_no, "ok", ""}});
  };
  auto verify = [&](Reader& rd, int64_t us) {
    const std::string& id = pool[rd.cursor++ % pool.size()];
    read(rd, us, r.Chance(0.5) ? "registry.residents.read" : "entity.profile", id,
         r.Chance(0.5) ? "人员核查" : "户籍核查", "");
  };
  auto case_read = [&](Reader& rd, int64_t us) {
    const CaseRef* c = open_case(rd.district, us);
    if (!c) {
      // Night-shift investigators read for their cases only.
      if (!rd.night) verify(rd, us);
      return;
    }
    read(rd, us, r.Chance(0.3) ? "analysis.trajectory" : "entity.profile", c->suspects[r.Below(c->suspects.size())],
         "案件侦办", c->case_no);
  };
  // One working day of a reader: their shift and their reads within it.
  auto work_day = [&](Reader& rd, int64_t day, int reads) {
    int64_t from = 8 * 60 + 30, to = 17 * 60 + 30;
    std::string code = "office";
    if (rd.night) {
      bool night_shift = (day % 4) == 2;
      from = night_shift ? 20 * 60 : 8 * 60;
      to = night_shift ? 32 * 60 : 20 * 60;
      code = night_shift ? "night" : "day";
    }
    shifts.Row({rd.unit, Date(day), code, At(day, from), At(day, to), staff[rd.person].police_no, ""});
    for (int i = 0; i < reads; ++i) {
      int64_t minute = from + 15 + static_cast<int64_t>(r.Below(static_cast<uint64_t>(to - from - 30)));
      int64_t us = Us(day, minute) + static_cast<int64_t>(r.Below(60 * 1000000));
      if (rd.night || r.Chance(0.7)) case_read(rd, us);
      else verify(rd, us);
    }
  };
  auto next_weekday = [](int64_t d) {
    while (!Weekday(d)) ++d;
    return d;
  };
  int64_t bulk_day = 0, neighbour_day = 0;
  {
    // Planted days, fixed per seed.
    std::vector<int64_t> weekdays;
    for (int64_t d = year_start; d < year_end; ++d)
      if (Weekday(d)) weekdays.push_back(d);
    bulk_day = weekdays[weekdays.size() / 2 + r.Below(20)];
    neighbour_day = weekdays[weekdays.size() / 3 + r.Below(20)];
  }
  for (int64_t day = year_start; day < year_end; ++day) {
    day_rows.clear();
    for (auto& rd : readers) {
      bool works = rd.night ? (day % 4 == 0 || day % 4 == 2) : Weekday(day);
      if (!works) continue;
      int n = static_cast<int>(r.Between(rd.lo, rd.hi));
      work_day(rd, day, n);
    }
    // ---- planted misconduct
    Reader& nb = readers[p_neighbour];
    for (int64_t k : {0, 3, 8, 12})
      if (day == neighbour_day + k)
        read(nb, Us(day, 90 + static_cast<int64_t>(r.Below(80))), "entity.profile", people[nb_target].id, "核查", "");
    Reader& cel = readers[p_celebrity];
    for (int k = 0; k < 3; ++k)
      if (day == neighbour_day + 20 + k * 2 && Weekday(day))
        for (int j = 0; j < 3; ++j)
          read(cel, Us(day, 10 * 60 + j * 50 + static_cast<int64_t>(r.Below(30))), "entity.profile",
               people[figures[static_cast<size_t>(k * 3 + j) % figures.size()]].id, "核查", "");
    if (day == bulk_day) {
      Reader& b = readers[p_bulk];
      for (int i = 0; i < 900; ++i) verify(b, Us(day, 9 * 60 + static_cast<int64_t>(r.Below(7 * 60 + 30))));
    }
    if (day == bulk_day + 7 && Weekday(day)) {
      Reader& c = readers[p_case];
      int64_t t0 = Us(day, 10 * 60);
      // Closed cases, a number that does not exist, and another district's open case.
      int closed = 0;
      for (const auto& cr : by_district[c.district])
        if (cr.closed && cr.closed < t0 - int64_t{30} * 86400 * kMicrosPerSecond && closed < 3) {
          read(c, t0 + closed * 600 * kMicrosPerSecond, "entity.profile", pool[(c.cursor++) % pool.size()], "案件侦办", cr.case_no);
          ++closed;
        }
      read(c, t0 + 3600 * kMicrosPerSecond, "entity.profile", pool[(c.cursor++) % pool.size()], "案件侦办",
           "A" + c.district + std::to_string(o.year) + "999999");
      const CaseRef* other = open_case(c.district == "460105" ? "460108" : "460105", t0);
      if (other)
        read(c, t0 + 5400 * kMicrosPerSecond, "entity.profile", pool[(c.cursor++) % pool.size()], "案件侦办", other->case_no);
    }
    if ((day == bulk_day + 14 || day == bulk_day + 16) && Weekday(day)) {
      Reader& f = readers[p_family];
      for (size_t i = fam; i < people.size() && people[i].room == people[fam].room; ++i)
        if (i != fam) read(f, Us(day, 14 * 60 + static_cast<int64_t>(r.Below(60))), "entity.profile", people[i].id, "核查", "");
    }
    // The tracker's citizen: three verifications, one read for a case still open, one for a case closed later.
    for (int k = 0; k < 3; ++k)
      if (day == next_weekday(year_start + 20 + k * (span / 5)))
        read(readers[static_cast<size_t>(k)], Us(day, 11 * 60), "entity.profile", people[tracked].id, "人员核查", "");
    if (day == next_weekday(year_start + span * 11 / 20)) {
      Reader& rd = readers[0];
      const CaseRef* still_open = nullptr;
      const CaseRef* closed_later = nullptr;
      int64_t t = Us(day, 15 * 60);
      for (const auto& cr : by_district[rd.district]) {
        if (cr.filed > t) continue;
        if (!still_open && cr.closed == 0) still_open = &cr;
        if (!closed_later && cr.closed > t) closed_later = &cr;
      }
      if (still_open) read(rd, t, "entity.profile", people[tracked].id, "案件侦办", still_open->case_no);
      if (closed_later) read(rd, t + 600 * kMicrosPerSecond, "entity.profile", people[tracked].id, "案件侦办", closed_later->case_no);
    }
    std::sort(day_rows.begin(), day_rows.end(), [](const Row& a, const Row& b) { return a.us < b.us; });
    for (const auto& row : day_rows) audit.Row(row.f);
  }
  if (!audit.Close() || !shifts.Close()) return Internal("write failed: audit_history.csv or shifts.csv");

  // ---- files
  Out uf, pf;
  if (!uf.Open(dir + "units.csv", {"code", "name", "kind", "parent_code", "district_code"})) return Internal("cannot write units.csv");
  for (const auto& u : units) uf.Row({u.code, u.name, u.kind, u.parent, u.district});
  if (!pf.Open(dir + "personnel.csv", {"police_no", "name", "kind", "id_number", "unit_code", "rank", "post", "status",
                                        "username", "call_sign", "joined_at"}))
    return Internal("cannot write personnel.csv");
  for (const auto& p : staff)
    pf.Row({p.police_no, p.name, p.kind, p.id_number, p.unit, p.rank, p.post, p.status, p.username, p.call_sign, p.joined});
  if (!uf.Close() || !pf.Close()) return Internal("write failed: units.csv or personnel.csv");

  Out pp;
  if (!pp.Open(dir + "protected_persons.csv", {"id_number", "category", "note"})) return Internal("cannot write protected_persons.csv");
  for (size_t i : figures) pp.Row({people[i].id, "public_figure", "公众人物（合成）"});
  if (!pp.Close()) return Internal("write failed: protected_persons.csv");

  // Training: night school and drills at the published scale.
  Out cf, sf, af, df;
  if (!cf.Open(dir + "courses.csv", {"code", "name", "kind", "hours", "pass_mark"}) ||
      !sf.Open(dir + "training_sessions.csv", {"ref", "course_code", "title", "starts_at", "place", "unit_code", "hours"}) ||
      !af.Open(dir + "attendance.csv", {"session_ref", "police_no", "hours", "score"}) ||
      !df.Open(dir + "discipline.csv", {"police_no", "kind", "date", "decision"}))
    return Internal("cannot write the training files");
  struct C {
    const char* code;
    const char* name;
    const char* kind;
    double hours, pass;
  };
  const C kCourses[] = {{"NS", "公安夜校", "night_school", 2, 0},      {"PT", "体能训练与考核", "physical", 4, 60},
                        {"SH", "射击训练", "shooting", 4, 70},         {"LW", "执法规范与法律知识", "legal", 3, 60},
                        {"FA", "现场急救", "first_aid", 3, 60},        {"TC", "警务实战技战术", "tactics", 6, 60}};
  for (const auto& c : kCourses) cf.Row({c.code, c.name, c.kind, std::to_string(static_cast<int>(c.hours)), std::to_string(static_cast<int>(c.pass))});
  int session_no = 0;
  auto session = [&](const C& c, int64_t day, double p) {
    std::string ref = "TS" + std::to_string(o.year) + "-" + std::to_string(++session_no);
    std::string title = std::string(c.name) + (c.kind == std::string("night_school") ? " 第" + std::to_string(session_no) + "期" : "");
    sf.Row({ref, c.code, title, At(day, c.kind == std::string("night_school") ? 19 * 60 + 30 : 9 * 60),
            c.kind == std::string("night_school") ? "线上直播" : "市局训练基地", "460100060000",
            std::to_string(static_cast<int>(c.hours))});
    for (const auto& s : staff) {
      if (s.status == "left" || !r.Chance(p)) continue;
      std::string score;
      if (c.pass > 0) score = std::to_string(std::clamp<int64_t>(static_cast<int64_t>(78 + (r.Unit() + r.Unit() + r.Unit() - 1.5) * 30), 20, 100));
      af.Row({ref, s.police_no, std::to_string(static_cast<int>(c.hours)), score});
    }
  };
  for (int i = 0; i < 23; ++i) session(kCourses[0], year_start + 7 + i * 15, 0.13);
  for (int i = 0; i < 35; ++i) session(kCourses[1 + i % 5], year_start + 5 + i * 10, 0.257);
  // Commendations and a few disciplinary records.
  for (int i = 0; i < static_cast<int>(40 * scale) + 4; ++i) {
    const P& s = staff[r.Below(staff.size())];
    bool good = i % 8 != 0;
    df.Row({s.police_no, good ? (i % 5 == 0 ? "merit_third" : "commendation") : "warning", Date(year_start + static_cast<int64_t>(r.Below(360))),
            good ? "在专项行动中表现突出，予以嘉奖" : "执勤中着装不规范，予以警告"});
  }
  if (!cf.Close() || !sf.Close() || !af.Close() || !df.Close()) return Internal("write failed: the training files");

  // ---- the truth
  json planted = json::array();
  auto plant = [&](const char* rule, size_t reader, const char* what) {
    planted.push_back({{"rule", rule}, {"actor", readers[reader].username}, {"police_no", staff[readers[reader].person].police_no}, {"what", what}});
  };
  plant("off_shift", p_neighbour, "looks up his neighbour at night");
  plant("repeat", p_neighbour, "looks up his neighbour at night, again and again");
  plant("protected", p_celebrity, "browses public figures");
  plant("volume", p_bulk, "a bulk export in one day");
  plant("bad_case", p_case, "cites closed, unknown and another district's case numbers");
  plant("protected", p_family, "looks up his own household");
  json honest = json::array();
  for (size_t i = 0; i < honest_count; ++i) honest.push_back(readers[i].username);
  json t = {{"year", o.year},
            {"planted", planted},
            {"honest_readers", honest},
            {"busy_readers", busy},
            {"tracker", {{"id_number", people[tracked].id}, {"name", people[tracked].name}}},
            {"training", {{"night_school_sessions", 23}, {"training_events", 35}}},
            {"personnel", staff.size()},
            {"units", units.size()}};
  std::ofstream tf(dir + "force_truth.json", std::ios::trunc);
  tf << t.dump(2) << "\n";
  if (!tf) return Internal("cannot write force_truth.json");
  if (rows_out) {
    (*rows_out)["units.csv"] = uf.rows();
    (*rows_out)["personnel.csv"] = pf.rows();
    (*rows_out)["shifts.csv"] = shifts.rows();
    (*rows_out)["attendance.csv"] = af.rows();
    (*rows_out)["audit_history.csv"] = audit.rows();
  }
  return Status::Ok();
}

}  // namespace jingwu::gen

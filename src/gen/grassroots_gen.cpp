#include "gen/grassroots_gen.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/time.h"
#include "dispatch/service.h"
#include "gen/csv_file.h"
#include "gen/random.h"
#include "identity/identity.h"

namespace jingwu::gen {

namespace {

using json = nlohmann::json;
constexpr const char* kAsOf = "2021-01-01T00:00:00+08:00";
const char* const kDistricts[] = {"460105", "460106", "460107", "460108"};
const char* const kDistrictNames[] = {"秀英区", "龙华区", "琼山区", "美兰区"};

std::string Time(int64_t day, int hour, int minute = 0) {
  return FormatTime(Timestamp{((day * 86400) + hour * 3600 + minute * 60 - 8 * 3600) * kMicrosPerSecond});
}

struct Lic {
  std::string no, site, item;
  int64_t limit = 0, from = 0, to = 0, stock = 0;
};

struct SiteGen {
  std::string code, name, kind, district, address, credit, place;
  double lat = 0, lon = 0;
  int64_t opened = 0;
};

int Every(const std::string& kind) { return kind == "shooting_range" ? 90 : kind == "fireworks_retail" ? 15 : 30; }

std::vector<std::string> Checklist(const std::string& kind) {
  if (kind == "explosives_user") return {"ledger_matches", "storage_separated", "guard_on_duty", "video_working", "fire_equipment", "locks_intact"};
  if (kind == "explosives_store")
    return {"ledger_matches", "storage_separated", "guard_on_duty", "video_working", "lightning_protection", "fire_equipment", "locks_intact"};
  if (kind == "firearms_unit") return {"ledger_matches", "ammo_separate", "guard_on_duty", "video_working", "locks_intact"};
  if (kind == "shooting_range") return {"ledger_matches", "ammo_separate", "range_safety", "video_working", "locks_intact"};
  if (kind == "fireworks_wholesale")
    return {"ledger_matches", "storage_separated", "lightning_protection", "fire_equipment", "no_open_flame", "evacuation_route", "licence_displayed"};
  return {"fire_equipment", "no_open_flame", "evacuation_route", "licence_displayed"};
}

}  // namespace

Status WriteGrassroots(const GrassrootsOptions& o, const cases::Dataset& cases, std::map<std::string, int64_t>* rows_out) {
  Random r(o.seed * 7919 + 19);
  const std::string dir = o.out_dir + "/";
  const int64_t D = LocalDay(*ParseTime(kAsOf));  // today, as of the data's end
  json truth = {{"as_of", kAsOf},
                {"alerts", {{"over_storage", json::array()}, {"licence_expired", json::array()},
                            {"licence_expiring", json::array()}, {"rectification_overdue", json::array()},
                            {"inspection_overdue", json::array()}}},
                {"near_misses", json::array()},
                {"repeats", json::object()},
                {"repeat_near_misses", json::array()},
                {"rejects", json::object()}};
  auto planted = [&](const char* kind, const std::string& key) { truth["alerts"][kind].push_back(key); };
  auto near = [&](const std::string& what) { truth["near_misses"].push_back(what); };
  auto reject = [&](const char* file, const char* code) {
    json& f = truth["rejects"][file];
    if (f.is_null()) f = json::object();
    f[code] = f.value(code, 0) + 1;
  };

  // What the city already has: organisations (holders), places (stores), buildings (dispute addresses).
  std::vector<std::vector<std::string>> orgs, places, addrs;
  if (std::filesystem::exists(dir + "organisations.csv")) JW_RETURN_IF_ERROR(ReadCsvRows(dir + "organisations.csv", &orgs));
  if (std::filesystem::exists(dir + "places.csv")) JW_RETURN_IF_ERROR(ReadCsvRows(dir + "places.csv", &places));
  if (std::filesystem::exists(dir + "addresses.csv")) JW_RETURN_IF_ERROR(ReadCsvRows(dir + "addresses.csv", &addrs));
  std::map<std::string, std::string> node_name;
  std::map<std::string, std::vector<std::string>> buildings;  // district -> building codes
  for (const auto& a : addrs)
    if (a.size() >= 3) {
      node_name[a[0]] = a[2];
      if (a[1] == "building" && a[0].size() == 19) buildings[a[0].substr(0, 6)].push_back(a[0]);
    }
  auto full_name = [&](const std::string& code) {
    std::string s;
    for (size_t len : {6u, 9u, 12u, 16u, 19u})
      if (code.size() >= len) s += node_name[code.substr(0, len)];
    return s;
  };
  std::vector<std::string> holders;  // organisations not otherwise a key unit
  for (const auto& org : orgs)
    if (org.size() >= 6 && org[5].empty()) holders.push_back(org[0]);
  std::vector<std::vector<std::string>> stores;
  for (const auto& p : places)
    if (p.size() >= 6 && p[1] == "store") stores.push_back(p);

  // ---- supervision sites
  std::vector<SiteGen> sites;
  std::vector<Lic> lics;
  auto station_near = [&](int d) {
    std::vector<const dispatch::DemoStation*> in;
    for (const auto& st : dispatch::DemoStations())
      if (st.district == std::string(kDistricts[d])) in.push_back(&st);
    return in[r.Below(in.size())];
  };
  struct KindPlan {
    const char *kind, *prefix, *name;
    int n;
  };
  const KindPlan plan[] = {{"explosives_store", "EXS", "民爆物品储存库", 4},   {"explosives_user", "EXU", "建设工程爆破作业点", 6},
                           {"firearms_unit", "FAU", "保安押运公司枪库", 8},    {"shooting_range", "SRG", "射击场", 2},
                           {"fireworks_wholesale", "FWW", "烟花爆竹批发仓库", 4}, {"fireworks_retail", "FWR", "烟花爆竹零售点", 16}};
  int si = 0;
  for (const auto& p : plan)
    for (int k = 0; k < p.n; ++k, ++si) {
      SiteGen s;
      char code[16];
      std::snprintf(code, sizeof code, "%s%03d", p.prefix, k + 1);
      s.code = code;
      s.kind = p.kind;
      int d = si % 4;
      s.district = kDistricts[d];
      const auto* st = station_near(d);
      s.lat = st->lat + (r.Unit() - 0.5) * 0.04;
      s.lon = st->lon + (r.Unit() - 0.5) * 0.04;
      s.name = std::string(kDistrictNames[d]).substr(0, 6) + p.name + std::to_string(k + 1) + "号";
      s.address = std::string(kDistrictNames[d]) + st->name + "辖区" + std::to_string(10 + r.Below(300)) + "号";
      if (!holders.empty() && std::string(p.kind) != "fireworks_retail") s.credit = holders[r.Below(holders.size())];
      if (std::string(p.kind) == "fireworks_retail" && !stores.empty() && k < 4) {
        const auto& store = stores[static_cast<size_t>(k) % stores.size()];
        s.place = store[0];
        s.district = store[3];
        s.lat = std::stod(store[4]), s.lon = std::stod(store[5]);
        for (int x = 0; x < 4; ++x)
          if (s.district == kDistricts[x]) s.name = std::string(kDistrictNames[x]).substr(0, 6) + p.name + std::to_string(k + 1) + "号";
      }
      s.opened = std::string(p.kind) == "fireworks_retail" ? D - r.Between(25, 40) : D - r.Between(500, 3000);
      sites.push_back(s);
    }
  auto site = [&](const std::string& code) -> SiteGen& {
    for (auto& s : sites)
      if (s.code == code) return s;
    return sites[0];
  };
  int lic_seq = 0;
  auto add_lic = [&](const SiteGen& s, const char* item, int64_t limit, int64_t from, int64_t to) -> Lic& {
    std::string it = item;
    const char* word = it == "fireworks" ? "烟" : it == "firearms" || it == "ammunition" ? "枪" : "爆";
    char no[48];
    std::snprintf(no, sizeof no, "琼公%s字%05d", word, ++lic_seq);
    lics.push_back({no, s.code, item, limit, from, to, 0});
    return lics.back();
  };
  for (auto& s : sites) {
    int64_t from = std::max(s.opened, D - r.Between(100, 900)), to = from + 1095;
    if (s.kind == "explosives_store") {
      add_lic(s, "explosives", 5000, from, to);
      add_lic(s, "detonators", 20000, from, to);
    } else if (s.kind == "explosives_user") {
      add_lic(s, "explosives", 500, from, to);
    } else if (s.kind == "firearms_unit") {
      add_lic(s, "firearms", 20, from, to);
      add_lic(s, "ammunition", 2000, from, to);
    } else if (s.kind == "shooting_range") {
      add_lic(s, "firearms", 30, from, to);
      add_lic(s, "ammunition", 10000, from, to);
    } else if (s.kind == "fireworks_wholesale") {
      add_lic(s, "fireworks", 3000, from, to);
    } else {
      // This season's retail licence: 20 December to the end of February.
      add_lic(s, "fireworks", 100, D - 12, D + 58);
    }
  }
  auto lic_of = [&](const std::string& site_code, const std::string& item) -> Lic& {
    for (auto& l : lics)
      if (l.site == site_code && l.item == item) return l;
    return lics[0];
  };
  // Planted licence problems.
  {
    Lic& a = lic_of("FAU003", "ammunition");
    a.from = D - 1115, a.to = D - 20;  // expired 20 days ago, still holding rounds
    planted("licence_expired", a.no);
    Lic& b = lic_of("EXU002", "explosives");
    b.from = D - 1100, b.to = D - 5;
    planted("licence_expired", b.no);
    Lic& c = lic_of("FAU005", "firearms");
    c.from = D - 1085, c.to = D + 10;  // ends in 10 days
    planted("licence_expiring", c.no);
    Lic& e = lic_of("FAU006", "firearms");
    e.from = D - 1055, e.to = D + 40;  // ends in 40 days: not yet
    near("licence " + e.no + " ends in 40 days (expiring alerts within 30)");
    // A retail point of last season only: its licence ended in February, its stock sold: no alert.
    SiteGen last = site("FWR016");
    last.code = "FWR017";
    last.name = last.name + "（上季）";
    last.opened = D - 380;
    sites.push_back(last);
    add_lic(sites.back(), "fireworks", 100, D - 377, D - 307);
    near("licence of FWR017 expired last season with no stock left");
  }

  // Stock movements: a first delivery, then issues and deliveries within the limit.
  CsvFileWriter mv;
  if (!mv.Open(dir + "grassroots_movements.csv", {"site_code", "licence_no", "delta", "at", "note"}))
    return Internal("cannot write grassroots_movements.csv");
  struct Move {
    int64_t day;
    int hour;
    std::vector<std::string> row;
  };
  std::vector<Move> moves;
  // The planted expired and expiring licences keep their stock (an alert needs something held).
  std::set<std::string> keep_stock;
  for (const auto& k : {"licence_expired", "licence_expiring"})
    for (const auto& no : truth["alerts"][k]) keep_stock.insert(no.get<std::string>());
  for (auto& l : lics) {
    const SiteGen& s = site(l.site);
    int64_t start = std::max(l.from, s.opened) + 1;
    int64_t qty = l.limit * r.Between(55, 80) / 100;
    if (l.site == "FWR017") {
      moves.push_back({start, 10, {l.site, l.no, "80", Time(start, 10), "入库"}});
      moves.push_back({start + 30, 18, {l.site, l.no, "-80", Time(start + 30, 18), "售罄"}});
      continue;
    }
    moves.push_back({start, 10, {l.site, l.no, std::to_string(qty), Time(start, 10), "入库"}});
    l.stock = qty;
    int64_t last = std::min(l.to, D - 1);
    for (int64_t d = start + r.Between(5, 20); d < last; d += r.Between(10, 40)) {
      int64_t out = keep_stock.count(l.no) ? 0 : std::min(l.stock, l.limit * r.Between(5, 15) / 100);
      if (out > 0) {
        moves.push_back({d, 14, {l.site, l.no, std::to_string(-out), Time(d, 14), "出库"}});
        l.stock -= out;
      }
      int64_t in = l.limit * r.Between(5, 15) / 100;
      if (d + 2 < last && l.stock + in <= l.limit * 9 / 10) {
        moves.push_back({d + 2, 9, {l.site, l.no, std::to_string(in), Time(d + 2, 9), "入库"}});
        l.stock += in;
      }
    }
  }
  // Bad rows: a delivery over the limit, one under an expired licence, one of an unknown licence.
  {
    Lic& w = lic_of("FWW001", "fireworks");
    moves.push_back({D - 2, 11, {w.site, w.no, std::to_string(w.limit - w.stock + 50), Time(D - 2, 11), "超量入库"}});
    reject("grassroots_movements.csv", "over_licence_limit");
    Lic& x = lic_of("FAU003", "ammunition");
    moves.push_back({D - 3, 11, {x.site, x.no, "100", Time(D - 3, 11), "过期后入库"}});
    reject("grassroots_movements.csv", "licence_expired");
    moves.push_back({D - 4, 11, {"EXS001", "琼公爆字99999", "10", Time(D - 4, 11), "无证"}});
    reject("grassroots_movements.csv", "unknown_licence");
  }
  std::stable_sort(moves.begin(), moves.end(), [](const Move& a, const Move& b) {
    return a.day != b.day ? a.day < b.day : a.hour < b.hour;
  });
  for (const auto& m : moves) mv.Row(m.row);

  // Inspections: every interval, the last one recent; hazards found and fixed on time, except those planted.
  CsvFileWriter in, re;
  if (!in.Open(dir + "grassroots_inspections.csv", {"ref", "site_code", "at", "failed", "counts", "note"}) ||
      !re.Open(dir + "grassroots_reinspections.csv", {"hazard_ref", "at", "ok", "deadline", "note"}))
    return Internal("cannot write grassroots inspections");
  std::set<std::string> overdue_sites = {"EXU004", "FAU007", "FWW004"};
  int iref = 0;
  for (const auto& s : sites) {
    if (s.code == "FWR017") continue;
    int every = Every(s.kind);
    int64_t last = D - r.Between(1, every - 2);
    if (overdue_sites.count(s.code)) {
      last = D - every - 5;
      planted("inspection_overdue", s.code);
    }
    if (s.code == "EXU005") {
      last = D - every;  // due today: not overdue yet
      near("EXU005 due today (inspection_overdue counts from the day after)");
    }
    std::vector<int64_t> days;
    for (int64_t d = last; d > s.opened && days.size() < 6; d -= every) days.push_back(d);
    std::reverse(days.begin(), days.end());
    for (size_t k = 0; k < days.size(); ++k) {
      int64_t d = days[k];
      std::string ref = "I" + std::to_string(++iref);
      std::string failed, counts;
      bool final = k + 1 == days.size();
      auto items = Checklist(s.kind);
      // A hazard now and then, rectified well before its deadline.
      if (!final && r.Chance(0.15)) {
        std::string item = items[r.Below(items.size())];
        failed = item + ":general:" + DayText(d + 10);
        re.Row({ref + "/" + item, Time(d + r.Between(3, 8), 15), "1", "", "已整改"});
      }
      if (final) {
        for (const auto& l : lics)
          if (l.site == s.code && l.to >= D) counts += (counts.empty() ? "" : ";") + l.no + "=" + std::to_string(l.stock);
        if (s.code == "FWW002" || s.code == "FWR005") {
          Lic& l = lic_of(s.code, "fireworks");
          counts = l.no + "=" + std::to_string(l.limit + (s.code == "FWW002" ? 400 : 30));
          planted("over_storage", l.no);
        }
        if (s.code == "FWW003") {
          Lic& l = lic_of(s.code, "fireworks");
          counts = l.no + "=" + std::to_string(l.limit);
          near("FWW003 counted exactly at its limit");
        }
        // Planted: hazards past their deadline; near misses due today and rectified on time.
        if (s.code == "EXS002" || s.code == "FAU002" || s.code == "FWR003") {
          if (d > D - 12) d = D - 12;
          std::string item = items[0];
          failed = item + ":major:" + DayText(d + 7);
          planted("rectification_overdue", ref + "/" + item);
        }
        if (s.code == "FAU004") {
          if (d > D - 5) d = D - 5;
          failed = items[1] + ":general:" + DayText(D);
          near(ref + "/" + items[1] + " deadline today");
        }
        if (s.code == "EXS003") {
          if (d > D - 12) d = D - 12;
          failed = items[1] + ":general:" + DayText(d + 5);
          re.Row({ref + "/" + items[1], Time(d + 4, 16), "1", "", "按期整改"});
          near(ref + "/" + items[1] + " rectified before its deadline");
        }
        if (s.code == "SRG002") {
          // Re-inspected, not fixed, given more time: open, not yet overdue.
          if (d > D - 12) d = D - 12;
          failed = items[2] + ":general:" + DayText(d + 5);
          re.Row({ref + "/" + items[2], Time(d + 5, 10), "0", DayText(D + 10), "整改中，延期"});
          near(ref + "/" + items[2] + " given a new deadline");
        }
      }
      in.Row({ref, s.code, Time(d, 10, static_cast<int>(r.Below(50))), failed, counts, final ? "例行检查" : "检查"});
    }
  }
  // Bad rows: an inspection before the site opened, a failed item with no deadline.
  in.Row({"IBAD1", "EXS001", Time(site("EXS001").opened - 10, 10), "", "", "开业前"});
  reject("grassroots_inspections.csv", "invalid_time");
  in.Row({"IBAD2", "FAU001", Time(D - 1, 9), "guard_on_duty:general:", "", "缺期限"});
  reject("grassroots_inspections.csv", "deadline_required");

  CsvFileWriter sw, lw;
  if (!sw.Open(dir + "grassroots_sites.csv", {"code", "name", "kind", "district_code", "address", "lat", "lon", "opened_on",
                                              "credit_code", "place_code"}) ||
      !lw.Open(dir + "grassroots_licences.csv", {"licence_no", "site_code", "item", "limit", "valid_from", "valid_to"}))
    return Internal("cannot write grassroots sites");
  for (const auto& s : sites) {
    char la[32], lo[32];
    std::snprintf(la, sizeof la, "%.6f", s.lat);
    std::snprintf(lo, sizeof lo, "%.6f", s.lon);
    sw.Row({s.code, s.name, s.kind, s.district, s.address, la, lo, DayText(s.opened), s.credit, s.place});
  }
  for (const auto& l : lics)
    lw.Row({l.no, l.site, l.item, std::to_string(l.limit), DayText(l.from), DayText(l.to)});

  // ---- disputes over the year before as_of
  CsvFileWriter dw, mw, fw, ew;
  if (!dw.Open(dir + "grassroots_disputes.csv", {"ref", "station", "source", "kind", "risk", "address", "address_code",
                                                 "reported_at", "summary", "parties"}) ||
      !mw.Open(dir + "grassroots_mediations.csv", {"dispute_ref", "at", "mediator", "outcome", "agreement"}) ||
      !fw.Open(dir + "grassroots_followups.csv", {"dispute_ref", "due_on", "done_at", "result", "note"}) ||
      !ew.Open(dir + "grassroots_escalations.csv", {"dispute_ref", "case_no", "note"}))
    return Internal("cannot write grassroots disputes");
  const char* kinds[] = {"neighbour", "family", "labour", "property", "traffic", "land", "other"};
  const std::vector<double> kind_w = {30, 20, 15, 15, 10, 5, 5};
  const char* summaries[] = {"楼上漏水、噪音引发邻里争执", "夫妻因家庭琐事发生争吵", "工程款拖欠引发劳资纠纷", "物业费及停车位纠纷",
                             "轻微交通事故赔偿协商不成", "宅基地边界争议", "买卖合同履行纠纷"};
  const char* surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高";
  const char* given[] = {"海燕", "志强", "建华", "丽娟", "文杰", "国平", "春梅", "晓东", "明辉", "秀英"};
  int person_seq = 0;
  struct Party {
    std::string name, id, phone, role;
  };
  auto new_party = [&](const char* role) {
    Party p;
    int s = static_cast<int>(r.Below(20));
    p.name = std::string(surnames + s * 3, 3) + given[r.Below(10)];
    auto id = identity::MakeIdNumber(kDistricts[r.Below(4)], static_cast<int>(r.Between(1955, 2000)),
                                     static_cast<int>(r.Between(1, 12)), static_cast<int>(r.Between(1, 28)),
                                     static_cast<int>(++person_seq % 1000));
    p.id = id.ok() ? *id : "";
    p.phone = "139" + std::to_string(10000000 + r.Below(89999999));
    p.role = role;
    return p;
  };
  auto parties_text = [](const std::vector<Party>& ps) {
    std::string s;
    for (const auto& p : ps) s += (s.empty() ? "" : ";") + p.name + "|" + p.id + "|" + p.phone + "|" + p.role;
    return s;
  };
  struct Dispute {
    std::string ref, station, kind, building;
    int64_t day = 0;
    std::vector<Party> parties;
  };
  std::vector<Dispute> disputes;
  std::vector<const dispatch::DemoStation*> stations;
  for (const auto& st : dispatch::DemoStations()) stations.push_back(&st);
  int dref = 0;
  std::set<std::string> used_buildings;
  // A building no dispute has named yet: only the planted repeats share one.
  auto building_in = [&](const std::string& district) -> std::string {
    auto it = buildings.find(district);
    if (it == buildings.end() || it->second.empty()) return "";
    for (int tries = 0; tries < 50; ++tries) {
      const std::string& b = it->second[r.Below(it->second.size())];
      if (used_buildings.insert(b).second) return b;
    }
    return "";
  };
  auto emit = [&](Dispute& d, const char* source, const std::string& risk) {
    const auto* st = stations[0];
    for (const auto* s : stations)
      if (d.station == s->name) st = s;
    std::string address = d.building.empty() ? std::string(st->name) + "辖区某小区" : full_name(d.building);
    int k = 0;
    for (int i = 0; i < 7; ++i)
      if (d.kind == kinds[i]) k = i;
    dw.Row({d.ref, d.station, source, d.kind, risk, address, d.building, Time(d.day, static_cast<int>(r.Between(8, 21))),
            summaries[k], parties_text(d.parties)});
  };
  // The ordinary year: spread over the stations, mostly resolved.
  for (int i = 0; i < 150; ++i) {
    Dispute d;
    d.ref = "D" + std::to_string(++dref);
    const auto* st = stations[r.Below(stations.size())];
    d.station = st->name;
    d.kind = kinds[r.Pick(kind_w)];
    d.day = D - r.Between(20, 365);
    d.building = building_in(st->district);
    d.parties = {new_party("applicant")};
    if (r.Chance(0.8)) d.parties.push_back(new_party("respondent"));
    disputes.push_back(d);
  }
  // Planted repeats: the same person again within six months, the same building again.
  auto later = [&](const Dispute& first, int days) {
    Dispute d = first;
    d.ref = "D" + std::to_string(++dref);
    d.day = first.day + days;
    return d;
  };
  std::vector<Dispute> extra;
  int planted_party = 0, planted_address = 0, near_party = 0, near_address = 0;
  for (size_t i = 0; i < disputes.size() && (planted_party < 5 || planted_address < 3 || near_party < 2 || near_address < 2); ++i) {
    const Dispute& f = disputes[i];
    int64_t room = D - 1 - f.day;
    bool unique_building = !f.building.empty() &&
                           std::count_if(disputes.begin(), disputes.end(), [&](const Dispute& x) { return x.building == f.building; }) == 1;
    if (planted_party < 5 && room > 60 && unique_building) {
      Dispute d = later(f, static_cast<int>(r.Between(20, std::min<int64_t>(150, room - 1))));
      d.building = building_in(f.building.substr(0, 6));  // elsewhere: the person is what repeats
      d.parties = {f.parties[0], new_party("respondent")};
      truth["repeats"][d.ref] = {{"of", f.ref}, {"reason", "same_party"}};
      extra.push_back(d);
      ++planted_party;
    } else if (planted_address < 3 && room > 60 && unique_building) {
      Dispute d = later(f, static_cast<int>(r.Between(20, std::min<int64_t>(150, room - 1))));
      d.parties = {new_party("applicant")};
      truth["repeats"][d.ref] = {{"of", f.ref}, {"reason", "same_address"}};
      extra.push_back(d);
      ++planted_address;
    } else if (near_party < 2 && f.day < D - 300 && unique_building) {
      // The same person eight months later: outside the window, not a repeat.
      Dispute d = later(f, 245);
      d.building = building_in(f.building.substr(0, 6));
      d.parties = {f.parties[0]};
      truth["repeat_near_misses"].push_back(d.ref);
      extra.push_back(d);
      ++near_party;
    } else if (near_address < 2 && room > 60 && unique_building) {
      // Another building of the same compound: not the same address.
      std::string other;
      for (const auto& b : buildings[f.building.substr(0, 6)])
        if (b != f.building && b.substr(0, 16) == f.building.substr(0, 16) && !used_buildings.count(b)) other = b;
      if (other.empty()) continue;
      Dispute d = later(f, 30);
      d.building = other;
      used_buildings.insert(other);
      d.parties = {new_party("applicant")};
      truth["repeat_near_misses"].push_back(d.ref);
      extra.push_back(d);
      ++near_address;
    }
  }
  for (auto& d : extra) disputes.push_back(d);
  std::stable_sort(disputes.begin(), disputes.end(), [](const Dispute& a, const Dispute& b) { return a.day < b.day; });
  // Outcomes, in the order they were reported.
  std::string escalated;
  std::string case_no;
  for (const auto& c : cases.cases)
    if (c.filed_at && LocalDay(*c.filed_at) >= D - 60 && c.kind == "criminal") case_no = c.case_no;
  if (case_no.empty() && !cases.cases.empty()) case_no = cases.cases.back().case_no;
  for (auto& d : disputes) {
    const char* source = r.Chance(0.6) ? "walk_in" : "community";
    std::string risk = r.Chance(0.15) ? "high" : r.Chance(0.4) ? "medium" : "low";
    emit(d, source, risk);
    int64_t age = D - d.day;
    bool is_repeat = truth["repeats"].contains(d.ref);
    if (is_repeat && escalated.empty() && !case_no.empty() && age > 10) {
      // The repeat that was not caught in time turned criminal.
      mw.Row({d.ref, Time(d.day + 2, 15), "社区民警", "failed", ""});
      ew.Row({d.ref, case_no, "矛盾激化，转为刑事案件"});
      escalated = d.ref;
      truth["escalated"] = {{"dispute", d.ref}, {"case_no", case_no}};
      continue;
    }
    if (age < 5) continue;  // reported this week: still open
    double p = r.Unit();
    if (p < 0.78) {
      if (r.Chance(0.3)) mw.Row({d.ref, Time(d.day + 1, 15), "社区民警", "partial", ""});
      mw.Row({d.ref, Time(d.day + 3, 16), r.Chance(0.5) ? "人民调解员" : "社区民警", "agreement", "双方达成和解，签订调解协议书"});
      int64_t due = d.day + 33;
      if (due < D - 2) fw.Row({d.ref, DayText(due), Time(due, 10), r.Chance(0.9) ? "stable" : "recurring", "回访"});
      else fw.Row({d.ref, DayText(due), "", "", ""});
    } else if (p < 0.88) {
      mw.Row({d.ref, Time(d.day + 2, 15), "社区民警", "failed", ""});
    } else if (p < 0.94) {
      mw.Row({d.ref, Time(d.day + 2, 15), "社区民警", "partial", ""});
      fw.Row({d.ref, DayText(std::min(D + 3, d.day + 10)), "", "", ""});
    }
  }
  // Bad rows: a dispute with no party, one with a false ID number.
  dw.Row({"DBAD1", stations[0]->name, "walk_in", "neighbour", "low", "秀英区某小区", "", Time(D - 3, 10), "无当事人", ""});
  reject("grassroots_disputes.csv", "party_required");
  dw.Row({"DBAD2", stations[1]->name, "walk_in", "family", "low", "秀英区某小区", "", Time(D - 2, 10), "身份证号错误",
          "张三|460105199013011235|13900000000|applicant"});
  reject("grassroots_disputes.csv", "invalid_id_number");

  // ---- partners, members, tips
  CsvFileWriter pw, memw, tw;
  if (!pw.Open(dir + "grassroots_partners.csv", {"name", "kind", "district_code", "area", "contact"}) ||
      !memw.Open(dir + "grassroots_members.csv", {"partner", "name", "phone"}) ||
      !tw.Open(dir + "grassroots_tips.csv", {"reporter_phone", "reporter_name", "category", "text", "address", "lat", "lon",
                                             "created_at"}))
    return Internal("cannot write grassroots partners");
  struct PartnerKind {
    const char *kind, *suffix, *area;
  };
  const PartnerKind pk[] = {{"security_company", "保安联盟", "辖区商圈、银行网点"},
                            {"school_alliance", "护校安园联盟", "辖区中小学、幼儿园周边"},
                            {"sanitation_team", "公安+环卫工人队", "辖区主次干道"}};
  std::vector<std::pair<std::string, std::string>> reporters;  // phone, name
  for (int d = 0; d < 4; ++d)
    for (const auto& k : pk) {
      std::string name = std::string(kDistrictNames[d]) + k.suffix;
      pw.Row({name, k.kind, kDistricts[d], std::string(kDistrictNames[d]) + k.area, "联络民警 0898-6" + std::to_string(5000000 + r.Below(999999))});
      int n = static_cast<int>(r.Between(6, 14));
      for (int i = 0; i < n; ++i) {
        Party p = new_party("applicant");
        memw.Row({name, p.name, p.phone});
        reporters.push_back({p.phone, p.name});
      }
    }
  const char* tip_cats[] = {"suspicious_person", "suspicious_vehicle", "hazard", "dispute", "drugs", "gambling", "fraud", "other"};
  const char* tip_texts[] = {"有陌生人在小区内反复查看车辆", "一辆无牌面包车连续几晚停在学校门口", "路边电箱门敞开，电线裸露",
                             "两户居民因占道堆物发生争吵", "出租屋内疑似有人吸毒", "某棋牌室深夜聚集赌博",
                             "有人在菜市场推销所谓高收益理财", "井盖缺失，行人易跌落"};
  for (int i = 0; i < 60; ++i) {
    bool member = i % 3 != 2;
    std::string phone, who;
    if (member && !reporters.empty()) {
      auto& m = reporters[r.Below(reporters.size())];
      phone = m.first, who = m.second;
    } else {
      Party p = new_party("applicant");
      phone = p.phone, who = p.name;
    }
    size_t c = r.Below(8);
    const auto* st = stations[r.Below(stations.size())];
    char la[32], lo[32];
    std::snprintf(la, sizeof la, "%.6f", st->lat + (r.Unit() - 0.5) * 0.02);
    std::snprintf(lo, sizeof lo, "%.6f", st->lon + (r.Unit() - 0.5) * 0.02);
    std::string building = building_in(st->district);
    tw.Row({phone, who, tip_cats[c], tip_texts[c], building.empty() ? "" : full_name(building), la, lo,
            Time(D - r.Between(1, 60), static_cast<int>(r.Between(7, 22)))});
  }

  for (auto* w : {&mv, &in, &re, &sw, &lw, &dw, &mw, &fw, &ew, &pw, &memw, &tw})
    if (!w->Close()) return Internal("write failed: a grassroots file");
  if (rows_out) {
    (*rows_out)["grassroots_sites.csv"] = sw.rows();
    (*rows_out)["grassroots_licences.csv"] = lw.rows();
    (*rows_out)["grassroots_movements.csv"] = mv.rows();
    (*rows_out)["grassroots_inspections.csv"] = in.rows();
    (*rows_out)["grassroots_disputes.csv"] = dw.rows();
    (*rows_out)["grassroots_tips.csv"] = tw.rows();
  }
  std::ofstream tf(dir + "grassroots_truth.json");
  tf << truth.dump(2) << "\n";
  return tf.good() ? Status::Ok() : Internal("cannot write grassroots_truth.json");
}

}  // namespace jingwu::gen

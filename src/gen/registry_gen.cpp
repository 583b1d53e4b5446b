#include "gen/registry_gen.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <unordered_map>
#include <vector>

#include "core/csv.h"
#include "gen/csv_file.h"
#include "gen/random.h"
#include "identity/identity.h"

namespace jingwu::gen {

namespace {

struct DistrictDef {
  const char* code;
  const char* name;
  std::vector<const char*> streets;
};

// Haikou's districts and (a selection of) their streets and towns.
const std::vector<DistrictDef>& Districts() {
  static const std::vector<DistrictDef> kD = {
      {"460105", "秀英区", {"秀英街道", "海秀街道", "长流镇", "西秀镇", "海秀镇", "石山镇"}},
      {"460106", "龙华区", {"中山街道", "滨海街道", "金贸街道", "大同街道", "海垦街道", "城西镇", "龙桥镇", "新坡镇"}},
      {"460107", "琼山区", {"府城街道", "滨江街道", "国兴街道", "凤翔街道", "龙塘镇", "云龙镇", "红旗镇"}},
      {"460108", "美兰区", {"海甸街道", "白沙街道", "人民路街道", "博爱街道", "和平南街道", "新埠街道", "蓝天街道",
                            "白龙街道", "演丰镇"}},
  };
  return kD;
}

constexpr const char* kRoads[] = {"玉沙路", "龙昆北路", "龙昆南路", "国贸路", "金龙路", "滨海大道", "海秀路", "海府路",
                                  "和平大道", "人民大道", "南沙路", "金盘路", "椰海大道", "丘海大道", "秀英大道", "长滨路",
                                  "凤翔路", "白龙南路", "大同路", "解放路", "博爱路", "文明东路", "琼州大道", "红城湖路",
                                  "府城大道", "新埠大道", "美舍路", "蓝天路", "世贸北路", "海甸二东路"};
constexpr const char* kPrefixes[] = {"阳光", "金色", "椰风", "海景", "碧海", "南国", "华庭", "绿地", "鸿洲", "世纪",
                                     "天利", "东方", "万华", "滨江", "名门", "宝华", "金盘", "新城", "海韵", "兰亭",
                                     "翡翠", "银湖", "龙湾", "凤凰", "南洋", "锦绣", "和风", "星海", "明珠", "富力",
                                     "云洲", "碧桂", "椰林", "金海", "瑞城", "嘉华", "恒大", "香樟", "紫荆", "白鹭"};
// Suffix, colloquial alias suffix, whether it is a tower (A座, B座) rather than numbered buildings.
struct Suffix {
  const char* name;
  const char* alias;
  bool tower;
};
constexpr Suffix kSuffixes[] = {{"花园", "小区", false}, {"小区", "花园", false}, {"公寓", "公寓楼", false},
                                {"大厦", "大楼", true},  {"苑", "小区", false},   {"家园", "小区", false},
                                {"广场", "大厦", true},  {"新村", "村", false}};
// Homophones people type by mistake.
constexpr std::pair<const char*, const char*> kTypos[] = {{"阳", "洋"}, {"华", "化"}, {"园", "圆"}, {"厦", "夏"},
                                                          {"湾", "弯"}, {"城", "成"}, {"苑", "院"}, {"庭", "亭"}};
constexpr const char* kFullDigits[] = {"０", "１", "２", "３", "４", "５", "６", "７", "８", "９"};
constexpr const char* kCnDigits[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

std::string Pad(int64_t v, int width) {
  char b[32];
  std::snprintf(b, sizeof b, "%0*lld", width, static_cast<long long>(v));
  return b;
}

std::string FullWidthDigits(const std::string& s) {
  std::string out;
  for (char c : s) out += c >= '0' && c <= '9' ? kFullDigits[c - '0'] : std::string(1, c);
  return out;
}

std::string ChineseNumber(int v) {  // 1..99
  if (v <= 10) return kCnDigits[v];
  if (v < 20) return std::string("十") + kCnDigits[v % 10];
  return std::string(kCnDigits[v / 10]) + "十" + (v % 10 ? kCnDigits[v % 10] : "");
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

struct Room {
  std::string code, key;  // key 1203
  int floor = 0, no = 0;
};
struct Unit {
  std::string code, key;
  std::vector<Room> rooms;
};
struct Building {
  std::string code, key, name;  // 3 / 3栋, B / B座
  std::vector<Unit> units;
};
struct Compound {
  std::string code, name, road, alias, typo, district, street, community;
  size_t district_idx = 0;
  bool duplicate_name = false;
  double lat = 0, lon = 0;
  std::vector<Building> buildings;
};

using Writer = CsvFileWriter;
Status ReadCsv(const std::string& path, std::vector<std::vector<std::string>>* rows) { return ReadCsvRows(path, rows); }

}  // namespace

Status WriteRegistry(const std::string& out_dir, uint64_t seed, std::map<std::string, int64_t>* rows_out,
                     const std::vector<GuestStay>* guests) {
  std::string dir = out_dir.empty() || out_dir.back() == '/' ? out_dir : out_dir + "/";
  std::vector<std::vector<std::string>> places, residents;
  JW_RETURN_IF_ERROR(ReadCsv(dir + "places.csv", &places));        // code,kind,name,district_code,lat,lon
  JW_RETURN_IF_ERROR(ReadCsv(dir + "residents.csv", &residents));  // id_type,id_number,name,...,address_code,...
  Random r(seed * 0x51ED2701u + 17);
  const auto& districts = Districts();
  auto district_index = [&](const std::string& code) -> size_t {
    for (size_t i = 0; i < districts.size(); ++i)
      if (code == districts[i].code) return i;
    return 1;
  };

  // Residents per community, to size the compounds.
  std::unordered_map<std::string, int64_t> per_community;
  for (const auto& row : residents)
    if (row.size() > 6) ++per_community[row[6]];

  Writer addr, alias;
  if (!addr.Open(dir + "addresses.csv", {"code", "level", "name", "road", "key", "lat", "lon", "status"}) ||
      !alias.Open(dir + "address_aliases.csv", {"code", "alias"}))
    return Internal("cannot write the registry files in " + dir);
  auto node = [&](const std::string& code, const char* level, const std::string& name, const std::string& road,
                  const std::string& key, double lat, double lon) {
    char la[32] = "", lo[32] = "";
    if (lat != 0) {
      std::snprintf(la, sizeof la, "%.6f", lat);
      std::snprintf(lo, sizeof lo, "%.6f", lon);
    }
    addr.Row({code, level, name, road, key, la, lo, "active"});
  };

  // Districts and streets (only streets that get a community are written).
  std::vector<std::vector<std::string>> street_codes(districts.size());
  std::vector<std::vector<int>> street_communities(districts.size());
  for (size_t d = 0; d < districts.size(); ++d) {
    node(districts[d].code, "district", districts[d].name, "", "", 0, 0);
    street_communities[d].assign(districts[d].streets.size(), 0);
  }
  struct Community {
    std::string place_code, code, name;
    size_t district, street;
    double lat, lon;
  };
  std::vector<Community> communities;
  std::vector<size_t> next_street(districts.size(), 0);
  for (const auto& p : places) {
    if (p.size() < 6 || p[1] != "community") continue;
    size_t d = district_index(p[3]);
    size_t s = next_street[d]++ % districts[d].streets.size();
    communities.push_back({p[0], "", p[2], d, s, std::stod(p[4]), std::stod(p[5])});
  }
  for (auto& c : communities) {
    int& n = street_communities[c.district][c.street];
    c.code = std::string(districts[c.district].code) + Pad(static_cast<int64_t>(c.street) + 1, 3) + Pad(++n, 3);
  }
  std::sort(communities.begin(), communities.end(), [](const Community& a, const Community& b) { return a.code < b.code; });
  std::set<std::string> streets_written;
  for (const auto& c : communities) {
    std::string sc = c.code.substr(0, 9);
    if (streets_written.insert(sc).second) node(sc, "street", districts[c.district].streets[c.street], "", "", 0, 0);
    node(c.code, "community", c.name, "", "", 0, 0);
  }
  std::unordered_map<std::string, size_t> community_of_place;
  for (size_t i = 0; i < communities.size(); ++i) community_of_place[communities[i].place_code] = i;

  // Each community's police officer (社区民警), at the nearest police station
  // of the same district.
  {
    Writer ow;
    if (!ow.Open(dir + "community_officers.csv", {"community_code", "officer_name", "police_number", "phone", "station_code"}))
      return Internal("cannot write community_officers.csv");
    static constexpr const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "林", "黄", "吴", "符", "邢", "冯", "云"};
    static constexpr const char* kGiven[] = {"海", "明", "军", "伟", "强", "涛", "斌", "峰", "华", "勇", "磊", "琼"};
    int64_t number = 460000 + static_cast<int64_t>(r.Below(3000));
    for (const auto& c : communities) {
      std::string station;
      double best = 1e18;
      for (const auto& p : places) {
        if (p.size() < 6 || p[1] != "police_station") continue;
        double dlat = std::stod(p[4]) - c.lat, dlon = std::stod(p[5]) - c.lon;
        double d = dlat * dlat + dlon * dlon + (district_index(p[3]) == c.district ? 0 : 1.0);
        if (d < best) best = d, station = p[0];
      }
      std::string name = std::string(kSurnames[r.Below(std::size(kSurnames))]) + kGiven[r.Below(std::size(kGiven))] +
                         (r.Chance(0.6) ? kGiven[r.Below(std::size(kGiven))] : "");
      number += 1 + static_cast<int64_t>(r.Below(7));
      ow.Row({c.code, name, std::to_string(number), "0898-6" + Pad(static_cast<int64_t>(r.Below(10000000)), 7), station});
    }
    if (!ow.Close()) return Internal("write failed: community_officers.csv");
  }

  // Compounds, buildings, units, floors, rooms.
  std::vector<Compound> compounds;
  std::vector<std::vector<size_t>> compounds_of(communities.size());
  std::set<std::string> names_used;
  std::map<std::string, int> road_numbers;
  std::vector<std::string> all_names;
  for (size_t ci = 0; ci < communities.size(); ++ci) {
    const Community& cm = communities[ci];
    int64_t people = per_community.count(cm.place_code) ? per_community[cm.place_code] : 50;
    int n = static_cast<int>(std::clamp<int64_t>(people / 35, 3, 40));
    for (int k = 1; k <= n; ++k) {
      Compound c;
      c.code = cm.code + Pad(k, 4);
      c.district_idx = cm.district;
      c.district = districts[cm.district].name;
      c.street = districts[cm.district].streets[cm.street];
      c.community = cm.name;
      const Suffix* suf = nullptr;
      // A few names repeat in another district (ambiguous without the district).
      if (!all_names.empty() && r.Chance(0.03)) {
        c.name = all_names[r.Below(all_names.size())];
        c.duplicate_name = true;
        for (const auto& s : kSuffixes)
          if (c.name.ends_with(s.name)) suf = &s;
      } else {
        for (int tries = 0; tries < 50; ++tries) {
          suf = &kSuffixes[r.Below(std::size(kSuffixes))];
          std::string name = std::string(kPrefixes[r.Below(std::size(kPrefixes))]) + suf->name;
          if (tries >= 40) name = std::string(kPrefixes[r.Below(std::size(kPrefixes))]) + std::to_string(tries) + suf->name;
          if (!names_used.count(name)) {
            c.name = name;
            break;
          }
        }
      }
      if (c.name.empty() || !suf) continue;
      if (c.duplicate_name) {
        bool same_district = false;
        for (const auto& x : compounds) same_district |= x.name == c.name && x.district_idx == c.district_idx;
        if (same_district) continue;  // a repeated name only across districts
        for (auto& x : compounds)
          if (x.name == c.name) x.duplicate_name = true;
      }
      names_used.insert(c.name);
      all_names.push_back(c.name);
      std::string road = kRoads[r.Below(std::size(kRoads))];
      c.road = road + std::to_string(road_numbers[road] += static_cast<int>(r.Between(1, 12))) + "号";
      std::string stem = c.name.substr(0, c.name.size() - std::string(suf->name).size());
      // Aliases and misspellings are kept unique across the city (names_used
      // holds them too), so that each planted text has one right answer.
      c.alias = stem + suf->alias;
      if (names_used.count(c.alias)) c.alias.clear();
      else names_used.insert(c.alias);
      for (const auto& [from, to] : kTypos)
        if (c.name.find(from) != std::string::npos && r.Chance(0.5)) {
          c.typo = Replace(c.name, from, to);
          break;
        }
      if (names_used.count(c.typo)) c.typo.clear();
      else if (!c.typo.empty()) names_used.insert(c.typo);
      c.lat = cm.lat + (r.Unit() - 0.5) * 0.012;
      c.lon = cm.lon + (r.Unit() - 0.5) * 0.012;
      int nb = suf->tower ? static_cast<int>(r.Between(1, 3)) : static_cast<int>(r.Between(3, 6));
      for (int b = 1; b <= nb; ++b) {
        Building bd;
        bd.code = c.code + Pad(b, 3);
        bd.key = suf->tower ? std::string(1, static_cast<char>('A' + b - 1)) : std::to_string(b);
        bd.name = bd.key + (suf->tower ? "座" : "栋");
        int nu = suf->tower ? 1 : static_cast<int>(r.Between(1, 2));
        int floors = suf->tower ? static_cast<int>(r.Between(16, 24)) : static_cast<int>(r.Between(5, 12));
        int per_floor = suf->tower ? static_cast<int>(r.Between(4, 6)) : static_cast<int>(r.Between(2, 4));
        for (int u = 1; u <= nu; ++u) {
          Unit un;
          un.code = bd.code + Pad(u, 2);
          un.key = std::to_string(u);
          for (int f = 1; f <= floors; ++f)
            for (int k2 = 1; k2 <= per_floor; ++k2)
              un.rooms.push_back({un.code + Pad(f, 2) + Pad(k2, 2), std::to_string(f * 100 + k2), f, k2});
          bd.units.push_back(std::move(un));
        }
        c.buildings.push_back(std::move(bd));
      }
      compounds_of[ci].push_back(compounds.size());
      compounds.push_back(std::move(c));
    }
  }
  for (const auto& c : compounds) {
    node(c.code, "compound", c.name, c.road, "", 0, 0);
    if (!c.alias.empty()) alias.Row({c.code, c.alias});
    if (!c.typo.empty()) alias.Row({c.code, c.typo});
    for (size_t b = 0; b < c.buildings.size(); ++b) {
      const Building& bd = c.buildings[b];
      node(bd.code, "building", bd.name, "", bd.key, c.lat + (static_cast<double>(b) - 1) * 0.0006,
           c.lon + (static_cast<double>(b % 2)) * 0.0006);
      for (const Unit& u : bd.units) {
        node(u.code, "unit", u.key + "单元", "", u.key, 0, 0);
        int floor = 0;
        for (const Room& rm : u.rooms) {
          if (rm.floor != floor) {
            floor = rm.floor;
            node(rm.code.substr(0, 23), "floor", std::to_string(floor) + "层", "", std::to_string(floor), 0, 0);
          }
          node(rm.code, "room", rm.key + "室", "", rm.key, 0, 0);
        }
      }
    }
  }
  // Districts' own aliases are built in (龙华 for 龙华区); a community's old name.
  for (const auto& c : communities)
    if (c.name.ends_with("社区")) alias.Row({c.code, c.name.substr(0, c.name.size() - 6) + "居委会"});
  int64_t address_rows = addr.rows(), alias_rows = alias.rows();
  if (!addr.Close() || !alias.Close()) return Internal("write failed: addresses.csv");

  // Organisations: the hotels, internet cafés and duty-free stores of
  // places.csv, then schools, clinics, banks and companies.
  Writer org;
  if (!org.Open(dir + "organisations.csv",
                {"credit_code", "name", "type", "legal_rep", "address_code", "key_units", "place_code", "employees"}))
    return Internal("cannot write organisations.csv");
  std::set<std::string> codes;
  auto credit = [&](const char* head, const std::string& division) {
    static constexpr std::string_view kBody = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    for (;;) {
      std::string s = std::string(head) + division;
      for (int i = 0; i < 8; ++i) s += kBody[r.Below(i == 0 ? 10 : kBody.size())];
      std::string c = identity::MakeCreditCode(s);
      if (codes.insert(c).second) return c;
    }
  };
  auto person_name = [&]() { return residents.empty() ? std::string("王伟") : residents[r.Below(residents.size())][2]; };
  auto building_in = [&](size_t district) -> const Building* {
    std::vector<const Compound*> in;
    for (const auto& c : compounds)
      if (c.district_idx == district) in.push_back(&c);
    if (in.empty()) return nullptr;
    const Compound* c = in[r.Below(in.size())];
    return &c->buildings[r.Below(c->buildings.size())];
  };
  for (const auto& p : places) {
    if (p.size() < 6 || (p[1] != "hotel" && p[1] != "netcafe" && p[1] != "store")) continue;
    size_t d = district_index(p[3]);
    const Building* b = building_in(d);
    if (!b) continue;
    std::string key = p[1] == "store" ? "dutyfree" : p[1];
    std::string type = p[1] == "hotel" ? "住宿业" : p[1] == "netcafe" ? "互联网上网服务" : "免税零售";
    org.Row({credit("91", districts[d].code), p[2], type, person_name(), b->code, key, p[0],
             std::to_string(r.Between(8, p[1] == "store" ? 400 : 120))});
  }
  constexpr const char* kBanks[] = {"中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "海南银行"};
  constexpr const char* kTrades[] = {"贸易", "科技", "餐饮", "物业服务", "旅游", "文化传媒", "建筑工程", "物流"};
  for (size_t ci = 0; ci < communities.size(); ++ci) {
    const Community& cm = communities[ci];
    std::string stem = cm.name.ends_with("社区") ? cm.name.substr(0, cm.name.size() - 6) : cm.name;
    const std::string& div = districts[cm.district].code;
    auto at = [&]() -> std::string {
      const Compound& c = compounds[compounds_of[ci][r.Below(compounds_of[ci].size())]];
      return c.buildings[r.Below(c.buildings.size())].code;
    };
    if (compounds_of[ci].empty()) continue;
    if (ci % 2 == 0)
      org.Row({credit("12", div), "海口市" + stem + "小学", "教育", person_name(), at(), "school", "",
               std::to_string(r.Between(30, 120))});
    if (ci % 5 == 0)
      org.Row({credit("12", div), stem + "社区卫生服务中心", "卫生", person_name(), at(), "hospital", "",
               std::to_string(r.Between(20, 80))});
    if (ci % 3 == 0)
      org.Row({credit("91", div), std::string(kBanks[r.Below(std::size(kBanks))]) + "海口" + stem + "支行", "金融",
               person_name(), at(), "finance", "", std::to_string(r.Between(10, 40))});
    for (size_t k : compounds_of[ci]) {
      const Compound& c = compounds[k];
      std::string stemc = c.name.substr(0, 6);
      org.Row({credit("91", div), "海南" + stemc + kTrades[r.Below(std::size(kTrades))] + "有限公司", "企业",
               person_name(), c.buildings[0].code, "", "", std::to_string(r.Between(3, 60))});
    }
  }
  int64_t org_rows = org.rows();
  if (!org.Close()) return Internal("write failed: organisations.csv");

  // Residents in rooms: households of 1-4 in the rooms of their community.
  Writer pop;
  if (!pop.Open(dir + "population.csv",
                {"person", "name", "category", "relation", "source", "address_code", "moved_in_at", "moved_out_at"}))
    return Internal("cannot write population.csv");
  std::vector<std::vector<const Room*>> rooms_of(communities.size());
  std::unordered_map<std::string, std::string> room_of_person;  // current residence
  struct Occupant {
    std::string person, name, category, moved_in;
  };
  std::unordered_map<std::string, std::vector<Occupant>> occupants;  // room -> current residents
  std::vector<std::pair<std::string, std::string>> owners;            // registered residents: ID number, name
  for (size_t ci = 0; ci < communities.size(); ++ci)
    for (size_t k : compounds_of[ci])
      for (const auto& b : compounds[k].buildings)
        for (const auto& u : b.units)
          for (const auto& rm : u.rooms) rooms_of[ci].push_back(&rm);
  std::vector<size_t> next_room(communities.size(), 0);
  std::vector<int> left(communities.size(), 0);
  std::vector<const Room*> current(communities.size(), nullptr);
  constexpr const char* kRelations[] = {"配偶", "子女", "父母", "其他"};
  for (const auto& row : residents) {
    if (row.size() < 9) continue;
    auto it = community_of_place.find(row[6]);
    if (it == community_of_place.end() || rooms_of[it->second].empty()) continue;
    size_t ci = it->second;
    auto& rooms = rooms_of[ci];
    bool head = false;
    if (left[ci] == 0 || !current[ci]) {
      // A new household in a room chosen at random among the community's (rooms stay mostly unique).
      size_t pick = (next_room[ci] * 7919 + r.Below(rooms.size())) % rooms.size();
      ++next_room[ci];
      current[ci] = rooms[pick];
      left[ci] = static_cast<int>(r.Between(1, 4));
      head = true;
    }
    --left[ci];
    std::string person = row[0] + ":" + row[1];
    bool haikou = row[0] == "ID" && row[1].starts_with("4601");
    std::string category = row[0] == "PASSPORT" ? "foreign" : haikou ? "registered" : "floating";
    std::string source = category == "registered" ? "residents_registry" : "rental_registration";
    std::string relation = head ? "本人" : kRelations[r.Below(std::size(kRelations))];
    // Some moved within the city before: a closed residence in another room first.
    if (r.Chance(0.05) && rooms.size() > 1 && row[8] > "2013-01-01") {
      const Room* before = rooms[r.Below(rooms.size())];
      if (before != current[ci])
        pop.Row({person, row[2], category, "本人", source, before->code, "2012-03-01T10:00:00", row[8]});
    }
    pop.Row({person, row[2], category, relation, source, current[ci]->code, row[8], ""});
    room_of_person[person] = current[ci]->code;
    occupants[current[ci]->code].push_back({person, row[2], category, row[8]});
    if (category == "registered") owners.push_back({row[1], row[2]});
  }

  // Actual housing and rentals (docs/registry.md): a room with a registered
  // resident is self-occupied by them; one with only floating or foreign
  // residents is rented from a registered resident, and most of its tenants
  // have a rental registration; empty rooms are mostly vacant. Planted: group
  // rentals (6-8 tenants in one room), rentals that ended while the tenant is
  // still listed (to confirm the move-out), rentals registered in the last
  // weeks of the year (new, to verify), occupants without registration.
  std::string as_of = "2026-01-01T00:00:00";
  {
    std::ifstream tf(dir + "truth.json");
    std::string t((std::istreambuf_iterator<char>(tf)), std::istreambuf_iterator<char>());
    size_t at = t.find("\"as_of\": \"");
    if (at != std::string::npos) as_of = t.substr(at + 10, 19);
  }
  std::string year_end_month = as_of.substr(0, 4) == "2026" ? "2025-12" : as_of.substr(0, 4) + "-12";
  Writer hw, rw;
  if (!hw.Open(dir + "housing.csv", {"address_code", "use", "owner_id_number", "owner_name"}) ||
      !rw.Open(dir + "rentals.csv", {"address_code", "tenant", "tenant_name", "landlord_id_number", "landlord_name",
                                     "start_date", "end_date", "registered_at"}))
    return Internal("cannot write housing.csv / rentals.csv");
  std::vector<std::string> group_rooms, ended_tenants, recent_tenants;
  int64_t unregistered = 0;
  auto landlord = [&]() { return owners.empty() ? std::pair<std::string, std::string>{"", ""} : owners[r.Below(owners.size())]; };
  int groups_left = 3, ended_left = 4, recent_left = 4;
  static constexpr const char* kTenantSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"};
  static constexpr const char* kTenantGiven[] = {"伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "军", "杰"};
  int64_t tenant_seq = 0;
  size_t all_rooms = 0;
  for (const auto& rs : rooms_of) all_rooms += rs.size();
  double group_chance = all_rooms ? 12.0 / static_cast<double>(all_rooms) : 0;
  for (size_t ci = 0; ci < communities.size(); ++ci) {
    for (const Room* rm : rooms_of[ci]) {
      auto occ = occupants.find(rm->code);
      if (occ == occupants.end()) {
        if (groups_left > 0 && rm->floor >= 2 && r.Chance(group_chance)) {
          // A group rental: 6-8 unrelated floating tenants, all registered.
          --groups_left;
          auto [oid, oname] = landlord();
          hw.Row({rm->code, "rented", oid, oname});
          int n = static_cast<int>(r.Between(6, 8));
          for (int k = 0; k < n; ++k) {
            auto id = identity::MakeIdNumber("430104", static_cast<int>(r.Between(1975, 2003)), static_cast<int>(r.Between(1, 12)),
                                             static_cast<int>(r.Between(1, 28)), static_cast<int>(100 + tenant_seq++ % 800));
            if (!id.ok()) continue;
            std::string name = std::string(kTenantSurnames[r.Below(10)]) + kTenantGiven[r.Below(10)] + kTenantGiven[r.Below(10)];
            std::string moved = year_end_month.substr(0, 4) + "-0" + std::to_string(r.Between(3, 9)) + "-1" + std::to_string(r.Below(10));
            pop.Row({"ID:" + *id, name, "floating", "其他", "rental_registration", rm->code, moved + "T10:00:00", ""});
            rw.Row({rm->code, "ID:" + *id, name, oid, oname, moved, "", moved + "T15:00:00"});
          }
          group_rooms.push_back(rm->code);
          continue;
        }
        double u = r.Unit();
        if (u < 0.7) hw.Row({rm->code, "vacant", "", ""});
        else if (u < 0.75) hw.Row({rm->code, "commercial", "", ""});
        // else unknown: no record
        continue;
      }
      const auto& people = occ->second;
      const Occupant* householder = nullptr;
      for (const auto& o : people)
        if (o.category == "registered" && !householder) householder = &o;
      if (r.Chance(0.05)) {  // use never recorded: its non-registered occupants have no rental either
        for (const auto& o : people) unregistered += o.category != "registered";
        continue;
      }
      if (householder) {
        hw.Row({rm->code, "self_occupied", householder->person.substr(3), householder->name});
        continue;
      }
      auto [oid, oname] = landlord();
      hw.Row({rm->code, "rented", oid, oname});
      for (const auto& o : people) {
        if (r.Chance(0.12)) {
          ++unregistered;  // no rental registration: a task for the community officer
          continue;
        }
        std::string start = o.moved_in.substr(0, 10);
        std::string end, registered = start + "T16:00:00";
        if (ended_left > 0 && r.Chance(0.05) && o.person.starts_with("ID:")) {
          --ended_left;
          end = year_end_month.substr(0, 4) + "-10-31";  // ended, yet still listed
          ended_tenants.push_back(o.person);
        } else if (recent_left > 0 && r.Chance(0.05)) {
          --recent_left;
          registered = year_end_month + "-2" + std::to_string(r.Between(0, 8)) + "T11:00:00";  // a late registration
          recent_tenants.push_back(o.person);
        }
        rw.Row({rm->code, o.person, o.name, oid, oname, start, end, registered});
      }
    }
  }
  int64_t housing_rows = hw.rows(), rental_rows = rw.rows();
  if (!hw.Close() || !rw.Close()) return Internal("write failed: housing.csv / rentals.csv");
  {
    std::ofstream tf(dir + "registry_truth.json", std::ios::binary | std::ios::trunc);
    auto list = [](const std::vector<std::string>& v) {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i) s += (i ? ", \"" : "\"") + v[i] + "\"";
      return s + "]";
    };
    tf << "{\n  \"as_of\": \"" << as_of << "\",\n  \"group_rentals\": " << list(group_rooms)
       << ",\n  \"ended_rentals_still_listed\": " << list(ended_tenants)
       << ",\n  \"recent_rentals\": " << list(recent_tenants) << ",\n  \"occupants_without_rental\": " << unregistered
       << "\n}\n";
    if (!tf) return Internal("write failed: registry_truth.json");
  }
  int64_t pop_rows = pop.rows();
  if (!pop.Close()) return Internal("write failed: population.csv");

  // Visa-free visitors in private housing, registered by their host (the
  // citizen portal's landlord registration), at the host's room.
  int64_t guest_rows = -1;
  if (guests) {
    Writer gw;
    if (!gw.Open(dir + "guest_registrations.csv",
                 {"passport", "name", "nationality", "phone", "address_code", "host_id_number", "host_name", "host_phone",
                  "arrived_at", "departs_at", "registered_at"}))
      return Internal("cannot write guest_registrations.csv");
    for (const GuestStay& g : *guests) {
      std::string room;
      if (auto it = room_of_person.find("ID:" + g.host_id); it != room_of_person.end()) {
        room = it->second;
      } else if (auto c = community_of_place.find(g.community); c != community_of_place.end() && !rooms_of[c->second].empty()) {
        room = rooms_of[c->second][r.Below(rooms_of[c->second].size())]->code;
      } else {
        for (const auto& rs : rooms_of)
          if (!rs.empty()) {
            room = rs[0]->code;
            break;
          }
      }
      gw.Row({g.passport, g.name, g.nationality, g.phone, room, g.host_id, g.host_name, g.host_phone, g.arrived_at,
              g.departs_at, g.registered_at});
    }
    guest_rows = gw.rows();
    if (!gw.Close()) return Internal("write failed: guest_registrations.csv");
  }

  // Messy address texts and the code each should resolve to ("" = no match).
  Writer sm;
  if (!sm.Open(dir + "address_samples.csv", {"text", "code", "variant"}))
    return Internal("cannot write address_samples.csv");
  int64_t positives = std::min<int64_t>(3000, static_cast<int64_t>(compounds.size()) * 6);
  for (int64_t i = 0; i < positives && !compounds.empty(); ++i) {
    const Compound& c = compounds[r.Below(compounds.size())];
    const Building& b = c.buildings[r.Below(c.buildings.size())];
    const Unit& u = b.units[r.Below(b.units.size())];
    const Room& rm = u.rooms[r.Below(u.rooms.size())];
    bool multi = b.units.size() > 1;
    std::string unit = multi ? u.key + "单元" : "";
    int v = c.duplicate_name ? (r.Chance(0.5) ? 0 : 3) : static_cast<int>(r.Below(8));
    std::string text;
    switch (v) {
      case 0:
        text = "海口市" + c.district + c.street + c.community + c.road + c.name + b.name + unit + rm.key + "室";
        break;
      case 1:
        text = c.name + b.name + unit + rm.key;
        break;
      case 2:
        text = (c.alias.empty() ? c.name : c.alias) + b.name + unit + rm.key;
        break;
      case 3:
        text = c.district + c.road + b.name + unit + rm.key + "室";
        break;
      case 4:
        text = c.name + b.key + "-" + (multi ? u.key + "-" : "") + rm.key;
        break;
      case 5: {  // full-width digits, spaces, traditional forms, Chinese numerals
        std::string bn = b.key[0] >= 'A' ? b.key + "座" : ChineseNumber(std::stoi(b.key)) + "棟";
        text = c.district.substr(0, 6) + " " + c.name + " " + bn + (multi ? FullWidthDigits(u.key) + "單元" : "") + " " +
               FullWidthDigits(rm.key) + "室";
        break;
      }
      case 6:
        text = c.name + b.name + unit + std::to_string(rm.floor) + "层" + Pad(rm.no, 2) + "室";
        break;
      default:
        text = "海南省海口市" + c.community + (c.typo.empty() ? c.name : c.typo) + b.name + unit + rm.key + "房";
        break;
    }
    sm.Row({text, rm.code, std::to_string(v)});
  }
  // Texts that must not match: an unknown compound, a building or a room that
  // does not exist, a repeated name without its district.
  int64_t negatives = positives / 10;
  for (int64_t i = 0; i < negatives && !compounds.empty(); ++i) {
    const Compound& c = compounds[r.Below(compounds.size())];
    const Building& b = c.buildings[0];
    switch (i % 4) {
      case 0: {
        std::string name;
        for (int tries = 0; tries < 100 && (name.empty() || names_used.count(name)); ++tries)
          name = std::string("新") + kPrefixes[r.Below(std::size(kPrefixes))] + "雅居";
        sm.Row({name + "3栋1203室", "", "neg_unknown_compound"});
        break;
      }
      case 1:
        sm.Row({c.district + c.name + "88栋1203室", "", "neg_no_building"});
        break;
      case 2:
        sm.Row({c.district + c.name + b.name + (b.units.size() > 1 ? "1单元" : "") + "9901室", "", "neg_no_room"});
        break;
      default: {
        const Compound* dup = nullptr;
        for (size_t k = 0; k < compounds.size() && !dup; ++k)
          if (compounds[(k + static_cast<size_t>(i)) % compounds.size()].duplicate_name)
            dup = &compounds[(k + static_cast<size_t>(i)) % compounds.size()];
        if (dup) sm.Row({dup->name + dup->buildings[0].name, "", "neg_ambiguous"});
        else sm.Row({"不存在路999号", "", "neg_unknown_compound"});
        break;
      }
    }
  }
  int64_t sample_rows = sm.rows();
  if (!sm.Close()) return Internal("write failed: address_samples.csv");
  if (rows_out) {
    (*rows_out)["addresses.csv"] = address_rows;
    (*rows_out)["address_aliases.csv"] = alias_rows;
    (*rows_out)["organisations.csv"] = org_rows;
    (*rows_out)["population.csv"] = pop_rows;
    (*rows_out)["housing.csv"] = housing_rows;
    (*rows_out)["rentals.csv"] = rental_rows;
    (*rows_out)["address_samples.csv"] = sample_rows;
    if (guest_rows >= 0) (*rows_out)["guest_registrations.csv"] = guest_rows;
  }
  return Status::Ok();
}

}  // namespace jingwu::gen

#include "gen/community_gen.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/geo.h"
#include "core/time.h"
#include "gen/csv_file.h"
#include "gen/random.h"
#include "identity/identity.h"

namespace jingwu::gen {

extern const std::vector<std::string_view> kSourceDefinitionTexts;  // sources/*.json (cmake/embed_sources.cmake)

namespace {

using nlohmann::json;

// Local (Asia/Shanghai) seconds since 1970 without an offset: the text of the files.
std::string Local(int64_t t) {
  int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t s = t - day * 86400;
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  char b[64];
  std::snprintf(b, sizeof b, "%04d-%02d-%02dT%02lld:%02lld:%02lld", y, m, d, static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return b;
}

double Km(double lat1, double lon1, double lat2, double lon2) { return HaversineMeters(lat1, lon1, lat2, lon2) / 1000.0; }

struct Community {
  std::string place, code, name, district;
  double lat = 0, lon = 0;
  std::vector<std::string> gates, car_gates;
  int cards = 0, qr = 0;
};

struct Resident {
  std::string person;  // ID:… or PASSPORT:NAT/NUMBER
  std::string room;
  size_t community;
  int age = 0;
};

// The holder columns of a person reference.
void Holder(const std::string& person, std::string* type, std::string* number, std::string* nat) {
  if (person.rfind("PASSPORT:", 0) == 0) {
    std::string v = person.substr(9);
    *type = "PASSPORT";
    *nat = v.substr(0, v.find('/'));
    *number = v.substr(v.find('/') + 1);
  } else {
    *type = "ID";
    *number = person.substr(3);
    nat->clear();
  }
}

// Alarm kinds, their weights and the target minutes within which each is cleared.
struct AlarmKind {
  const char* kind;
  double weight;
  int target_min;
};
constexpr AlarmKind kAlarms[] = {{"perimeter", 0.3, 15},
                                 {"fire_lane_blocked", 0.25, 30},
                                 {"smoke", 0.1, 10},
                                 {"elevator_entrapment", 0.1, 30},
                                 {"help_button", 0.25, 10}};

}  // namespace

Status WriteCommunities(const CommunityOptions& o, std::map<std::string, int64_t>* rows_out) {
  const std::string dir = o.out_dir + "/";
  Random r(o.seed * 104729 + 57);
  // The data's end: the year after the city's (truth.json), as the stays board uses.
  std::string as_of_text = o.as_of;
  if (as_of_text.empty()) {
    as_of_text = "2026-01-01T00:00:00";
    std::ifstream tin(dir + "truth.json");
    json t = json::parse(tin, nullptr, false);
    if (t.is_object() && t.contains("stays") && t["stays"].contains("as_of")) as_of_text = t["stays"]["as_of"];
  }
  auto as_of_ts = ParseTime(as_of_text);
  if (!as_of_ts.ok()) return as_of_ts.status();
  // Everything below is in local seconds (the files' clock).
  const int64_t as_of = as_of_ts->micros / 1000000 + kShanghaiOffsetMinutes * 60;
  const int64_t start = as_of - int64_t{o.days} * 86400;

  // ---- the communities: places.csv joined to the registry's community nodes by name ----
  std::vector<std::vector<std::string>> places, addresses, population, vehicles;
  JW_RETURN_IF_ERROR(ReadCsvRows(dir + "places.csv", &places));
  JW_RETURN_IF_ERROR(ReadCsvRows(dir + "addresses.csv", &addresses));
  JW_RETURN_IF_ERROR(ReadCsvRows(dir + "population.csv", &population));
  JW_RETURN_IF_ERROR(ReadCsvRows(dir + "vehicles.csv", &vehicles));
  std::map<std::string, std::string> code_by_name;
  for (const auto& a : addresses)
    if (a.size() > 2 && a[1] == "community") code_by_name[a[2]] = a[0];
  std::vector<Community> cs;
  for (const auto& p : places) {
    if (p.size() < 6 || p[1] != "community") continue;
    auto it = code_by_name.find(p[2]);
    if (it == code_by_name.end()) continue;
    Community c{p[0], it->second, p[2], p[3], std::stod(p[4]), std::stod(p[5]), {}, {}};
    cs.push_back(std::move(c));
  }
  std::sort(cs.begin(), cs.end(), [](const Community& a, const Community& b) { return a.place < b.place; });
  if (cs.size() > static_cast<size_t>(o.communities)) cs.resize(static_cast<size_t>(o.communities));
  if (cs.size() < 3) return Internal("too few communities in places.csv for smart communities");
  static constexpr const char* kGates[] = {"东门", "南门", "西门", "北门"};
  std::unordered_map<std::string, size_t> by_code;
  for (size_t i = 0; i < cs.size(); ++i) {
    by_code[cs[i].code] = i;
    size_t n = 2 + r.Below(3);
    for (size_t g = 0; g < n; ++g) cs[i].gates.push_back(kGates[g]);
    cs[i].car_gates.push_back("车行" + std::string(kGates[r.Below(4)]));
  }

  // ---- residents of the smart communities (current ones) ----
  std::vector<Resident> residents;
  std::map<std::string, std::vector<size_t>> by_room;
  std::unordered_map<std::string, size_t> home_of;  // person -> smart community
  std::vector<std::string> everyone;  // people of the city with an ID number (visitors)
  const int as_of_ymd = std::stoi(as_of_text.substr(0, 4)) * 10000 + std::stoi(as_of_text.substr(5, 2)) * 100 +
                        std::stoi(as_of_text.substr(8, 2));
  for (const auto& p : population) {
    if (p.size() < 8 || !p[7].empty()) continue;  // moved out
    if (p[0].rfind("ID:", 0) == 0) everyone.push_back(p[0]);
    auto it = by_code.find(p[5].substr(0, 12));
    if (it == by_code.end()) continue;
    Resident res{p[0], p[5], it->second, 0};
    if (p[0].rfind("ID:", 0) == 0) {
      auto id = identity::ParseIdNumber(p[0].substr(3));
      // Age on the as_of day, as the rule computes it.
      if (id.ok())
        res.age = (as_of_ymd - (id->birth_date.year * 10000 + id->birth_date.month * 100 + id->birth_date.day)) / 10000;
    }
    by_room[p[5]].push_back(residents.size());
    home_of[p[0]] = it->second;
    residents.push_back(std::move(res));
  }
  std::sort(everyone.begin(), everyone.end());
  everyone.erase(std::unique(everyone.begin(), everyone.end()), everyone.end());

  CsvFileWriter sc, access, barrier, alarm;
  if (!sc.Open(dir + "smart_communities.csv",
               {"community_code", "place_code", "name", "district_code", "gates", "car_gates", "lat", "lon"}) ||
      !access.Open(dir + "access.csv", {"community_code", "gate", "pass_id", "pass_kind", "holder_id_type",
                                        "holder_id_number", "holder_nationality", "direction", "passed_at", "result"}) ||
      !barrier.Open(dir + "barrier.csv", {"community_code", "gate", "plate", "direction", "passed_at"}) ||
      !alarm.Open(dir + "alarm.csv", {"community_code", "device", "kind", "raised_at", "cleared_at"}))
    return Internal("cannot write the community files in " + o.out_dir);
  for (const auto& c : cs) {
    std::string gates, car;
    for (const auto& g : c.gates) gates += (gates.empty() ? "" : "|") + g;
    for (const auto& g : c.car_gates) car += (car.empty() ? "" : "|") + g;
    char lat[32], lon[32];
    std::snprintf(lat, sizeof lat, "%.5f", c.lat);
    std::snprintf(lon, sizeof lon, "%.5f", c.lon);
    sc.Row({c.code, c.place, c.name, c.district, gates, car, lat, lon});
  }

  auto pass = [&](const Community& c, const std::string& pass_id, const char* kind, const std::string& person,
                  const char* dir_, int64_t t, const char* result = "granted") {
    std::string type, number, nat;
    if (!person.empty()) Holder(person, &type, &number, &nat);
    access.Row({c.place, c.gates[r.Below(c.gates.size())], pass_id, kind, type, number, nat, dir_, Local(t), result});
  };
  auto card_id = [&](Community& c) {
    char b[48];
    std::snprintf(b, sizeof b, "%s-C%04d", c.place.c_str(), ++c.cards);
    return std::string(b);
  };
  auto qr_id = [&](Community& c) {
    char b[48];
    std::snprintf(b, sizeof b, "%s-Q%04d", c.place.c_str(), ++c.qr);
    return std::string(b);
  };
  auto at = [&](int64_t day, int lo_min, int hi_min) { return start + day * 86400 + r.Between(lo_min, hi_min) * 60 + r.Below(60); };

  json truth;
  truth["as_of"] = as_of_text;
  truth["days"] = o.days;
  truth["communities"] = cs.size();
  json targets = json::object();
  for (const auto& a : kAlarms) targets[a.kind] = a.target_min;
  truth["params"] = {{"regular_nights", 8}, {"regular_days", 30}, {"elderly_age", 70}, {"unseen_days", 7},
                     {"clone_km", 2.0}, {"clone_kmh", 60.0}, {"alarm_targets", targets}};

  // ---- residents' cards and their daily traffic ----
  // Elderly people living alone get a card and go out at least every third
  // day, except the planted ones who stop being seen.
  std::vector<size_t> alone_elderly;
  for (const auto& [room, idx] : by_room)
    if (idx.size() == 1 && residents[idx[0]].age >= 70) alone_elderly.push_back(idx[0]);
  std::set<size_t> unseen;
  for (size_t k = 0; k < alone_elderly.size() && unseen.size() < 8; ++k)
    if (r.Chance(0.5) || alone_elderly.size() - k <= 8 - unseen.size()) unseen.insert(alone_elderly[k]);
  std::set<size_t> alone(alone_elderly.begin(), alone_elderly.end());
  json unseen_truth = json::array();
  struct Card {
    std::string id;
    size_t resident;
  };
  std::vector<Card> cards;
  for (size_t i = 0; i < residents.size(); ++i) {
    const Resident& res = residents[i];
    if (!alone.count(i) && !r.Chance(0.75)) continue;  // no card: never at a gate
    Community& c = cs[res.community];
    std::string id = card_id(c);
    bool registered = alone.count(i) || r.Chance(0.95);
    cards.push_back({id, i});
    std::string holder = registered ? res.person : "";
    int64_t last_day = o.days - 1;
    if (unseen.count(i)) last_day = o.days - 1 - r.Between(9, 25);
    int64_t gap = 0;
    int64_t last_seen = 0;
    for (int64_t d = 0; d <= last_day; ++d) {
      bool go = alone.count(i) ? (r.Chance(0.6) || gap >= 2 || d == last_day) : r.Chance(0.8);
      if (!go) {
        ++gap;
        continue;
      }
      gap = 0;
      int64_t out = at(d, 6 * 60 + 30, 9 * 60 + 30);
      int64_t in = at(d, 16 * 60 + 30, 21 * 60 + 30);
      pass(c, id, "card", holder, "out", out);
      if (r.Chance(0.005)) pass(c, id, "card", holder, "in", in - 60, "denied");
      pass(c, id, "card", holder, "in", in);
      last_seen = in;
    }
    if (unseen.count(i))
      unseen_truth.push_back({{"person", res.person}, {"community", c.place}, {"community_code", c.code},
                              {"room", res.room}, {"last_seen", Local(last_seen)}});
  }
  truth["elderly_unseen"] = unseen_truth;
  truth["elderly_alone"] = alone_elderly.size();

  // ---- visitors (QR passes registered with an ID number), some frequent, and the planted regulars ----
  std::set<std::pair<std::string, size_t>> visiting;
  auto visitor = [&](size_t ci) -> std::string {
    for (int tries = 0; tries < 50; ++tries) {
      const std::string& p = everyone[r.Below(everyone.size())];
      auto home = home_of.find(p);
      if ((home != home_of.end() && home->second == ci) || visiting.count({p, ci})) continue;
      visiting.insert({p, ci});
      return p;
    }
    return "";
  };
  auto nights = [&](Community& c, const std::string& person, int n, int64_t from_day, bool late) {
    std::string id = qr_id(c);
    std::set<int64_t> days;
    while (static_cast<int>(days.size()) < n) days.insert(from_day + static_cast<int64_t>(r.Below(static_cast<uint64_t>(o.days - from_day - 1))));
    for (int64_t d : days) {
      int64_t in = late ? at(d, 20 * 60 + 30, 23 * 60 + 30) : at(d, 19 * 60, 21 * 60 + 30);
      pass(c, id, "qr", person, "in", in);
      pass(c, id, "qr", person, "out", at(d + 1, 6 * 60 + 30, 8 * 60));
    }
  };
  for (size_t ci = 0; ci < cs.size(); ++ci) {
    int64_t n = std::max<int64_t>(3, static_cast<int64_t>(cs[ci].cards / 10));
    for (int64_t k = 0; k < n; ++k) {
      std::string p = visitor(ci);
      if (p.empty()) continue;
      // Most visit one to four nights; a few come often, but fewer than the rule's eight nights in 30 days.
      int times = k % 5 == 0 ? static_cast<int>(r.Between(5, 7)) : static_cast<int>(r.Between(1, 4));
      nights(cs[ci], p, times, o.days - 30, k % 5 == 0);
    }
  }
  json regulars = json::array();
  for (int k = 0; k < 12; ++k) {
    size_t ci = (static_cast<size_t>(k) * 5 + 1) % cs.size();
    std::string p = visitor(ci);
    if (p.empty()) continue;
    int n = static_cast<int>(r.Between(9, 14));
    nights(cs[ci], p, n, o.days - 30, true);
    regulars.push_back({{"person", p}, {"community", cs[ci].place}, {"community_code", cs[ci].code}, {"nights", n}});
  }
  truth["unregistered_regulars"] = regulars;

  // ---- cloned cards: the same card at a community far away within minutes ----
  json cloned = json::array();
  std::set<size_t> used;
  for (int k = 0; k < 6 && !cards.empty(); ++k) {
    const Card* cd = nullptr;
    for (int tries = 0; tries < 100 && !cd; ++tries) {
      size_t i = r.Below(cards.size());
      if (!used.count(i) && !alone.count(cards[i].resident)) cd = &cards[i], used.insert(i);
    }
    if (!cd) break;
    const Resident& res = residents[cd->resident];
    Community& home = cs[res.community];
    size_t far = res.community;
    for (size_t tries = 0; tries < 200; ++tries) {
      size_t j = r.Below(cs.size());
      if (Km(home.lat, home.lon, cs[j].lat, cs[j].lon) >= 8.0) {
        far = j;
        break;
      }
    }
    if (far == res.community) continue;
    int64_t d = static_cast<int64_t>(r.Between(5, o.days - 2));
    int64_t t = at(d, 12 * 60, 15 * 60);
    pass(home, cd->id, "card", res.person, "in", t);
    pass(cs[far], cd->id, "card", "", "in", t + r.Between(2, 5) * 60);
    cloned.push_back({{"card", cd->id}, {"communities", {home.place, cs[far].place}}});
  }
  // Near misses: a card at another community hours later (a plausible trip), never flagged.
  for (int k = 0; k < 4 && !cards.empty(); ++k) {
    size_t i = r.Below(cards.size());
    if (used.count(i) || alone.count(cards[i].resident)) continue;
    used.insert(i);
    const Resident& res = residents[cards[i].resident];
    size_t j = (res.community + 7) % cs.size();
    int64_t t = at(static_cast<int64_t>(r.Between(5, o.days - 2)), 12 * 60, 13 * 60);
    pass(cs[res.community], cards[i].id, "card", res.person, "out", t);
    pass(cs[j], cards[i].id, "card", "", "in", t + 3 * 3600, "denied");
  }
  truth["cloned_cards"] = cloned;

  // ---- barrier reads: residents' cars daily, visiting cars now and then ----
  std::map<std::string, std::vector<std::string>> plates_of;  // owner ID -> plates
  std::vector<std::string> all_plates;
  for (const auto& v : vehicles) {
    if (v.size() < 4 || v[0].empty()) continue;
    all_plates.push_back(v[0]);
    if (v[2] == "ID") plates_of["ID:" + v[3]].push_back(v[0]);
  }
  std::string watch_plate;
  for (const auto& res : residents) {
    auto it = plates_of.find(res.person);
    if (it == plates_of.end()) continue;
    Community& c = cs[res.community];
    for (const auto& plate : it->second) {
      if (watch_plate.empty()) watch_plate = plate;
      for (int64_t d = 0; d < o.days; ++d) {
        if (!r.Chance(0.6)) continue;
        barrier.Row({c.place, c.car_gates[0], plate, "out", Local(at(d, 7 * 60, 9 * 60))});
        barrier.Row({c.place, c.car_gates[0], plate, "in", Local(at(d, 17 * 60, 20 * 60))});
      }
    }
  }
  for (size_t ci = 0; ci < cs.size() && !all_plates.empty(); ++ci)
    for (int k = 0; k < 20; ++k) {
      int64_t d = static_cast<int64_t>(r.Below(static_cast<uint64_t>(o.days - 1)));
      std::string plate = all_plates[r.Below(all_plates.size())];
      barrier.Row({cs[ci].place, cs[ci].car_gates[0], plate, "in", Local(at(d, 10 * 60, 16 * 60))});
      barrier.Row({cs[ci].place, cs[ci].car_gates[0], plate, "out", Local(at(d, 17 * 60, 18 * 60))});
    }
  truth["watch_plate"] = watch_plate;

  // ---- alarms: most cleared within their target, some late, some still open ----
  std::vector<double> weights;
  for (const auto& a : kAlarms) weights.push_back(a.weight);
  json overdue = json::array();
  auto device = [&](const Community& c, const char* kind) {
    int n = static_cast<int>(r.Between(1, 6));
    return c.place + "-" + kind + "-" + std::to_string(n);
  };
  for (size_t ci = 0; ci < cs.size(); ++ci) {
    for (int64_t d = 0; d < o.days - 1; ++d) {
      if (!r.Chance(0.5)) continue;
      const AlarmKind& a = kAlarms[r.Pick(weights)];
      int64_t raised = at(d, 0, 23 * 60);
      int64_t cleared = raised + static_cast<int64_t>(a.target_min * 60 * (0.1 + 0.8 * r.Unit()));
      alarm.Row({cs[ci].place, device(cs[ci], a.kind), a.kind, Local(raised), Local(cleared)});
    }
  }
  for (int k = 0; k < 15; ++k) {
    const Community& c = cs[(static_cast<size_t>(k) * 7 + 3) % cs.size()];
    const AlarmKind& a = kAlarms[static_cast<size_t>(k) % std::size(kAlarms)];
    bool open = k >= 10;
    int64_t raised = open ? as_of - r.Between(1, 30) * 3600 : at(static_cast<int64_t>(r.Between(0, o.days - 2)), 0, 23 * 60);
    int64_t cleared = raised + static_cast<int64_t>(a.target_min * 60 * (1.5 + 2.5 * r.Unit()));
    std::string dev = c.place + "-" + a.kind + "-9";
    alarm.Row({c.place, dev, a.kind, Local(raised), open ? "" : Local(cleared)});
    overdue.push_back({{"community", c.place}, {"device", dev}, {"kind", a.kind}, {"raised_at", Local(raised)},
                       {"open", open}});
  }
  // Open alarms raised minutes ago: within target, not findings.
  for (int k = 0; k < 2; ++k) {
    const Community& c = cs[static_cast<size_t>(k) * 11 % cs.size()];
    alarm.Row({c.place, c.place + "-help_button-8", "help_button", Local(as_of - 120 - k * 60), ""});
  }
  truth["overdue_alarms"] = overdue;

  // ---- bad rows, counted per reason ----
  const Community& c0 = cs[0];
  for (const char* bad : {"X", "卡号", "A B C D"})
    access.Row({c0.place, c0.gates[0], bad, "card", "", "", "", "in", Local(at(3, 600, 700)), "granted"});
  for (int k = 0; k < 2; ++k)
    access.Row({"SQ99999", "东门", c0.place + "-C9999", "card", "", "", "", "in", Local(at(3, 600, 700)), "granted"});
  for (int k = 0; k < 2; ++k)
    access.Row({c0.place, c0.gates[0], c0.place + "-C9998", "card", "", "", "", "in", "2099-01-0" + std::to_string(k + 1) + "T10:00:00", "granted"});
  for (int k = 0; k < 2; ++k)
    access.Row({c0.place, c0.gates[0], c0.place + "-C9997", "card", "", "", "", "sideways", Local(at(4, 600, 700)), "granted"});
  access.Row({c0.place, c0.gates[0], c0.place + "-C9996", "card", "ID", "110101199003074515", "", "in", Local(at(4, 600, 700)), "granted"});
  barrier.Row({c0.place, c0.car_gates[0], "琼AI2345", "in", Local(at(5, 600, 700))});
  barrier.Row({c0.place, c0.car_gates[0], "ABC", "in", Local(at(5, 600, 700))});
  alarm.Row({"SQ99999", "SQ99999-smoke-1", "smoke", Local(at(6, 600, 700)), ""});
  alarm.Row({c0.place, c0.place + "-smoke-1", "smoke", Local(at(6, 600, 600)), Local(at(6, 500, 500))});
  alarm.Row({c0.place, c0.place + "-flood-1", "flood", Local(at(6, 600, 700)), ""});
  truth["rejects"] = {{"access", {{"invalid_card", 3}, {"unknown_place", 2}, {"invalid_time", 2}, {"invalid_value", 2},
                                  {"invalid_id_number", 1}}},
                      {"barrier", {{"invalid_plate", 2}}},
                      {"alarm", {{"unknown_community", 1}, {"cleared_before_raised", 1}, {"invalid_kind", 1}}}};
  truth["rows"] = {{"access", access.rows()}, {"barrier", barrier.rows()}, {"alarm", alarm.rows()},
                   {"smart_communities", sc.rows()}};

  if (!sc.Close() || !access.Close() || !barrier.Close() || !alarm.Close())
    return Internal("write failed: community files in " + o.out_dir);
  // The definitions of the two sources (jingwu ingest --source all reads NAME.source.json first).
  for (std::string_view text : kSourceDefinitionTexts) {
    json d = json::parse(text, nullptr, false);
    std::string name = d.is_object() ? d.value("name", "") : "";
    if (name != "access" && name != "barrier") continue;
    std::ofstream df(dir + name + ".source.json", std::ios::binary | std::ios::trunc);
    df << text;
    if (!df) return Internal("write failed: " + name + ".source.json");
  }
  std::ofstream tf(dir + "community_truth.json", std::ios::binary | std::ios::trunc);
  tf << truth.dump(1);
  if (!tf) return Internal("write failed: community_truth.json");
  if (rows_out) {
    (*rows_out)["smart_communities.csv"] = sc.rows();
    (*rows_out)["access.csv"] = access.rows();
    (*rows_out)["barrier.csv"] = barrier.rows();
    (*rows_out)["alarm.csv"] = alarm.rows();
  }
  return Status::Ok();
}

}  // namespace jingwu::gen

#include "gen/health_gen.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <unordered_map>

#include "core/csv.h"
#include "core/time.h"
#include "gen/csv_file.h"
#include "gen/random.h"
#include "health/published.h"
#include "identity/identity.h"

namespace jingwu::gen {

extern const std::vector<std::string_view> kSourceDefinitionTexts;  // sources/*.json (cmake/embed_sources.cmake)

namespace {

using json = nlohmann::json;

using namespace health::published;  // health/published.h

struct Box {
  const char* district;
  double lat0, lat1, lon0, lon1;
};
constexpr Box kBoxes[] = {{"460105", 19.90, 20.04, 110.16, 110.29},
                          {"460106", 19.86, 20.03, 110.29, 110.35},
                          {"460107", 19.77, 19.99, 110.36, 110.58},
                          {"460108", 19.91, 20.06, 110.37, 110.66}};
constexpr const char* kRoads[] = {"绕城高速", "海文高速", "东线高速", "西线高速", "海榆中线", "海榆东线",
                                  "海榆西线", "G98环岛高速", "G224国道", "S81省道", "粤海大道", "南海大道"};
constexpr const char* kSpots[] = {"收费站", "入城口", "互通", "服务区", "出岛口", "交界处", "立交"};

// A person's event in the generated rows, as the rules of docs/health.md read it.
struct Ev {
  std::string person;  // ID:number
  std::string place, source, room, trip, seat;
  int64_t start = 0, end = 0;  // seconds; end = start for point events
};

int64_t Secs(std::string_view text) {
  auto t = ParseTime(text);
  return t.ok() ? t->micros / kMicrosPerSecond : -1;
}

int SeatRow(const std::string& seat) {
  int n = 0;
  bool any = false;
  for (char c : seat) {
    if (c < '0' || c > '9') break;
    n = n * 10 + (c - '0');
    any = true;
  }
  return any ? n : -1000;
}

struct HRow {
  std::string checkpoint, kind, id_type, id_number, nationality, plate;
  int64_t time = 0;
  std::string temperature, code = "green", result = "pass";
};

int64_t Scaled(int64_t n, double scale) { return static_cast<int64_t>(std::llround(static_cast<double>(n) * scale)); }

std::string Temp(Random& r, bool fever) {
  char b[16];
  double t = fever ? 37.3 + static_cast<double>(r.Between(0, 19)) / 10.0 : 36.0 + static_cast<double>(r.Between(0, 12)) / 10.0;
  std::snprintf(b, sizeof b, "%.1f", t);
  return b;
}

}  // namespace

std::vector<HealthPlace> HealthCheckpointPlaces() {
  Random r(20200124);
  std::vector<HealthPlace> out;
  std::set<std::string> names;
  for (int i = 0; out.size() < 42 && i < 10000; ++i) {
    const Box& b = kBoxes[r.Below(std::size(kBoxes))];
    std::string name = std::string(kRoads[r.Below(std::size(kRoads))]) + kSpots[r.Below(std::size(kSpots))] + "联合检查站";
    double lat = b.lat0 + r.Unit() * (b.lat1 - b.lat0), lon = b.lon0 + r.Unit() * (b.lon1 - b.lon0);
    if (!names.insert(name).second) continue;
    char code[8];
    std::snprintf(code, sizeof code, "JC%03zu", out.size() + 1);
    out.push_back({code, name, b.district, std::round(lat * 1e5) / 1e5, std::round(lon * 1e5) / 1e5});
  }
  return out;
}

Status WriteHealth(const HealthOptions& o, std::map<std::string, int64_t>* rows_out) {
  const std::string dir = o.out_dir + "/";
  Random r(o.seed * 7727 + 2020);
  std::ifstream tin(dir + "truth.json");
  json city = json::parse(tin, nullptr, false);
  const int year = city.is_object() ? city.value("year", 2025) : 2025;
  const int64_t from = (DaysFromCivil(year, 1, 24) * 86400) - kShanghaiOffsetMinutes * 60;
  const int64_t to = (DaysFromCivil(year, 5, 1) * 86400) - kShanghaiOffsetMinutes * 60;
  auto in_period = [&](int64_t t) { return t >= from && t < to; };
  auto random_time = [&] {
    // Checks follow the day: few between midnight and six.
    static const std::vector<double> w = {1, 0.5, 0.3, 0.3, 0.4, 0.8, 2, 4, 6, 6, 6, 6, 5, 5, 6, 6, 6, 6, 6, 5, 4, 3, 2, 1.5};
    int64_t day = r.Between(0, (to - from) / 86400 - 1);
    return from + day * 86400 + static_cast<int64_t>(r.Pick(w)) * 3600 + r.Between(0, 3599);
  };

  // ---- what the city has: places, residents, vehicles ----
  CsvTable places, population, vehicles;
  for (auto [file, t] : {std::pair{"places.csv", &places}, {"population.csv", &population}, {"vehicles.csv", &vehicles}}) {
    JW_ASSIGN_OR_RETURN(bool present, ReadCsvTable(dir + file, t));
    if (!present) return NotFound("file_not_found", std::string("WriteHealth needs ") + file + " in " + o.out_dir);
  }
  std::set<std::string> place_codes;
  std::vector<std::string> road;
  for (const auto& p : places.rows) {
    if (p.size() < 2) continue;
    place_codes.insert(p[0]);
    if (p[1] == "health_checkpoint") road.push_back(p[0]);
  }
  if (road.empty()) return Internal("places.csv has no health_checkpoint places");
  std::vector<std::string> residents;
  for (const auto& p : population.rows)
    if (p.size() > 7 && p[7].empty() && p[0].rfind("ID:", 0) == 0) residents.push_back(p[0].substr(3));
  struct Vehicle {
    std::string plate, owner;
  };
  std::vector<Vehicle> cars;
  for (const auto& v : vehicles.rows)
    if (v.size() > 3) cars.push_back({v[0], v[2] == "ID" ? v[3] : ""});
  if (residents.empty() || cars.empty()) return Internal("WriteHealth: no residents or vehicles");

  // ---- the person events of the other sources (valid rows only) ----
  std::vector<Ev> evs;
  auto read_events = [&](const char* file, const char* source, const char* place_col, const char* start_col,
                         const char* end_col) -> Status {
    CsvTable t;
    JW_ASSIGN_OR_RETURN(bool present, ReadCsvTable(dir + file, &t));
    if (!present) return Status::Ok();
    int type = t.Column("id_type"), id = t.Column("id_number"), pl = t.Column(place_col), st = t.Column(start_col);
    int en = end_col ? t.Column(end_col) : -1, room = t.Column("room"), trip = t.Column("trip_no"), seat = t.Column("seat");
    for (const auto& row : t.rows) {
      if (row.size() != t.header.size()) continue;
      if (type >= 0 && row[static_cast<size_t>(type)] != "ID") continue;
      auto n = identity::ParseIdNumber(row[static_cast<size_t>(id)]);
      if (!n.ok() || !place_codes.count(row[static_cast<size_t>(pl)])) continue;
      int64_t s = Secs(row[static_cast<size_t>(st)]);
      if (s < 0) continue;
      int64_t e = s;
      if (en >= 0 && !row[static_cast<size_t>(en)].empty()) {
        e = Secs(row[static_cast<size_t>(en)]);
        if (e < s) continue;
      }
      Ev ev{"ID:" + n->number, row[static_cast<size_t>(pl)], source, "", "", "", s, e};
      if (room >= 0) ev.room = row[static_cast<size_t>(room)];
      if (trip >= 0) ev.trip = row[static_cast<size_t>(trip)];
      if (seat >= 0) ev.seat = row[static_cast<size_t>(seat)];
      evs.push_back(std::move(ev));
    }
    return Status::Ok();
  };
  JW_RETURN_IF_ERROR(read_events("hotel.csv", "hotel", "hotel_code", "checkin_at", "checkout_at"));
  JW_RETURN_IF_ERROR(read_events("travel.csv", "travel", "station_code", "departs_at", nullptr));
  JW_RETURN_IF_ERROR(read_events("netcafe.csv", "netcafe", "cafe_code", "login_at", "logout_at"));
  JW_RETURN_IF_ERROR(read_events("dutyfree.csv", "dutyfree", "store_code", "purchased_at", nullptr));

  // ---- the checks ----
  std::vector<HRow> rows;
  // Road checkpoints: vehicles with their driver and passengers, each temperature checked.
  const int64_t n_vehicles = Scaled(kVehicleChecks, o.scale);
  const int64_t n_temps = std::max(n_vehicles, Scaled(kTemperatureChecks, o.scale));
  int64_t extra = n_temps - n_vehicles;
  for (int64_t i = 0; i < n_vehicles; ++i) {
    const Vehicle& v = cars[r.Below(cars.size())];
    std::string cp = road[r.Below(road.size())];
    int64_t t = random_time();
    std::string driver = identity::ParseIdNumber(v.owner).ok() ? v.owner : residents[r.Below(residents.size())];
    rows.push_back({cp, "road", "ID", driver, "", v.plate, t, Temp(r, false)});
    int64_t left = n_vehicles - i;
    int64_t k = extra / left + (r.Below(static_cast<uint64_t>(left)) < static_cast<uint64_t>(extra % left) ? 1 : 0);
    for (int64_t j = 0; j < k; ++j)
      rows.push_back({cp, "road", "ID", residents[r.Below(residents.size())], "", "", t + r.Between(0, 40), Temp(r, false)});
    extra -= k;
  }
  // Arrivals: the city's own arriving passengers first, then visitors.
  const int64_t n_domestic = Scaled(kDomesticArrivals, o.scale);
  int64_t domestic = 0;
  {
    CsvTable travel;
    JW_ASSIGN_OR_RETURN(bool present, ReadCsvTable(dir + "travel.csv", &travel));
    if (present) {
      int ty = travel.Column("id_type"), id = travel.Column("id_number"), st = travel.Column("station_code"),
          dirc = travel.Column("direction"), at = travel.Column("departs_at");
      for (const auto& row : travel.rows) {
        if (row.size() != travel.header.size() || row[static_cast<size_t>(ty)] != "ID" || row[static_cast<size_t>(dirc)] != "IN")
          continue;
        int64_t t = Secs(row[static_cast<size_t>(at)]);
        auto n = identity::ParseIdNumber(row[static_cast<size_t>(id)]);
        if (t < 0 || !in_period(t) || !n.ok() || !place_codes.count(row[static_cast<size_t>(st)])) continue;
        if (domestic >= n_domestic) break;
        rows.push_back({row[static_cast<size_t>(st)], "arrival", "ID", n->number, "", "", t + r.Between(300, 2400), Temp(r, false)});
        ++domestic;
      }
    }
  }
  static constexpr const char* kRegions[] = {"110101", "310104", "440106", "510107", "330106", "420102", "610113", "320102"};
  static const std::vector<double> kStationWeights = {5, 1.5, 1, 0.5, 1, 0.6, 0.4};  // ST001 airport … ST007
  while (domestic < n_domestic) {
    auto id = identity::MakeIdNumber(kRegions[r.Below(std::size(kRegions))], static_cast<int>(r.Between(1950, 2005)),
                                     static_cast<int>(r.Between(1, 12)), static_cast<int>(r.Between(1, 28)),
                                     static_cast<int>(r.Between(1, 999)));
    if (!id.ok()) continue;
    char st[8];
    std::snprintf(st, sizeof st, "ST%03zu", r.Pick(kStationWeights) + 1);
    rows.push_back({st, "arrival", "ID", *id, "", "", random_time(), Temp(r, false)});
    ++domestic;
  }
  static constexpr const char* kNations[] = {"RUS", "KOR", "JPN", "USA", "GBR", "DEU", "FRA", "THA", "MYS", "SGP"};
  for (int64_t i = 0; i < kInternational; ++i) {
    char number[16];
    std::snprintf(number, sizeof number, "E%08d", static_cast<int>(r.Between(10000000, 99999999)));
    rows.push_back({r.Chance(0.8) ? "ST001" : "ST003", "international", "PASSPORT", number, kNations[r.Below(std::size(kNations))],
                    "", random_time(), Temp(r, false)});
  }
  // Observation (health code yellow or red) and isolation (an abnormal temperature) among arrivals.
  {
    std::vector<size_t> arrivals;
    for (size_t i = 0; i < rows.size(); ++i)
      if (rows[i].kind != "road") arrivals.push_back(i);
    for (size_t i = 0; i < arrivals.size(); ++i) std::swap(arrivals[i], arrivals[i + r.Below(arrivals.size() - i)]);
    size_t k = 0;
    for (; k < static_cast<size_t>(kObservation) && k < arrivals.size(); ++k) {
      rows[arrivals[k]].code = r.Chance(0.8) ? "yellow" : "red";
      rows[arrivals[k]].result = "observe";
    }
    for (size_t j = 0; j < static_cast<size_t>(kIsolated) && k < arrivals.size(); ++j, ++k) {
      rows[arrivals[k]].temperature = Temp(r, true);
      rows[arrivals[k]].result = "isolate";
    }
  }

  // ---- the confirmed case: a hotel stay shared with a roommate and a trip within its fourteen days ----
  std::sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) { return a.start < b.start; });
  std::unordered_map<std::string, std::vector<size_t>> by_person;
  for (size_t i = 0; i < evs.size(); ++i) by_person[evs[i].person].push_back(i);
  const Ev* stay = nullptr;
  for (size_t i = 0; i < evs.size(); ++i) {
    const Ev& e = evs[i];
    if (e.source != "hotel" || !in_period(e.start) || e.start < from + 20 * 86400 || e.end - e.start > 10 * 86400) continue;
    bool mate = false, trip = false;
    auto j = std::lower_bound(evs.begin(), evs.end(), e.start - 31 * 86400,
                              [](const Ev& x, int64_t t) { return x.start < t; });
    for (; j != evs.end() && j->start <= e.end; ++j)
      if (&*j != &e && j->source == "hotel" && j->place == e.place && j->room == e.room && j->person != e.person &&
          j->end >= e.start)
        mate = true;
    bool trip_mate = false;
    for (size_t k : by_person[e.person]) {
      const Ev& t = evs[k];
      if (t.source != "travel" || t.start > e.end || t.start < e.end + 26 * 3600 - 14 * 86400) continue;
      trip = true;
      // Someone on the same trip (the travel rows' planted groups): the best case to trace.
      auto m = std::lower_bound(evs.begin(), evs.end(), t.start, [](const Ev& x, int64_t v) { return x.start < v; });
      for (; m != evs.end() && m->start == t.start; ++m)
        trip_mate |= m->source == "travel" && m->person != t.person && m->place == t.place && m->trip == t.trip;
    }
    if (mate && trip && !stay) stay = &e;
    if (mate && trip_mate) {
      stay = &e;
      break;
    }
  }
  if (!stay) return Internal("WriteHealth: no hotel stay with a roommate and a trip for the confirmed case");
  const std::string case_person = stay->person;
  const int64_t confirmed = stay->end + 26 * 3600;
  const int64_t window_from = confirmed - 14 * 86400;
  // Two days before the stay: a car through a road checkpoint, the case driving two companions.
  {
    const Vehicle& v = cars[r.Below(cars.size())];
    std::string cp = road[r.Below(road.size())];
    int64_t t = std::max(window_from + 3600, stay->start - 2 * 86400);
    rows.push_back({cp, "road", "ID", case_person.substr(3), "", v.plate, t, Temp(r, false)});
    for (int j = 0; j < 2; ++j) rows.push_back({cp, "road", "ID", residents[r.Below(residents.size())], "", "", t + 10 + j, Temp(r, false)});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const HRow& a, const HRow& b) { return a.time < b.time; });
  for (const auto& h : rows)
    if (h.id_type == "ID") evs.push_back({"ID:" + h.id_number, h.checkpoint, "health_checkpoint", "", "", "", h.time, h.time});

  // ---- its true contacts, by the rules of docs/health.md, from the rows ----
  constexpr int64_t kWithin = 1800;
  std::vector<const Ev*> mine;
  std::unordered_map<std::string, std::vector<const Ev*>> at_place;
  for (const auto& e : evs) {
    at_place[e.place].push_back(&e);
    if (e.person == case_person && e.start >= window_from && e.start <= confirmed) mine.push_back(&e);
  }
  std::map<std::string, std::set<std::string>> contacts;  // person -> exposure kinds
  for (const Ev* m : mine)
    for (const Ev* x : at_place[m->place]) {
      if (x->person == case_person) continue;
      if (std::llabs(x->start - m->start) <= kWithin) contacts[x->person].insert("same_place");
      bool stays = (m->source == "hotel" || m->source == "netcafe") && x->source == m->source;
      if (stays && x->start <= m->end && m->start <= x->end) {
        contacts[x->person].insert("overlap_stay");
        if (m->source == "hotel" && !m->room.empty() && x->room == m->room) contacts[x->person].insert("same_room");
      }
      if (m->source == "travel" && x->source == "travel" && x->start == m->start && !m->trip.empty() && x->trip == m->trip) {
        contacts[x->person].insert("same_trip");
        if (std::abs(SeatRow(x->seat) - SeatRow(m->seat)) <= 1) contacts[x->person].insert("near_seat");
      }
    }
  json truth = {{"as_of", FormatTime(Timestamp::FromSeconds(to))},
                {"period", {FormatTime(Timestamp::FromSeconds(from)), FormatTime(Timestamp::FromSeconds(to))}},
                {"scale", o.scale},
                {"published", {{"road_checkpoints", 42}, {"vehicle_checks", kVehicleChecks}, {"temperature_checks", kTemperatureChecks},
                               {"domestic_arrivals", kDomesticArrivals}, {"international_arrivals", kInternational},
                               {"observation", kObservation}, {"isolated", kIsolated}}},
                {"written", {{"vehicle_checks", n_vehicles + 1}, {"temperature_checks", n_temps + 3},
                             {"domestic_arrivals", n_domestic}, {"international_arrivals", kInternational},
                             {"observation", kObservation}, {"isolated", kIsolated}}},
                {"case", {{"person", case_person}, {"confirmed_at", FormatTime(Timestamp::FromSeconds(confirmed))},
                          {"days", 14}, {"within_minutes", kWithin / 60}, {"events", mine.size()}}}};
  json cj = json::array();
  for (const auto& [p, kinds] : contacts) cj.push_back({{"person", p}, {"kinds", kinds}});
  truth["contacts"] = cj;

  // ---- the file, with a bad row of every kind ----
  CsvFileWriter w;
  if (!w.Open(dir + "health_checkpoint.csv", {"checkpoint_code", "check_kind", "id_type", "id_number", "nationality", "plate",
                                              "checked_at", "temperature", "health_code", "result"}))
    return Internal("cannot write health_checkpoint.csv");
  auto text = [](int64_t t) { return FormatTime(Timestamp::FromSeconds(t)).substr(0, 19); };
  for (const auto& h : rows)
    w.Row({h.checkpoint, h.kind, h.id_type, h.id_number, h.nationality, h.plate, text(h.time), h.temperature, h.code, h.result});
  const std::string t0 = text(from + 40 * 86400);
  std::string bad_id = residents[0];
  bad_id.back() = bad_id.back() == '1' ? '2' : '1';
  w.Row({road[0], "road", "ID", bad_id, "", "", t0, "36.5", "green", "pass"});                          // invalid_id_number
  w.Row({"JC999", "road", "ID", residents[1], "", "", t0, "36.5", "green", "pass"});                    // unknown_place
  w.Row({road[0], "road", "ID", residents[2], "", "", text(to + 3 * 365 * 86400), "36.5", "green", "pass"});  // invalid_time
  w.Row({road[0], "road", "ID", residents[3], "", "", t0, "45.5", "green", "pass"});                    // invalid_value
  w.Row({road[0], "road", "ID", residents[4], "", "", t0, "36.5", "purple", "pass"});                   // invalid_value
  w.Row({road[0], "road", "", "", "", "", t0, "36.5", "green", "pass"});                                // missing_field
  w.Row({road[0], "road", "ID", residents[5], "", "琼A", t0, "36.5", "green", "pass"});                 // invalid_plate
  truth["rejects"] = {{"invalid_id_number", 1}, {"unknown_place", 1}, {"invalid_time", 1}, {"invalid_value", 2},
                      {"missing_field", 1}, {"invalid_plate", 1}};
  truth["rows"] = w.rows();
  if (!w.Close()) return Internal("write failed: health_checkpoint.csv");
  for (std::string_view def : kSourceDefinitionTexts) {
    json d = json::parse(def, nullptr, false);
    if (!d.is_object() || d.value("name", "") != "health_checkpoint") continue;
    std::ofstream df(dir + "health_checkpoint.source.json", std::ios::binary | std::ios::trunc);
    df << def;
    if (!df) return Internal("write failed: health_checkpoint.source.json");
  }
  std::ofstream tf(dir + "health_truth.json", std::ios::binary | std::ios::trunc);
  tf << truth.dump(1) << "\n";
  if (!tf) return Internal("write failed: health_truth.json");
  if (rows_out) (*rows_out)["health_checkpoint.csv"] = truth["rows"].get<int64_t>();
  return Status::Ok();
}

}  // namespace jingwu::gen

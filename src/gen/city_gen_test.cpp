#include "gen/city_gen.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/csv.h"
#include "core/time.h"
#include "identity/identity.h"

namespace jingwu::gen {
namespace {

namespace fs = std::filesystem;

const char* const kEventFiles[] = {"hotel.csv", "vehicle_pass.csv", "travel.csv", "dutyfree.csv", "netcafe.csv"};
const char* const kAllFiles[] = {"places.csv", "residents.csv", "vehicles.csv", "hotel.csv", "vehicle_pass.csv",
                                 "travel.csv", "dutyfree.csv",  "netcafe.csv",  "truth.json"};

std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::vector<std::string>> ReadCsv(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  CsvReader r(&f);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  while (r.Next(&fields)) rows.push_back(fields);
  EXPECT_EQ(r.error(), "") << p;
  return rows;
}

// A valid sighting: who, where, when.
struct Sighting {
  std::string ref, place, phone;
  int64_t t;
};

class CityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    base_ = fs::temp_directory_path() / ("jingwu_city_test_" + std::to_string(::getpid()));
    for (auto [dir, seed] : {std::pair{"a", 1}, {"b", 1}, {"c", 2}}) {
      CityOptions o;
      o.out_dir = (base_ / dir).string();
      o.seed = static_cast<uint64_t>(seed);
      Status s = WriteCity(o);
      ASSERT_TRUE(s.ok()) << s.message();
    }
    truth_ = nlohmann::json::parse(Slurp(base_ / "a" / "truth.json"));
    for (const auto& row : ReadCsv(base_ / "a" / "places.csv")) {
      places_[row[0]] = row[1];
      if (row[1] == "station") station_names_[row[0]] = row[2];
    }
    Classify();
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  static bool Ok(const Result<identity::IdNumber>& r) { return r.ok(); }

  // Re-derives each event row's reject reason independently of the generator.
  static void Classify() {
    const std::map<std::string, std::string> kind_of_file = {{"hotel.csv", "hotel"},
                                                             {"vehicle_pass.csv", "checkpoint"},
                                                             {"travel.csv", "station"},
                                                             {"dutyfree.csv", "store"},
                                                             {"netcafe.csv", "netcafe"}};
    for (const char* file : kEventFiles) {
      auto rows = ReadCsv(base_ / "a" / file);
      ASSERT_FALSE(rows.empty());
      size_t n = rows[0].size();
      auto& counts = reasons_[file];
      for (size_t i = 1; i < rows.size(); ++i) {
        const auto& f = rows[i];
        ++data_rows_[file];
        std::string reason;
        std::string ref, place, phone;
        std::vector<std::string> times;
        if (f.size() != n) {
          reason = "malformed_row";
        } else {
          std::string f0 = file;
          bool id_ok = true;
          if (f0 == "vehicle_pass.csv") {
            auto p = identity::ParsePlate(f[0]);
            id_ok = p.ok();
            if (id_ok) ref = "PLATE:" + p->plate;
            place = f[2];
            times = {f[3]};
          } else if (f0 == "netcafe.csv") {
            auto id = identity::ParseIdNumber(f[0]);
            id_ok = id.ok();
            if (id_ok) ref = "ID:" + id->number;
            place = f[2];
            times = {f[3], f[4]};
          } else {
            std::string passport = f0 == "dutyfree.csv" ? f[1] : f[3] + "/" + f[1];
            if (f[0] == "ID") {
              auto id = identity::ParseIdNumber(f[1]);
              id_ok = id.ok();
              if (id_ok) ref = "ID:" + id->number;
              if (f0 != "dutyfree.csv") {
                EXPECT_EQ(f[3], "CHN");
              }
            } else {
              EXPECT_EQ(f[0], "PASSPORT");
              auto p = identity::ParsePassport(passport);
              id_ok = p.ok();
              if (id_ok) ref = "PASSPORT:" + p->ToString();
            }
            if (f0 == "hotel.csv") {
              phone = f[4], place = f[5], times = {f[7], f[8]};
            } else if (f0 == "travel.csv") {
              place = f[5], times = {f[7]};
              // The mode is the station's: the airport flies, ports sail, stations run trains.
              if (auto st = station_names_.find(place); st != station_names_.end()) {
                const std::string& name = st->second;
                std::string mode = name.find("机场") != std::string::npos ? "AIR"
                                   : name.find("港") != std::string::npos ? "SEA"
                                                                           : "RAIL";
                EXPECT_EQ(f[4], mode) << name;
              }
            } else {
              phone = f[3], place = f[4], times = {f[5]};
            }
          }
          // No valid ID number but name, birth date and phone: kept as PERSON:…
          if (!id_ok && (f0 == "hotel.csv" || f0 == "dutyfree.csv") && !f.back().empty()) {
            auto key = identity::MakePersonKey(f[2], f.back(), phone);
            EXPECT_TRUE(key.ok()) << file << " row " << i;
            if (key.ok()) {
              id_ok = true;
              ref = "PERSON:" + key->ToString();
            }
          }
          auto pk = places_.find(place);
          bool time_ok = true;
          int64_t t = 0;
          for (size_t k = 0; k < times.size(); ++k) {
            auto ts = ParseTime(times[k]);
            if (!ts.ok()) time_ok = false;
            else if (k == 0) t = ts->seconds();
          }
          if (!id_ok) reason = f0 == "vehicle_pass.csv" ? "invalid_plate" : "invalid_id_number";
          else if (pk == places_.end()) reason = "unknown_place";
          else if (!time_ok) reason = "invalid_time";
          EXPECT_TRUE(pk == places_.end() || pk->second == kind_of_file.at(f0)) << file << " row " << i;
          if (!phone.empty()) {
            EXPECT_TRUE(identity::ParsePhone(phone).ok()) << file << " row " << i << " " << phone;
          }
          if (reason.empty()) sightings_.push_back({ref, place, phone, t});
        }
        ++counts[reason.empty() ? "ok" : reason];
      }
    }
  }

  static std::vector<const Sighting*> Of(const std::string& ref) {
    std::vector<const Sighting*> v;
    for (const auto& s : sightings_)
      if (s.ref == ref) v.push_back(&s);
    return v;
  }

  static fs::path base_;
  static nlohmann::json truth_;
  static std::map<std::string, std::string> places_;  // code -> kind
  static std::map<std::string, std::string> station_names_;
  static std::map<std::string, std::map<std::string, int64_t>> reasons_;
  static std::map<std::string, int64_t> data_rows_;
  static std::vector<Sighting> sightings_;
};

fs::path CityTest::base_;
nlohmann::json CityTest::truth_;
std::map<std::string, std::string> CityTest::places_;
std::map<std::string, std::string> CityTest::station_names_;
std::map<std::string, std::map<std::string, int64_t>> CityTest::reasons_;
std::map<std::string, int64_t> CityTest::data_rows_;
std::vector<Sighting> CityTest::sightings_;

TEST_F(CityTest, SameSeedSameBytesOtherSeedOtherCity) {
  for (const char* f : kAllFiles) {
    std::string a = Slurp(base_ / "a" / f);
    ASSERT_FALSE(a.empty()) << f;
    EXPECT_EQ(a, Slurp(base_ / "b" / f)) << f;
    EXPECT_NE(a, Slurp(base_ / "c" / f)) << f;
  }
}

TEST_F(CityTest, PlacesAreInsideHaikou) {
  auto rows = ReadCsv(base_ / "a" / "places.csv");
  ASSERT_EQ(rows[0], (std::vector<std::string>{"code", "kind", "name", "district_code", "lat", "lon"}));
  std::map<std::string, int> kinds;
  for (size_t i = 1; i < rows.size(); ++i) {
    ++kinds[rows[i][1]];
    double lat = std::stod(rows[i][4]), lon = std::stod(rows[i][5]);
    EXPECT_TRUE(lat >= 19.75 && lat <= 20.08 && lon >= 110.15 && lon <= 110.70) << rows[i][0];
    EXPECT_FALSE(identity::RegionName(rows[i][3]).empty());
  }
  EXPECT_EQ(kinds["station"], 7);
  EXPECT_EQ(kinds["hotel"], 40);
  EXPECT_EQ(kinds["checkpoint"], 30);
  EXPECT_EQ(kinds["community"], 60);
}

TEST_F(CityTest, BadRowsAreExactlyTheOnesTruthCounts) {
  int64_t total = 0;
  for (const char* file : kEventFiles) {
    const auto& counts = reasons_[file];
    EXPECT_EQ(truth_["rows"][file].get<int64_t>(), data_rows_[file]) << file;
    std::string ev = std::string(file).substr(0, std::string(file).size() - 4);
    EXPECT_EQ(truth_["valid_events"][ev].get<int64_t>(), counts.count("ok") ? counts.at("ok") : 0) << file;
    int64_t bad = 0;
    for (const auto& [reason, n] : counts) {
      if (reason == "ok") continue;
      bad += n;
      ASSERT_TRUE(truth_["rejects"][file].contains(reason)) << file << " " << reason;
      EXPECT_EQ(truth_["rejects"][file][reason].get<int64_t>(), n) << file << " " << reason;
    }
    for (const auto& [reason, n] : truth_["rejects"][file].items())
      EXPECT_EQ(n.get<int64_t>(), counts.count(reason) ? counts.at(reason) : 0) << file << " " << reason;
    double rate = static_cast<double>(bad) / static_cast<double>(data_rows_[file]);
    EXPECT_GT(rate, 0.002) << file;
    EXPECT_LT(rate, 0.01) << file;
    total += data_rows_[file];
  }
  EXPECT_GT(total, 120000);
  EXPECT_LT(total, 180000);
}

TEST_F(CityTest, ResidentsAndVehiclesAreValid) {
  auto res = ReadCsv(base_ / "a" / "residents.csv");
  ASSERT_GT(res.size(), 1000u);
  for (size_t i = 1; i < res.size(); ++i) {
    const auto& f = res[i];
    ASSERT_EQ(f.size(), 9u);
    if (f[0] == "ID") {
      EXPECT_TRUE(identity::ParseIdNumber(f[1]).ok()) << f[1];
    } else {
      EXPECT_EQ(f[0], "PASSPORT");
      EXPECT_TRUE(identity::ParsePassport(f[1]).ok()) << f[1];  // NAT/NUMBER: the file has no nationality column
    }
    EXPECT_TRUE(identity::ParsePhone(f[5]).ok());
    EXPECT_EQ(places_[f[6]], "community");
    EXPECT_TRUE(ParseTime(f[8]).ok());
  }
  auto veh = ReadCsv(base_ / "a" / "vehicles.csv");
  ASSERT_GT(veh.size(), 1000u);
  for (size_t i = 1; i < veh.size(); ++i) {
    const auto& f = veh[i];
    ASSERT_EQ(f.size(), 9u);
    EXPECT_TRUE(identity::ParsePlate(f[0]).ok()) << f[0];
    EXPECT_TRUE(identity::ParseIdNumber(f[3]).ok());
    EXPECT_TRUE(ParseTime(f[8]).ok());
  }
}

TEST_F(CityTest, CollisionSuspectsAreInEveryWindowAndAlmostAloneThere) {
  ASSERT_GE(truth_["collisions"].size(), 3u);
  bool plates = false;
  for (const auto& sc : truth_["collisions"]) {
    ASSERT_GE(sc["windows"].size(), 3u);
    ASSERT_LE(sc["windows"].size(), 5u);
    std::set<std::string> window_places, window_days;
    for (const auto& w : sc["windows"]) {
      window_places.insert(w["place"].get<std::string>());
      window_days.insert(w["from"].get<std::string>().substr(0, 10));
    }
    EXPECT_EQ(window_places.size(), sc["windows"].size());
    EXPECT_EQ(window_days.size(), sc["windows"].size());
    std::set<std::string> in_all;
    bool first = true;
    for (const auto& w : sc["windows"]) {
      int64_t from = ParseTime(w["from"].get<std::string>())->seconds();
      int64_t to = ParseTime(w["to"].get<std::string>())->seconds();
      EXPECT_EQ(to - from, 3600);
      std::set<std::string> here;
      for (const auto& s : sightings_)
        if (s.place == w["place"] && s.t >= from && s.t < to) here.insert(s.ref);
      if (first) in_all = here;
      else {
        std::set<std::string> both;
        for (const auto& r : in_all)
          if (here.count(r)) both.insert(r);
        in_all = both;
      }
      first = false;
    }
    std::set<std::string> suspects;
    for (const auto& s : sc["suspects"]) {
      suspects.insert(s.get<std::string>());
      plates = plates || s.get<std::string>().rfind("PLATE:", 0) == 0;
      EXPECT_TRUE(in_all.count(s.get<std::string>())) << s;
    }
    EXPECT_EQ(in_all, suspects);  // precision: nobody else was at every window
  }
  EXPECT_TRUE(plates);
}

TEST_F(CityTest, CotravelGroupsMeetOftenAndStrangersRarely) {
  ASSERT_GE(truth_["cotravel_groups"].size(), 4u);
  for (const auto& g : truth_["cotravel_groups"]) {
    int within = g["within"].get<int>();
    int occasions = g["occasions"].get<int>();
    ASSERT_GE(occasions, 10);
    std::string lead = g["members"][0];
    // For each entity, on how many of the lead's sightings it was at the same place within `within` seconds.
    std::map<std::string, int> met;
    for (const Sighting* a : Of(lead)) {
      std::set<std::string> here;
      for (const auto& s : sightings_)
        if (s.place == a->place && s.ref != lead && std::llabs(s.t - a->t) < within) here.insert(s.ref);
      for (const auto& r : here) ++met[r];
    }
    for (size_t i = 1; i < g["members"].size(); ++i) EXPECT_GE(met[g["members"][i]], occasions) << g["members"][i];
    int strangers = 0;
    for (const auto& [ref, n] : met) {
      bool member = false;
      for (const auto& m : g["members"]) member = member || m == ref;
      if (!member && n >= 5) ++strangers;
    }
    EXPECT_EQ(strangers, 0) << lead;
  }
}

TEST_F(CityTest, BusiestAndDutyfreeRings) {
  const auto& b = truth_["busiest"];
  int n = 0;
  for (const auto& s : sightings_) n += s.ref == b["entity"];
  EXPECT_EQ(n, b["events"].get<int>());
  EXPECT_GT(n, 1000);
  for (const auto& ring : truth_["dutyfree_rings"]) {
    ASSERT_GE(ring["members"].size(), 6u);
    for (const auto& m : ring["members"]) {
      bool found = false;
      for (const Sighting* s : Of(m)) found = found || (s->phone == ring["collector_phone"] && s->place == ring["store"]);
      EXPECT_TRUE(found) << m;
    }
  }
  for (const auto& look : truth_["dutyfree_lookalikes"])
    for (const auto& m : look["members"]) {
      bool found = false;
      for (const Sighting* s : Of(m)) found = found || s->phone == look["phone"];
      EXPECT_TRUE(found) << m;
    }
}

// Rows without a valid ID number: each planted record has its rows, and the
// person it should (or should not) match agrees on exactly what truth says.
TEST_F(CityTest, RecordsWithoutIdNumberAgreeWithTheirPerson) {
  std::map<std::string, std::pair<std::string, std::string>> residents;  // ref -> name, phone
  for (const auto& f : ReadCsv(base_ / "a" / "residents.csv"))
    if (f[0] == "ID") residents["ID:" + f[1]] = {f[2], f[5]};
  std::map<std::string, int> expects;
  int person_rows = 0;
  for (const auto& s : sightings_) person_rows += s.ref.rfind("PERSON:", 0) == 0;
  int planted_rows = 0;
  for (const auto& r : truth_["noid_records"]) {
    std::string ref = r["ref"], expect = r["expect"];
    ++expects[expect];
    EXPECT_EQ(static_cast<int>(Of(ref).size()), r["rows"].get<int>()) << ref;
    planted_rows += r["rows"].get<int>();
    auto key = identity::ParsePersonKey(ref.substr(7));
    ASSERT_TRUE(key.ok()) << ref;
    if (expect == "none") continue;
    std::string person = r["person"];
    auto id = identity::ParseIdNumber(person.substr(3));
    ASSERT_TRUE(id.ok()) << person;
    EXPECT_EQ(id->birth_date, key->birth_date) << ref;  // the birth date always agrees
    std::string differs = r.value("differs", "");
    if (auto it = residents.find(person); it != residents.end()) {
      EXPECT_EQ(it->second.first == key->name, differs != "name") << ref;
      EXPECT_EQ(it->second.second == key->phone, differs != "phone") << ref;
    } else {
      EXPECT_EQ(expect, "merge");  // the family member, known by their purchases
      bool phone = false;
      for (const Sighting* s : Of(person)) phone = phone || s->phone == key->phone;
      EXPECT_TRUE(phone) << ref;
    }
  }
  EXPECT_EQ(person_rows, planted_rows);
  EXPECT_EQ(expects["merge"], 3);  // two residents and one family member at small scale
  EXPECT_EQ(expects["candidate"], 4);
  EXPECT_EQ(expects["none"], 2);
}

}  // namespace
}  // namespace jingwu::gen

// The synthetic city's big-data source files (DESIGN.md "Source files"):
// places, residents, vehicles and a year of sightings (hotel check-ins,
// checkpoint passes, travel, duty-free purchases, internet-cafe logins), with
// ground truth planted and described in truth.json (collision scenarios,
// co-travel groups, the busiest entity, duty-free rings, ~0.5% bad rows per
// event file with their reasons).
//
// Deterministic: the same options give byte-identical files. Streams day by
// day (only the population is held in memory), so `large` fits in RAM.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/status.h"

namespace jingwu::gen {

struct CityOptions {
  std::string out_dir;
  uint64_t seed = 1;
  std::string scale = "small";  // small, city or large
  int64_t events = 0;           // total sighting events; 0 = the scale's default
  int year = 2025;
};

// Writes places.csv, residents.csv, vehicles.csv, hotel.csv, vehicle_pass.csv,
// travel.csv, dutyfree.csv, netcafe.csv and truth.json into out_dir (created
// if missing). If rows is given, it receives the data rows written per file.
Status WriteCity(const CityOptions& o, std::map<std::string, int64_t>* rows = nullptr);

}  // namespace jingwu::gen

// The synthetic city's custody facilities (智慧监管, docs/custody.md): three
// facilities with rooms, ninety days of admissions of the generated cases'
// suspects under their legal bases, extensions, releases, and the last two
// days of roll calls, patrol checks, medical checks, visits and lawyer
// meetings. Planted for every alert: custody past its legal limit, releases
// due within 24 hours, a roll call one short, rooms whose patrol check is
// late, lawyer requests not arranged within 48 hours and admissions without
// a medical check; and bad rows of every kind the import refuses. The truth
// is custody_truth.json.
//
// Files: custody_facilities.csv, custody_rooms.csv, custody_detainees.csv,
// custody_extensions.csv, custody_events.csv. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "cases/service.h"
#include "core/status.h"

namespace jingwu::gen {

struct CustodyOptions {
  std::string out_dir;
  uint64_t seed = 1;
  int days = 90;  // days of admissions before as_of
};

// as_of is the day after the last case was filed (00:00 Shanghai).
Status WriteCustody(const CustodyOptions& o, const cases::Dataset& cases, std::map<std::string, int64_t>* rows = nullptr);

}  // namespace jingwu::gen

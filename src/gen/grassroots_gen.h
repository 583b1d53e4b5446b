// The synthetic city's grassroots records (docs/grassroots.md): supervision
// sites of controlled items with licences, stock and a year of inspections;
// a year of disputes at the stations with mediation, follow-ups, repeats and
// an escalation; community partners with their members and tips. Every alert
// and repeat is planted (grassroots_truth.json), with near misses that must
// not alert and one bad row of each kind the import refuses.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "cases/service.h"
#include "core/status.h"

namespace jingwu::gen {

struct GrassrootsOptions {
  std::string out_dir;
  uint64_t seed = 1;
};

// as_of: 2021-01-01 00:00 Shanghai (the day after the generated year), in
// the fireworks season. Reads addresses.csv, organisations.csv and places.csv
// of out_dir when present (links to them); cases give the escalation's case.
Status WriteGrassroots(const GrassrootsOptions& o, const cases::Dataset& cases,
                       std::map<std::string, int64_t>* rows = nullptr);

}  // namespace jingwu::gen

// The demo city's case records, gangs, accidents and vehicle counts for
// 2015-2020. Yearly totals follow the Haikou bureau's published figures by
// construction of the records (criminal cases filed: 15,862 in 2015 and
// 10,325 in 2019; public-order cases 22,557 and 16,805; 62 gangs broken up in
// 2016-2020, 11 of them mafia-type; 9 duty-free smuggling rings with 40
// suspects in 2020; road deaths per 10,000 vehicles falling every year), with
// plausible months, districts and categories. Every figure shown is then
// computed from these records. Deterministic for a seed. Also writes and reads
// the records as CSV (`jingwu gen`, `jingwu cases import`).
#pragma once

#include <map>
#include <string>

#include "cases/service.h"
#include "core/status.h"

namespace jingwu::gen {

// Criminal and public-order cases filed per year (the published years are
// exact; the others are interpolated).
const std::map<int, int>& CriminalCasesPerYear();
const std::map<int, int>& PublicOrderCasesPerYear();

cases::Dataset GenerateCases(uint64_t seed, double scale = 1.0);

// Writes cases.csv, case_suspects.csv, gangs.csv, gang_members.csv,
// accidents.csv and vehicle_counts.csv into dir.
Status WriteCasesCsv(const cases::Dataset& data, const std::string& dir);
Result<cases::Dataset> ReadCasesCsv(const std::string& dir);

// A plausible synthetic Chinese name (never a real person's record).
std::string SyntheticName(uint64_t n);

}  // namespace jingwu::gen

// The synthetic city's base registries (docs/registry.md): standard addresses
// down to rooms, their aliases, organisations (every hotel, internet café and
// duty-free store of places.csv among them), the residents of residents.csv
// placed in rooms, and messy address texts with their true codes
// (address_samples.csv, the ground truth of address matching).
//
// Reads places.csv and residents.csv from out_dir (written by WriteCity) and
// writes addresses.csv, address_aliases.csv, organisations.csv,
// population.csv and address_samples.csv beside them. Deterministic.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/status.h"

namespace jingwu::gen {

Status WriteRegistry(const std::string& out_dir, uint64_t seed, std::map<std::string, int64_t>* rows = nullptr);

}  // namespace jingwu::gen

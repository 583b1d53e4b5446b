// The synthetic city's base registries (docs/registry.md): standard addresses
// down to rooms, their aliases, organisations (every hotel, internet café and
// duty-free store of places.csv among them), the residents of residents.csv
// placed in rooms, and messy address texts with their true codes
// (address_samples.csv, the ground truth of address matching).
//
// Reads places.csv and residents.csv from out_dir (written by WriteCity) and
// writes addresses.csv, address_aliases.csv, organisations.csv,
// population.csv and address_samples.csv beside them (and
// guest_registrations.csv when guests are given). Deterministic.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace jingwu::gen {

// A visa-free visitor staying in private housing (WriteCity plans these):
// guest_registrations.csv gets one row, at the host's room.
struct GuestStay {
  std::string passport;  // NAT/NUMBER
  std::string name, nationality, phone;
  std::string host_id, host_name, host_phone;  // a resident of the city (the landlord or host)
  std::string community;                       // the host's community (places.csv code), if not placed in a room
  std::string arrived_at, departs_at, registered_at;  // local times
};

Status WriteRegistry(const std::string& out_dir, uint64_t seed, std::map<std::string, int64_t>* rows = nullptr,
                     const std::vector<GuestStay>* guests = nullptr);

}  // namespace jingwu::gen

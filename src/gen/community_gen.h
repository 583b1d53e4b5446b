// The synthetic city's smart security communities (智慧安防小区,
// docs/communities.md): 57 of its communities with gates, two months of gate
// passes by access card or QR pass (access.csv), vehicle barrier reads
// (barrier.csv) and device alarms (alarm.csv), with planted cases for every
// rule and their truth (community_truth.json).
//
// Reads places.csv, addresses.csv, population.csv and vehicles.csv from
// out_dir (WriteCity writes them). Deterministic for a seed. Identification
// is by card, pass or plate only.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/status.h"

namespace jingwu::gen {

struct CommunityOptions {
  std::string out_dir;
  uint64_t seed = 1;
  int communities = 57;          // the bureau's published count of smart communities
  // The end of the data; empty: truth.json's stays.as_of (the city's year end).
  std::string as_of;
  int days = 60;                 // days of gate traffic before as_of
};

Status WriteCommunities(const CommunityOptions& o, std::map<std::string, int64_t>* rows = nullptr);

}  // namespace jingwu::gen

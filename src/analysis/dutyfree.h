// Duty-free proxy-buying rings (离岛免税套购): many buyers who share a phone
// (or a pickup place) buying in a burst at one store with amounts near the
// yearly per-person quota, the goods going to one collector. Families that
// share a phone and buy ordinary amounts are not rings.
//
// Reads every duty-free purchase at the store places (ScanPlace + Records()).
// Pure function of the store; thread-safe. Callers check purpose, case
// number and permission and write the audit entry.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "core/status.h"
#include "events/store.h"

namespace jingwu::analysis {

struct RingOptions {
  double quota_cny = 100000;      // the yearly per-person quota
  double near_quota_share = 0.8;  // a purchase (or a buyer's year) at least this share of it is "near the quota"
  int min_members = 3;            // distinct buyers
  uint32_t window_seconds = 24 * 3600;  // a burst: purchases at one store within this span
  TimeRange range;
};

struct RingPurchase {
  events::EntityId buyer = 0;
  std::string buyer_ref, name, phone, store, pickup;
  uint32_t time = 0;
  double amount = 0;
};

struct RingMember {
  std::string ref, name;
  int purchases = 0;
  double total_cny = 0;       // in the burst
  double year_total_cny = 0;  // all duty-free purchases in that calendar year
};

struct Ring {
  std::string key;           // PHONE:… or PICKUP:STORE/PLACE
  std::string shared_phone;  // "" when grouped by pickup place
  std::string store;         // place code
  std::vector<std::string> pickup_places;
  std::vector<RingMember> members;
  std::vector<RingPurchase> evidence;  // time order
  double total_cny = 0;
  double near_quota_share = 0;  // share of members whose burst or year is near the quota
  uint32_t first = 0, last = 0;
  double score = 0;
  std::vector<std::string> reasons;
};

struct RingReport {
  int64_t purchases = 0;  // duty-free purchases examined
  int64_t stores = 0;
  std::vector<Ring> rings;  // highest score first
};

Result<RingReport> DetectDutyfreeRings(const events::Store& store, const RingOptions& options = {});
nlohmann::json ToJson(const events::Store& store, const RingReport& r);

}  // namespace jingwu::analysis

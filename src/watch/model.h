// Watchlists (布控) and their alerts: an entry names an entity (KIND:VALUE),
// why (reason, legal basis), who asked and until when; it alerts only once a
// second user with watchlist.approve has approved it, until it expires or is
// revoked. See docs/api.md "Watchlists and alerts".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"

namespace jingwu::watch {

// Stored statuses. "expired" is derived from expires_at (never stored).
inline constexpr const char* kPending = "pending";
inline constexpr const char* kActive = "active";
inline constexpr const char* kRejected = "rejected";
inline constexpr const char* kRevoked = "revoked";
inline constexpr const char* kExpired = "expired";

struct Entry {
  int64_t id = 0;
  std::string entity;  // normalised KIND:VALUE
  std::string reason;
  std::string legal_basis;
  std::string requested_by;  // username of the requesting officer
  Timestamp requested_at;
  Timestamp expires_at;
  std::string status;  // pending, active, rejected, revoked
  std::string decided_by;  // approver or rejecter
  std::optional<Timestamp> decided_at;
  std::string decision_note;
  std::string revoked_by;
  std::optional<Timestamp> revoked_at;
  int64_t alerts = 0;  // alerts raised (filled by listings)

  // status, or "expired" for a pending or active entry past its expiry.
  std::string EffectiveStatus(Timestamp now) const {
    if ((status == kPending || status == kActive) && expires_at <= now) return kExpired;
    return status;
  }
};

// One sighting of a watched entity.
struct Alert {
  int64_t id = 0;
  int64_t entry_id = 0;
  std::string entity;
  std::string officer;  // the requesting officer, who receives it
  std::string via;      // the linked entity seen (a PHONE entry: a person who gave it); "" = the entity itself
  Timestamp raised_at;  // when the alert was raised (server clock)
  Timestamp event_at;   // when the sighting happened
  std::string place_code, place_name, district_code;
  double lat = 0, lon = 0;
  std::string source;  // hotel, vehicle_pass, …
  std::string record;  // the original row as a JSON object (column -> value)
  std::string acknowledged_by;
  std::optional<Timestamp> acknowledged_at;
};

}  // namespace jingwu::watch

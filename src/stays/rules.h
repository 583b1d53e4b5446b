// The stay rules (docs/stays.md), pure: from a passport's travel rows and
// its accommodation registrations (hotel check-ins and private hosts'
// registrations) to its visa-free stays, each with the alerts it raises as of
// a given time. No I/O; the service feeds it and keeps the results.
//
// All times are UTC seconds; "local" days are Asia/Shanghai days.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stays/policy.h"

namespace jingwu::stays {

struct Trip {
  int64_t at = 0;
  bool in = false;      // IN (arrived at Haikou) or OUT (left)
  std::string place;    // the station's places.csv code
  std::string trip;     // flight, ferry or train number
  std::string evidence;  // the original row as JSON (opaque here)
};

struct Lodging {
  int64_t from = 0;                 // check-in, or the guest's arrival
  std::optional<int64_t> to;        // check-out or departure; open when unknown
  int64_t registered = 0;           // when the registration became known (a hotel: at check-in)
  std::string kind;                 // hotel, private
  std::string place;                // the hotel's place code or the room's address code
  int64_t id = 0;                   // the private registration's id (0 for hotels)
  std::string evidence;             // the original row as JSON (opaque here)
};

// Alert kinds.
inline constexpr const char* kNoRegistration = "no_registration";      // no accommodation registered within 24 h
inline constexpr const char* kLimitApproaching = "limit_approaching";  // the stay limit is days away: remind
inline constexpr const char* kOverstay = "overstay";                   // past the limit
inline constexpr const char* kMainland = "mainland_departure";         // left (tried to leave) for the mainland

struct StayAlert {
  std::string kind;
  int64_t raised = 0;                // when the rule was broken
  std::optional<int64_t> resolved;   // when it stopped applying
  std::string resolution;            // registered, departed, limit_passed
  int64_t since = 0;                 // no_registration: unaccounted since (entry or the last check-out)
  int64_t hours_late = 0;            // no_registration, resolved: hours past the 24
  int64_t days_over = 0;             // overstay: days begun past the limit (so far)
  int64_t fine = 0;                  // overstay: the fine band's amount for days_over, capped
  std::string place;                 // mainland_departure: the port
  std::string trip;                  // mainland_departure: the trip
};

struct Stay {
  std::string passport;     // NAT/NUMBER
  std::string nationality;
  int allowed_days = 0;
  int64_t entry = 0;
  std::string entry_place, entry_trip;
  int64_t deadline = 0;     // the limit: local midnight after the last allowed day
  int64_t remind_at = 0;    // deadline - reminder_days
  std::optional<int64_t> exit;
  std::string exit_place, exit_trip;
  // in_hainan, left (abroad), mainland (left for the mainland), unknown (a
  // new entry came with no exit seen: left through another port)
  std::string status;
  std::vector<Trip> trips;          // every trip in the stay, entry and exit included
  std::vector<Lodging> lodgings;    // registrations in the stay, by start
  std::vector<StayAlert> alerts;
};

// Local midnight (UTC seconds) of the local day holding t, plus days.
int64_t LocalMidnight(int64_t t, int64_t days_after = 0);

// The stays of one passport as of `now` (rows after now are ignored).
// Passports of a nationality the policy does not list have none.
std::vector<Stay> BuildStays(const Policy& policy, const std::string& passport, std::vector<Trip> trips,
                             std::vector<Lodging> lodgings, int64_t now);

}  // namespace jingwu::stays

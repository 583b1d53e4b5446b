// Contact tracing for a confirmed case (流调, docs/health.md): everyone who
// was at the same place as the case within a time window of the case's
// events over the past N days, ranked by exposure, with evidence. Three
// rules, each reading the event store:
//   same_place    another person's event at the place within ±within of one
//                 of the case's (the co-travel engine, analysis::RunCotravel)
//   overlap_stay  a stay at the same place that overlaps the case's (sources
//                 whose definition has an end column: hotels, internet cafés);
//                 same_room when the hotel room is the case's too
//   same_trip     the same trip number at the same station and departure;
//                 near_seat when the seat row is the case's or next to it
// Only people are contacts (ID numbers, passports, records kept by name).
// A pure function of the store; callers check purpose, case number and audit.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "events/store.h"
#include "fusion/source_def.h"

namespace jingwu::health {

struct TraceOptions {
  int days = 14;                  // 1-28: the case's events before confirmed_at
  uint32_t within_seconds = 1800;  // same_place: 0-86400
  size_t limit = 5000;            // contacts returned (the most exposed)
};

struct Exposure {
  std::string kind;  // same_place, overlap_stay, same_room, same_trip, near_seat
  events::Event mine, theirs;
  int64_t overlap_seconds = 0;  // overlap_stay
  std::string detail;           // room 1203, trip HU7781 seats 12A/13C
};

struct Contact {
  events::EntityId entity = 0;
  std::set<std::string> kinds;
  int64_t score = 0;             // ranking: same_room, near_seat, same_trip, overlap hours, occasions
  int64_t overlap_seconds = 0;   // total of overlap_stay
  int occasions = 0;             // same_place occasions
  std::vector<Exposure> evidence;  // at most 10
};

struct Trace {
  std::string subject;  // KIND:VALUE
  Timestamp confirmed_at;
  uint32_t from = 0, to = 0;  // the case's window (seconds)
  int64_t case_events = 0;
  std::vector<Contact> contacts;  // most exposed first
  int64_t total_contacts = 0;
  bool truncated = false;
};

// 422 invalid_value for days or within out of range. A subject without
// events has no contacts (absence is an answer).
Result<Trace> RunTrace(const events::Store& store, const fusion::SourceRegistry* sources, const identity::EntityRef& subject,
                       Timestamp confirmed_at, const TraceOptions& o);

// {subject, confirmed_at, from, to, case_events, total_contacts, truncated,
//  contacts: [{entity, kinds, score, overlap_minutes, occasions, evidence:
//  [{kind, detail, overlap_minutes, mine: event, theirs: event}]}]}
nlohmann::json ToJson(const events::Store& store, const Trace& t);

}  // namespace jingwu::health

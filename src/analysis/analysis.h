// Trajectory (轨迹), collision (碰撞) and co-travel (同行) over the event
// store. Pure functions of the store: the command line and HTTP call the same
// code and render the same JSON (ToJson below). Callers check purpose, case
// number and permissions and write the audit entry.
//
// Thread-safe (the store's reads are).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "core/status.h"
#include "events/store.h"

namespace jingwu::analysis {

struct TimeRange {
  uint32_t from = 0;
  uint32_t to = 0xFFFFFFFFu;
};

// Parses optional ISO 8601 bounds ("" = open); 422 invalid_time otherwise.
Result<TimeRange> ParseRange(std::string_view from, std::string_view to);

// ---- trajectory ----
struct Trajectory {
  std::string entity;  // KIND:VALUE
  events::EntityId entity_id = 0;  // 0 when unknown
  std::vector<events::Event> events;  // time order; a merged record's events have its entity id
  bool truncated = false;
};
// Unknown entities have an empty trajectory (not an error: absence is an answer).
// A person's trajectory includes the events of the records merged into them
// (Store::MembersOf); their JSON carries "via": the record's ref.
Result<Trajectory> RunTrajectory(const events::Store& store, const identity::EntityRef& ref, TimeRange range,
                                 size_t limit = 100000);

// ---- collision ----
struct Window {
  std::string place_code;
  uint32_t from = 0, to = 0;
};
// Parses "PLACE,FROM,TO" (the command line's --window).
Result<Window> ParseWindow(std::string_view text);

struct CollisionHit {
  events::EntityId entity = 0;
  int matched = 0;
  std::vector<std::pair<int, events::Event>> evidence;  // (window index, event)
};
struct Collision {
  std::vector<Window> windows;
  std::vector<int64_t> window_events;  // events in each window
  std::vector<CollisionHit> hits;      // most matched first, then by entity id
  bool truncated = false;
};
// Entities with events in at least min_windows of the windows (0 = all).
// 422 invalid_window / unknown_place for bad windows.
Result<Collision> RunCollision(const events::Store& store, const std::vector<Window>& windows, int min_windows = 0,
                               size_t limit = 1000);

// ---- co-travel ----
struct CotravelPair {
  events::Event mine, theirs;
};
struct CotravelHit {
  events::EntityId entity = 0;
  int count = 0;  // occasions: the target's events with this entity within ±within
  std::vector<CotravelPair> evidence;
};
struct Cotravel {
  std::string entity;
  int64_t occasions = 0;  // the target's events considered
  std::vector<CotravelHit> hits;  // most occasions first
  bool truncated = false;
};
Result<Cotravel> RunCotravel(const events::Store& store, const identity::EntityRef& ref, uint32_t within_seconds,
                             int min_count, TimeRange range, size_t limit = 1000);

// ---- JSON (DESIGN.md shapes; times ISO 8601 with offset) ----
nlohmann::json ToJson(const events::Store& store, const Trajectory& t, bool with_records = true);
nlohmann::json ToJson(const events::Store& store, const Collision& c);
nlohmann::json ToJson(const events::Store& store, const Cotravel& c);
// One event: time, place (code), place_name, lat, lon, source.
nlohmann::json EventJson(const events::Store& store, const events::Event& e);

}  // namespace jingwu::analysis

// Command and dispatch (扁平化指挥处警): the types of the module.
//
// The module is event-sourced: every change is an Event with a sequence
// number, actor and time in the dispatch_events table, and the current state
// (State: incidents, units, assignments) is derived by applying the events in
// order (Apply). Nothing else is stored, so the timeline of an incident and
// every KPI come from the same record. Format and state machine:
// docs/dispatch.md.
//
// Plain values; not thread-safe by themselves (the Service guards its State).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/geo.h"
#include "core/time.h"

namespace jingwu::dispatch {

using nlohmann::json;

// ---- Code tables ---------------------------------------------------------

// Unit types, each with its travel speed for the straight-line ETA.
struct UnitTypeInfo {
  std::string code;  // patrol_car, motorcycle, foot, traffic, special
  std::string name_zh;
  double speed_kmh;
};
const std::vector<UnitTypeInfo>& UnitTypes();
const UnitTypeInfo* FindUnitType(std::string_view code);

// Incident categories, modelled on the national 警情 categories (刑事, 治安,
// 交通, 火灾, 求助, 纠纷, ...). `unit_types` are the types that fit the
// category; a unit also fits when its capabilities name the category.
struct CategoryInfo {
  std::string code;
  std::string name_zh;
  std::vector<std::string> unit_types;
};
const std::vector<CategoryInfo>& Categories();
const CategoryInfo* FindCategory(std::string_view code);

// Dispositions (处置结果) required to close an incident.
struct DispositionInfo {
  std::string code;
  std::string name_zh;
};
const std::vector<DispositionInfo>& Dispositions();
bool IsDisposition(std::string_view code);

// Haikou's districts (GB/T 2260).
struct DistrictInfo {
  std::string code;  // 460105 ...
  std::string name_zh;
};
const std::vector<DistrictInfo>& Districts();
bool IsDistrict(std::string_view code);

// The service area: Haikou's bounding box (WGS-84).
inline constexpr double kMinLat = 19.50, kMaxLat = 20.20, kMinLon = 110.05, kMaxLon = 110.75;
// Urban area: within this distance of the city centre (龙华/美兰 core).
inline constexpr double kCentreLat = 20.0300, kCentreLon = 110.3300, kUrbanRadiusM = 9000;

// ---- State ---------------------------------------------------------------

// A unit's availability (its shift), kept apart from its state on incidents.
inline constexpr std::string_view kOnDuty = "on_duty", kOffDuty = "off_duty", kOutOfService = "out_of_service";
bool IsAvailability(std::string_view s);

// A unit's state on one incident. `reserved` holds a unit for planned work.
inline constexpr std::string_view kReserved = "reserved", kAssigned = "assigned", kAcknowledged = "acknowledged",
                                  kEnRoute = "en_route", kOnScene = "on_scene", kCleared = "cleared";
bool IsAssignmentState(std::string_view s);
// Whether an assignment may move from `from` ("" = no assignment yet) to `to`.
bool AllowedTransition(std::string_view from, std::string_view to);
// Active = holds the unit (anything but cleared).
inline bool IsActive(std::string_view state) { return !state.empty() && state != kCleared; }

struct Unit {
  int64_t id = 0;
  std::string call_sign;  // 琼A-巡01
  std::string type;
  std::string station;    // home station name
  std::vector<std::string> capabilities;
  std::string availability = std::string(kOnDuty);
  double lat = 0, lon = 0;
  Timestamp position_at;
  int64_t current_incident = 0;  // the incident holding it (active assignment), 0 if none
  std::string current_state;     // its state on that incident, "" if none
};

struct Assignment {
  int64_t unit_id = 0;
  std::string state;
  Timestamp since;                        // when it entered the state
  std::map<std::string, Timestamp> at;    // first time of each state
};

struct Incident {
  int64_t id = 0;
  Timestamp received_at;
  std::optional<Timestamp> rang_at;       // call started ringing (for answer time)
  std::string caller_phone;               // personal data: masked outside the caller endpoint
  double lat = 0, lon = 0;
  std::string address, district, category, narrative;
  int priority = 2;
  std::string area;                       // urban / suburban (for targets)
  std::string status = "received";        // received, dispatched, acknowledged, en_route, on_scene, closed
  std::string feedback;                   // 反馈 text, once given
  std::optional<Timestamp> dispatched_at, acknowledged_at, arrived_at, feedback_at, closed_at;
  std::string disposition;
  std::vector<std::string> escalations;   // steps escalated, in order
  std::vector<Assignment> assignments;    // in order of first dispatch
  int64_t last_seq = 0;

  const Assignment* FindAssignment(int64_t unit_id) const;
  Assignment* FindAssignment(int64_t unit_id);
  bool closed() const { return closed_at.has_value(); }
};

// One entry of the timeline.
struct Event {
  int64_t seq = 0;          // assigned by the store, increasing
  Timestamp at;
  std::string actor;        // username, or "system" for timers
  std::string kind;         // unit.created, incident.created, assignment.state, ... (docs/dispatch.md)
  int64_t incident_id = 0;  // 0 when not about an incident
  int64_t unit_id = 0;      // 0 when not about a unit
  json data = json::object();
};

// Targets for the timers of one priority and area, in seconds.
struct Targets {
  int64_t acknowledge_s = 30;
  int64_t arrival_s = 300;
  int64_t feedback_s = 1800;
};

// Targets by priority (1..4) and area; defaults are the published ones
// (签收 30 s, 到达 5 min urban / 10 min suburbs, 反馈 30 min).
struct TargetTable {
  std::map<std::pair<int, std::string>, Targets> table;
  static TargetTable Defaults();
  const Targets& For(int priority, const std::string& area) const;
  // {"1": {"urban": {"acknowledge_s": 30, ...}, "suburban": {...}}, ...}; merges onto the defaults.
  static Result<TargetTable> FromJson(const json& j);
};

// The whole derived state.
struct State {
  std::map<int64_t, Unit> units;
  std::map<int64_t, Incident> incidents;
  int64_t last_seq = 0;
  // Applies one event that the Service already validated (or that was
  // stored). Unknown kinds are ignored so that old binaries can read newer logs.
  void Apply(const Event& e);
};

// Great-circle distance in metres (WGS-84 mean radius).
using jingwu::HaversineMeters;  // core/geo.h
std::string AreaOf(double lat, double lon);
// 138****8000 style: keeps the first 3 and last 4 digits.
std::string MaskPhone(const std::string& phone);

}  // namespace jingwu::dispatch

#include "dispatch/model.h"

#include <algorithm>
#include <cmath>

namespace jingwu::dispatch {

const std::vector<UnitTypeInfo>& UnitTypes() {
  // Average urban speeds of Haikou patrols (km/h); a road-network ETA replaces these.
  static const std::vector<UnitTypeInfo> k = {
      {"patrol_car", "巡逻车", 40}, {"motorcycle", "摩托车", 35}, {"foot", "步巡", 5},
      {"traffic", "交警车", 40},    {"special", "特警车", 45},
  };
  return k;
}

const UnitTypeInfo* FindUnitType(std::string_view code) {
  for (const auto& t : UnitTypes())
    if (t.code == code) return &t;
  return nullptr;
}

const std::vector<CategoryInfo>& Categories() {
  static const std::vector<CategoryInfo> k = {
      {"criminal", "刑事警情", {"patrol_car", "motorcycle", "foot", "special"}},
      {"public_order", "治安警情", {"patrol_car", "motorcycle", "foot", "special"}},
      {"traffic", "交通警情", {"traffic", "patrol_car", "motorcycle"}},
      {"fire", "火灾事故", {"patrol_car", "motorcycle"}},
      {"disaster", "灾害事故", {"patrol_car", "motorcycle", "special"}},
      {"assistance", "群众求助", {"patrol_car", "motorcycle", "foot"}},
      {"dispute", "纠纷", {"patrol_car", "motorcycle", "foot"}},
      {"report", "举报投诉", {"patrol_car", "motorcycle", "foot"}},
      {"other", "其他警情", {"patrol_car", "motorcycle", "foot"}},
  };
  return k;
}

const CategoryInfo* FindCategory(std::string_view code) {
  for (const auto& c : Categories())
    if (c.code == code) return &c;
  return nullptr;
}

const std::vector<DispositionInfo>& Dispositions() {
  static const std::vector<DispositionInfo> k = {
      {"resolved", "现场处置完毕"}, {"case_filed", "已立案"},     {"arrested", "抓获嫌疑人"},
      {"referred", "移交其他部门"}, {"mediated", "调解结束"},     {"false_alarm", "虚假警情"},
      {"duplicate", "重复报警"},    {"no_action", "无需处置"},
  };
  return k;
}

bool IsDisposition(std::string_view code) {
  return std::any_of(Dispositions().begin(), Dispositions().end(), [&](const auto& d) { return d.code == code; });
}

const std::vector<DistrictInfo>& Districts() {
  static const std::vector<DistrictInfo> k = {
      {"460105", "秀英区"}, {"460106", "龙华区"}, {"460107", "琼山区"}, {"460108", "美兰区"}};
  return k;
}

bool IsDistrict(std::string_view code) {
  return std::any_of(Districts().begin(), Districts().end(), [&](const auto& d) { return d.code == code; });
}

bool IsAvailability(std::string_view s) { return s == kOnDuty || s == kOffDuty || s == kOutOfService; }

bool IsAssignmentState(std::string_view s) {
  return s == kReserved || s == kAssigned || s == kAcknowledged || s == kEnRoute || s == kOnScene || s == kCleared;
}

bool AllowedTransition(std::string_view from, std::string_view to) {
  // A cleared assignment may be dispatched again (the unit comes back).
  if (from.empty() || from == kCleared) return to == kAssigned || to == kReserved;
  if (from == kReserved) return to == kAssigned || to == kCleared;
  if (from == kAssigned) return to == kAcknowledged || to == kCleared;
  if (from == kAcknowledged) return to == kEnRoute || to == kOnScene || to == kCleared;
  if (from == kEnRoute) return to == kOnScene || to == kCleared;
  if (from == kOnScene) return to == kCleared;
  return false;
}

const Assignment* Incident::FindAssignment(int64_t unit_id) const {
  for (const auto& a : assignments)
    if (a.unit_id == unit_id) return &a;
  return nullptr;
}
Assignment* Incident::FindAssignment(int64_t unit_id) {
  for (auto& a : assignments)
    if (a.unit_id == unit_id) return &a;
  return nullptr;
}

TargetTable TargetTable::Defaults() {
  TargetTable t;
  for (int p = 1; p <= 4; ++p) {
    t.table[{p, "urban"}] = Targets{30, 5 * 60, 30 * 60};
    t.table[{p, "suburban"}] = Targets{30, 10 * 60, 30 * 60};
  }
  return t;
}

const Targets& TargetTable::For(int priority, const std::string& area) const {
  auto it = table.find({priority, area});
  if (it != table.end()) return it->second;
  static const Targets kDefault;
  return kDefault;
}

Result<TargetTable> TargetTable::FromJson(const json& j) {
  TargetTable t = Defaults();
  if (!j.is_object()) return InvalidArgument("bad_config", "dispatch targets must be an object");
  for (auto& [pk, areas] : j.items()) {
    int p = pk.size() == 1 ? pk[0] - '0' : 0;
    if (p < 1 || p > 4 || !areas.is_object()) return InvalidArgument("bad_config", "dispatch targets: bad priority " + pk);
    for (auto& [area, v] : areas.items()) {
      if ((area != "urban" && area != "suburban") || !v.is_object())
        return InvalidArgument("bad_config", "dispatch targets: bad area " + area);
      Targets& tg = t.table[{p, area}];
      for (auto& [k, s] : v.items()) {
        if (!s.is_number_integer() || s.get<int64_t>() <= 0)
          return InvalidArgument("bad_config", "dispatch targets: " + k + " must be a positive integer");
        if (k == "acknowledge_s") tg.acknowledge_s = s;
        else if (k == "arrival_s") tg.arrival_s = s;
        else if (k == "feedback_s") tg.feedback_s = s;
        else return InvalidArgument("bad_config", "dispatch targets: unknown key " + k);
      }
    }
  }
  return t;
}

namespace {
Timestamp TimeField(const json& d, const char* k, Timestamp def) {
  return d.contains(k) && d[k].is_number_integer() ? Timestamp{d[k].get<int64_t>()} : def;
}

// The incident's status: closed, or the furthest step any unit reached.
std::string DeriveStatus(const Incident& inc) {
  if (inc.closed()) return "closed";
  if (inc.arrived_at) return "on_scene";
  bool en_route = false, ack = false, dispatched = false;
  for (const auto& a : inc.assignments) {
    if (a.state == kEnRoute) en_route = true;
    if (a.state == kAcknowledged) ack = true;
    if (a.state == kAssigned) dispatched = true;
  }
  if (en_route) return "en_route";
  if (ack) return "acknowledged";
  if (dispatched) return "dispatched";
  return "received";
}
}  // namespace

void State::Apply(const Event& e) {
  last_seq = std::max(last_seq, e.seq);
  const json& d = e.data;
  if (e.kind == "unit.created") {
    Unit u;
    u.id = e.unit_id;
    u.call_sign = d.value("call_sign", "");
    u.type = d.value("type", "");
    u.station = d.value("station", "");
    u.capabilities = d.value("capabilities", std::vector<std::string>{});
    u.availability = d.value("availability", std::string(kOnDuty));
    u.lat = d.value("lat", 0.0);
    u.lon = d.value("lon", 0.0);
    u.position_at = e.at;
    units[u.id] = std::move(u);
    return;
  }
  if (e.kind == "unit.availability") {
    if (auto it = units.find(e.unit_id); it != units.end()) it->second.availability = d.value("availability", "");
    return;
  }
  if (e.kind == "unit.position") {
    if (auto it = units.find(e.unit_id); it != units.end()) {
      it->second.lat = d.value("lat", 0.0);
      it->second.lon = d.value("lon", 0.0);
      it->second.position_at = TimeField(d, "reported_at", e.at);
    }
    return;
  }
  if (e.kind == "incident.created") {
    Incident inc;
    inc.id = e.incident_id;
    inc.received_at = TimeField(d, "received_at", e.at);
    if (d.contains("rang_at")) inc.rang_at = TimeField(d, "rang_at", e.at);
    inc.caller_phone = d.value("caller_phone", "");
    inc.lat = d.value("lat", 0.0);
    inc.lon = d.value("lon", 0.0);
    inc.address = d.value("address", "");
    inc.district = d.value("district_code", "");
    inc.category = d.value("category", "");
    inc.priority = d.value("priority", 2);
    inc.narrative = d.value("narrative", "");
    inc.area = d.value("area", AreaOf(inc.lat, inc.lon));
    inc.last_seq = e.seq;
    incidents[inc.id] = std::move(inc);
    return;
  }
  auto it = incidents.find(e.incident_id);
  if (it == incidents.end()) return;
  Incident& inc = it->second;
  inc.last_seq = e.seq;
  if (e.kind == "assignment.state") {
    std::string state = d.value("state", "");
    Assignment* a = inc.FindAssignment(e.unit_id);
    if (!a) {
      inc.assignments.push_back({e.unit_id, "", e.at, {}});
      a = &inc.assignments.back();
    }
    a->state = state;
    a->since = e.at;
    a->at.try_emplace(state, e.at);
    if (auto u = units.find(e.unit_id); u != units.end()) {
      if (IsActive(state)) {
        u->second.current_incident = inc.id;
        u->second.current_state = state;
      } else if (u->second.current_incident == inc.id) {
        u->second.current_incident = 0;
        u->second.current_state.clear();
      }
    }
    if (state == kAssigned && !inc.dispatched_at) inc.dispatched_at = e.at;
    if (state == kAcknowledged && !inc.acknowledged_at) inc.acknowledged_at = e.at;
    if (state == kOnScene && !inc.arrived_at) inc.arrived_at = e.at;
  } else if (e.kind == "incident.feedback") {
    inc.feedback = d.value("text", "");
    if (!inc.feedback_at) inc.feedback_at = e.at;
  } else if (e.kind == "incident.escalated") {
    inc.escalations.push_back(d.value("step", ""));
  } else if (e.kind == "incident.closed") {
    inc.closed_at = e.at;
    inc.disposition = d.value("disposition", "");
  }
  inc.status = DeriveStatus(inc);
}

std::string AreaOf(double lat, double lon) {
  return HaversineMeters(lat, lon, kCentreLat, kCentreLon) <= kUrbanRadiusM ? "urban" : "suburban";
}

std::string MaskPhone(const std::string& phone) {
  if (phone.size() < 8) return phone.empty() ? "" : std::string(phone.size(), '*');
  return phone.substr(0, 3) + std::string(phone.size() - 7, '*') + phone.substr(phone.size() - 4);
}

}  // namespace jingwu::dispatch

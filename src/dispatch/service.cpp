#include "dispatch/service.h"

#include <cmath>
#include <regex>

#include "core/log.h"
#include "core/utf8.h"
#include "identity/identity.h"

namespace jingwu::dispatch {

namespace {

Status CheckCoordinates(double lat, double lon) {
  if (!std::isfinite(lat) || !std::isfinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180)
    return Validation("invalid_coordinates", "lat and lon must be WGS-84 degrees");
  if (lat < kMinLat || lat > kMaxLat || lon < kMinLon || lon > kMaxLon)
    return Validation("outside_service_area", "the location is outside Haikou's service area");
  return Status::Ok();
}

Status CheckText(const std::string& s, const char* field, size_t max_bytes) {
  if (!IsValidUtf8(s)) return InvalidArgument("invalid_encoding", std::string(field) + " is not valid UTF-8");
  if (s.size() > max_bytes)
    return Validation("too_long", std::string(field) + " is longer than " + std::to_string(max_bytes) + " bytes");
  return Status::Ok();
}

// A mobile number (normalised to 11 digits) or a landline (0898-66668888).
Result<std::string> NormalisePhone(const std::string& in) {
  if (in.empty()) return std::string();
  auto mobile = identity::ParsePhone(in);
  if (mobile.ok()) return *mobile;
  static const std::regex kLandline(R"(^(0\d{2,3})?-?\d{7,8}$)");
  if (std::regex_match(in, kLandline)) return in;
  return Validation("invalid_phone", "caller_phone must be a mobile number or a landline such as 0898-66668888");
}

template <typename M>
int64_t NextId(const M& m) {
  return m.empty() ? 1 : m.rbegin()->first + 1;
}

}  // namespace

Result<Options> ParseOptions(const std::string& json_text) {
  Options o;
  json j = json::parse(json_text, nullptr, false);
  if (!j.is_object()) return InvalidArgument("bad_config", "dispatch: must be an object");
  for (auto& [k, v] : j.items()) {
    if (k == "targets") {
      JW_ASSIGN_OR_RETURN(o.targets, TargetTable::FromJson(v));
    } else if (k == "stale_after_s") {
      if (!v.is_number_integer() || v.get<int64_t>() <= 0)
        return InvalidArgument("bad_config", "dispatch.stale_after_s must be a positive integer");
      o.stale_after_s = v;
    } else {
      return InvalidArgument("bad_config", "dispatch: unknown key '" + k + "'");
    }
  }
  return o;
}

Service::Service(sql::Database* db, audit::Log* audit, const Clock* clock, Options opt)
    : db_(db), audit_(audit), clock_(clock), opt_(std::move(opt)), store_(db) {}

Service::~Service() { StopTimers(); }

Status Service::Load() {
  JW_ASSIGN_OR_RETURN(auto events, store_.All());
  std::lock_guard lock(mu_);
  state_ = State();
  for (const auto& e : events) state_.Apply(e);
  return Status::Ok();
}

void Service::AddListener(Listener l) { listeners_.push_back(std::move(l)); }

int64_t Service::LastSeq() const {
  std::lock_guard lock(mu_);
  return state_.last_seq;
}

Status Service::Commit(std::unique_lock<std::mutex>& lock, std::vector<Event> events) {
  Timestamp now = clock_->Now();
  int64_t seq = state_.last_seq;
  for (auto& e : events) {
    e.seq = ++seq;
    e.at = now;
  }
  JW_RETURN_IF_ERROR(store_.Append(events));
  for (const auto& e : events) state_.Apply(e);
  // Listeners run in seq order, outside the state lock.
  std::lock_guard order(notify_mu_);
  lock.unlock();
  for (const auto& e : events)
    for (const auto& l : listeners_) l(e);
  return Status::Ok();
}

void Service::AuditPersonal(const Actor& a, const std::string& action, const std::string& target,
                            const std::string& detail) {
  if (audit_) audit_->Record(a, action, target, "ok", detail);
}

Result<Unit> Service::CreateUnit(const Actor& a, const UnitInput& in) {
  if (in.call_sign.empty()) return Validation("call_sign_required", "call_sign is required");
  JW_RETURN_IF_ERROR(CheckText(in.call_sign, "call_sign", 64));
  JW_RETURN_IF_ERROR(CheckText(in.station, "station", 200));
  if (!FindUnitType(in.type)) return Validation("unknown_unit_type", "type must be one of the unit types");
  if (!IsAvailability(in.availability))
    return Validation("invalid_availability", "availability must be on_duty, off_duty or out_of_service");
  for (const auto& c : in.capabilities) JW_RETURN_IF_ERROR(CheckText(c, "capabilities", 64));
  JW_RETURN_IF_ERROR(CheckCoordinates(in.lat, in.lon));
  std::unique_lock lock(mu_);
  for (const auto& [id, u] : state_.units)
    if (u.call_sign == in.call_sign) return Conflict("duplicate_call_sign", "a unit with this call sign exists");
  int64_t id = NextId(state_.units);
  Event e;
  e.actor = a.username;
  e.kind = "unit.created";
  e.unit_id = id;
  e.data = {{"call_sign", in.call_sign}, {"type", in.type},   {"station", in.station}, {"capabilities", in.capabilities},
            {"availability", in.availability}, {"lat", in.lat}, {"lon", in.lon}};
  JW_RETURN_IF_ERROR(Commit(lock, {e}));
  return GetUnit(id);
}

Result<Unit> Service::SetAvailability(const Actor& a, int64_t unit_id, const std::string& availability) {
  if (!IsAvailability(availability))
    return Validation("invalid_availability", "availability must be on_duty, off_duty or out_of_service");
  std::unique_lock lock(mu_);
  auto it = state_.units.find(unit_id);
  if (it == state_.units.end()) return NotFound("unit_not_found", "no such unit");
  if (it->second.availability == availability) return it->second;
  if (availability != kOnDuty && it->second.current_incident != 0)
    return Conflict("unit_assigned", "the unit is assigned to incident " +
                                         std::to_string(it->second.current_incident) + "; clear it first");
  Event e;
  e.actor = a.username;
  e.kind = "unit.availability";
  e.unit_id = unit_id;
  e.data = {{"availability", availability}};
  JW_RETURN_IF_ERROR(Commit(lock, {e}));
  return GetUnit(unit_id);
}

Result<Unit> Service::ReportPosition(const Actor& a, int64_t unit_id, double lat, double lon) {
  JW_RETURN_IF_ERROR(CheckCoordinates(lat, lon));
  std::unique_lock lock(mu_);
  if (!state_.units.count(unit_id)) return NotFound("unit_not_found", "no such unit");
  Event e;
  e.actor = a.username;
  e.kind = "unit.position";
  e.unit_id = unit_id;
  e.data = {{"lat", lat}, {"lon", lon}};
  JW_RETURN_IF_ERROR(Commit(lock, {e}));
  return GetUnit(unit_id);
}

Result<Incident> Service::CreateIncident(const Actor& a, const IncidentInput& in) {
  if (!FindCategory(in.category)) return Validation("unknown_category", "category must be one of the code table");
  if (in.priority < 1 || in.priority > 4) return Validation("invalid_priority", "priority must be 1 to 4");
  if (!IsDistrict(in.district_code))
    return Validation("unknown_district", "district_code must be one of Haikou's districts (460105-460108)");
  JW_RETURN_IF_ERROR(CheckCoordinates(in.lat, in.lon));
  JW_RETURN_IF_ERROR(CheckText(in.address, "address", 500));
  JW_RETURN_IF_ERROR(CheckText(in.narrative, "narrative", 4000));
  JW_RETURN_IF_ERROR(CheckText(in.caller_phone, "caller_phone", 32));
  JW_ASSIGN_OR_RETURN(std::string phone, NormalisePhone(in.caller_phone));
  Timestamp now = clock_->Now();
  if (in.rang_at && (*in.rang_at > now || now.micros - in.rang_at->micros > kMicrosPerHour))
    return Validation("invalid_rang_at", "rang_at must be within the hour before now");
  std::unique_lock lock(mu_);
  int64_t id = NextId(state_.incidents);
  Event e;
  e.actor = a.username;
  e.kind = "incident.created";
  e.incident_id = id;
  e.data = {{"received_at", now.micros}, {"caller_phone", phone},     {"lat", in.lat},
            {"lon", in.lon},             {"address", in.address},     {"district_code", in.district_code},
            {"category", in.category},   {"priority", in.priority},   {"narrative", in.narrative},
            {"area", AreaOf(in.lat, in.lon)}};
  if (in.rang_at) e.data["rang_at"] = in.rang_at->micros;
  JW_RETURN_IF_ERROR(Commit(lock, {e}));
  if (!phone.empty()) {
    // The caller's number is personal data: its recording is on the audit log.
    AuditPersonal(a, "dispatch.incident_create", "incident:" + std::to_string(id), "caller phone recorded");
  }
  return GetIncident(id);
}

Result<Incident> Service::SetAssignment(const Actor& a, int64_t incident_id, int64_t unit_id, const std::string& to) {
  if (!IsAssignmentState(to))
    return Validation("invalid_state", "state must be reserved, assigned, acknowledged, en_route, on_scene or cleared");
  std::unique_lock lock(mu_);
  auto inc = state_.incidents.find(incident_id);
  if (inc == state_.incidents.end()) return NotFound("incident_not_found", "no such incident");
  auto unit = state_.units.find(unit_id);
  if (unit == state_.units.end()) return NotFound("unit_not_found", "no such unit");
  if (inc->second.closed()) return Conflict("incident_closed", "the incident is closed");
  const Assignment* cur = inc->second.FindAssignment(unit_id);
  std::string from = cur ? cur->state : "";
  if (!AllowedTransition(from, to)) {
    if ((to == kAssigned || to == kReserved) && IsActive(from))
      return Conflict("already_assigned", "the unit is already " + from + " on this incident");
    return Conflict("invalid_transition",
                    "a unit cannot go from " + (from.empty() ? std::string("unassigned") : from) + " to " + to);
  }
  if (!IsActive(from) && (to == kAssigned || to == kReserved)) {
    if (unit->second.availability != kOnDuty)
      return Conflict("unit_unavailable", "the unit is " + unit->second.availability);
    if (unit->second.current_incident != 0)
      return Conflict("unit_busy",
                      "the unit is held by incident " + std::to_string(unit->second.current_incident));
  }
  Event e;
  e.actor = a.username;
  e.kind = "assignment.state";
  e.incident_id = incident_id;
  e.unit_id = unit_id;
  e.data = {{"state", to}, {"from", from}, {"call_sign", unit->second.call_sign}};
  JW_RETURN_IF_ERROR(Commit(lock, {e}));
  return GetIncident(incident_id);
}

Result<Incident> Service::Feedback(const Actor& a, int64_t incident_id, const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    return Validation("feedback_required", "feedback text is required");
  JW_RETURN_IF_ERROR(CheckText(text, "text", 4000));
  std::unique_lock lock(mu_);
  auto inc = state_.incidents.find(incident_id);
  if (inc == state_.incidents.end()) return NotFound("incident_not_found", "no such incident");
  if (inc->second.closed()) return Conflict("incident_closed", "the incident is closed");
  Event e;
  e.actor = a.username;
  e.kind = "incident.feedback";
  e.incident_id = incident_id;
  e.data = {{"text", text}};
  JW_RETURN_IF_ERROR(Commit(lock, {e}));
  return GetIncident(incident_id);
}

Result<Incident> Service::Close(const Actor& a, int64_t incident_id, const std::string& disposition) {
  if (disposition.empty()) return Validation("disposition_required", "closing needs a disposition");
  if (!IsDisposition(disposition)) return Validation("unknown_disposition", "disposition must be one of the code table");
  std::unique_lock lock(mu_);
  auto inc = state_.incidents.find(incident_id);
  if (inc == state_.incidents.end()) return NotFound("incident_not_found", "no such incident");
  if (inc->second.closed()) return Conflict("incident_closed", "the incident is already closed");
  // Every unit still held is released in the same transaction as the close.
  std::vector<Event> events;
  for (const auto& as : inc->second.assignments) {
    if (!IsActive(as.state)) continue;
    Event e;
    e.actor = a.username;
    e.kind = "assignment.state";
    e.incident_id = incident_id;
    e.unit_id = as.unit_id;
    auto u = state_.units.find(as.unit_id);
    e.data = {{"state", kCleared}, {"from", as.state}, {"reason", "incident_closed"},
              {"call_sign", u != state_.units.end() ? u->second.call_sign : ""}};
    events.push_back(std::move(e));
  }
  Event c;
  c.actor = a.username;
  c.kind = "incident.closed";
  c.incident_id = incident_id;
  c.data = {{"disposition", disposition}};
  events.push_back(std::move(c));
  JW_RETURN_IF_ERROR(Commit(lock, std::move(events)));
  return GetIncident(incident_id);
}

Result<Incident> Service::GetIncident(int64_t id) const {
  std::lock_guard lock(mu_);
  auto it = state_.incidents.find(id);
  if (it == state_.incidents.end()) return NotFound("incident_not_found", "no such incident");
  return it->second;
}

Result<Unit> Service::GetUnit(int64_t id) const {
  std::lock_guard lock(mu_);
  auto it = state_.units.find(id);
  if (it == state_.units.end()) return NotFound("unit_not_found", "no such unit");
  return it->second;
}

std::vector<Incident> Service::ListIncidents(const IncidentFilter& f) const {
  std::vector<Incident> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, inc] : state_.incidents) {
    if ((f.status.empty() || f.status == "open") && inc.closed()) continue;
    if (f.status == "closed" && !inc.closed()) continue;
    out.push_back(inc);
  }
  // The queue: priority first, then oldest first.
  std::sort(out.begin(), out.end(), [](const Incident& a, const Incident& b) {
    if (a.closed() != b.closed()) return !a.closed();
    if (a.priority != b.priority) return a.priority < b.priority;
    return a.received_at < b.received_at;
  });
  return out;
}

std::vector<Unit> Service::ListUnits() const {
  std::vector<Unit> out;
  std::lock_guard lock(mu_);
  out.reserve(state_.units.size());
  for (const auto& [id, u] : state_.units) out.push_back(u);
  return out;
}

Result<std::vector<Recommendation>> Service::Recommend(int64_t incident_id, size_t limit) const {
  std::lock_guard lock(mu_);
  auto it = state_.incidents.find(incident_id);
  if (it == state_.incidents.end()) return NotFound("incident_not_found", "no such incident");
  if (it->second.closed()) return Conflict("incident_closed", "the incident is closed");
  Timestamp now = clock_->Now();
  if (!crews_) return dispatch::Recommend(state_.units, it->second, now, eta_, opt_.stale_after_s, limit);
  // A unit whose station keeps a roster and has no crew on shift now is not recommended.
  return dispatch::Recommend(state_.units, it->second, now, eta_, opt_.stale_after_s, limit, [&](const Unit& u) {
    Crew c = crews_->CrewOf(u.call_sign, u.station, now);
    return !c.rostered || !c.members.empty();
  });
}

Result<std::vector<Event>> Service::Timeline(int64_t incident_id) {
  JW_RETURN_IF_ERROR(GetIncident(incident_id).status());
  return store_.ForIncident(incident_id);
}

Result<KpiReport> Service::Kpis(const KpiQuery& q) {
  if (!IsKpiGroupBy(q.group_by))
    return Validation("invalid_group_by", "group_by must be day, priority, district, unit_type or all");
  JW_ASSIGN_OR_RETURN(auto events, store_.All());
  return ComputeKpis(events, opt_.targets, q);
}

std::vector<Timer> Service::Timers(const Incident& inc, Timestamp now) const {
  const Targets& t = opt_.targets.For(inc.priority, inc.area);
  std::vector<Timer> out;
  auto add = [&](const char* step, std::optional<Timestamp> start, int64_t target_s, std::optional<Timestamp> met) {
    if (!start) return;
    Timer tm{step, *start, *start + target_s * kMicrosPerSecond, met, false};
    tm.overdue = met ? *met > tm.due : (!inc.closed() && now > tm.due);
    out.push_back(tm);
  };
  add("acknowledge", inc.dispatched_at, t.acknowledge_s, inc.acknowledged_at);
  add("arrival", inc.received_at, t.arrival_s, inc.arrived_at);
  add("feedback", inc.received_at, t.feedback_s, inc.feedback_at ? inc.feedback_at : inc.closed_at);
  return out;
}

int Service::CheckTimers() {
  std::unique_lock lock(mu_);
  Timestamp now = clock_->Now();
  std::vector<Event> events;
  for (const auto& [id, inc] : state_.incidents) {
    if (inc.closed()) continue;
    for (const auto& tm : Timers(inc, now)) {
      if (!tm.overdue || tm.met) continue;
      if (std::find(inc.escalations.begin(), inc.escalations.end(), tm.step) != inc.escalations.end()) continue;
      Event e;
      e.actor = "system";
      e.kind = "incident.escalated";
      e.incident_id = id;
      e.data = {{"step", tm.step}, {"due_at", tm.due.micros}};
      events.push_back(std::move(e));
    }
  }
  if (events.empty()) return 0;
  int n = static_cast<int>(events.size());
  Status s = Commit(lock, std::move(events));
  if (!s.ok()) {
    log::Error("dispatch.escalation_failed", {{"error", s.ToString()}});
    return 0;
  }
  return n;
}

void Service::StartTimers(int interval_ms) {
  StopTimers();
  {
    std::lock_guard lock(timer_mu_);
    timer_stop_ = false;
  }
  timer_thread_ = std::thread([this, interval_ms] {
    std::unique_lock lock(timer_mu_);
    while (!timer_stop_) {
      lock.unlock();
      CheckTimers();
      lock.lock();
      timer_cv_.wait_for(lock, std::chrono::milliseconds(interval_ms), [this] { return timer_stop_; });
    }
  });
}

void Service::StopTimers() {
  {
    std::lock_guard lock(timer_mu_);
    timer_stop_ = true;
  }
  timer_cv_.notify_all();
  if (timer_thread_.joinable()) timer_thread_.join();
}

}  // namespace jingwu::dispatch

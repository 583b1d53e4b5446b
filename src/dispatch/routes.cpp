// HTTP face of command and dispatch (docs/api.md "Dispatch"). Caller phone
// numbers are masked everywhere except GET .../caller, which needs a stated
// purpose and is audited.
#include <cmath>

#include "auth/roles.h"
#include "dispatch/service.h"
#include "core/utf8.h"
#include "http/api.h"
#include "registry/service.h"
#include "http/sse.h"

namespace jingwu::dispatch {

using http::Context;
using http::Reply;

namespace {

json OptTime(const std::optional<Timestamp>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }

json UnitJson(const Unit& u, Timestamp now, int64_t stale_after_s, const CrewSource* crews) {
  int64_t age = std::max<int64_t>(0, (now.micros - u.position_at.micros) / kMicrosPerSecond);
  std::string status = u.availability != kOnDuty ? u.availability : u.current_incident ? u.current_state : "available";
  // Who is in the car now, from the roster (an empty list: off the roster).
  json crew = nullptr;
  bool off_roster = false;
  if (crews) {
    Crew c = crews->CrewOf(u.call_sign, u.station, now);
    if (c.rostered) {
      crew = json::array();
      for (const auto& [no, name] : c.members) crew.push_back({{"police_no", no}, {"name", name}});
      off_roster = c.members.empty();
    }
  }
  return {{"id", u.id},
          {"crew", crew},
          {"off_roster", off_roster},
          {"call_sign", u.call_sign},
          {"type", u.type},
          {"station", u.station},
          {"capabilities", u.capabilities},
          {"availability", u.availability},
          {"status", status},
          {"current_incident", u.current_incident ? json(u.current_incident) : json(nullptr)},
          {"current_state", u.current_incident ? json(u.current_state) : json(nullptr)},
          {"lat", u.lat},
          {"lon", u.lon},
          {"position_at", FormatTime(u.position_at)},
          {"position_age_s", age},
          {"stale", age > stale_after_s}};
}

// An address text resolved in the base registries (null without a registry or a match).
json LocatedJson(const registry::Located& l, bool with_candidates) {
  json j = {{"matched", l.match.matched}};
  if (l.match.matched) {
    j["code"] = l.match.code;
    j["level"] = registry::LevelName(l.match.level);
    j["full_name"] = l.full_name;
    j["score"] = l.match.score;
    j["lat"] = l.lat != 0 ? json(l.lat) : json(nullptr);
    j["lon"] = l.lon != 0 ? json(l.lon) : json(nullptr);
    j["district_code"] = l.district_code;
    j["community_code"] = l.community_code.empty() ? json(nullptr) : json(l.community_code);
    j["community"] = l.community_name;
    j["officer"] = l.officer ? json{{"name", l.officer->officer_name},
                                    {"police_number", l.officer->police_number},
                                    {"phone", l.officer->phone},
                                    {"station_code", l.officer->station_code}}
                             : json(nullptr);
  }
  if (with_candidates) {
    json c = json::array();
    for (const auto& x : l.candidates)
      c.push_back({{"code", x.code}, {"full_name", x.full_name}, {"level", x.level}, {"score", x.score},
                   {"lat", x.lat != 0 ? json(x.lat) : json(nullptr)}, {"lon", x.lon != 0 ? json(x.lon) : json(nullptr)}});
    j["candidates"] = c;
  }
  return j;
}

const registry::Service* g_registry = nullptr;  // set by RegisterRoutes; may stay null

json IncidentJson(const Incident& inc, const Service& s) {
  Timestamp now = s.clock().Now();
  json timers = json::array(), overdue = json::array();
  for (const auto& t : s.Timers(inc, now)) {
    timers.push_back({{"step", t.step},
                      {"started_at", FormatTime(t.started)},
                      {"due_at", FormatTime(t.due)},
                      {"met_at", OptTime(t.met)},
                      {"overdue", t.overdue},
                      {"remaining_s", t.met ? json(nullptr) : json((t.due.micros - now.micros) / kMicrosPerSecond)}});
    if (t.overdue && !t.met) overdue.push_back(t.step);
  }
  json assignments = json::array();
  for (const auto& a : inc.assignments) {
    auto u = s.GetUnit(a.unit_id);
    json at = json::object();
    for (const auto& [state, t] : a.at) at[state] = FormatTime(t);
    assignments.push_back({{"unit_id", a.unit_id},
                           {"call_sign", u.ok() ? u->call_sign : ""},
                           {"type", u.ok() ? u->type : ""},
                           {"state", a.state},
                           {"since", FormatTime(a.since)},
                           {"at", at}});
  }
  return {{"id", inc.id},
          {"received_at", FormatTime(inc.received_at)},
          {"rang_at", OptTime(inc.rang_at)},
          {"caller_phone", MaskPhone(inc.caller_phone)},
          {"has_caller_phone", !inc.caller_phone.empty()},
          {"lat", inc.lat},
          {"lon", inc.lon},
          {"address", inc.address},
          {"standard_address", g_registry && !inc.address.empty() ? LocatedJson(g_registry->Locate(inc.address), false)
                                                                    : json(nullptr)},
          {"district_code", inc.district},
          {"category", inc.category},
          {"priority", inc.priority},
          {"narrative", inc.narrative},
          {"area", inc.area},
          {"status", inc.status},
          {"feedback", inc.feedback},
          {"dispatched_at", OptTime(inc.dispatched_at)},
          {"acknowledged_at", OptTime(inc.acknowledged_at)},
          {"arrived_at", OptTime(inc.arrived_at)},
          {"feedback_at", OptTime(inc.feedback_at)},
          {"closed_at", OptTime(inc.closed_at)},
          {"disposition", inc.disposition.empty() ? json(nullptr) : json(inc.disposition)},
          {"timers", timers},
          {"overdue", overdue},
          {"escalations", inc.escalations},
          {"assignments", assignments},
          {"last_seq", inc.last_seq}};
}

// The wire form of a timeline event: times as ISO 8601, the caller's phone masked.
json EventJson(const Event& e) {
  json d = e.data;
  if (d.is_object()) {
    if (d.contains("caller_phone") && d["caller_phone"].is_string())
      d["caller_phone"] = MaskPhone(d["caller_phone"].get<std::string>());
    for (const char* k : {"received_at", "rang_at", "due_at", "reported_at"})
      if (d.contains(k) && d[k].is_number_integer()) d[k] = FormatTime(Timestamp{d[k].get<int64_t>()});
  }
  return {{"seq", e.seq},
          {"at", FormatTime(e.at)},
          {"actor", e.actor},
          {"kind", e.kind},
          {"incident_id", e.incident_id ? json(e.incident_id) : json(nullptr)},
          {"unit_id", e.unit_id ? json(e.unit_id) : json(nullptr)},
          {"data", d}};
}

Actor ActorOf(const Context& c) { return {c.user().user.username, auth::JoinRoles(c.user().user.roles), c.client}; }

int64_t IdArg(const Context& c, size_t i) {
  try {
    return std::stoll(c.PathArg(i));
  } catch (...) {
    return 0;
  }
}

Status Field(const json& b, const char* k, std::string* out, bool required, const char* missing_code) {
  if (!b.contains(k) || b[k].is_null()) {
    if (required) return Validation(missing_code, std::string(k) + " is required");
    return Status::Ok();
  }
  if (!b[k].is_string()) return Validation("invalid_field", std::string(k) + " must be a string");
  *out = b[k].get<std::string>();
  return Status::Ok();
}

Status Coordinates(const json& b, double* lat, double* lon) {
  if (!b.contains("lat") || !b.contains("lon") || !b["lat"].is_number() || !b["lon"].is_number())
    return Validation("invalid_coordinates", "lat and lon (numbers, WGS-84 degrees) are required");
  *lat = b["lat"].get<double>();
  *lon = b["lon"].get<double>();
  return Status::Ok();
}

json RecommendationJson(const Recommendation& r, const Service& s) {
  auto u = s.GetUnit(r.unit_id);
  char reason[160];
  std::snprintf(reason, sizeof reason, "%.1f km, ETA %lld s, position %lld s old%s", r.distance_m / 1000.0,
                static_cast<long long>(std::llround(r.eta_s)), static_cast<long long>(r.position_age_s),
                r.stale ? " (stale)" : "");
  return {{"unit_id", r.unit_id},
          {"call_sign", u.ok() ? u->call_sign : ""},
          {"type", u.ok() ? u->type : ""},
          {"station", u.ok() ? u->station : ""},
          {"distance_m", std::llround(r.distance_m)},
          {"eta_s", std::llround(r.eta_s)},
          {"position_age_s", r.position_age_s},
          {"stale", r.stale},
          {"reason", reason}};
}

json KpiJson(const KpiReport& r) {
  json groups = json::array();
  for (const auto& g : r.groups) {
    json metrics = json::object();
    for (const auto& m : g.metrics)
      metrics[m.name] = {{"count", m.count},
                         {"median_s", m.median_s ? json(*m.median_s) : json(nullptr)},
                         {"p90_s", m.p90_s ? json(*m.p90_s) : json(nullptr)},
                         {"within_target", m.within_share ? json(*m.within_share) : json(nullptr)}};
    groups.push_back({{"key", g.key}, {"incidents", g.incidents}, {"metrics", metrics}});
  }
  return {{"group_by", r.group_by},
          {"groups", groups},
          {"reference", {{"answer_s", kNenaAnswerS}, {"dispatch_s", kNfpaDispatchS}, {"share", 0.9}}}};
}

Result<std::optional<Timestamp>> TimeParam(const Context& c, const std::string& name) {
  std::string v = c.Param(name);
  if (v.empty()) return std::optional<Timestamp>();
  auto t = ParseTime(v);
  if (!t.ok()) return Validation("invalid_time", name + ": " + t.status().message());
  return std::optional<Timestamp>(*t);
}

}  // namespace

void RegisterRoutes(http::Api& api, Service* svc, http::Broadcaster* stream, const registry::Service* registry) {
  Service& s = *svc;
  g_registry = registry;
  const http::RouteOptions read{.permission = auth::perm::kDispatchRead};
  const http::RouteOptions write{.permission = auth::perm::kDispatchWrite};

  // A caller's address, as the call-taker types it, resolved to a standard
  // address with its map position, community and community officer, or the
  // candidates to choose from.
  api.Get("/api/v1/dispatch/address", read, [registry](Context& c) -> Result<Reply> {
    std::string q = c.Param("q");
    if (q.empty()) return Validation("validation_failed", "q (the address text) is required");
    JW_RETURN_IF_ERROR(CheckText(q, "q", 200));
    if (!registry) return Unavailable("registry_unavailable", "the address registry is not loaded");
    return Reply::Json(LocatedJson(registry->Locate(q), true));
  });

  api.Get("/api/v1/dispatch/codes", read, [&s](Context&) -> Result<Reply> {
    json cats = json::array(), types = json::array(), disp = json::array(), dists = json::array(), targets = json::array();
    for (const auto& c : Categories()) cats.push_back({{"code", c.code}, {"name", c.name_zh}, {"unit_types", c.unit_types}});
    for (const auto& t : UnitTypes()) types.push_back({{"code", t.code}, {"name", t.name_zh}, {"speed_kmh", t.speed_kmh}});
    for (const auto& d : Dispositions()) disp.push_back({{"code", d.code}, {"name", d.name_zh}});
    for (const auto& d : Districts()) dists.push_back({{"code", d.code}, {"name", d.name_zh}});
    for (const auto& [key, t] : s.options().targets.table)
      targets.push_back({{"priority", key.first}, {"area", key.second}, {"acknowledge_s", t.acknowledge_s},
                         {"arrival_s", t.arrival_s}, {"feedback_s", t.feedback_s}});
    return Reply::Json({{"categories", cats},
                        {"unit_types", types},
                        {"dispositions", disp},
                        {"districts", dists},
                        {"targets", targets},
                        {"stale_after_s", s.options().stale_after_s},
                        {"service_area", {{"min_lat", kMinLat}, {"max_lat", kMaxLat}, {"min_lon", kMinLon}, {"max_lon", kMaxLon}}},
                        {"reference", {{"answer_s", kNenaAnswerS}, {"dispatch_s", kNfpaDispatchS}, {"share", 0.9}}}});
  });

  api.Get("/api/v1/dispatch/incidents", read, [&s](Context& c) -> Result<Reply> {
    std::string status = c.Param("status");
    if (!status.empty() && status != "open" && status != "closed" && status != "all")
      return Validation("validation_failed", "status must be open, closed or all");
    json items = json::array();
    for (const auto& inc : s.ListIncidents({status})) items.push_back(IncidentJson(inc, s));
    return Reply::Json({{"total", items.size()}, {"items", items}});
  });

  api.Post("/api/v1/dispatch/incidents", write, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    IncidentInput in;
    JW_RETURN_IF_ERROR(Field(b, "category", &in.category, true, "unknown_category"));
    JW_RETURN_IF_ERROR(Field(b, "district_code", &in.district_code, true, "unknown_district"));
    JW_RETURN_IF_ERROR(Field(b, "address", &in.address, false, ""));
    JW_RETURN_IF_ERROR(Field(b, "narrative", &in.narrative, false, ""));
    JW_RETURN_IF_ERROR(Field(b, "caller_phone", &in.caller_phone, false, ""));
    if (!b.contains("priority") || !b["priority"].is_number_integer())
      return Validation("invalid_priority", "priority (an integer 1 to 4) is required");
    int64_t p = b["priority"].get<int64_t>();
    in.priority = p < 1 || p > 4 ? 0 : static_cast<int>(p);
    JW_RETURN_IF_ERROR(Coordinates(b, &in.lat, &in.lon));
    std::string rang;
    JW_RETURN_IF_ERROR(Field(b, "rang_at", &rang, false, ""));
    if (!rang.empty()) {
      auto t = ParseTime(rang);
      if (!t.ok()) return Validation("invalid_rang_at", "rang_at: " + t.status().message());
      in.rang_at = *t;
    }
    JW_ASSIGN_OR_RETURN(Incident inc, s.CreateIncident(ActorOf(c), in));
    return Reply::Json(IncidentJson(inc, s), 201);
  });

  api.Get(R"(/api/v1/dispatch/incidents/(\d+))", read, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Incident inc, s.GetIncident(IdArg(c, 1)));
    return Reply::Json(IncidentJson(inc, s));
  });

  api.Get(R"(/api/v1/dispatch/incidents/(\d+)/caller)",
          {.permission = auth::perm::kDispatchRead, .personal_data = true, .audit_action = "dispatch.caller_read"},
          [&s](Context& c) -> Result<Reply> {
            c.audit_target = "incident:" + c.PathArg(1);
            JW_ASSIGN_OR_RETURN(Incident inc, s.GetIncident(IdArg(c, 1)));
            return Reply::Json({{"incident_id", inc.id}, {"caller_phone", inc.caller_phone}});
          });

  api.Get(R"(/api/v1/dispatch/incidents/(\d+)/timeline)", read, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto events, s.Timeline(IdArg(c, 1)));
    json items = json::array();
    for (const auto& e : events) items.push_back(EventJson(e));
    return Reply::Json({{"total", items.size()}, {"items", items}});
  });

  api.Get(R"(/api/v1/dispatch/incidents/(\d+)/recommendations)", read, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 10, 1, 100));
    JW_ASSIGN_OR_RETURN(auto recs, s.Recommend(IdArg(c, 1), static_cast<size_t>(limit)));
    json items = json::array();
    for (const auto& r : recs) items.push_back(RecommendationJson(r, s));
    return Reply::Json({{"total", items.size()}, {"items", items}});
  });

  api.Post(R"(/api/v1/dispatch/incidents/(\d+)/assignments)", write, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    if (!b.contains("unit_id") || !b["unit_id"].is_number_integer())
      return Validation("unit_id_required", "unit_id (an integer) is required");
    std::string state = std::string(kAssigned);
    JW_RETURN_IF_ERROR(Field(b, "state", &state, false, ""));
    if (state != kAssigned && state != kReserved)
      return Validation("invalid_state", "a new assignment is assigned or reserved");
    JW_ASSIGN_OR_RETURN(Incident inc, s.SetAssignment(ActorOf(c), IdArg(c, 1), b["unit_id"].get<int64_t>(), state));
    return Reply::Json(IncidentJson(inc, s));
  });

  api.Post(R"(/api/v1/dispatch/incidents/(\d+)/assignments/(\d+))", write, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    std::string state;
    JW_RETURN_IF_ERROR(Field(b, "state", &state, true, "invalid_state"));
    JW_ASSIGN_OR_RETURN(Incident inc, s.SetAssignment(ActorOf(c), IdArg(c, 1), IdArg(c, 2), state));
    return Reply::Json(IncidentJson(inc, s));
  });

  api.Post(R"(/api/v1/dispatch/incidents/(\d+)/feedback)", write, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    std::string text;
    JW_RETURN_IF_ERROR(Field(b, "text", &text, true, "feedback_required"));
    JW_ASSIGN_OR_RETURN(Incident inc, s.Feedback(ActorOf(c), IdArg(c, 1), text));
    return Reply::Json(IncidentJson(inc, s));
  });

  api.Post(R"(/api/v1/dispatch/incidents/(\d+)/close)", write, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    std::string disposition;
    JW_RETURN_IF_ERROR(Field(b, "disposition", &disposition, true, "disposition_required"));
    JW_ASSIGN_OR_RETURN(Incident inc, s.Close(ActorOf(c), IdArg(c, 1), disposition));
    return Reply::Json(IncidentJson(inc, s));
  });

  api.Get("/api/v1/dispatch/units", read, [&s](Context&) -> Result<Reply> {
    json items = json::array();
    Timestamp now = s.clock().Now();
    for (const auto& u : s.ListUnits()) items.push_back(UnitJson(u, now, s.options().stale_after_s, s.crews()));
    return Reply::Json({{"total", items.size()}, {"items", items}});
  });

  api.Post("/api/v1/dispatch/units", write, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    UnitInput in;
    JW_RETURN_IF_ERROR(Field(b, "call_sign", &in.call_sign, true, "call_sign_required"));
    JW_RETURN_IF_ERROR(Field(b, "type", &in.type, true, "unknown_unit_type"));
    JW_RETURN_IF_ERROR(Field(b, "station", &in.station, false, ""));
    JW_RETURN_IF_ERROR(Field(b, "availability", &in.availability, false, ""));
    if (b.contains("capabilities")) {
      if (!b["capabilities"].is_array()) return Validation("invalid_field", "capabilities must be a list of strings");
      for (const auto& v : b["capabilities"]) {
        if (!v.is_string()) return Validation("invalid_field", "capabilities must be a list of strings");
        in.capabilities.push_back(v.get<std::string>());
      }
    }
    JW_RETURN_IF_ERROR(Coordinates(b, &in.lat, &in.lon));
    JW_ASSIGN_OR_RETURN(Unit u, s.CreateUnit(ActorOf(c), in));
    return Reply::Json(UnitJson(u, s.clock().Now(), s.options().stale_after_s, s.crews()), 201);
  });

  api.Get(R"(/api/v1/dispatch/units/(\d+))", read, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Unit u, s.GetUnit(IdArg(c, 1)));
    return Reply::Json(UnitJson(u, s.clock().Now(), s.options().stale_after_s, s.crews()));
  });

  api.Post(R"(/api/v1/dispatch/units/(\d+)/availability)", write, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    std::string availability;
    JW_RETURN_IF_ERROR(Field(b, "availability", &availability, true, "invalid_availability"));
    JW_ASSIGN_OR_RETURN(Unit u, s.SetAvailability(ActorOf(c), IdArg(c, 1), availability));
    return Reply::Json(UnitJson(u, s.clock().Now(), s.options().stale_after_s, s.crews()));
  });

  api.Post(R"(/api/v1/dispatch/units/(\d+)/position)", write, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    double lat, lon;
    JW_RETURN_IF_ERROR(Coordinates(b, &lat, &lon));
    JW_ASSIGN_OR_RETURN(Unit u, s.ReportPosition(ActorOf(c), IdArg(c, 1), lat, lon));
    return Reply::Json(UnitJson(u, s.clock().Now(), s.options().stale_after_s, s.crews()));
  });

  api.Get("/api/v1/dispatch/kpis", read, [&s](Context& c) -> Result<Reply> {
    KpiQuery q;
    JW_ASSIGN_OR_RETURN(q.from, TimeParam(c, "from"));
    JW_ASSIGN_OR_RETURN(q.to, TimeParam(c, "to"));
    if (!c.Param("group_by").empty()) q.group_by = c.Param("group_by");
    JW_ASSIGN_OR_RETURN(KpiReport r, s.Kpis(q));
    return Reply::Json(KpiJson(r));
  });

  api.Get("/api/v1/dispatch/stream", read, [&s, &api, stream](Context& c) -> Result<Reply> {
    auth::Service& auth = api.auth();
    std::string token_hash = c.user().token_hash;
    http::ServeEvents(
        c.req, c.res, stream,
        [&s](int64_t after, size_t limit) {
          std::vector<http::SseEvent> out;
          auto missed = s.Since(after, static_cast<int>(limit));
          if (!missed.ok()) return out;
          for (const auto& e : *missed) out.push_back({e.seq, "dispatch", http::DumpJson(EventJson(e))});
          return out;
        },
        [&auth, token_hash] { return auth.SessionStillValid(token_hash, auth::perm::kDispatchRead); });
    return Reply::Streaming();
  });
}

// The wire form of an event for the live stream (used by the server's listener).
std::string EventWire(const Event& e) { return http::DumpJson(EventJson(e)); }

}  // namespace jingwu::dispatch

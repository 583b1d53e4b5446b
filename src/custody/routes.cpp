// HTTP face of custody supervision (docs/custody.md).
#include "auth/roles.h"
#include "custody/service.h"
#include "http/api.h"
#include "http/server.h"

namespace jingwu::custody {

using http::Context;
using http::Reply;
using nlohmann::json;

namespace {

json FacilityJson(const Facility& f) {
  json rooms = json::array();
  for (const auto& r : f.rooms) rooms.push_back({{"room", r.room}, {"capacity", r.capacity}, {"occupants", r.occupants}});
  return {{"code", f.code},         {"name", f.name},          {"kind", f.kind},
          {"district_code", f.district_code}, {"rooms", rooms}, {"capacity", f.capacity},
          {"occupants", f.occupants}};
}

json DetaineeJson(const Detainee& d) {
  json ex = json::array();
  for (const auto& e : d.extensions)
    ex.push_back({{"id", e.id}, {"days", e.days}, {"reason", e.reason}, {"approved_by", e.approved_by},
                  {"approval_no", e.approval_no}, {"created_at", e.created_at}, {"created_by", e.created_by}});
  return {{"id", d.id},
          {"facility_code", d.facility_code},
          {"room", d.room},
          {"person", d.person},
          {"name", d.name},
          {"case_no", d.case_no},
          {"basis", d.basis},
          {"decision_days", d.decision_days},
          {"base_days", d.base_days},
          {"admitted_at", d.admitted_at},
          {"due_at", d.due_at},
          {"hours_left", d.hours_left},
          {"overdue", !d.released_at && d.hours_left < 0},
          {"released_at", d.released_at ? json(*d.released_at) : json(nullptr)},
          {"release_reason", d.release_reason},
          {"over_capacity_reason", d.over_capacity_reason},
          {"admitted_by", d.admitted_by},
          {"extensions", ex}};
}

json EventJson(const Event& e) {
  return {{"id", e.id},   {"facility_code", e.facility_code}, {"room", e.room},     {"detainee_id", e.detainee_id},
          {"kind", e.kind}, {"at", e.at},                     {"count", e.count ? json(*e.count) : json(nullptr)},
          {"note", e.note}, {"recorded_by", e.recorded_by}};
}

Result<std::string> Str(const json& b, const char* key, bool required = false) {
  if (!b.contains(key)) {
    if (required) return Validation("missing_field", std::string(key) + " is required");
    return std::string();
  }
  if (!b[key].is_string()) return Validation("invalid_value", std::string(key) + " must be a string");
  return b[key].get<std::string>();
}

Result<int64_t> Int(const json& b, const char* key, int64_t def) {
  if (!b.contains(key)) return def;
  if (!b[key].is_number_integer()) return Validation("invalid_value", std::string(key) + " must be an integer");
  return b[key].get<int64_t>();
}

}  // namespace

void RegisterRoutes(http::Api& api, Service& svc) {
  const http::RouteOptions read = {.permission = auth::perm::kCustodyRead};
  const http::RouteOptions write = {.permission = auth::perm::kCustodyWrite};
  http::RouteOptions people = read;  // detainees are personal data: a purpose, every read audited
  people.personal_data = true;
  people.audit_action = "custody.read";

  api.Get("/api/v1/custody/facilities", read, [&svc](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(std::vector<Facility> fs, svc.Facilities());
    json items = json::array();
    for (const auto& f : fs) items.push_back(FacilityJson(f));
    return Reply::Json({{"facilities", items}});
  });
  api.Post("/api/v1/custody/facilities", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    Facility f;
    JW_ASSIGN_OR_RETURN(f.code, Str(b, "code", true));
    JW_ASSIGN_OR_RETURN(f.name, Str(b, "name", true));
    JW_ASSIGN_OR_RETURN(f.kind, Str(b, "kind", true));
    JW_ASSIGN_OR_RETURN(f.district_code, Str(b, "district_code", true));
    JW_ASSIGN_OR_RETURN(Facility made, svc.CreateFacility(c.user().AsActor(), f));
    return Reply::Json(FacilityJson(made), 201);
  });
  api.Post(R"(/api/v1/custody/facilities/([A-Za-z0-9_-]+)/rooms)", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    Room r;
    JW_ASSIGN_OR_RETURN(r.room, Str(b, "room", true));
    JW_ASSIGN_OR_RETURN(r.capacity, Int(b, "capacity", 0));
    JW_ASSIGN_OR_RETURN(Room made, svc.AddRoom(c.user().AsActor(), c.PathArg(1), r));
    return Reply::Json({{"room", made.room}, {"capacity", made.capacity}}, 201);
  });
  api.Get(R"(/api/v1/custody/facilities/([A-Za-z0-9_-]+))", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Facility f, svc.GetFacility(c.PathArg(1)));
    return Reply::Json(FacilityJson(f));
  });

  // Alerts name people too (the overdue detainee): purpose and audit.
  http::RouteOptions alerts = people;
  alerts.audit_action = "custody.alerts";
  api.Get("/api/v1/custody/alerts", alerts, [&svc](Context& c) -> Result<Reply> {
    c.audit_target = c.Param("facility").empty() ? "all" : c.Param("facility");
    JW_ASSIGN_OR_RETURN(std::vector<Alert> as, svc.Alerts(c.Param("facility")));
    json items = json::array();
    std::map<std::string, int64_t> by_kind;
    for (const auto& a : as) {
      ++by_kind[a.kind];
      items.push_back({{"kind", a.kind}, {"severity", a.severity}, {"facility_code", a.facility_code}, {"room", a.room},
                       {"since", a.since}, {"detainee_id", a.detainee_id},
                       {"detail", json::parse(a.detail, nullptr, false)}});
    }
    return Reply::Json({{"alerts", items}, {"by_kind", by_kind}, {"as_of", FormatTime(svc.Now())}});
  });

  api.Get("/api/v1/custody/detainees", people, [&svc](Context& c) -> Result<Reply> {
    std::string status = c.Param("status");
    if (!status.empty() && status != "held" && status != "all") return Validation("invalid_value", "status is held or all");
    c.audit_target = c.Param("facility").empty() ? "all" : c.Param("facility");
    JW_ASSIGN_OR_RETURN(std::vector<Detainee> ds, svc.Detainees(c.Param("facility"), status == "all"));
    json items = json::array();
    for (const auto& d : ds) items.push_back(DetaineeJson(d));
    return Reply::Json({{"detainees", items}, {"as_of", FormatTime(svc.Now())}});
  });
  api.Get(R"(/api/v1/custody/detainees/(\d+))", people, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Detainee d, svc.GetDetainee(c.IdArg()));
    c.audit_target = d.person;
    json j = DetaineeJson(d);
    JW_ASSIGN_OR_RETURN(std::vector<Event> evs, svc.Events("", d.id, 500));
    j["events"] = json::array();
    for (const auto& e : evs) j["events"].push_back(EventJson(e));
    return Reply::Json(j);
  });
  api.Post("/api/v1/custody/detainees", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    Service::Admission a;
    JW_ASSIGN_OR_RETURN(a.facility_code, Str(b, "facility_code", true));
    JW_ASSIGN_OR_RETURN(a.room, Str(b, "room", true));
    JW_ASSIGN_OR_RETURN(a.person, Str(b, "id_number", true));
    JW_ASSIGN_OR_RETURN(a.case_no, Str(b, "case_no", true));
    JW_ASSIGN_OR_RETURN(a.basis, Str(b, "basis", true));
    JW_ASSIGN_OR_RETURN(a.admitted_at, Str(b, "admitted_at"));
    JW_ASSIGN_OR_RETURN(a.over_capacity_reason, Str(b, "over_capacity_reason"));
    JW_ASSIGN_OR_RETURN(int64_t days, Int(b, "decision_days", 0));
    if (days < 0 || days > 1000) return Validation("invalid_days", "decision_days is 1 to 15 (administrative detention)");
    a.decision_days = static_cast<int>(days);
    JW_ASSIGN_OR_RETURN(Detainee d, svc.Admit(c.user().AsActor(), a));
    return Reply::Json(DetaineeJson(d), 201);
  });
  api.Post(R"(/api/v1/custody/detainees/(\d+)/extensions)", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    Extension e;
    JW_ASSIGN_OR_RETURN(int64_t days, Int(b, "days", 0));
    if (days < 0 || days > 1000) return Validation("invalid_days", "an extension is 1 day or more");
    e.days = static_cast<int>(days);
    JW_ASSIGN_OR_RETURN(e.reason, Str(b, "reason", true));
    JW_ASSIGN_OR_RETURN(std::string by, Str(b, "approved_by"));
    JW_ASSIGN_OR_RETURN(std::string no, Str(b, "approval_no"));
    JW_ASSIGN_OR_RETURN(Detainee d, svc.Extend(c.user().AsActor(), c.IdArg(), e, by, no));
    return Reply::Json(DetaineeJson(d));
  });
  api.Post(R"(/api/v1/custody/detainees/(\d+)/release)", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(std::string at, Str(b, "released_at"));
    JW_ASSIGN_OR_RETURN(std::string reason, Str(b, "reason"));
    JW_ASSIGN_OR_RETURN(Detainee d, svc.Release(c.user().AsActor(), c.IdArg(), at, reason));
    return Reply::Json(DetaineeJson(d));
  });
  api.Post("/api/v1/custody/events", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    Event e;
    JW_ASSIGN_OR_RETURN(e.facility_code, Str(b, "facility_code"));
    JW_ASSIGN_OR_RETURN(e.room, Str(b, "room"));
    JW_ASSIGN_OR_RETURN(e.kind, Str(b, "kind", true));
    JW_ASSIGN_OR_RETURN(e.at, Str(b, "at"));
    JW_ASSIGN_OR_RETURN(e.note, Str(b, "note"));
    JW_ASSIGN_OR_RETURN(e.detainee_id, Int(b, "detainee_id", 0));
    if (b.contains("count")) {
      JW_ASSIGN_OR_RETURN(int64_t n, Int(b, "count", 0));
      e.count = n;
    }
    JW_ASSIGN_OR_RETURN(Event made, svc.Record(c.user().AsActor(), e));
    return Reply::Json(EventJson(made), 201);
  });
  api.Get("/api/v1/custody/events", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 200, 1, 2000));
    JW_ASSIGN_OR_RETURN(std::vector<Event> evs, svc.Events(c.Param("facility"), 0, static_cast<size_t>(limit)));
    json items = json::array();
    for (const auto& e : evs) items.push_back(EventJson(e));
    return Reply::Json({{"events", items}});
  });
}

}  // namespace jingwu::custody

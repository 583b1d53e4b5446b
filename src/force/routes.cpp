// HTTP face of force management and online inspection (docs/force.md):
// units, personnel, rosters, training, discipline (force.read / force.write),
// the inspection rules and findings (inspectors: audit.read), and the
// citizen's tracker of who read their data (a citizen token).
#include "auth/roles.h"
#include "force/service.h"
#include "http/api.h"
#include "services/service.h"

namespace jingwu::force {

using http::Context;
using http::json;
using http::Reply;

namespace {

std::string MaskId(const std::string& id) {
  return id.size() == 18 ? id.substr(0, 6) + "********" + id.substr(14) : id.empty() ? "" : "******";
}

json UnitJson(const Unit& u) {
  return {{"code", u.code}, {"name", u.name}, {"kind", u.kind}, {"parent_code", u.parent_code},
          {"district_code", u.district_code}, {"personnel", u.personnel}};
}

json OfficerJson(const Officer& o, bool full_id) {
  return {{"police_no", o.police_no}, {"name", o.name},         {"kind", o.kind},
          {"id_number", full_id ? o.id_number : MaskId(o.id_number)},
          {"unit_code", o.unit_code}, {"rank", o.rank},         {"post", o.post},
          {"status", o.status},       {"username", o.username.empty() ? json(nullptr) : json(o.username)},
          {"call_sign", o.call_sign}, {"joined_at", o.joined_at}, {"left_at", o.left_at.empty() ? json(nullptr) : json(o.left_at)},
          {"updated_at", o.updated_at}};
}

json ShiftJson(const Shift& s) {
  json members = json::array();
  for (const auto& m : s.members) members.push_back({{"police_no", m.police_no}, {"name", m.name}, {"call_sign", m.call_sign}});
  return {{"id", s.id},          {"unit_code", s.unit_code}, {"date", s.date},      {"code", s.code},
          {"starts_at", s.starts_at}, {"ends_at", s.ends_at}, {"members", members}};
}

json SessionJson(const Session& s) {
  return {{"id", s.id},       {"course_code", s.course_code}, {"title", s.title},     {"kind", s.kind},
          {"starts_at", s.starts_at}, {"place", s.place},     {"unit_code", s.unit_code}, {"hours", s.hours},
          {"attendance", s.attendance}, {"pass_mark", s.pass_mark}};
}

json DisciplineJson(const Discipline& d) {
  return {{"id", d.id},     {"police_no", d.police_no}, {"name", d.name},         {"kind", d.kind},
          {"commendation", IsCommendation(d.kind)}, {"date", d.date}, {"decision", d.decision},
          {"finding_id", d.finding_id ? json(d.finding_id) : json(nullptr)},
          {"created_by", d.created_by}, {"created_at", d.created_at}};
}

json FindingJson(const Finding& f) {
  return {{"id", f.id},
          {"rule", f.rule},
          {"actor", f.actor},
          {"police_no", f.police_no},
          {"unit_code", f.unit_code},
          {"day", f.day},
          {"subject", f.subject},
          {"score", f.score},
          {"facts", f.facts},
          {"evidence_count", f.evidence_count},
          {"state", f.state},
          {"proposed_decision", f.proposed_decision},
          {"proposed_by", f.proposed_by},
          {"proposed_reason", f.proposed_reason},
          {"proposed_at", f.proposed_at},
          {"decided_by", f.decided_by},
          {"decided_at", f.decided_at},
          {"discipline_id", f.discipline_id ? json(f.discipline_id) : json(nullptr)},
          {"raised_at", f.raised_at}};
}

// Findings name the officer and unit for the inspector (who has no force.read).
Status AddNames(Service& svc, json& items) {
  JW_ASSIGN_OR_RETURN(auto units, svc.Units());
  std::map<std::string, std::string> unit_name;
  for (const auto& u : units) unit_name[u.code] = u.name;
  std::map<std::string, std::string> officer_name;
  for (auto& j : items) {
    std::string no = j.value("police_no", "");
    if (!no.empty() && !officer_name.count(no)) {
      auto o = svc.GetOfficer(no);
      officer_name[no] = o.ok() ? o->name : "";
    }
    j["officer_name"] = officer_name[no];
    j["unit_name"] = unit_name[j.value("unit_code", "")];
  }
  return Status::Ok();
}

Result<json> NamedFinding(Service& svc, const Finding& f) {
  json one = json::array({FindingJson(f)});
  JW_RETURN_IF_ERROR(AddNames(svc, one));
  return one[0];
}

Result<std::string> Str(const json& b, const char* key, bool required, size_t max_bytes = 200) {
  if (!b.contains(key) || b[key].is_null()) {
    if (required) return Validation("missing_field", std::string("the field '") + key + "' is required");
    return std::string();
  }
  if (!b[key].is_string()) return Validation("invalid_value", std::string("'") + key + "' must be text");
  std::string v = b[key].get<std::string>();
  if (v.size() > max_bytes) return Validation("invalid_value", std::string("'") + key + "' is too long");
  if (required && v.empty()) return Validation("missing_field", std::string("the field '") + key + "' is required");
  return v;
}

Result<int> YearParam(const Context& c, int def) {
  JW_ASSIGN_OR_RETURN(int64_t y, c.IntParam("year", def, 2000, 2100));
  return static_cast<int>(y);
}

}  // namespace

void RegisterRoutes(http::Api& api, Service& svc, services::Service* citizens) {
  const http::RouteOptions read{.permission = auth::perm::kForceRead};
  const http::RouteOptions write{.permission = auth::perm::kForceWrite};
  const http::RouteOptions inspector{.permission = auth::perm::kAuditRead};

  // ---- units
  api.Get("/api/v1/force/units", read, [&svc](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto units, svc.Units());
    json items = json::array();
    for (const auto& u : units) items.push_back(UnitJson(u));
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });
  api.Post("/api/v1/force/units", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    Unit u;
    JW_ASSIGN_OR_RETURN(u.code, Str(b, "code", true, 20));
    JW_ASSIGN_OR_RETURN(u.name, Str(b, "name", true));
    JW_ASSIGN_OR_RETURN(u.kind, Str(b, "kind", true, 20));
    JW_ASSIGN_OR_RETURN(u.parent_code, Str(b, "parent_code", false, 20));
    JW_ASSIGN_OR_RETURN(u.district_code, Str(b, "district_code", false, 6));
    JW_ASSIGN_OR_RETURN(Unit made, svc.CreateUnit(c.user().AsActor(), u));
    return Reply::Json(UnitJson(made), 201);
  });

  // ---- personnel
  api.Get("/api/v1/force/personnel", read, [&svc](Context& c) -> Result<Reply> {
    PersonnelFilter f;
    f.unit = c.Param("unit");
    f.q = c.Param("q");
    f.status = c.Param("status");
    f.kind = c.Param("kind");
    JW_ASSIGN_OR_RETURN(int64_t page, c.IntParam("page", 1, 1, 100000));
    JW_ASSIGN_OR_RETURN(int64_t size, c.IntParam("page_size", 50, 1, 500));
    f.page = static_cast<int>(page);
    f.page_size = static_cast<int>(size);
    JW_ASSIGN_OR_RETURN(auto got, svc.Personnel(f));
    json items = json::array();
    for (const auto& o : got.first) items.push_back(OfficerJson(o, false));
    return Reply::Json({{"items", items}, {"total", got.second}});
  });
  api.Get(R"(/api/v1/force/personnel/(\d+))", read, [&svc, &api](Context& c) -> Result<Reply> {
    std::string no = c.PathArg(1);
    JW_ASSIGN_OR_RETURN(Officer o, svc.GetOfficer(no));
    bool can_write = c.user().Can(auth::perm::kForceWrite);
    json j = OfficerJson(o, can_write);
    // The profile: training this year, the next shifts, discipline, findings (inspectors).
    int year = 0, m = 0, d = 0;
    CivilFromDays(LocalDay(api.clock().Now()), &year, &m, &d);
    JW_ASSIGN_OR_RETURN(int y, YearParam(c, year));
    JW_ASSIGN_OR_RETURN(auto hours, svc.Hours(y, o.unit_code));
    json training = {{"year", y}, {"hours", 0}, {"sessions", 0}, {"required_hours", svc.options().required_training_hours}};
    for (const auto& h : hours)
      if (h.police_no == o.police_no) training = {{"year", y}, {"hours", h.hours}, {"sessions", h.sessions},
                                                  {"failed", h.failed}, {"behind", h.behind},
                                                  {"required_hours", svc.options().required_training_hours}};
    j["training"] = training;
    JW_ASSIGN_OR_RETURN(auto shifts, svc.Shifts("", "", "", o.police_no));
    json sj = json::array();
    for (size_t i = shifts.size() > 30 ? shifts.size() - 30 : 0; i < shifts.size(); ++i) sj.push_back(ShiftJson(shifts[i]));
    j["shifts"] = sj;
    JW_ASSIGN_OR_RETURN(auto disc, svc.DisciplineOf(o.police_no));
    json dj = json::array();
    for (const auto& x : disc) dj.push_back(DisciplineJson(x));
    j["discipline"] = dj;
    if (c.user().Can(auth::perm::kAuditRead)) {
      FindingFilter ff;
      ff.police_no = o.police_no;
      ff.page_size = 100;
      JW_ASSIGN_OR_RETURN(auto found, svc.Findings(ff));
      json fj = json::array();
      for (const auto& f : found.first) fj.push_back(FindingJson(f));
      j["findings"] = fj;
    }
    api.audit().Record(c.user().AsActor(), "force.personnel.read", o.police_no, "ok", "");
    return Reply::Json(j);
  });
  api.Post("/api/v1/force/personnel", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    Officer o;
    JW_ASSIGN_OR_RETURN(o.police_no, Str(b, "police_no", true, 12));
    JW_ASSIGN_OR_RETURN(o.name, Str(b, "name", true, 60));
    JW_ASSIGN_OR_RETURN(o.kind, Str(b, "kind", true, 20));
    JW_ASSIGN_OR_RETURN(o.id_number, Str(b, "id_number", false, 18));
    JW_ASSIGN_OR_RETURN(o.unit_code, Str(b, "unit_code", true, 20));
    JW_ASSIGN_OR_RETURN(o.rank, Str(b, "rank", false, 40));
    JW_ASSIGN_OR_RETURN(o.post, Str(b, "post", false, 60));
    JW_ASSIGN_OR_RETURN(o.status, Str(b, "status", false, 20));
    JW_ASSIGN_OR_RETURN(o.username, Str(b, "username", false, 64));
    JW_ASSIGN_OR_RETURN(o.call_sign, Str(b, "call_sign", false, 40));
    JW_ASSIGN_OR_RETURN(Officer made, svc.CreateOfficer(c.user().AsActor(), o));
    return Reply::Json(OfficerJson(made, true), 201);
  });
  api.Patch(R"(/api/v1/force/personnel/(\d+))", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(Officer o, svc.UpdateOfficer(c.user().AsActor(), c.PathArg(1), b));
    return Reply::Json(OfficerJson(o, true));
  });

  // ---- rosters
  api.Get("/api/v1/force/shifts", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto list, svc.Shifts(c.Param("unit"), c.Param("from"), c.Param("to"), c.Param("police_no")));
    json items = json::array();
    for (const auto& s : list) items.push_back(ShiftJson(s));
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });
  api.Post("/api/v1/force/shifts", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    Shift s;
    JW_ASSIGN_OR_RETURN(s.unit_code, Str(b, "unit_code", true, 20));
    JW_ASSIGN_OR_RETURN(s.date, Str(b, "date", true, 10));
    JW_ASSIGN_OR_RETURN(s.code, Str(b, "code", false, 20));
    JW_ASSIGN_OR_RETURN(s.starts_at, Str(b, "starts_at", true, 40));
    JW_ASSIGN_OR_RETURN(s.ends_at, Str(b, "ends_at", true, 40));
    if (b.contains("members")) {
      if (!b["members"].is_array() || b["members"].size() > 200)
        return Validation("invalid_value", "members must be a list of {police_no, call_sign}");
      for (const auto& m : b["members"]) {
        if (!m.is_object()) return Validation("invalid_value", "members must be a list of {police_no, call_sign}");
        ShiftMember sm;
        JW_ASSIGN_OR_RETURN(sm.police_no, Str(m, "police_no", true, 12));
        JW_ASSIGN_OR_RETURN(sm.call_sign, Str(m, "call_sign", false, 40));
        s.members.push_back(sm);
      }
    }
    JW_ASSIGN_OR_RETURN(Shift made, svc.CreateShift(c.user().AsActor(), s));
    return Reply::Json(ShiftJson(made), 201);
  });
  api.Post(R"(/api/v1/force/shifts/(\d+)/members)", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    ShiftMember m;
    JW_ASSIGN_OR_RETURN(m.police_no, Str(b, "police_no", true, 12));
    JW_ASSIGN_OR_RETURN(m.call_sign, Str(b, "call_sign", false, 40));
    JW_ASSIGN_OR_RETURN(Shift s, svc.AddMember(c.user().AsActor(), c.IdArg(1), m));
    return Reply::Json(ShiftJson(s), 201);
  });
  api.Delete(R"(/api/v1/force/shifts/(\d+)/members/(\d+))", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Shift s, svc.RemoveMember(c.user().AsActor(), c.IdArg(1), c.PathArg(2)));
    return Reply::Json(ShiftJson(s));
  });
  api.Delete(R"(/api/v1/force/shifts/(\d+))", write, [&svc](Context& c) -> Result<Reply> {
    JW_RETURN_IF_ERROR(svc.DeleteShift(c.user().AsActor(), c.IdArg(1)));
    return Reply::NoContent();
  });

  // ---- training
  api.Get("/api/v1/force/courses", read, [&svc](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto list, svc.Courses());
    json items = json::array();
    for (const auto& x : list)
      items.push_back({{"code", x.code}, {"name", x.name}, {"kind", x.kind}, {"hours", x.hours}, {"pass_mark", x.pass_mark}});
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });
  api.Post("/api/v1/force/courses", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    Course x;
    JW_ASSIGN_OR_RETURN(x.code, Str(b, "code", true, 20));
    JW_ASSIGN_OR_RETURN(x.name, Str(b, "name", true));
    JW_ASSIGN_OR_RETURN(x.kind, Str(b, "kind", true, 20));
    if (!b.contains("hours") || !b["hours"].is_number()) return Validation("invalid_hours", "hours (a number) is required");
    x.hours = b["hours"].get<double>();
    if (b.contains("pass_mark")) {
      if (!b["pass_mark"].is_number()) return Validation("invalid_score", "pass_mark must be a number");
      x.pass_mark = b["pass_mark"].get<double>();
    }
    JW_ASSIGN_OR_RETURN(Course made, svc.CreateCourse(c.user().AsActor(), x));
    return Reply::Json({{"code", made.code}, {"name", made.name}, {"kind", made.kind}, {"hours", made.hours},
                        {"pass_mark", made.pass_mark}},
                       201);
  });
  api.Get("/api/v1/force/training/sessions", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int year, YearParam(c, 0));
    JW_ASSIGN_OR_RETURN(auto list, svc.Sessions(c.Param("year").empty() ? 0 : year, c.Param("kind")));
    json items = json::array();
    for (const auto& s : list) items.push_back(SessionJson(s));
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });
  api.Post("/api/v1/force/training/sessions", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    Session s;
    JW_ASSIGN_OR_RETURN(s.course_code, Str(b, "course_code", true, 20));
    JW_ASSIGN_OR_RETURN(s.title, Str(b, "title", false));
    JW_ASSIGN_OR_RETURN(s.starts_at, Str(b, "starts_at", true, 40));
    JW_ASSIGN_OR_RETURN(s.place, Str(b, "place", false));
    JW_ASSIGN_OR_RETURN(s.unit_code, Str(b, "unit_code", false, 20));
    if (b.contains("hours")) {
      if (!b["hours"].is_number()) return Validation("invalid_hours", "hours must be a number");
      s.hours = b["hours"].get<double>();
    }
    JW_ASSIGN_OR_RETURN(Session made, svc.CreateSession(c.user().AsActor(), s));
    return Reply::Json(SessionJson(made), 201);
  });
  api.Get(R"(/api/v1/force/training/sessions/(\d+))", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto got, svc.GetSession(c.IdArg(1)));
    json j = SessionJson(got.first);
    json rows = json::array();
    for (const auto& a : got.second)
      rows.push_back({{"police_no", a.police_no}, {"name", a.name}, {"hours", a.hours},
                      {"score", a.score ? json(*a.score) : json(nullptr)}, {"passed", a.passed}});
    j["records"] = rows;
    return Reply::Json(j);
  });
  api.Post(R"(/api/v1/force/training/sessions/(\d+)/attendance)", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    if (!b.contains("records") || !b["records"].is_array() || b["records"].size() > 5000)
      return Validation("invalid_value", "records must be a list of {police_no, hours, score}");
    std::vector<Attendance> rows;
    for (const auto& r : b["records"]) {
      if (!r.is_object()) return Validation("invalid_value", "records must be a list of {police_no, hours, score}");
      Attendance a;
      JW_ASSIGN_OR_RETURN(a.police_no, Str(r, "police_no", true, 12));
      if (r.contains("hours") && !r["hours"].is_null()) {
        if (!r["hours"].is_number()) return Validation("invalid_hours", "hours must be a number");
        a.hours = r["hours"].get<double>();
      }
      if (r.contains("score") && !r["score"].is_null()) {
        if (!r["score"].is_number()) return Validation("invalid_score", "score must be a number from 0 to 100");
        a.score = r["score"].get<double>();
      }
      rows.push_back(a);
    }
    JW_ASSIGN_OR_RETURN(int64_t n, svc.RecordAttendance(c.user().AsActor(), c.IdArg(1), rows));
    return Reply::Json({{"recorded", n}});
  });
  api.Get("/api/v1/force/training/hours", read, [&svc, &api](Context& c) -> Result<Reply> {
    int year = 0, m = 0, d = 0;
    CivilFromDays(LocalDay(api.clock().Now()), &year, &m, &d);
    JW_ASSIGN_OR_RETURN(int y, YearParam(c, year));
    JW_ASSIGN_OR_RETURN(auto rows, svc.Hours(y, c.Param("unit")));
    bool behind_only = c.Param("behind") == "1";
    json items = json::array();
    int64_t behind = 0;
    for (const auto& r : rows) {
      behind += r.behind;
      if (behind_only && !r.behind) continue;
      if (items.size() >= 2000) continue;
      items.push_back({{"police_no", r.police_no}, {"name", r.name}, {"unit_code", r.unit_code}, {"kind", r.kind},
                       {"hours", r.hours}, {"sessions", r.sessions}, {"failed", r.failed}, {"behind", r.behind}});
    }
    return Reply::Json({{"year", y}, {"required_hours", svc.options().required_training_hours},
                        {"officers", rows.size()}, {"behind", behind}, {"items", items}});
  });
  api.Get("/api/v1/force/training/summary", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t from, c.IntParam("from", 2020, 2000, 2100));
    JW_ASSIGN_OR_RETURN(int64_t to, c.IntParam("to", 2100, 2000, 2100));
    if (to < from) return Validation("invalid_value", "to must not be before from");
    JW_ASSIGN_OR_RETURN(json j, svc.TrainingSummary(static_cast<int>(from), static_cast<int>(to)));
    return Reply::Json(j);
  });

  // ---- discipline: the officer's command (force.read) and inspectors see it.
  api.Get("/api/v1/force/discipline", {}, [&svc, &api](Context& c) -> Result<Reply> {
    if (!c.user().Can(auth::perm::kForceRead) && !c.user().Can(auth::perm::kAuditRead))
      return PermissionDenied("permission_denied", "discipline records are for command and inspectors");
    JW_ASSIGN_OR_RETURN(auto list, svc.DisciplineOf(c.Param("police_no")));
    json items = json::array();
    for (const auto& d : list) items.push_back(DisciplineJson(d));
    api.audit().Record(c.user().AsActor(), "force.discipline.read", c.Param("police_no").empty() ? "all" : c.Param("police_no"),
                       "ok", std::to_string(list.size()));
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });
  api.Post("/api/v1/force/discipline", {}, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    Discipline d;
    JW_ASSIGN_OR_RETURN(d.police_no, Str(b, "police_no", true, 12));
    JW_ASSIGN_OR_RETURN(d.kind, Str(b, "kind", true, 20));
    JW_ASSIGN_OR_RETURN(d.date, Str(b, "date", true, 10));
    JW_ASSIGN_OR_RETURN(d.decision, Str(b, "decision", true, 2000));
    if (b.contains("finding_id") && !b["finding_id"].is_null()) {
      if (!b["finding_id"].is_number_integer()) return Validation("invalid_value", "finding_id must be a number");
      d.finding_id = b["finding_id"].get<int64_t>();
    }
    // Discipline from a finding is the inspectors'; commendations and other records are command's.
    bool allowed = d.finding_id ? c.user().Can(auth::perm::kAuditRead) : c.user().Can(auth::perm::kForceWrite);
    if (!allowed)
      return PermissionDenied("permission_denied", d.finding_id ? "records from a finding are the inspectors'"
                                                                : "records are written by command (force.write)");
    JW_ASSIGN_OR_RETURN(Discipline made, svc.AddDiscipline(c.user().AsActor(), d));
    return Reply::Json(DisciplineJson(made), 201);
  });

  // ---- inspection (督察): inspectors only.
  api.Get("/api/v1/inspection/rules", inspector, [&svc](Context&) -> Result<Reply> {
    return Reply::Json(svc.Rules().ToJson());
  });
  api.Put("/api/v1/inspection/rules", inspector, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(RuleConfig r, svc.SetRules(c.user().AsActor(), b));
    return Reply::Json(r.ToJson());
  });
  api.Post("/api/v1/inspection/run", inspector, [&svc, &api](Context& c) -> Result<Reply> {
    json b = c.req.body.empty() ? json::object() : json::parse(c.req.body, nullptr, false);
    if (!b.is_object()) return Validation("malformed_json", "the body must be a JSON object");
    bool full = false;
    if (b.contains("full") && !b["full"].is_null()) {
      if (!b["full"].is_boolean()) return Validation("invalid_value", "full must be true or false");
      full = b["full"].get<bool>();
    }
    JW_ASSIGN_OR_RETURN(RunStats st, svc.RunInspection(full));
    api.audit().Record(c.user().AsActor(), "inspection.run", "audit_log", "ok",
                       std::string(full ? "full" : "incremental") + ", " + std::to_string(st.raised) + " raised");
    return Reply::Json({{"full", st.full}, {"readers", st.readers}, {"entries", st.entries}, {"raised", st.raised},
                        {"last_id", st.last_id}, {"seconds", st.seconds}});
  });
  api.Get("/api/v1/inspection/findings", inspector, [&svc, &api](Context& c) -> Result<Reply> {
    FindingFilter f;
    f.state = c.Param("state");
    f.rule = c.Param("rule");
    f.actor = c.Param("actor");
    f.police_no = c.Param("police_no");
    JW_ASSIGN_OR_RETURN(int64_t page, c.IntParam("page", 1, 1, 100000));
    JW_ASSIGN_OR_RETURN(int64_t size, c.IntParam("page_size", 50, 1, 500));
    f.page = static_cast<int>(page);
    f.page_size = static_cast<int>(size);
    JW_ASSIGN_OR_RETURN(auto got, svc.Findings(f));
    json items = json::array();
    for (const auto& x : got.first) items.push_back(FindingJson(x));
    JW_RETURN_IF_ERROR(AddNames(svc, items));
    // Counts per state and rule, for the queue's tabs.
    json counts = json::object();
    for (const char* st : {"open", "proposed", "confirmed", "dismissed"}) {
      FindingFilter cf = f;
      cf.state = st;
      cf.page_size = 1;
      JW_ASSIGN_OR_RETURN(auto n, svc.Findings(cf));
      counts[st] = n.second;
    }
    api.audit().Record(c.user().AsActor(), "inspection.findings.read", "findings", "ok", std::to_string(got.second));
    return Reply::Json({{"items", items}, {"total", got.second}, {"by_state", counts}});
  });
  api.Get(R"(/api/v1/inspection/findings/(\d+))", inspector, [&svc, &api](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Finding f, svc.GetFinding(c.IdArg(1)));
    JW_ASSIGN_OR_RETURN(json j, NamedFinding(svc, f));
    // The evidence: the audit entries themselves.
    json ev = json::array();
    for (int64_t id : f.evidence) {
      auto got = api.audit().Since(id - 1, 1);
      if (got.ok() && !got->empty() && (*got)[0].id == id) ev.push_back(http::AuditEntryJson((*got)[0]));
    }
    j["evidence"] = ev;
    api.audit().Record(c.user().AsActor(), "inspection.finding.read", std::to_string(f.id), "ok", f.rule);
    return Reply::Json(j);
  });
  api.Post(R"(/api/v1/inspection/findings/(\d+)/propose)", inspector, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(std::string decision, Str(b, "decision", true, 20));
    JW_ASSIGN_OR_RETURN(std::string reason, Str(b, "reason", false, 2000));
    JW_ASSIGN_OR_RETURN(Finding f, svc.ProposeDecision(c.user().AsActor(), c.IdArg(1), decision, reason));
    JW_ASSIGN_OR_RETURN(json j, NamedFinding(svc, f));
    return Reply::Json(j);
  });
  api.Post(R"(/api/v1/inspection/findings/(\d+)/approve)", inspector, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Finding f, svc.ApproveDecision(c.user().AsActor(), c.IdArg(1)));
    JW_ASSIGN_OR_RETURN(json j, NamedFinding(svc, f));
    return Reply::Json(j);
  });
  api.Post(R"(/api/v1/inspection/findings/(\d+)/return)", inspector, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(std::string reason, Str(b, "reason", false, 2000));
    JW_ASSIGN_OR_RETURN(Finding f, svc.ReturnDecision(c.user().AsActor(), c.IdArg(1), reason));
    JW_ASSIGN_OR_RETURN(json j, NamedFinding(svc, f));
    return Reply::Json(j);
  });

  // ---- the citizen's tracker (我的数据被谁查询)
  if (!citizens) return;
  api.Get("/api/v1/citizen/data-reads", {.auth = false}, [&svc, &api, citizens](Context& c) -> Result<Reply> {
    std::string h = c.req.get_header_value("Authorization");
    JW_ASSIGN_OR_RETURN(services::Citizen ct, citizens->Authenticate(h.rfind("Bearer ", 0) == 0 ? h.substr(7) : ""));
    audit::Actor who{"citizen:" + std::to_string(ct.id), "citizen", c.client};
    std::string asked = c.Param("id_number");
    if (!asked.empty() && asked != ct.id_number) {
      api.audit().Record(who, "citizen.data_reads", "ID:" + asked, "denied", "not_your_identity");
      return PermissionDenied("not_your_identity", "a citizen sees the reads of their own data only");
    }
    if (Status verified = svc.VerifyIdentity(ct.id_number, ct.name); !verified.ok()) {
      api.audit().Record(who, "citizen.data_reads", "ID:" + ct.id_number, "denied", verified.code());
      return verified;
    }
    JW_ASSIGN_OR_RETURN(TrackerView v, svc.ReadsOf(ct.id_number));
    json items = json::array();
    for (const auto& r : v.reads)
      items.push_back({{"at", r.at},
                       {"unit", r.unit},
                       {"unit_name", r.unit_name},
                       {"officer", r.officer.empty() ? json(nullptr) : json(r.officer)},
                       {"purpose_category", r.purpose_category},
                       {"case_no", r.case_no.empty() ? json(nullptr) : json(r.case_no)}});
    api.audit().Record(who, "citizen.data_reads", "ID:" + ct.id_number, "ok", std::to_string(v.reads.size()) + " shown");
    return Reply::Json({{"items", items},
                        {"total", items.size()},
                        {"withheld_open_case", v.withheld_open_case},
                        {"withheld_recent", v.withheld_recent},
                        {"delay_days", v.delay_days}});
  });
}

}  // namespace jingwu::force

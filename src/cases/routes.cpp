// HTTP face of case records, gangs and traffic safety.
// Suspects and gang members are personal data: the record pages show them
// masked; the full identities come from /suspects and /members, which need a
// stated purpose and are audited.
#include "auth/roles.h"
#include "cases/service.h"
#include "http/api.h"

namespace jingwu::cases {

using http::Context;
using http::json;
using http::Reply;

namespace {

std::string MaskId(const std::string& id) {
  return id.size() == 18 ? id.substr(0, 6) + "********" + id.substr(14) : "******";
}

// First character of a UTF-8 name, then one '*' per further character.
std::string MaskName(const std::string& name) {
  if (name.empty()) return name;
  size_t first = 1;
  while (first < name.size() && (static_cast<unsigned char>(name[first]) & 0xC0) == 0x80) ++first;
  size_t rest = 0;
  for (size_t i = first; i < name.size(); ++i)
    if ((static_cast<unsigned char>(name[i]) & 0xC0) != 0x80) ++rest;
  return name.substr(0, first) + std::string(std::max<size_t>(rest, 1), '*');
}

json T(const std::optional<Timestamp>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }

json CaseJson(const Case& c, bool with_suspects, bool masked) {
  json j = {{"id", c.id},
            {"case_no", c.case_no},
            {"kind", c.kind},
            {"category", c.category},
            {"district_code", c.district_code},
            {"place", c.place},
            {"occurred_at", T(c.occurred_at)},
            {"reported_at", T(c.reported_at)},
            {"filed_at", T(c.filed_at)},
            {"solved_at", T(c.solved_at)},
            {"closed_at", T(c.closed_at)},
            {"status", c.status},
            {"narrative", c.narrative},
            {"incident_ref", c.incident_ref},
            {"seized_goods", c.seized_goods},
            {"seized_amount_cny", c.seized_amount_cny},
            {"gang_id", c.gang_id ? json(c.gang_id) : json(nullptr)},
            {"version", c.version},
            {"created_at", c.created_at},
            {"updated_at", c.updated_at}};
  if (with_suspects) {
    json s = json::array();
    for (const auto& x : c.suspects)
      s.push_back({{"id_number", masked ? MaskId(x.id_number) : x.id_number},
                   {"name", masked ? MaskName(x.name) : x.name},
                   {"role", x.role}});
    j["suspects"] = s;
    j["suspects_masked"] = masked;
  }
  return j;
}

json GangJson(const Gang& g, bool with_members, bool masked) {
  json j = {{"id", g.id},
            {"name", g.name},
            {"type", g.type},
            {"district_code", g.district_code},
            {"broken_up_at", T(g.broken_up_at)},
            {"notes", g.notes},
            {"member_count", g.members.size()},
            {"case_nos", g.case_nos}};
  if (with_members) {
    json m = json::array();
    for (const auto& x : g.members)
      m.push_back({{"id_number", masked ? MaskId(x.id_number) : x.id_number},
                   {"name", masked ? MaskName(x.name) : x.name},
                   {"role", x.role}});
    j["members"] = m;
  }
  return j;
}

Status Str(const json& j, const char* k, std::string* out) {
  if (!j.contains(k)) return Status::Ok();
  if (j[k].is_null()) {
    out->clear();
    return Status::Ok();
  }
  if (!j[k].is_string()) return Validation("validation_failed", std::string(k) + " must be a string");
  *out = j[k].get<std::string>();
  return Status::Ok();
}

Status Time(const json& j, const char* k, std::optional<Timestamp>* out) {
  if (!j.contains(k)) return Status::Ok();
  if (j[k].is_null()) {
    out->reset();
    return Status::Ok();
  }
  if (!j[k].is_string()) return Validation("invalid_time", std::string(k) + " must be an ISO 8601 string");
  auto t = ParseTime(j[k].get<std::string>());
  if (!t.ok()) return Validation("invalid_time", std::string(k) + ": " + t.status().message());
  *out = *t;
  return Status::Ok();
}

Status People(const json& j, const char* k, std::vector<Suspect>* out) {
  if (!j.contains(k)) return Status::Ok();
  if (!j[k].is_array()) return Validation("validation_failed", std::string(k) + " must be an array");
  out->clear();
  for (const auto& p : j[k]) {
    if (!p.is_object()) return Validation("validation_failed", std::string(k) + " holds objects");
    Suspect s;
    JW_RETURN_IF_ERROR(Str(p, "id_number", &s.id_number));
    JW_RETURN_IF_ERROR(Str(p, "name", &s.name));
    JW_RETURN_IF_ERROR(Str(p, "role", &s.role));
    out->push_back(std::move(s));
  }
  return Status::Ok();
}

// Applies the fields present in j to c.
Status Apply(const json& j, Case* c) {
  for (auto [k, f] : std::initializer_list<std::pair<const char*, std::string*>>{
           {"case_no", &c->case_no}, {"kind", &c->kind}, {"category", &c->category},
           {"district_code", &c->district_code}, {"place", &c->place}, {"status", &c->status},
           {"narrative", &c->narrative}, {"incident_ref", &c->incident_ref}, {"seized_goods", &c->seized_goods}})
    JW_RETURN_IF_ERROR(Str(j, k, f));
  for (auto [k, f] : std::initializer_list<std::pair<const char*, std::optional<Timestamp>*>>{
           {"occurred_at", &c->occurred_at}, {"reported_at", &c->reported_at}, {"filed_at", &c->filed_at},
           {"solved_at", &c->solved_at}, {"closed_at", &c->closed_at}})
    JW_RETURN_IF_ERROR(Time(j, k, f));
  if (j.contains("seized_amount_cny")) {
    if (!j["seized_amount_cny"].is_number()) return Validation("validation_failed", "seized_amount_cny must be a number");
    c->seized_amount_cny = j["seized_amount_cny"].get<double>();
  }
  if (j.contains("gang_id")) {
    if (j["gang_id"].is_null()) c->gang_id = 0;
    else if (j["gang_id"].is_number_integer()) c->gang_id = j["gang_id"].get<int64_t>();
    else return Validation("validation_failed", "gang_id must be an integer or null");
  }
  return People(j, "suspects", &c->suspects);
}

std::vector<std::string> List(const Context& c, const char* name) {
  std::vector<std::string> out;
  std::string v = c.Param(name);
  size_t pos = 0;
  while (pos <= v.size() && !v.empty()) {
    size_t comma = v.find(',', pos);
    if (comma == std::string::npos) comma = v.size();
    if (comma > pos) out.push_back(v.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

Result<std::optional<Timestamp>> TimeParam(const Context& c, const char* name) {
  std::string v = c.Param(name);
  if (v.empty()) return std::optional<Timestamp>();
  auto t = ParseTime(v);
  if (!t.ok()) return Validation("invalid_time", std::string(name) + ": " + t.status().message());
  return std::optional<Timestamp>(*t);
}

Result<int64_t> Id(const Context& c) {
  try {
    return std::stoll(c.PathArg(1));
  } catch (...) {
    return NotFound("not_found", "no such record");
  }
}

}  // namespace

void RegisterRoutes(http::Api& api, Service& svc) {
  const http::RouteOptions read{.permission = auth::perm::kCasesRead};
  const http::RouteOptions write{.permission = auth::perm::kCasesWrite};

  api.Get("/api/v1/cases/codes", {}, [](Context&) -> Result<Reply> {
    auto all = [](const auto& table) { return std::vector<std::string>(std::begin(table), std::end(table)); };
    return Reply::Json({{"kinds", all(kKinds)},
                        {"categories", all(kCategories)},
                        {"statuses", all(kStatuses)},
                        {"districts", all(kDistricts)},
                        {"gang_types", all(kGangTypes)}});
  });

  api.Get("/api/v1/cases", read, [&svc](Context& c) -> Result<Reply> {
    CaseFilter f;
    f.q = c.Param("q");
    f.kinds = List(c, "kind");
    f.categories = List(c, "category");
    f.districts = List(c, "district");
    f.statuses = List(c, "status");
    f.basis = c.Param("basis").empty() ? "filed" : c.Param("basis");
    if (f.basis != "filed" && f.basis != "occurred" && f.basis != "solved")
      return Validation("unknown_basis", "basis is filed, occurred or solved");
    JW_ASSIGN_OR_RETURN(f.from, TimeParam(c, "from"));
    JW_ASSIGN_OR_RETURN(f.to, TimeParam(c, "to"));
    JW_ASSIGN_OR_RETURN(f.gang_id, c.IntParam("gang_id", 0, 0, INT64_MAX));
    JW_ASSIGN_OR_RETURN(int64_t page, c.IntParam("page", 1, 1, 1000000));
    JW_ASSIGN_OR_RETURN(int64_t size, c.IntParam("page_size", 50, 1, 500));
    f.page = static_cast<int>(page);
    f.page_size = static_cast<int>(size);
    JW_ASSIGN_OR_RETURN(CasePage p, svc.Search(f));
    json items = json::array();
    for (const auto& x : p.items) items.push_back(CaseJson(x, false, true));
    return Reply::Json({{"items", items}, {"total", p.total}});
  });

  api.Post("/api/v1/cases", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    Case cs;
    JW_RETURN_IF_ERROR(Apply(body, &cs));
    JW_ASSIGN_OR_RETURN(Case stored, svc.Create(c.user().AsActor(), std::move(cs)));
    return Reply::Json(CaseJson(stored, true, !c.user().Can(auth::perm::kPersonRead)), 201);
  });

  api.Get(R"(/api/v1/cases/(\d+))", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t id, Id(c));
    JW_ASSIGN_OR_RETURN(Case cs, svc.Get(id));
    return Reply::Json(CaseJson(cs, true, true));
  });

  api.Get(R"(/api/v1/cases/(\d+)/suspects)",
          {.permission = auth::perm::kPersonRead, .personal_data = true, .audit_action = "case.suspects"},
          [&svc](Context& c) -> Result<Reply> {
            JW_ASSIGN_OR_RETURN(int64_t id, Id(c));
            JW_ASSIGN_OR_RETURN(Case cs, svc.Get(id));
            c.audit_target = cs.case_no;
            if (!c.user().Can(auth::perm::kCasesRead))
              return PermissionDenied("permission_denied", "this needs the permission 'cases.read'");
            json items = CaseJson(cs, true, false)["suspects"];
            return Reply::Json({{"items", items}, {"total", items.size()}});
          });

  api.Patch(R"(/api/v1/cases/(\d+))", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t id, Id(c));
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    if (!body.contains("version") || !body["version"].is_number_integer())
      return Validation("validation_failed", "version (the one you read) is required");
    JW_ASSIGN_OR_RETURN(Case cs, svc.Get(id));
    if (body.contains("case_no") && body["case_no"] != cs.case_no)
      return Validation("validation_failed", "a case number cannot be changed");
    JW_RETURN_IF_ERROR(Apply(body, &cs));
    JW_ASSIGN_OR_RETURN(Case stored, svc.Update(c.user().AsActor(), id, std::move(cs), body["version"].get<int64_t>()));
    return Reply::Json(CaseJson(stored, true, true));
  });

  api.Get(R"(/api/v1/cases/(\d+)/history)", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t id, Id(c));
    JW_ASSIGN_OR_RETURN(Case cs, svc.Get(id, false));
    JW_ASSIGN_OR_RETURN(auto hist, svc.History(id));
    json items = json::array();
    for (const auto& h : hist) {
      json changes = json::parse(h.changes, nullptr, false);
      // Suspects in the history are masked like on the record page.
      auto mask = [](json& v) {
        if (!v.is_array()) return;
        for (auto& p : v)
          if (p.is_object()) {
            p["id_number"] = MaskId(p.value("id_number", ""));
            p["name"] = MaskName(p.value("name", ""));
          }
      };
      if (changes.is_object()) {
        if (changes.contains("suspects") && changes["suspects"].is_array())
          for (auto& side : changes["suspects"]) mask(side);
        if (changes.contains("created") && changes["created"].contains("suspects")) mask(changes["created"]["suspects"]);
      }
      items.push_back({{"version", h.version}, {"at", h.at}, {"actor", h.actor}, {"changes", changes}});
    }
    return Reply::Json({{"case_no", cs.case_no}, {"items", items}, {"total", items.size()}});
  });

  api.Get("/api/v1/gangs", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t page, c.IntParam("page", 1, 1, 1000000));
    JW_ASSIGN_OR_RETURN(int64_t size, c.IntParam("page_size", 50, 1, 500));
    std::string type = c.Param("type");
    if (!type.empty() && IndexOf(kGangTypes, type) < 0) return Validation("unknown_gang_type", "unknown type '" + type + "'");
    JW_ASSIGN_OR_RETURN(auto gangs, svc.ListGangs());
    std::vector<const Gang*> chosen;
    for (const auto& g : gangs)
      if (type.empty() || g.type == type) chosen.push_back(&g);
    json items = json::array();
    for (size_t i = static_cast<size_t>((page - 1) * size); i < chosen.size() && items.size() < static_cast<size_t>(size); ++i)
      items.push_back(GangJson(*chosen[i], false, true));
    return Reply::Json({{"items", items}, {"total", chosen.size()}});
  });

  api.Get(R"(/api/v1/gangs/(\d+))", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t id, Id(c));
    JW_ASSIGN_OR_RETURN(Gang g, svc.GetGang(id));
    return Reply::Json(GangJson(g, true, true));
  });

  api.Get(R"(/api/v1/gangs/(\d+)/members)",
          {.permission = auth::perm::kPersonRead, .personal_data = true, .audit_action = "gang.members"},
          [&svc](Context& c) -> Result<Reply> {
            JW_ASSIGN_OR_RETURN(int64_t id, Id(c));
            JW_ASSIGN_OR_RETURN(Gang g, svc.GetGang(id));
            c.audit_target = "gang:" + std::to_string(id);
            json items = GangJson(g, true, false)["members"];
            return Reply::Json({{"items", items}, {"total", items.size()}});
          });

  api.Post("/api/v1/gangs", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    Gang g;
    JW_RETURN_IF_ERROR(Str(body, "name", &g.name));
    JW_RETURN_IF_ERROR(Str(body, "type", &g.type));
    JW_RETURN_IF_ERROR(Str(body, "district_code", &g.district_code));
    JW_RETURN_IF_ERROR(Str(body, "notes", &g.notes));
    JW_RETURN_IF_ERROR(Time(body, "broken_up_at", &g.broken_up_at));
    std::vector<Suspect> members;
    JW_RETURN_IF_ERROR(People(body, "members", &members));
    for (auto& m : members) g.members.push_back({m.id_number, m.name, m.role});
    JW_ASSIGN_OR_RETURN(Gang stored, svc.CreateGang(c.user().AsActor(), std::move(g)));
    return Reply::Json(GangJson(stored, true, !c.user().Can(auth::perm::kPersonRead)), 201);
  });

  api.Get("/api/v1/traffic/accidents", {.permission = auth::perm::kStatsRead}, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto from, TimeParam(c, "from"));
    JW_ASSIGN_OR_RETURN(auto to, TimeParam(c, "to"));
    JW_ASSIGN_OR_RETURN(int64_t page, c.IntParam("page", 1, 1, 1000000));
    JW_ASSIGN_OR_RETURN(int64_t size, c.IntParam("page_size", 50, 1, 500));
    JW_ASSIGN_OR_RETURN(auto all, svc.ListAccidents(from, to));
    json items = json::array();
    for (size_t i = static_cast<size_t>((page - 1) * size); i < all.size() && items.size() < static_cast<size_t>(size); ++i) {
      const auto& a = all[i];
      items.push_back({{"id", a.id}, {"occurred_at", FormatTime(a.occurred_at)}, {"place", a.place},
                       {"district_code", a.district_code}, {"deaths", a.deaths}, {"injuries", a.injuries},
                       {"vehicles", a.vehicles}});
    }
    return Reply::Json({{"items", items}, {"total", all.size()}});
  });

  api.Post("/api/v1/traffic/accidents", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    Accident a;
    std::optional<Timestamp> t;
    JW_RETURN_IF_ERROR(Time(body, "occurred_at", &t));
    if (!t) return Validation("validation_failed", "occurred_at is required");
    a.occurred_at = *t;
    JW_RETURN_IF_ERROR(Str(body, "place", &a.place));
    JW_RETURN_IF_ERROR(Str(body, "district_code", &a.district_code));
    for (auto [k, f] : std::initializer_list<std::pair<const char*, int*>>{
             {"deaths", &a.deaths}, {"injuries", &a.injuries}, {"vehicles", &a.vehicles}}) {
      if (!body.contains(k)) continue;
      if (!body[k].is_number_integer()) return Validation("validation_failed", std::string(k) + " must be an integer");
      *f = body[k].get<int>();
    }
    JW_ASSIGN_OR_RETURN(Accident stored, svc.AddAccident(c.user().AsActor(), a));
    return Reply::Json({{"id", stored.id}}, 201);
  });

  api.Get("/api/v1/traffic/vehicle-counts", {.permission = auth::perm::kStatsRead}, [&svc](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto all, svc.VehicleCounts());
    json items = json::array();
    for (const auto& v : all) items.push_back({{"year", v.year}, {"year_end_count", v.year_end_count}});
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });

  api.Put(R"(/api/v1/traffic/vehicle-counts/(\d{4}))", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    if (!body.contains("year_end_count") || !body["year_end_count"].is_number_integer())
      return Validation("validation_failed", "year_end_count (integer) is required");
    VehicleCount v{std::stoi(c.PathArg(1)), body["year_end_count"].get<int64_t>()};
    JW_RETURN_IF_ERROR(svc.SetVehicleCount(c.user().AsActor(), v));
    return Reply::Json({{"year", v.year}, {"year_end_count", v.year_end_count}});
  });
}

}  // namespace jingwu::cases

// HTTP face of the service hall (警民通). Three audiences:
//  - the public: the catalogue and the per-item figures (no login; small
//    cells suppressed);
//  - citizens: /api/v1/citizen/... with a citizen token ("cz_..."), checked
//    here rather than by Api's staff authentication, since citizens hold no
//    staff permission; a citizen reads only their own applications (403);
//  - staff with services.handle: the queue by deadline and every workflow
//    action; a clerk assigned to a department sees only its cases.
#include <algorithm>

#include "auth/roles.h"
#include "http/api.h"
#include "services/service.h"

namespace jingwu::services {

using http::Context;
using http::json;
using http::Reply;

namespace {

json ItemJson(const Item& it) {
  json mats = json::array();
  for (const auto& m : it.materials)
    mats.push_back({{"code", m.code}, {"name_zh", m.name_zh}, {"name_en", m.name_en}, {"required", m.required},
                    {"key", m.key}});
  json fields = json::array();
  for (const auto& f : it.fields)
    fields.push_back({{"name", f.name}, {"label_zh", f.label_zh}, {"label_en", f.label_en}, {"type", f.type},
                      {"required", f.required}, {"pattern", f.pattern}, {"options", f.options}});
  json approval = nullptr;
  if (it.approval) approval = {{"mode", it.approval->mode}, {"departments", it.approval->departments}};
  return {{"code", it.code},         {"name_zh", it.name_zh},
          {"name_en", it.name_en},   {"category", it.category},
          {"department", it.department}, {"channels", it.channels},
          {"materials", mats},       {"fields", fields},
          {"statutory_days", it.statutory_days}, {"promised_days", it.promised_days},
          {"fee_fen", it.fee_fen},   {"commitment", it.commitment},
          {"approval", approval}};
}

json CitizenJson(const Citizen& c) {
  std::string masked = c.id_number.size() == 18 ? c.id_number.substr(0, 6) + "********" + c.id_number.substr(14) : "";
  return {{"id", c.id}, {"phone", c.phone}, {"name", c.name}, {"id_number", masked}};
}

// The staff queue shows no personal data beyond a masked name.
json QueueJson(const Application& a, int64_t today, const Service& s) {
  json j = ApplicationJson(a);
  std::string name = a.form.value("name", a.form.value("child_name", ""));
  j.erase("form");
  j.erase("steps");
  j["applicant"] = name.empty() ? "" : name.substr(0, name.size() >= 3 && (name[0] & 0x80) ? 3 : 1) + "**";
  j["elapsed_working_days"] = s.ElapsedWorkingDays(a, today);
  return j;
}

json MetricsJson(const ItemMetrics& m, bool suppress) {
  const Item* it = FindItem(m.item_code);
  json j = {{"item_code", m.item_code},
            {"name_zh", it ? it->name_zh : "全部"},
            {"name_en", it ? it->name_en : "All items"},
            {"promised_days", m.promised_days},
            {"statutory_days", m.statutory_days}};
  // Below five applications, figures could point at a person: only the fact that there were few.
  if (suppress && m.total < 5) {
    j["suppressed"] = true;
    j["total"] = nullptr;
    return j;
  }
  j.update({{"total", m.total},
            {"by_channel", m.by_channel},
            {"online", m.online},
            {"decided", m.decided},
            {"approved", m.approved},
            {"rejected", m.rejected},
            {"terminated", m.terminated},
            {"open", m.open},
            {"digital_take_up", m.digital_take_up},
            {"completion_rate", m.completion_rate},
            {"median_days", m.median_days},
            {"p90_days", m.p90_days},
            {"within_promised", m.within_promised},
            {"within_statutory", m.within_statutory},
            {"ratings", m.ratings},
            {"bad_ratings", m.bad_ratings},
            {"bad_rating_rate", m.bad_rating_rate},
            {"commitments", m.commitments},
            {"verification_drawn", m.verification_drawn},
            {"verification_revoked", m.verification_revoked}});
  if (suppress && m.ratings > 0 && m.ratings < 5) {
    j["ratings"] = nullptr;
    j["bad_ratings"] = nullptr;
    j["bad_rating_rate"] = nullptr;
  }
  return j;
}

Result<json> MetricsReply(Service& s, Context& c, bool suppress) {
  int64_t today = s.Today();
  int y, m, d;
  CivilFromDays(today, &y, &m, &d);
  int64_t from = DaysFromCivil(y, 1, 1), to = today;
  if (!c.Param("from").empty()) {
    JW_ASSIGN_OR_RETURN(from, ParseDay(c.Param("from")));
  }
  if (!c.Param("to").empty()) {
    JW_ASSIGN_OR_RETURN(to, ParseDay(c.Param("to")));
  }
  if (to < from) return Validation("invalid_range", "to is before from");
  JW_ASSIGN_OR_RETURN(MetricsReport r, s.Metrics(from, to));
  json items = json::array();
  for (const auto& it : r.items) items.push_back(MetricsJson(it, suppress));
  return json{{"from", r.from}, {"to", r.to}, {"all", MetricsJson(r.all, suppress)}, {"items", items},
              {"definitions",
               {{"digital_take_up", "online applications ÷ all applications"},
                {"completion_rate", "decided (approved, rejected, terminated) ÷ all applications"},
                {"days", "working days from acceptance to decision, documents-to-follow pauses excluded"},
                {"bad_rating_rate", "ratings of 1 or 2 ÷ all ratings"}}}};
}

std::string BearerToken(const Context& c) {
  std::string h = c.req.get_header_value("Authorization");
  return h.rfind("Bearer ", 0) == 0 ? h.substr(7) : "";
}

int64_t IdArg(const Context& c) { return c.IdArg(); }

std::vector<std::string> Strings(const json& b, const char* key) {
  std::vector<std::string> out;
  if (b.contains(key) && b[key].is_array())
    for (const auto& v : b[key])
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string Str(const json& b, const char* key) { return b.contains(key) && b[key].is_string() ? b[key].get<std::string>() : ""; }

}  // namespace

void RegisterRoutes(http::Api& api, Service& s) {
  // ---- public
  api.Get("/api/v1/services/items", {.auth = false}, [](Context&) -> Result<Reply> {
    json items = json::array();
    for (const auto& it : Catalogue()) items.push_back(ItemJson(it));
    json depts = json::array();
    for (const auto& [code, name] : Departments()) depts.push_back({{"code", code}, {"name_zh", name}});
    return Reply::Json({{"items", items}, {"total", items.size()}, {"departments", depts}});
  });
  api.Get(R"(/api/v1/services/items/([A-Z0-9]+))", {.auth = false}, [](Context& c) -> Result<Reply> {
    const Item* it = FindItem(c.PathArg(1));
    if (!it) return NotFound("unknown_item", "no service item " + c.PathArg(1));
    return Reply::Json(ItemJson(*it));
  });
  api.Get("/api/v1/public/services/metrics", {.auth = false}, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, MetricsReply(s, c, true));
    return Reply::Json(j);
  });

  // ---- citizens
  auto citizen = [&s](Context& c) { return s.Authenticate(BearerToken(c)); };
  api.Post("/api/v1/citizen/register", {.auth = false}, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(Citizen ct, s.Register({Str(b, "phone"), Str(b, "password"), Str(b, "id_number"), Str(b, "name"), c.client}));
    return Reply::Json(CitizenJson(ct), 201);
  });
  api.Post("/api/v1/citizen/login", {.auth = false}, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(std::string token, s.Login(Str(b, "phone"), Str(b, "password"), c.client));
    JW_ASSIGN_OR_RETURN(Citizen ct, s.Authenticate(token));
    return Reply::Json({{"token", token}, {"citizen", CitizenJson(ct)}});
  });
  api.Get("/api/v1/citizen/me", {.auth = false}, [citizen](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Citizen ct, citizen(c));
    return Reply::Json(CitizenJson(ct));
  });
  api.Get("/api/v1/citizen/applications", {.auth = false}, [&s, citizen](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Citizen ct, citizen(c));
    JW_ASSIGN_OR_RETURN(auto list, s.ListForCitizen(ct));
    json items = json::array();
    for (const auto& a : list) items.push_back(ApplicationJson(a));
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });
  api.Post("/api/v1/citizen/applications", {.auth = false}, [&s, citizen](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Citizen ct, citizen(c));
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    ApplyInput in;
    in.item_code = Str(b, "item_code");
    if (b.contains("channel")) in.channel = Str(b, "channel");
    in.form = b.value("form", json::object());
    in.commitment = b.value("commitment", false);
    JW_ASSIGN_OR_RETURN(Application a, s.Apply(ct, in));
    return Reply::Json(ApplicationJson(a), 201);
  });
  api.Get(R"(/api/v1/citizen/applications/(\d+))", {.auth = false}, [&s, citizen](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Citizen ct, citizen(c));
    JW_ASSIGN_OR_RETURN(Application a, s.GetForCitizen(ct, IdArg(c)));
    return Reply::Json(ApplicationJson(a));
  });
  // The file is the raw body; its type is the Content-Type header.
  api.Post(R"(/api/v1/citizen/applications/(\d+)/materials/([a-z_]+))", {.auth = false},
           [&s, citizen](Context& c) -> Result<Reply> {
             JW_ASSIGN_OR_RETURN(Citizen ct, citizen(c));
             UploadInput in{c.PathArg(2), c.req.get_header_value("Content-Type"), c.Param("filename"), c.req.body};
             JW_ASSIGN_OR_RETURN(Application a, s.Upload(ct, IdArg(c), in));
             return Reply::Json(ApplicationJson(a), 201);
           });
  api.Post(R"(/api/v1/citizen/applications/(\d+)/rating)", {.auth = false}, [&s, citizen](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Citizen ct, citizen(c));
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    if (!b.contains("level") || !b["level"].is_number_integer())
      return Validation("invalid_rating", "level (1-5) is required");
    JW_ASSIGN_OR_RETURN(Application a, s.Rate(ct, IdArg(c), b["level"].get<int>(), Str(b, "comment")));
    return Reply::Json(ApplicationJson(a));
  });

  // ---- staff
  const http::RouteOptions handle{.permission = auth::perm::kServicesHandle};
  // A clerk assigned to a department works only on its cases.
  auto scope = [&s](Context& c) { return s.StaffDepartment(c.user().user.username); };
  auto load = [&s, scope](Context& c) -> Result<Application> {
    JW_ASSIGN_OR_RETURN(std::string dept, scope(c));
    JW_ASSIGN_OR_RETURN(Application a, s.Get(IdArg(c)));
    if (!dept.empty() && a.department != dept && a.commissioner != c.user().user.username &&
        std::none_of(a.decisions.begin(), a.decisions.end(), [&](const DeptDecision& d) { return d.department == dept; }))
      return PermissionDenied("not_your_department", "this application belongs to another department");
    return a;
  };
  api.Get("/api/v1/services/me", handle, [scope](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(std::string dept, scope(c));
    return Reply::Json({{"username", c.user().user.username}, {"department", dept}});
  });
  api.Get("/api/v1/services/applications", handle, [&s, scope](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(std::string dept, scope(c));
    if (dept.empty()) dept = c.Param("department");
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 200, 1, 1000));
    std::string states = c.Param("state").empty() ? "received,material_requested,accepted,accepted_pending,under_review"
                                                 : c.Param("state");
    // ?commissioner=me: the cases this user oversees as approval commissioner, in every department.
    std::string commissioner = c.Param("commissioner") == "me" ? c.user().user.username : c.Param("commissioner");
    // A clerk bound to a department sees other departments' cases only as
    // their own commissioner, never by naming someone else.
    if (!commissioner.empty() && !dept.empty() && commissioner != c.user().user.username)
      return PermissionDenied("not_your_department", "a department clerk lists only their own commissioned cases");
    if (!commissioner.empty()) dept.clear();
    JW_ASSIGN_OR_RETURN(auto list, s.Queue(dept, states == "all" ? "" : states, static_cast<int>(limit), commissioner));
    int64_t today = s.Today();
    json items = json::array();
    for (const auto& a : list) items.push_back(QueueJson(a, today, s));
    return Reply::Json({{"items", items}, {"total", items.size()}, {"today", DayString(today)}});
  });
  api.Get(R"(/api/v1/services/applications/(\d+))",
          {.permission = auth::perm::kServicesHandle, .personal_data = true, .audit_action = "services.application.read"},
          [load](Context& c) -> Result<Reply> {
            JW_ASSIGN_OR_RETURN(Application a, load(c));
            c.audit_target = "application:" + std::to_string(a.id);
            return Reply::Json(ApplicationJson(a));
          });
  auto action = [&api, handle, load](const std::string& name,
                                     std::function<Result<Application>(Context&, const json&, const audit::Actor&)> fn) {
    api.Post(R"(/api/v1/services/applications/(\d+)/)" + name, handle, [load, fn](Context& c) -> Result<Reply> {
      JW_ASSIGN_OR_RETURN(Application a, load(c));
      json b = json::object();
      if (!c.req.body.empty()) {
        JW_ASSIGN_OR_RETURN(b, c.Body());
      }
      JW_ASSIGN_OR_RETURN(Application after, fn(c, b, c.user().AsActor()));
      return Reply::Json(ApplicationJson(after));
    });
  };
  action("accept", [&s](Context& c, const json& b, const audit::Actor& a) {
    if (b.contains("follow_days") && !b["follow_days"].is_number_integer())
      return Result<Application>(Validation("validation_failed", "follow_days must be a whole number of working days"));
    return s.Accept(a, IdArg(c), Strings(b, "owed"), b.value("follow_days", 0), Str(b, "commissioner"));
  });
  action("request-material", [&s](Context& c, const json& b, const audit::Actor& a) {
    return s.RequestMaterial(a, IdArg(c), Strings(b, "materials"), Str(b, "note"));
  });
  action("review", [&s](Context& c, const json&, const audit::Actor& a) { return s.StartReview(a, IdArg(c)); });
  action("approve", [&s](Context& c, const json& b, const audit::Actor& a) { return s.Approve(a, IdArg(c), Str(b, "note")); });
  action("reject", [&s](Context& c, const json& b, const audit::Actor& a) { return s.Reject(a, IdArg(c), Str(b, "reason")); });
  action("department-decision", [&s](Context& c, const json& b, const audit::Actor& a) {
    return s.DepartmentDecision(a, IdArg(c), Str(b, "department"), Str(b, "decision"), Str(b, "reason"));
  });
  action("issue", [&s](Context& c, const json& b, const audit::Actor& a) {
    return s.Issue(a, IdArg(c), Str(b, "certificate_no"));
  });
  action("follow-up", [&s](Context& c, const json& b, const audit::Actor& a) {
    return s.CloseFollowUp(a, IdArg(c), Str(b, "note"));
  });
  action("verify", [&s](Context& c, const json& b, const audit::Actor& a) { return s.Verify(a, IdArg(c), Str(b, "result")); });
  api.Post("/api/v1/services/verification/draw", handle, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto ids, s.DrawVerification(c.user().AsActor()));
    return Reply::Json({{"drawn", ids}});
  });
  api.Post("/api/v1/services/clocks/check", handle, [&s](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int n, s.CheckClocks());
    return Reply::Json({{"changes", n}});
  });
  api.Get("/api/v1/services/metrics", handle, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, MetricsReply(s, c, false));
    return Reply::Json(j);
  });
  api.Put(R"(/api/v1/services/staff/([A-Za-z0-9._-]+))", {.permission = auth::perm::kUsersManage},
          [&s, &api](Context& c) -> Result<Reply> {
            JW_ASSIGN_OR_RETURN(json b, c.Body());
            JW_RETURN_IF_ERROR(api.auth().FindUser(c.PathArg(1)).status());  // 404 for an unknown user
            JW_RETURN_IF_ERROR(s.SetStaffDepartment(c.PathArg(1), Str(b, "department")));
            return Reply::Json({{"username", c.PathArg(1)}, {"department", Str(b, "department")}});
          });
}

}  // namespace jingwu::services

// HTTP face of the smart communities (docs/communities.md, docs/api.md
// "Smart communities").
#include "auth/roles.h"
#include "community/service.h"
#include "http/api.h"
#include "http/server.h"

namespace jingwu::community {

using http::Context;
using http::Reply;
using nlohmann::json;

namespace {

json CommunityJson(const Community& c) {
  return {{"code", c.code},
          {"place_code", c.place_code},
          {"name", c.name},
          {"district_code", c.district_code},
          {"district", std::string(identity::RegionName(c.district_code))},
          {"gates", c.gates},
          {"car_gates", c.car_gates},
          {"lat", c.lat},
          {"lon", c.lon},
          {"open_alarms", c.open_alarms},
          {"overdue_alarms", c.overdue_alarms},
          {"open_findings", c.open_findings},
          {"findings_by_rule", c.findings_by_rule}};
}

json AlarmJson(const Alarm& a) {
  return {{"id", a.id},
          {"community_code", a.community_code},
          {"place_code", a.place_code},
          {"device", a.device},
          {"kind", a.kind},
          {"raised_at", a.raised_at},
          {"cleared_at", a.cleared_at ? json(*a.cleared_at) : json(nullptr)},
          {"cleared_by", a.cleared_by},
          {"note", a.note},
          {"target_minutes", a.target_minutes},
          {"minutes", a.minutes},
          {"overdue", a.overdue},
          {"open", !a.cleared_at.has_value()}};
}

json FindingJson(const Finding& f) {
  return {{"id", f.id},
          {"rule", f.rule},
          {"community_code", f.community_code},
          {"subject", f.subject},
          {"status", f.status},
          {"detail", json::parse(f.detail, nullptr, false)},
          {"first_found_at", f.first_found_at},
          {"last_found_at", f.last_found_at},
          {"task_id", f.task_id},
          {"closed_by", f.closed_by},
          {"note", f.note}};
}

constexpr const char* kRules[] = {"unregistered_regular", "elderly_unseen", "cloned_card", "alarm_overdue"};

}  // namespace

void RegisterRoutes(http::Api& api, Service& svc) {
  const http::RouteOptions read = {.permission = auth::perm::kRegistryRead};
  const http::RouteOptions write = {.permission = auth::perm::kRegistryWrite};

  api.Get("/api/v1/communities", read, [&svc](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(std::vector<Community> cs, svc.Communities());
    json items = json::array();
    json totals = {{"communities", cs.size()}, {"open_alarms", 0}, {"overdue_alarms", 0}, {"open_findings", 0}};
    for (const auto& c : cs) {
      items.push_back(CommunityJson(c));
      totals["open_alarms"] = totals["open_alarms"].get<int64_t>() + c.open_alarms;
      totals["overdue_alarms"] = totals["overdue_alarms"].get<int64_t>() + c.overdue_alarms;
      totals["open_findings"] = totals["open_findings"].get<int64_t>() + c.open_findings;
    }
    return Reply::Json({{"communities", items}, {"totals", totals}, {"as_of", FormatTime(svc.Now())},
                        {"rules", kRules}});
  });

  api.Get(R"(/api/v1/communities/(\d{12}|SQ\d+))", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Community co, svc.Get(c.PathArg(1)));
    json j = CommunityJson(co);
    j["as_of"] = FormatTime(svc.Now());
    const auto& o = svc.options();
    j["rules"] = {{"regular_nights", o.regular_nights}, {"regular_days", o.regular_days},
                  {"elderly_age", o.elderly_age},       {"unseen_days", o.unseen_days},
                  {"clone_km", o.clone_km},             {"clone_kmh", o.clone_kmh},
                  {"alarm_targets", o.alarm_targets}};
    return Reply::Json(j);
  });

  api.Get(R"(/api/v1/communities/(\d{12}|SQ\d+)/activity)", read, [&svc](Context& c) -> Result<Reply> {
    std::string day = c.Param("day");
    if (!day.empty() && (day.size() != 10 || day[4] != '-' || day[7] != '-'))
      return Validation("invalid_time", "day is YYYY-MM-DD");
    JW_ASSIGN_OR_RETURN(Activity a, svc.GateActivity(c.PathArg(1), day));
    return Reply::Json({{"day", a.day},
                        {"people_in", a.people_in},
                        {"people_out", a.people_out},
                        {"vehicles_in", a.vehicles_in},
                        {"vehicles_out", a.vehicles_out},
                        {"denied", a.denied}});
  });

  api.Get("/api/v1/communities/alarms", read, [&svc](Context& c) -> Result<Reply> {
    std::string status = c.Param("status");
    if (!status.empty() && status != "open" && status != "all")
      return Validation("invalid_value", "status is open or all");
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 500, 1, 5000));
    JW_ASSIGN_OR_RETURN(std::vector<Alarm> as,
                        svc.Alarms(c.Param("community"), status == "all", static_cast<size_t>(limit)));
    json items = json::array();
    for (const auto& a : as) items.push_back(AlarmJson(a));
    return Reply::Json({{"alarms", items}, {"as_of", FormatTime(svc.Now())}});
  });

  api.Post("/api/v1/communities/alarms", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    Alarm a;
    for (auto [key, out] : {std::pair{"community_code", &a.community_code}, std::pair{"device", &a.device},
                            std::pair{"kind", &a.kind}, std::pair{"raised_at", &a.raised_at}}) {
      if (!body.contains(key)) continue;
      if (!body[key].is_string()) return Validation("invalid_value", std::string(key) + " must be a string");
      *out = body[key].get<std::string>();
    }
    if (a.community_code.empty()) return Validation("missing_field", "community_code is required");
    JW_ASSIGN_OR_RETURN(Alarm added, svc.RaiseAlarm(c.user().AsActor(), a));
    return Reply::Json(AlarmJson(added), 201);
  });

  api.Post(R"(/api/v1/communities/alarms/(\d+)/clear)", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    std::string at, note;
    if (body.contains("cleared_at")) {
      if (!body["cleared_at"].is_string()) return Validation("invalid_value", "cleared_at must be a string");
      at = body["cleared_at"].get<std::string>();
    }
    if (body.contains("note")) {
      if (!body["note"].is_string()) return Validation("invalid_value", "note must be a string");
      note = body["note"].get<std::string>();
    }
    JW_ASSIGN_OR_RETURN(Alarm a, svc.ClearAlarm(c.user().AsActor(), c.IdArg(), at, note));
    return Reply::Json(AlarmJson(a));
  });

  // Findings name people: a stated purpose is required and every read is audited.
  http::RouteOptions findings_read = read;
  findings_read.personal_data = true;
  findings_read.audit_action = "communities.findings.read";
  api.Get("/api/v1/communities/findings", findings_read, [&svc](Context& c) -> Result<Reply> {
    FindingFilter f;
    f.rule = c.Param("rule");
    f.community = c.Param("community");
    f.status = c.Param("status");
    if (!f.rule.empty() && std::find(std::begin(kRules), std::end(kRules), f.rule) == std::end(kRules))
      return Validation("invalid_value", "rule is unregistered_regular, elderly_unseen, cloned_card or alarm_overdue");
    if (!f.status.empty() && f.status != "open" && f.status != "closed")
      return Validation("invalid_value", "status is open or closed");
    JW_ASSIGN_OR_RETURN(int64_t page, c.IntParam("page", 1, 1, 100000));
    JW_ASSIGN_OR_RETURN(int64_t size, c.IntParam("page_size", 50, 1, 500));
    f.page = static_cast<int>(page), f.page_size = static_cast<int>(size);
    c.audit_target = f.community.empty() ? "all" : f.community;
    JW_ASSIGN_OR_RETURN(auto res, svc.Findings(f));
    json items = json::array();
    for (const auto& x : res.first) items.push_back(FindingJson(x));
    c.audit_detail = std::to_string(items.size()) + " findings";
    return Reply::Json({{"findings", items}, {"total", res.second}, {"page", f.page}, {"page_size", f.page_size}});
  });

  api.Post(R"(/api/v1/communities/findings/(\d+)/close)", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    if (body.contains("note") && !body["note"].is_string()) return Validation("invalid_value", "note must be a string");
    JW_ASSIGN_OR_RETURN(Finding f, svc.CloseFinding(c.user().AsActor(), c.IdArg(), body.value("note", std::string())));
    return Reply::Json(FindingJson(f));
  });

  api.Post("/api/v1/communities/rules/run", write, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(RunReport r, svc.RunRules(c.user().AsActor()));
    return Reply::Json({{"found", r.found},
                        {"raised", r.raised},
                        {"tasks", r.tasks},
                        {"events_read", r.events_read},
                        {"seconds", r.seconds},
                        {"as_of", r.as_of}});
  });
}

}  // namespace jingwu::community

// HTTP face of the epidemic checkpoints and contact tracing (docs/health.md).
#include "auth/roles.h"
#include "health/service.h"
#include "http/api.h"
#include "http/server.h"

namespace jingwu::health {

using http::Context;
using http::Reply;
using nlohmann::json;

namespace {

json TraceJson(const StoredTrace& t) {
  json j = {{"id", t.id},
            {"subject", t.subject},
            {"case_no", t.case_no},
            {"purpose", t.purpose},
            {"confirmed_at", t.confirmed_at},
            {"days", t.days},
            {"within_minutes", t.within_minutes},
            {"contacts", t.contacts},
            {"created_at", t.created_at},
            {"created_by", t.created_by},
            {"expires_at", t.expires_at}};
  if (!t.result.is_null()) j["result"] = t.result;
  return j;
}

Result<std::string> Str(const json& b, const char* key, bool required) {
  if (!b.contains(key) || b[key].is_null()) {
    if (required) return Validation("missing_field", std::string(key) + " is required");
    return std::string();
  }
  if (!b[key].is_string()) return Validation("invalid_value", std::string(key) + " must be a string");
  return b[key].get<std::string>();
}

Result<int64_t> Int(const json& b, const char* key, int64_t def) {
  if (!b.contains(key) || b[key].is_null()) return def;
  if (!b[key].is_number_integer()) return Validation("invalid_value", std::string(key) + " must be an integer");
  return b[key].get<int64_t>();
}

}  // namespace

void RegisterRoutes(http::Api& api, Service& svc) {
  // Counts of checks: no personal data.
  const http::RouteOptions stats = {.permission = auth::perm::kStatsRead};
  api.Get("/api/v1/health/figures", stats, [&svc](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json f, svc.Figures());
    return Reply::Json(f);
  });
  api.Get("/api/v1/health/throughput", stats, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json t, svc.Throughput(c.Param("checkpoint"), c.Param("day")));
    return Reply::Json(t);
  });
  // The flagged passes name people: a purpose, audited.
  http::RouteOptions flagged = {.permission = auth::perm::kPersonRead, .personal_data = true,
                                .audit_action = "health.flagged"};
  api.Get("/api/v1/health/flagged", flagged, [&svc](Context& c) -> Result<Reply> {
    c.audit_target = (c.Param("checkpoint").empty() ? "all" : c.Param("checkpoint")) + " " + c.Param("day");
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 500, 1, 5000));
    JW_ASSIGN_OR_RETURN(json f, svc.Flagged(c.Param("checkpoint"), c.Param("day"), static_cast<size_t>(limit)));
    c.audit_detail = std::to_string(f["flagged"].size()) + " flagged passes";
    return Reply::Json(f);
  });

  // Contact tracing is an analysis: a purpose and a public-health case number, audited.
  http::RouteOptions trace = {.permission = auth::perm::kAnalysisRun, .personal_data = true, .analysis = true,
                              .audit_action = "health.trace"};
  api.Post("/api/v1/health/traces", trace, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(std::string id, Str(b, "id_number", true));
    JW_ASSIGN_OR_RETURN(std::string nat, Str(b, "nationality", false));
    JW_ASSIGN_OR_RETURN(std::string at, Str(b, "confirmed_at", true));
    JW_ASSIGN_OR_RETURN(int64_t days, Int(b, "days", 14));
    JW_ASSIGN_OR_RETURN(int64_t within, Int(b, "within_minutes", 30));
    if (days < 1 || days > 28) return Validation("invalid_value", "days is 1 to 28");
    c.audit_target = nat.empty() ? "ID:" + id : "PASSPORT:" + nat + "/" + id;
    JW_ASSIGN_OR_RETURN(StoredTrace t, svc.Trace(c.user().AsActor(), id, nat, at, static_cast<int>(days),
                                                 static_cast<int>(within), c.case_no, c.purpose));
    c.audit_target = t.subject;
    c.audit_detail = std::to_string(t.contacts) + " contacts; kept until " + t.expires_at;
    return Reply::Json(TraceJson(t), 201);
  });
  http::RouteOptions read = {.permission = auth::perm::kAnalysisRun, .personal_data = true,
                             .audit_action = "health.trace.read"};
  api.Get("/api/v1/health/traces", read, [&svc](Context& c) -> Result<Reply> {
    c.audit_target = "list";
    JW_ASSIGN_OR_RETURN(std::vector<StoredTrace> ts, svc.Traces());
    json items = json::array();
    for (const auto& t : ts) items.push_back(TraceJson(t));
    return Reply::Json({{"traces", items}, {"retention_days", svc.options().trace_retention_days}});
  });
  api.Get(R"(/api/v1/health/traces/(\d+))", read, [&svc](Context& c) -> Result<Reply> {
    c.audit_target = c.PathArg(1);
    JW_ASSIGN_OR_RETURN(StoredTrace t, svc.GetTrace(c.IdArg()));
    return Reply::Json(TraceJson(t));
  });
  api.Delete(R"(/api/v1/health/traces/(\d+))", {.permission = auth::perm::kAnalysisRun},
             [&svc](Context& c) -> Result<Reply> {
               JW_RETURN_IF_ERROR(svc.DeleteTrace(c.user().AsActor(), c.IdArg()));
               return Reply::NoContent();
             });
}

}  // namespace jingwu::health

// HTTP face of grassroots policing (docs/grassroots.md).
#include "auth/roles.h"
#include "grassroots/service.h"
#include "http/api.h"
#include "http/server.h"
#include "services/service.h"

namespace jingwu::grassroots {

using http::Context;
using http::Reply;

void RegisterRoutes(http::Api& api, Service& svc, services::Service* citizens) {
  const http::RouteOptions read = {.permission = auth::perm::kGrassrootsRead};
  const http::RouteOptions write = {.permission = auth::perm::kGrassrootsWrite};
  const http::RouteOptions mobile = {.permission = auth::perm::kMobileUse};
  auto actor = [](Context& c) { return c.user().AsActor(); };
  auto page = [](Context& c, int* p, int* size) -> Status {
    JW_ASSIGN_OR_RETURN(int64_t pg, c.IntParam("page", 1, 1, 100000));
    JW_ASSIGN_OR_RETURN(int64_t ps, c.IntParam("page_size", 50, 1, 500));
    *p = static_cast<int>(pg), *size = static_cast<int>(ps);
    return Status::Ok();
  };
  const std::string S = "/api/v1/grassroots/supervision";

  // ---- supervision
  api.Get(S + "/checklists", read, [&svc](Context&) -> Result<Reply> { return Reply::Json(svc.Checklists()); });
  api.Get(S + "/sites", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, svc.Sites(c.Param("district"), c.Param("kind"), c.Param("q")));
    return Reply::Json(j);
  });
  api.Get(S + R"(/sites/([A-Za-z0-9_-]+))", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, svc.Site(c.PathArg(1)));
    return Reply::Json(j);
  });
  api.Post(S + "/sites", write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.CreateSite(actor(c), b));
    return Reply::Json(j, 201);
  });
  api.Post(S + "/licences", write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.CreateLicence(actor(c), b));
    return Reply::Json(j, 201);
  });
  api.Post(S + R"(/sites/([A-Za-z0-9_-]+)/movements)", write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.Move(actor(c), c.PathArg(1), b));
    return Reply::Json(j, 201);
  });
  api.Get(S + "/inspections", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 100, 1, 1000));
    JW_ASSIGN_OR_RETURN(json j, svc.Inspections(c.Param("site"), static_cast<size_t>(limit)));
    return Reply::Json(j);
  });
  api.Post(S + "/inspections", write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.Inspect(actor(c), b));
    return Reply::Json(j, 201);
  });
  api.Get(S + "/hazards", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, svc.Hazards(c.Param("status"), c.Param("district"), c.Param("site")));
    return Reply::Json(j);
  });
  api.Post(S + R"(/hazards/(\d+)/reinspect)", write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.Reinspect(actor(c), c.IdArg(), b));
    return Reply::Json(j);
  });
  api.Get(S + "/alerts", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, svc.Alerts(c.Param("district")));
    return Reply::Json(j);
  });
  api.Get(S + "/dashboard", read, [&svc](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, svc.Dashboard());
    return Reply::Json(j);
  });

  // ---- disputes (the list names no party; a dispute's page does, with a purpose, audited)
  const std::string D = "/api/v1/grassroots/disputes";
  http::RouteOptions dispute_read = read;
  dispute_read.personal_data = true;
  dispute_read.audit_action = "grassroots.dispute.read";
  api.Get(D, read, [&svc, page](Context& c) -> Result<Reply> {
    int p = 1, size = 50;
    JW_RETURN_IF_ERROR(page(c, &p, &size));
    JW_ASSIGN_OR_RETURN(json j, svc.Disputes(c.Param("station"), c.Param("status"), c.Param("kind"),
                                             c.Param("flag") == "repeat", p, size));
    return Reply::Json(j);
  });
  api.Get(D + R"(/(\d+))", dispute_read, [&svc](Context& c) -> Result<Reply> {
    c.audit_target = "dispute:" + c.PathArg(1);
    JW_ASSIGN_OR_RETURN(json j, svc.Dispute(c.IdArg()));
    return Reply::Json(j);
  });
  api.Post(D, write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.CreateDispute(actor(c), b));
    return Reply::Json(j, 201);
  });
  api.Post(D + R"(/(\d+)/mediations)", write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.Mediate(actor(c), c.IdArg(), b));
    return Reply::Json(j, 201);
  });
  api.Post(D + R"(/(\d+)/followups)", write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.ScheduleFollowup(actor(c), c.IdArg(), b));
    return Reply::Json(j, 201);
  });
  api.Post(D + R"(/followups/(\d+)/done)", write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.FollowupDone(actor(c), c.IdArg(), b));
    return Reply::Json(j);
  });
  api.Post(D + R"(/(\d+)/escalate)", write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.Escalate(actor(c), c.IdArg(), b));
    return Reply::Json(j);
  });
  api.Post(D + R"(/(\d+)/close)", write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.CloseDispute(actor(c), c.IdArg(), b));
    return Reply::Json(j);
  });
  api.Get("/api/v1/grassroots/stations", read, [&svc](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, svc.Stations());
    return Reply::Json(j);
  });

  // ---- partners and tips
  const std::string P = "/api/v1/grassroots/partners";
  api.Get(P, read, [&svc](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, svc.Partners());
    return Reply::Json(j);
  });
  api.Get(P + "/figures", read, [&svc](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, svc.PartnerFigures());
    return Reply::Json(j);
  });
  api.Get(P + R"(/(\d+))", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, svc.Partner(c.IdArg()));
    return Reply::Json(j);
  });
  api.Post(P, write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.CreatePartner(actor(c), b));
    return Reply::Json(j, 201);
  });
  api.Post(P + R"(/(\d+)/members)", write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.AddMember(actor(c), c.IdArg(), b));
    return Reply::Json(j, 201);
  });
  const std::string T = "/api/v1/grassroots/tips";
  api.Get(T, read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t partner, c.IntParam("partner", 0, 0, INT64_MAX));
    JW_ASSIGN_OR_RETURN(json j, svc.Tips(c.Param("status"), c.Param("district"), partner));
    return Reply::Json(j);
  });
  api.Get(T + R"(/(\d+)/photos/(\d+))", read, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(auto photo, svc.TipPhoto(c.IdArg(1), static_cast<int>(std::min<int64_t>(c.IdArg(2), 100))));
    Reply r;
    r.content_type = photo.second;
    r.raw = std::move(photo.first);
    return r;
  });
  // The reporter: the handling officer or an inspector, with a purpose, audited.
  http::RouteOptions reporter = {.permission = "", .personal_data = true, .audit_action = "grassroots.tip.reporter"};
  api.Get(T + R"(/(\d+)/reporter)", reporter, [&svc](Context& c) -> Result<Reply> {
    c.audit_target = "tip:" + c.PathArg(1);
    const auto& perms = c.user().permissions;
    bool inspector = perms.count(std::string(auth::perm::kAuditRead)) > 0;
    if (!inspector && !perms.count(std::string(auth::perm::kGrassrootsRead)))
      return PermissionDenied("permission_denied", "this needs grassroots.read or audit.read");
    JW_ASSIGN_OR_RETURN(json j, svc.TipReporter(c.user().AsActor(), c.IdArg(), inspector));
    return Reply::Json(j);
  });
  api.Post(T + R"(/(\d+)/triage)", write, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.Triage(actor(c), c.IdArg(), b));
    return Reply::Json(j);
  });
  if (citizens) {
    auto citizen = [citizens](Context& c) -> Result<services::Citizen> {
      std::string h = c.req.get_header_value("Authorization");
      std::string token = h.rfind("Bearer ", 0) == 0 ? h.substr(7) : "";
      return citizens->Authenticate(token);
    };
    api.Post("/api/v1/citizen/tips", {.auth = false}, [&svc, citizen](Context& c) -> Result<Reply> {
      JW_ASSIGN_OR_RETURN(services::Citizen ct, citizen(c));
      JW_ASSIGN_OR_RETURN(json b, c.Body());
      JW_ASSIGN_OR_RETURN(json j, svc.SubmitTip({ct.id, ct.phone, ct.name, ct.id_number}, b));
      j.erase("handler");
      return Reply::Json(j, 201);
    });
    api.Get("/api/v1/citizen/tips", {.auth = false}, [&svc, citizen](Context& c) -> Result<Reply> {
      JW_ASSIGN_OR_RETURN(services::Citizen ct, citizen(c));
      JW_ASSIGN_OR_RETURN(json j, svc.CitizenTips(ct.id));
      return Reply::Json(j);
    });
  }

  // ---- the officer's phone
  const std::string M = "/api/v1/mobile";
  api.Get(M + "/me", mobile, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, svc.MobileMe(actor(c)));
    return Reply::Json(j);
  });
  api.Get(M + "/assignments", mobile, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, svc.MobileAssignments(actor(c)));
    return Reply::Json(j);
  });
  api.Post(M + R"(/assignments/(\d+)/state)", mobile, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    std::string state = b.contains("state") && b["state"].is_string() ? b["state"].get<std::string>() : "";
    JW_ASSIGN_OR_RETURN(json j, svc.MobileAssignmentState(actor(c), c.IdArg(), state));
    return Reply::Json(j);
  });
  api.Post(M + R"(/assignments/(\d+)/feedback)", mobile, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    std::string text = b.contains("text") && b["text"].is_string() ? b["text"].get<std::string>() : "";
    if (text.empty()) return Validation("feedback_required", "the feedback text is required");
    JW_ASSIGN_OR_RETURN(json j, svc.MobileFeedback(actor(c), c.IdArg(), text));
    return Reply::Json(j);
  });
  // The task list names the people of verification tasks, as /registry/tasks does: a purpose, every read audited.
  http::RouteOptions mobile_tasks = mobile;
  mobile_tasks.personal_data = true;
  mobile_tasks.audit_action = "grassroots.mobile.tasks";
  api.Get(M + "/tasks", mobile_tasks, [&svc, actor](Context& c) -> Result<Reply> {
    c.audit_target = c.user().user.username;
    JW_ASSIGN_OR_RETURN(json j, svc.MobileTasks(actor(c)));
    return Reply::Json(j);
  });
  api.Get(M + "/notes", mobile, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json j, svc.MobileNotes(actor(c)));
    return Reply::Json(j);
  });
  api.Post(M + "/sync", mobile, [&svc, actor](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    JW_ASSIGN_OR_RETURN(json j, svc.Sync(actor(c), b));
    return Reply::Json(j);
  });
}

}  // namespace jingwu::grassroots

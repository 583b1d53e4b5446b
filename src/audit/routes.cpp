// HTTP face of the audit log: inspectors read, filter, verify and watch it.
// Every read of the log is itself written to the log.
#include "audit/checkpoint.h"
#include "auth/roles.h"
#include "http/api.h"
#include "http/sse.h"

namespace jingwu::audit {

using http::Context;
using http::json;
using http::Reply;

namespace {
void LogRead(Log& log, const Context& c, const std::string& action, const std::string& detail) {
  log.Record(c.user().AsActor(), action, "audit_log", "ok", detail);
}

Result<std::optional<Timestamp>> TimeParam(const Context& c, const std::string& name) {
  std::string v = c.Param(name);
  if (v.empty()) return std::optional<Timestamp>();
  auto t = ParseTime(v);
  if (!t.ok()) return Validation("invalid_time", name + ": " + t.status().message());
  return std::optional<Timestamp>(*t);
}
}  // namespace

void RegisterRoutes(http::Api& api, http::Broadcaster* stream, sql::Database* db, const Signer* signer,
                    std::string data_dir) {
  Log& log = api.audit();
  const http::RouteOptions inspector{.permission = auth::perm::kAuditRead};

  if (signer) {
    // Signed checkpoints: inspectors take copies away, so that a later
    // truncation with a rewritten head is still caught.
    const Clock* clock = &api.clock();
    api.Get("/api/v1/audit/public-key", inspector, [signer](Context&) -> Result<Reply> {
      return Reply::Json({{"algorithm", "Ed25519"}, {"public_key", signer->public_key()}});
    });
    api.Get("/api/v1/audit/checkpoints", inspector, [&log, db](Context& c) -> Result<Reply> {
      JW_ASSIGN_OR_RETURN(auto list, ListCheckpoints(db, 100));
      json items = json::array();
      for (const auto& cp : list) {
        json j = cp.ToJson();
        j["id"] = cp.id;
        items.push_back(j);
      }
      LogRead(log, c, "audit.checkpoints", std::to_string(list.size()));
      return Reply::Json({{"items", items}});
    });
    api.Post("/api/v1/audit/checkpoints", inspector, [&log, db, signer, clock, data_dir](Context& c) -> Result<Reply> {
      JW_ASSIGN_OR_RETURN(Checkpoint cp, WriteCheckpoint(db, *signer, clock, data_dir));
      log.Record(c.user().AsActor(), "audit.checkpoint", "audit_log", "ok", "last_id " + std::to_string(cp.last_id));
      json j = cp.ToJson();
      j["id"] = cp.id;
      return Reply::Json(j, 201);
    });
    api.Get(R"(/api/v1/audit/checkpoints/(\d+))", inspector, [&log, db](Context& c) -> Result<Reply> {
      JW_ASSIGN_OR_RETURN(Checkpoint cp, GetCheckpoint(db, c.IdArg(1)));
      LogRead(log, c, "audit.checkpoint_download", "last_id " + std::to_string(cp.last_id));
      c.res.set_header("Content-Disposition",
                       "attachment; filename=\"jingwu-audit-checkpoint-" + std::to_string(cp.last_id) + ".json\"");
      return Reply::Json(cp.ToJson());
    });
    api.Post("/api/v1/audit/verify-checkpoint", inspector, [&log, db, signer](Context& c) -> Result<Reply> {
      JW_ASSIGN_OR_RETURN(json body, c.Body());
      auto cp = Checkpoint::FromJson(body);
      Status checked = cp.ok() ? CheckSignature(*cp, signer->public_key()) : cp.status();
      if (!checked.ok()) {
        log.Record(c.user().AsActor(), "audit.verify", "audit_log", "denied", checked.code());
        return checked;
      }
      JW_ASSIGN_OR_RETURN(VerifyReport r, VerifyWithCheckpoint(log, db, *cp));
      LogRead(log, c, "audit.verify",
              (r.ok ? "ok" : "first bad entry " + std::to_string(r.first_bad_id)) + " with checkpoint " +
                  std::to_string(cp->last_id));
      json out = {{"ok", r.ok}, {"checked", r.checked}, {"checkpoint_last_id", cp->last_id}, {"checkpoint_at", cp->at}};
      if (!r.ok) {
        out["first_bad_id"] = r.first_bad_id;
        out["problem"] = r.problem;
      }
      return Reply::Json(out);
    });
  }

  api.Get("/api/v1/audit", inspector, [&log](Context& c) -> Result<Reply> {
    Filter f;
    f.actor = c.Param("actor");
    f.target = c.Param("target");
    f.action = c.Param("action");
    f.outcome = c.Param("outcome");
    JW_ASSIGN_OR_RETURN(f.from, TimeParam(c, "from"));
    JW_ASSIGN_OR_RETURN(f.to, TimeParam(c, "to"));
    JW_ASSIGN_OR_RETURN(int64_t page, c.IntParam("page", 1, 1, 1000000));
    JW_ASSIGN_OR_RETURN(int64_t size, c.IntParam("page_size", 50, 1, 500));
    f.page = static_cast<int>(page);
    f.page_size = static_cast<int>(size);
    JW_ASSIGN_OR_RETURN(Page p, log.Query(f));
    std::string detail = c.req.params.empty() ? "all" : "";
    for (const auto& [k, v] : c.req.params) detail += (detail.empty() ? "" : "&") + k + "=" + v;
    LogRead(log, c, "audit.read", detail);
    json items = json::array();
    for (const auto& e : p.items) items.push_back(http::AuditEntryJson(e));
    return Reply::Json({{"items", items}, {"total", p.total}});
  });

  api.Get("/api/v1/audit/verify", inspector, [&log](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(VerifyReport r, log.Verify());
    LogRead(log, c, "audit.verify", r.ok ? "ok" : "first bad entry " + std::to_string(r.first_bad_id));
    json out = {{"ok", r.ok}, {"checked", r.checked}};
    if (!r.ok) {
      out["first_bad_id"] = r.first_bad_id;
      out["problem"] = r.problem;
    }
    return Reply::Json(out);
  });

  api.Get("/api/v1/audit/stream", inspector, [&log, &api, stream](Context& c) -> Result<Reply> {
    LogRead(log, c, "audit.stream", "");
    auth::Service& auth = api.auth();
    std::string token_hash = c.user().token_hash;
    http::ServeEvents(
        c.req, c.res, stream,
        [&log](int64_t after, size_t limit) {
          std::vector<http::SseEvent> out;
          auto missed = log.Since(after, static_cast<int>(limit));
          if (!missed.ok()) return out;
          for (const auto& e : *missed) out.push_back({e.id, "audit", http::DumpJson(http::AuditEntryJson(e))});
          return out;
        },
        [&auth, token_hash] { return auth.SessionStillValid(token_hash, auth::perm::kAuditRead); });
    return Reply::Streaming();
  });
}

}  // namespace jingwu::audit

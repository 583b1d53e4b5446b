// HTTP face of watchlists and alerts (docs/api.md "Watchlists and alerts").
// Requests need person.read; decisions watchlist.approve (never on one's own
// entry). An officer sees their own entries and alerts; holders of
// watchlist.approve (commanders) see everyone's. Alerts stream live over
// GET /api/v1/alerts/stream, each to its officer (and to commanders).
#include <map>
#include <memory>

#include "auth/roles.h"
#include <set>

#include "core/utf8.h"
#include "http/api.h"
#include "http/server.h"
#include "http/sse.h"
#include "watch/service.h"

namespace jingwu::watch {

using http::Context;
using http::Reply;
using nlohmann::json;

// One broadcaster per officer, and one with every alert for commanders.
class AlertStreams {
 public:
  http::Broadcaster* For(const std::string& officer) {
    std::lock_guard lock(mu_);
    auto& b = by_officer_[officer];
    if (!b) {
      b = std::make_unique<http::Broadcaster>(200);
      if (closed_) b->Close();
    }
    return b.get();
  }
  http::Broadcaster* All() { return &all_; }
  void Publish(const std::string& officer, http::SseEvent e) {
    For(officer)->Publish(e);
    all_.Publish(std::move(e));
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [k, b] : by_officer_) b->Close();
    all_.Close();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<http::Broadcaster>> by_officer_;  // guarded by mu_
  bool closed_ = false;                                                   // guarded by mu_
  http::Broadcaster all_{1000};
};

void CloseStreams(AlertStreams* s) {
  if (s) s->Close();
}

namespace {

json OptTime(const std::optional<Timestamp>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }

json EntryJson(const Entry& e, Timestamp now) {
  return {{"id", e.id},
          {"entity", e.entity},
          {"reason", e.reason},
          {"legal_basis", e.legal_basis},
          {"requested_by", e.requested_by},
          {"requested_at", FormatTime(e.requested_at)},
          {"expires_at", FormatTime(e.expires_at)},
          {"status", e.EffectiveStatus(now)},
          {"stored_status", e.status},
          {"decided_by", e.decided_by.empty() ? json(nullptr) : json(e.decided_by)},
          {"decided_at", OptTime(e.decided_at)},
          {"decision_note", e.decision_note},
          {"revoked_by", e.revoked_by.empty() ? json(nullptr) : json(e.revoked_by)},
          {"revoked_at", OptTime(e.revoked_at)},
          {"alerts", e.alerts}};
}

json AlertJson(const Alert& a) {
  json rec = json::parse(a.record, nullptr, false);
  if (rec.is_discarded()) rec = json::object();
  return {{"id", a.id},
          {"entry_id", a.entry_id},
          {"entity", a.entity},
          {"via", a.via.empty() ? json(nullptr) : json(a.via)},
          {"officer", a.officer},
          {"raised_at", FormatTime(a.raised_at)},
          {"event_time", FormatTime(a.event_at)},
          {"place", a.place_code},
          {"place_name", a.place_name},
          {"district_code", a.district_code},
          {"lat", a.lat},
          {"lon", a.lon},
          {"source", a.source},
          {"record", rec},
          {"acknowledged_by", a.acknowledged_by.empty() ? json(nullptr) : json(a.acknowledged_by)},
          {"acknowledged_at", OptTime(a.acknowledged_at)}};
}

std::string AlertWire(const Alert& a) { return http::DumpJson(AlertJson(a)); }

int64_t IdArg(const Context& c) {
  try {
    return std::stoll(c.PathArg(1));
  } catch (...) {
    return 0;
  }
}

std::string Str(const json& b, const char* k) {
  return b.contains(k) && b[k].is_string() ? b[k].get<std::string>() : std::string();
}

bool SeesAll(const Context& c) { return c.user().Can(auth::perm::kWatchlistApprove); }

// The purpose of reading these alerts: the approved watchlist entries behind
// them, with their reasons ("watchlist entry 3 (approved by li.si): reason").
std::string AlertsPurpose(Service& s, const std::vector<Alert>& list) {
  std::set<int64_t> ids;
  for (const auto& a : list) ids.insert(a.entry_id);
  if (ids.empty()) return "watchlist alerts (none listed)";
  std::string out;
  for (int64_t id : ids) {
    auto e = s.Get(id);
    if (!e.ok()) continue;
    out += (out.empty() ? "" : "; ") + std::string("watchlist entry ") + std::to_string(id) + " (approved by " +
           e->decided_by + "): " + e->reason;
    if (out.size() > 900) {
      out = TruncateUtf8(out, 900) + "; ...";
      break;
    }
  }
  return out;
}

}  // namespace

std::shared_ptr<AlertStreams> RegisterRoutes(http::Api& api, Service* svc) {
  auto streams = std::make_shared<AlertStreams>();
  svc->AddAlertListener([s = streams.get()](const Alert& a) { s->Publish(a.officer, {a.id, "alert", AlertWire(a)}); });
  Service& s = *svc;
  const http::RouteOptions officer{.permission = auth::perm::kPersonRead};
  const http::RouteOptions approver{.permission = auth::perm::kWatchlistApprove};

  api.Post("/api/v1/watchlist", officer, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    RequestInput in{Str(b, "entity"), Str(b, "reason"), Str(b, "legal_basis"), {}};
    std::string exp = Str(b, "expires_at");
    if (exp.empty()) return Validation(code::kInvalidExpiry, "expires_at (ISO 8601) is required");
    // A date alone means the end of that day (Asia/Shanghai), not its midnight.
    bool date_only = exp.size() == 10 && exp.find('T') == std::string::npos;
    auto t = ParseTime(date_only ? exp + "T23:59:59" : exp);
    if (!t.ok()) return Validation(code::kInvalidExpiry, "expires_at must be an ISO 8601 time or date");
    in.expires_at = *t;
    JW_ASSIGN_OR_RETURN(Entry e, s.Request(c.user().AsActor(), in));
    return Reply::Json(EntryJson(e, s.clock().Now()), 201);
  });

  api.Get("/api/v1/watchlist", officer, [&s](Context& c) -> Result<Reply> {
    std::string status = c.Param("status");
    if (!status.empty() && status != kPending && status != kActive && status != kRejected && status != kRevoked &&
        status != kExpired)
      return Validation("invalid_value", "status must be pending, active, expired, rejected or revoked");
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 500, 1, 10000));
    std::string who = SeesAll(c) && c.Param("mine") != "1" ? "" : c.user().user.username;
    JW_ASSIGN_OR_RETURN(std::vector<Entry> list, s.List(status, who, static_cast<int>(limit)));
    Timestamp now = s.clock().Now();
    json items = json::array();
    for (const auto& e : list) items.push_back(EntryJson(e, now));
    return Reply::Json({{"items", items}, {"active_entries", s.ActiveEntries()}});
  });

  api.Get(R"(/api/v1/watchlist/(\d+))", officer, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Entry e, s.Get(IdArg(c)));
    if (!SeesAll(c) && e.requested_by != c.user().user.username)
      return NotFound("watch_entry_not_found", "no watchlist entry " + std::to_string(e.id));
    return Reply::Json(EntryJson(e, s.clock().Now()));
  });

  auto decision = [&s](bool approve) {
    return [&s, approve](Context& c) -> Result<Reply> {
      json b = json::object();
      if (!c.req.body.empty()) {
        JW_ASSIGN_OR_RETURN(b, c.Body());
      }
      auto r = approve ? s.Approve(c.user().AsActor(), IdArg(c), Str(b, "note"))
                       : s.Reject(c.user().AsActor(), IdArg(c), Str(b, "note"));
      if (!r.ok()) return r.status();
      return Reply::Json(EntryJson(*r, s.clock().Now()));
    };
  };
  api.Post(R"(/api/v1/watchlist/(\d+)/approve)", approver, decision(true));
  api.Post(R"(/api/v1/watchlist/(\d+)/reject)", approver, decision(false));

  api.Post(R"(/api/v1/watchlist/(\d+)/revoke)", officer, [&s](Context& c) -> Result<Reply> {
    json b = json::object();
    if (!c.req.body.empty()) {
        JW_ASSIGN_OR_RETURN(b, c.Body());
      }
    JW_ASSIGN_OR_RETURN(Entry e, s.Revoke(c.user().AsActor(), IdArg(c), Str(b, "note"), SeesAll(c)));
    return Reply::Json(EntryJson(e, s.clock().Now()));
  });

  api.Get("/api/v1/alerts", officer, [&s, &api](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 100, 1, 1000));
    JW_ASSIGN_OR_RETURN(int64_t entry, c.IntParam("entry", 0, 0, INT64_MAX));
    bool unack = c.Param("unacknowledged") == "1" || c.Param("unacknowledged") == "true";
    std::string who = SeesAll(c) && c.Param("mine") != "1" ? "" : c.user().user.username;
    JW_ASSIGN_OR_RETURN(std::vector<Alert> list, s.Alerts(who, 0, static_cast<int>(limit), unack, false, entry));
    JW_ASSIGN_OR_RETURN(int64_t open, s.CountAlerts(who, true));
    // Alerts are read without a typed purpose: the purpose is the approved
    // reason of the watchlist entries they come from, recorded with the read.
    audit::Entry e;
    e.actor = c.user().user.username;
    e.role = auth::JoinRoles(c.user().user.roles);
    e.client = c.client;
    e.action = "watch.alerts.read";
    e.target = who.empty() ? "all" : who;
    e.outcome = "ok";
    e.detail = std::to_string(list.size()) + " alerts";
    e.purpose = AlertsPurpose(s, list);
    JW_RETURN_IF_ERROR(api.audit().Append(std::move(e)).status());
    json items = json::array();
    for (const auto& a : list) items.push_back(AlertJson(a));
    return Reply::Json({{"items", items}, {"unacknowledged", open}});
  });

  api.Post(R"(/api/v1/alerts/(\d+)/acknowledge)", officer, [&s](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Alert a, s.Acknowledge(c.user().AsActor(), IdArg(c), SeesAll(c)));
    return Reply::Json(AlertJson(a));
  });

  api.Get("/api/v1/alerts/stream", officer, [&s, &api, streams](Context& c) -> Result<Reply> {
    bool all = SeesAll(c);
    std::string who = c.user().user.username;
    http::Broadcaster* b = all ? streams->All() : streams->For(who);
    api.audit().Record(c.user().AsActor(), "watch.alerts.stream", all ? "all" : who, "ok");
    auth::Service& auth = api.auth();
    std::string token_hash = c.user().token_hash;
    http::ServeEvents(
        c.req, c.res, b,
        [&s, all, who](int64_t after, size_t limit) {
          std::vector<http::SseEvent> out;
          auto missed = s.Alerts(all ? "" : who, after, static_cast<int>(limit), false, true);
          if (!missed.ok()) return out;
          for (const auto& a : *missed) out.push_back({a.id, "alert", AlertWire(a)});
          return out;
        },
        [&auth, token_hash] { return auth.SessionStillValid(token_hash, auth::perm::kPersonRead); });
    return Reply::Streaming();
  });
  return streams;
}

}  // namespace jingwu::watch

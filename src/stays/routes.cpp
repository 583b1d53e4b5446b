// HTTP face of visa-free foreigner stays (docs/stays.md, docs/api.md
// "Foreigner stays"): the board, visitors and their stay timelines, alerts
// (listed, acknowledged, streamed live), the reminder outbox, the policy in
// force, and guest registration by an officer or, in the citizen portal, by
// the landlord or host. Visitors' data is personal: person.read, a stated
// purpose, audited.
#include <memory>

#include "auth/roles.h"
#include "core/utf8.h"
#include "http/api.h"
#include "http/server.h"
#include "http/sse.h"
#include "identity/identity.h"
#include "services/service.h"
#include "stays/service.h"

namespace jingwu::stays {

using http::Context;
using http::json;
using http::Reply;

namespace {

std::string Iso(int64_t t) { return FormatTime(Timestamp::FromSeconds(t)); }

json OptIso(const std::optional<int64_t>& t) { return t ? json(Iso(*t)) : json(nullptr); }

json PlaceJson(const events::Store* store, const registry::AddressIndex* ix, const std::string& code) {
  if (store)
    if (const events::Place* p = store->FindPlace(code))
      return {{"code", code}, {"name", p->name}, {"lat", p->lat}, {"lon", p->lon}};
  if (ix)
    if (ix->Find(code)) {
      json j = {{"code", code}, {"name", ix->FullName(code)}};
      for (const registry::Node* up : ix->Path(code))
        if (up->lat != 0) {
          j["lat"] = up->lat;
          j["lon"] = up->lon;
        }
      return j;
    }
  return {{"code", code}, {"name", code}};
}

json AlertJson(const StayAlert& a) {
  json j = {{"kind", a.kind}, {"raised_at", Iso(a.raised)}, {"resolved_at", OptIso(a.resolved)},
            {"resolution", a.resolution}};
  if (a.kind == kNoRegistration) {
    j["since"] = Iso(a.since);
    if (a.hours_late) j["hours_late"] = a.hours_late;
  }
  if (a.kind == kOverstay) {
    j["days_over"] = a.days_over;
    j["fine_cny"] = a.fine;
  }
  if (a.kind == kMainland) {
    j["place"] = a.place;
    j["trip"] = a.trip;
  }
  return j;
}

json StayJson(const Stay& s, const events::Store* store, const registry::AddressIndex* ix, int64_t now) {
  json trips = json::array(), lodgings = json::array(), alerts = json::array();
  for (const Trip& t : s.trips)
    trips.push_back({{"at", Iso(t.at)}, {"direction", t.in ? "IN" : "OUT"}, {"place", PlaceJson(store, ix, t.place)},
                     {"trip", t.trip}, {"record", json::parse(t.evidence, nullptr, false)}});
  for (const Lodging& l : s.lodgings)
    lodgings.push_back({{"kind", l.kind}, {"from", Iso(l.from)}, {"to", OptIso(l.to)},
                        {"registered_at", Iso(l.registered)}, {"place", PlaceJson(store, ix, l.place)},
                        {"guest_registration", l.id ? json(l.id) : json(nullptr)},
                        {"record", json::parse(l.evidence, nullptr, false)}});
  for (const StayAlert& a : s.alerts) alerts.push_back(AlertJson(a));
  int64_t end = s.exit ? *s.exit : now;
  return {{"entry_at", Iso(s.entry)},
          {"entry_place", PlaceJson(store, ix, s.entry_place)},
          {"entry_trip", s.entry_trip},
          {"allowed_days", s.allowed_days},
          {"deadline", Iso(s.deadline)},
          {"last_day", Iso(s.deadline - 86400).substr(0, 10)},
          {"remind_at", Iso(s.remind_at)},
          {"exit_at", OptIso(s.exit)},
          {"exit_place", s.exit_place.empty() ? json(nullptr) : PlaceJson(store, ix, s.exit_place)},
          {"exit_trip", s.exit_trip},
          {"status", s.status},
          {"day", (LocalMidnight(end) - LocalMidnight(s.entry)) / 86400 + 1},
          {"days_left", s.status == "in_hainan" ? json((s.deadline - LocalMidnight(now)) / 86400) : json(nullptr)},
          {"trips", trips},
          {"lodgings", lodgings},
          {"alerts", alerts}};
}

json VisitorSummary(const Visitor& v, int64_t now) {
  const Stay& s = v.stays.back();
  int open = 0;
  std::set<std::string> kinds;
  for (const auto& st : v.stays)
    for (const auto& a : st.alerts)
      if (!a.resolved) {
        ++open;
        kinds.insert(a.kind);
      }
  return {{"passport", v.passport},
          {"name", v.name},
          {"nationality", s.nationality},
          {"entry_at", Iso(s.entry)},
          {"deadline", Iso(s.deadline)},
          {"last_day", Iso(s.deadline - 86400).substr(0, 10)},
          {"exit_at", OptIso(s.exit)},
          {"status", s.status},
          {"days_left", s.status == "in_hainan" ? json((s.deadline - LocalMidnight(now)) / 86400) : json(nullptr)},
          {"lodging", s.lodgings.empty() ? json(nullptr) : json(s.lodgings.back().kind)},
          {"open_alerts", open},
          {"alert_kinds", kinds},
          {"stays", v.stays.size()}};
}

json StoredJson(const StoredAlert& a) {
  return {{"id", a.id},
          {"seq", a.seq},
          {"passport", a.passport},
          {"name", a.name},
          {"nationality", a.nationality},
          {"kind", a.kind},
          {"entry_at", a.entry_at},
          {"deadline", a.deadline},
          {"raised_at", a.raised_at},
          {"resolved_at", a.resolved_at ? json(*a.resolved_at) : json(nullptr)},
          {"resolution", a.resolution},
          {"detail", json::parse(a.detail, nullptr, false)},
          {"acknowledged_by", a.acknowledged_by.empty() ? json(nullptr) : json(a.acknowledged_by)},
          {"acknowledged_at", a.acknowledged_at ? json(*a.acknowledged_at) : json(nullptr)}};
}

json MessageJson(const Message& m) {
  return {{"id", m.id},           {"alert_id", m.alert_id},     {"passport", m.passport},
          {"name", m.name},       {"phone", m.phone},           {"language", m.language},
          {"text", m.text},       {"created_at", m.created_at}, {"state", m.state},
          {"attempts", m.attempts}, {"last_error", m.last_error},
          {"delivered_at", m.delivered_at ? json(*m.delivered_at) : json(nullptr)}};
}

json GuestJson(const registry::Guest& g, const registry::AddressIndex* ix) {
  return {{"id", g.id},
          {"passport", g.passport},
          {"name", g.name},
          {"nationality", g.nationality},
          {"phone", g.phone},
          {"address_code", g.address_code},
          {"full_address", ix ? ix->FullName(g.address_code) : std::string()},
          {"host_name", g.host_name},
          {"arrived_at", g.arrived_at},
          {"departs_at", g.departs_at ? json(*g.departs_at) : json(nullptr)},
          {"registered_at", g.registered_at},
          {"source", g.source}};
}

Result<std::string> Str(const json& body, const char* field, bool required, size_t max_chars = 200) {
  if (!body.contains(field) || body[field].is_null() || (body[field].is_string() && body[field].get<std::string>().empty())) {
    if (required) return Validation("validation_failed", std::string("the field '") + field + "' is required");
    return std::string();
  }
  if (!body[field].is_string()) return Validation("validation_failed", std::string("'") + field + "' must be a string");
  std::string v = body[field].get<std::string>();
  if (Utf8Chars(v) > max_chars) return Validation("validation_failed", std::string("'") + field + "' is too long");
  return v;
}

// The guest fields of a registration body; the address by code or by text
// (matched to a room).
Result<registry::Guest> GuestFrom(const json& b, const registry::AddressIndex* ix) {
  registry::Guest g;
  JW_ASSIGN_OR_RETURN(std::string nat, Str(b, "nationality", true, 3));
  JW_ASSIGN_OR_RETURN(std::string number, Str(b, "passport_number", true, 20));
  g.passport = "PASSPORT:" + nat + "/" + number;
  g.nationality = nat;
  JW_ASSIGN_OR_RETURN(g.name, Str(b, "name", true, 100));
  JW_ASSIGN_OR_RETURN(g.phone, Str(b, "phone", false, 20));
  JW_ASSIGN_OR_RETURN(g.arrived_at, Str(b, "arrived_at", true, 40));
  JW_ASSIGN_OR_RETURN(std::string departs, Str(b, "departs_at", false, 40));
  if (!departs.empty()) g.departs_at = departs;
  JW_ASSIGN_OR_RETURN(g.address_code, Str(b, "address_code", false, 40));
  if (g.address_code.empty()) {
    JW_ASSIGN_OR_RETURN(std::string text, Str(b, "address_text", false, 200));
    if (text.empty()) return Validation("validation_failed", "give the room: address_code or address_text");
    if (!ix) return Unavailable("registry_unavailable", "the address registry is not loaded");
    registry::MatchResult m = ix->Match(text);
    if (!m.matched || m.level != registry::Level::kRoom)
      return Validation("address_not_matched",
                        "the address does not name one room of the standard address registry; pick it from the list");
    g.address_code = m.code;
  }
  return g;
}

}  // namespace

void RegisterRoutes(http::Api& api, Service& svc, events::Store* store, registry::Service* registry,
                    services::Service* citizens, http::Broadcaster* stream) {
  const http::RouteOptions officer = {.permission = auth::perm::kPersonRead};
  auto personal = [](const char* action) {
    return http::RouteOptions{.permission = auth::perm::kPersonRead, .personal_data = true, .audit_action = action};
  };
  auto index = [registry]() { return registry ? registry->index() : nullptr; };

  // The policy holds no personal data: public (the citizen portal reads it).
  api.Get("/api/v1/registry/stays/policy", {.auth = false}, [&svc](Context&) -> Result<Reply> {
    const Policy& p = svc.policy();
    json countries = json::array();
    for (const auto& [code, days] : p.countries) countries.push_back({{"code", code}, {"days", days}});
    json ports = json::object();
    for (const auto& [code, kind] : p.ports)
      ports[code] = kind == PortKind::kAirport ? "airport" : kind == PortKind::kMainland ? "mainland" : "island";
    return Reply::Json({{"name", p.name},
                        {"countries", countries},
                        {"registration_hours", p.registration_hours},
                        {"reminder_days", p.reminder_days},
                        {"fine_per_day", p.fine_per_day},
                        {"fine_cap", p.fine_cap},
                        {"ports", ports},
                        {"international_trip", p.international_trip},
                        {"languages", p.languages},
                        {"default_language", p.default_language},
                        {"texts", p.texts}});
  });

  api.Get("/api/v1/registry/stays/board", officer, [&svc](Context&) -> Result<Reply> {
    Board b = svc.GetBoard();
    return Reply::Json({{"ready", b.ready},
                        {"as_of", b.as_of},
                        {"in_hainan", b.in_hainan},
                        {"arrived_today", b.arrived_today},
                        {"left_today", b.left_today},
                        {"limit_within_days", b.limit_within_days},
                        {"open_alerts", b.open_alerts},
                        {"by_nationality", b.by_nationality},
                        {"messages", b.messages},
                        {"visitors", b.passports}});
  });

  api.Get("/api/v1/registry/stays", personal("stays.visitors.read"), [&svc](Context& c) -> Result<Reply> {
    std::string status = c.Param("status");
    if (!status.empty() && status != "in_hainan" && status != "alerts" && status != "limit_soon" && status != "all")
      return Validation("invalid_value", "status is in_hainan, alerts, limit_soon or all");
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 50, 1, 500));
    JW_ASSIGN_OR_RETURN(int64_t offset, c.IntParam("offset", 0, 0, 10'000'000));
    std::string q = c.Param("q");
    if (!q.empty()) {
      JW_RETURN_IF_ERROR(CheckText(q, "q", kShortText));
    }
    auto [list, total] = svc.Visitors(status, q, static_cast<size_t>(offset), static_cast<size_t>(limit));
    json items = json::array();
    int64_t now = svc.Now();
    for (const auto& v : list) items.push_back(VisitorSummary(v, now));
    c.audit_target = status.empty() ? "all" : status;
    c.audit_detail = "visitors=" + std::to_string(list.size());
    return Reply::Json({{"items", items}, {"total", total}});
  });

  api.Get(R"(/api/v1/registry/stays/visitor/(.+))", personal("stays.visitor.read"),
          [&svc, store, index](Context& c) -> Result<Reply> {
            std::string passport = c.PathArg(1);
            if (!passport.starts_with("PASSPORT:")) passport = "PASSPORT:" + passport;
            JW_ASSIGN_OR_RETURN(Visitor v, svc.VisitorOf(passport));
            c.audit_target = v.passport;
            auto ix = index();
            json stays = json::array();
            int64_t now = svc.Now();
            for (auto it = v.stays.rbegin(); it != v.stays.rend(); ++it) stays.push_back(StayJson(*it, store, ix.get(), now));
            // The stored alerts' ids (to acknowledge from the timeline).
            AlertFilter f;
            f.passport = v.passport;
            f.limit = 1000;
            JW_ASSIGN_OR_RETURN(auto stored, svc.Alerts(f));
            for (auto& st : stays)
              for (auto& a : st["alerts"]) {
                a["id"] = nullptr;
                a["acknowledged_by"] = nullptr;
                for (const auto& x : stored)
                  if (x.kind == a["kind"] && x.raised_at == a["raised_at"] && x.entry_at == st["entry_at"]) {
                    a["id"] = x.id;
                    a["acknowledged_by"] = x.acknowledged_by.empty() ? json(nullptr) : json(x.acknowledged_by);
                  }
              }
            return Reply::Json({{"passport", v.passport}, {"name", v.name}, {"phone", v.phone}, {"stays", stays}});
          });

  api.Get("/api/v1/registry/stays/alerts", personal("stays.alerts.read"), [&svc](Context& c) -> Result<Reply> {
    AlertFilter f;
    f.open_only = c.Param("open") == "1" || c.Param("open") == "true";
    f.kind = c.Param("kind");
    if (!f.kind.empty() && f.kind != kNoRegistration && f.kind != kLimitApproaching && f.kind != kOverstay &&
        f.kind != kMainland)
      return Validation("invalid_value", "kind is no_registration, limit_approaching, overstay or mainland_departure");
    std::string passport = c.Param("passport");
    if (!passport.empty()) {
      JW_ASSIGN_OR_RETURN(identity::EntityRef ref, identity::ParseEntityRef(passport.starts_with("PASSPORT:") ? passport : "PASSPORT:" + passport));
      f.passport = ref.ToString();
    }
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 100, 1, 1000));
    JW_ASSIGN_OR_RETURN(int64_t offset, c.IntParam("offset", 0, 0, 10'000'000));
    f.limit = static_cast<size_t>(limit);
    f.offset = static_cast<size_t>(offset);
    int64_t total = 0;
    JW_ASSIGN_OR_RETURN(auto list, svc.Alerts(f, &total));
    json items = json::array();
    for (const auto& a : list) items.push_back(StoredJson(a));
    c.audit_target = f.passport.empty() ? "all" : f.passport;
    c.audit_detail = "alerts=" + std::to_string(list.size());
    return Reply::Json({{"items", items}, {"total", total}});
  });

  api.Post(R"(/api/v1/registry/stays/alerts/(\d+)/acknowledge)", officer, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(StoredAlert a, svc.Acknowledge(c.user().AsActor(), c.IdArg()));
    return Reply::Json(StoredJson(a));
  });

  svc.AddListener([stream](const StoredAlert& a) { stream->Publish({a.seq, "stay_alert", StoredJson(a).dump()}); });
  api.Get("/api/v1/registry/stays/alerts/stream", officer, [&svc, &api, stream](Context& c) -> Result<Reply> {
    api.audit().Record(c.user().AsActor(), "stays.alerts.stream", "all", "ok");
    auth::Service& auth = api.auth();
    std::string token_hash = c.user().token_hash;
    http::ServeEvents(
        c.req, c.res, stream,
        [&svc](int64_t after, size_t limit) {
          std::vector<http::SseEvent> out;
          AlertFilter f;
          f.after_seq = after;
          f.limit = limit;
          auto missed = svc.Alerts(f);
          if (!missed.ok()) return out;
          for (const auto& a : *missed) out.push_back({a.seq, "stay_alert", StoredJson(a).dump()});
          return out;
        },
        [&auth, token_hash] { return auth.SessionStillValid(token_hash, auth::perm::kPersonRead); });
    return Reply::Streaming();
  });

  api.Get("/api/v1/registry/stays/outbox", personal("stays.outbox.read"), [&svc](Context& c) -> Result<Reply> {
    std::string state = c.Param("state");
    if (!state.empty() && state != "pending" && state != "delivered" && state != "failed" && state != "no_channel")
      return Validation("invalid_value", "state is pending, delivered, failed or no_channel");
    JW_ASSIGN_OR_RETURN(int64_t limit, c.IntParam("limit", 100, 1, 1000));
    JW_ASSIGN_OR_RETURN(int64_t offset, c.IntParam("offset", 0, 0, 10'000'000));
    std::string passport = c.Param("passport");
    if (!passport.empty()) {
      JW_ASSIGN_OR_RETURN(identity::EntityRef ref, identity::ParseEntityRef(passport.starts_with("PASSPORT:") ? passport : "PASSPORT:" + passport));
      passport = ref.ToString();
    }
    int64_t total = 0;
    JW_ASSIGN_OR_RETURN(auto list, svc.Outbox(state, passport, static_cast<size_t>(offset), static_cast<size_t>(limit), &total));
    json items = json::array();
    for (const auto& m : list) items.push_back(MessageJson(m));
    c.audit_target = passport.empty() ? "outbox" : passport;
    return Reply::Json({{"items", items}, {"total", total}});
  });

  api.Post(R"(/api/v1/registry/stays/outbox/(\d+)/retry)", officer, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(Message m, svc.Retry(c.user().AsActor(), c.IdArg()));
    return Reply::Json(MessageJson(m));
  });

  // An officer registers a guest (a host who came to the station).
  api.Post("/api/v1/registry/stays/guests", {.permission = auth::perm::kRegistryWrite},
           [&svc, index](Context& c) -> Result<Reply> {
             JW_ASSIGN_OR_RETURN(json b, c.Body());
             auto ix = index();
             JW_ASSIGN_OR_RETURN(registry::Guest g, GuestFrom(b, ix.get()));
             JW_ASSIGN_OR_RETURN(g.host_id_number, Str(b, "host_id_number", true, 20));
             JW_ASSIGN_OR_RETURN(g.host_name, Str(b, "host_name", true, 60));
             JW_ASSIGN_OR_RETURN(g.host_phone, Str(b, "host_phone", false, 20));
             g.source = "officer";
             g.created_by = c.user().user.username;
             JW_ASSIGN_OR_RETURN(registry::Guest made, svc.RegisterGuest(c.user().AsActor(), g));
             return Reply::Json(GuestJson(made, ix.get()), 201);
           });

  if (!citizens) return;
  // ---- the citizen portal: a landlord or host registers a foreign guest.
  auto citizen = [citizens](Context& c) -> Result<services::Citizen> {
    std::string h = c.req.get_header_value("Authorization");
    return citizens->Authenticate(h.rfind("Bearer ", 0) == 0 ? h.substr(7) : "");
  };
  api.Get("/api/v1/citizen/guests", {.auth = false}, [citizen, registry, index](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(services::Citizen ct, citizen(c));
    if (!registry) return Unavailable("registry_unavailable", "the registry is not loaded");
    JW_ASSIGN_OR_RETURN(auto list, registry->Guests("", ct.id_number, 200));
    auto ix = index();
    json items = json::array();
    for (const auto& g : list) items.push_back(GuestJson(g, ix.get()));
    // The host's own rooms, from the actual-population registry, to pick from.
    json rooms = json::array();
    auto homes = registry->ResidencesOf("ID:" + ct.id_number);
    if (homes.ok())
      for (const auto& r : *homes)
        if (!r.moved_out_at) rooms.push_back({{"code", r.address_code}, {"full_address", ix ? ix->FullName(r.address_code) : ""}});
    return Reply::Json({{"items", items}, {"total", items.size()}, {"rooms", rooms}});
  });
  api.Post("/api/v1/citizen/guests", {.auth = false}, [&svc, citizen, index](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(services::Citizen ct, citizen(c));
    JW_ASSIGN_OR_RETURN(json b, c.Body());
    auto ix = index();
    JW_ASSIGN_OR_RETURN(registry::Guest g, GuestFrom(b, ix.get()));
    g.host_id_number = ct.id_number;
    g.host_name = ct.name;
    g.host_phone = ct.phone;
    g.source = "portal";
    g.created_by = "citizen:" + ct.phone;
    JW_ASSIGN_OR_RETURN(registry::Guest made, svc.RegisterGuest({"citizen:" + ct.phone, "citizen", c.client}, g));
    return Reply::Json(GuestJson(made, ix.get()), 201);
  });
}

}  // namespace jingwu::stays

// The grassroots tables, dispute resolution and the station figures
// (docs/grassroots.md §2). Supervision is in supervision.cpp, partners and
// tips in tips.cpp, the officer's phone in mobile.cpp.
#include "grassroots/service.h"

#include <cmath>
#include <map>
#include <set>

#include "cases/service.h"
#include "dispatch/service.h"
#include "force/service.h"
#include "grassroots/util.h"
#include "identity/identity.h"
#include "registry/service.h"

namespace jingwu::grassroots {

using namespace util;

std::vector<sql::Migration> Migrations() {
  return {{"grassroots", 1, "supervision sites, licences, stock, inspections, hazards; disputes; partners and tips; field notes",
           "CREATE TABLE gr_sites (code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, "
           "district_code TEXT NOT NULL, address TEXT NOT NULL, address_code TEXT NOT NULL, lat DOUBLE PRECISION NOT NULL, "
           "lon DOUBLE PRECISION NOT NULL, opened_on TEXT NOT NULL, opened_day BIGINT NOT NULL, credit_code TEXT NOT NULL, "
           "place_code TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
           "CREATE TABLE gr_licences (licence_no TEXT PRIMARY KEY, site_code TEXT NOT NULL, item TEXT NOT NULL, "
           "qty_limit BIGINT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, valid_from_day BIGINT NOT NULL, "
           "valid_to_day BIGINT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
           "CREATE INDEX gr_licences_site ON gr_licences (site_code);"
           "CREATE TABLE gr_movements (id {{id}}, site_code TEXT NOT NULL, licence_no TEXT NOT NULL, delta BIGINT NOT NULL, "
           "at TEXT NOT NULL, at_us BIGINT NOT NULL, note TEXT NOT NULL, recorded_by TEXT NOT NULL);"
           "CREATE INDEX gr_movements_licence ON gr_movements (licence_no);"
           "CREATE INDEX gr_movements_site ON gr_movements (site_code, at_us);"
           "CREATE TABLE gr_inspections (id {{id}}, site_code TEXT NOT NULL, at TEXT NOT NULL, at_us BIGINT NOT NULL, "
           "inspector TEXT NOT NULL, checklist TEXT NOT NULL, counts TEXT NOT NULL, note TEXT NOT NULL);"
           "CREATE INDEX gr_inspections_site ON gr_inspections (site_code, at_us);"
           "CREATE TABLE gr_hazards (id {{id}}, site_code TEXT NOT NULL, inspection_id BIGINT NOT NULL, item TEXT NOT NULL, "
           "level TEXT NOT NULL, note TEXT NOT NULL, found_at TEXT NOT NULL, found_day BIGINT NOT NULL, "
           "deadline TEXT NOT NULL, deadline_day BIGINT NOT NULL, status TEXT NOT NULL, rectified_at TEXT, "
           "rectified_day BIGINT);"
           "CREATE INDEX gr_hazards_site ON gr_hazards (site_code, status);"
           "CREATE TABLE gr_reinspections (id {{id}}, hazard_id BIGINT NOT NULL, at TEXT NOT NULL, at_us BIGINT NOT NULL, "
           "ok BIGINT NOT NULL, note TEXT NOT NULL, inspector TEXT NOT NULL);"
           "CREATE TABLE gr_disputes (id {{id}}, station_code TEXT NOT NULL, station_name TEXT NOT NULL, "
           "source TEXT NOT NULL, incident_id BIGINT, tip_id BIGINT, kind TEXT NOT NULL, risk TEXT NOT NULL, "
           "address TEXT NOT NULL, address_code TEXT NOT NULL, summary TEXT NOT NULL, reported_at TEXT NOT NULL, "
           "reported_us BIGINT NOT NULL, status TEXT NOT NULL, repeat_of BIGINT, repeat_reason TEXT NOT NULL, "
           "case_no TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL, closed_at TEXT);"
           "CREATE INDEX gr_disputes_station ON gr_disputes (station_code, status);"
           "CREATE INDEX gr_disputes_time ON gr_disputes (reported_us);"
           "CREATE TABLE gr_parties (id {{id}}, dispute_id BIGINT NOT NULL, name TEXT NOT NULL, id_number TEXT NOT NULL, "
           "phone TEXT NOT NULL, role TEXT NOT NULL);"
           "CREATE INDEX gr_parties_dispute ON gr_parties (dispute_id);"
           "CREATE INDEX gr_parties_person ON gr_parties (id_number);"
           "CREATE TABLE gr_mediations (id {{id}}, dispute_id BIGINT NOT NULL, at TEXT NOT NULL, at_us BIGINT NOT NULL, "
           "mediator TEXT NOT NULL, outcome TEXT NOT NULL, agreement TEXT NOT NULL, note TEXT NOT NULL, "
           "recorded_by TEXT NOT NULL);"
           "CREATE INDEX gr_mediations_dispute ON gr_mediations (dispute_id);"
           "CREATE TABLE gr_followups (id {{id}}, dispute_id BIGINT NOT NULL, due_on TEXT NOT NULL, due_day BIGINT NOT NULL, "
           "assignee TEXT NOT NULL, done_at TEXT, result TEXT NOT NULL, note TEXT NOT NULL, done_by TEXT NOT NULL);"
           "CREATE INDEX gr_followups_dispute ON gr_followups (dispute_id);"
           "CREATE TABLE gr_partners (id {{id}}, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, district_code TEXT NOT NULL, "
           "area TEXT NOT NULL, credit_code TEXT NOT NULL, contact TEXT NOT NULL, created_at TEXT NOT NULL);"
           "CREATE TABLE gr_members (id {{id}}, partner_id BIGINT NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL, "
           "id_number TEXT NOT NULL, joined_on TEXT NOT NULL, UNIQUE (partner_id, phone));"
           "CREATE INDEX gr_members_phone ON gr_members (phone);"
           "CREATE TABLE gr_tips (id {{id}}, citizen_id BIGINT NOT NULL, reporter_name TEXT NOT NULL, "
           "reporter_phone TEXT NOT NULL, reporter_id_number TEXT NOT NULL, partner_id BIGINT, category TEXT NOT NULL, "
           "text TEXT NOT NULL, address TEXT NOT NULL, address_code TEXT NOT NULL, district_code TEXT NOT NULL, "
           "community_code TEXT NOT NULL, lat DOUBLE PRECISION NOT NULL, lon DOUBLE PRECISION NOT NULL, "
           "photos TEXT NOT NULL, status TEXT NOT NULL, action TEXT NOT NULL, target_type TEXT NOT NULL, "
           "target_id BIGINT, feedback TEXT NOT NULL, handler TEXT NOT NULL, created_at TEXT NOT NULL, "
           "created_us BIGINT NOT NULL, triaged_at TEXT);"
           "CREATE INDEX gr_tips_status ON gr_tips (status, district_code);"
           "CREATE INDEX gr_tips_citizen ON gr_tips (citizen_id);"
           "CREATE TABLE gr_field_notes (id {{id}}, username TEXT NOT NULL, op_id TEXT NOT NULL, at TEXT NOT NULL, "
           "text TEXT NOT NULL, lat DOUBLE PRECISION, lon DOUBLE PRECISION, ref TEXT NOT NULL, created_at TEXT NOT NULL, "
           "UNIQUE (username, op_id));"
           "CREATE TABLE gr_sync_ops (username TEXT NOT NULL, op_id TEXT NOT NULL, kind TEXT NOT NULL, "
           "result TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (username, op_id));"
           "CREATE TABLE gr_import_shifts (as_of TEXT PRIMARY KEY, shift_days BIGINT NOT NULL);"}};
}

const std::vector<std::pair<std::string, std::string>>& ModelStations() {
  static const std::vector<std::pair<std::string, std::string>> k = {{"石山派出所", "national"},
                                                                     {"海甸派出所", "provincial"},
                                                                     {"红岛派出所", "provincial"},
                                                                     {"云龙派出所", "provincial"},
                                                                     {"中山派出所", "provincial"}};
  return k;
}

void Service::Audit(const auth::Actor& a, std::string action, std::string target, std::string outcome,
                    std::string detail) {
  audit_->Record(a, std::move(action), std::move(target), std::move(outcome), std::move(detail));
}

std::string Service::Today() const { return DayText(LocalDay(Now())); }

// ---- disputes

namespace {

constexpr int64_t kDayUs = 86400 * kMicrosPerSecond;

// The part of a standard address repeats are matched by: the building (or the code itself above it).
std::string BuildingOf(const std::string& code) { return code.size() > 19 ? code.substr(0, 19) : code; }

json SummaryJson(const sql::Row& r, int64_t parties, const std::string& next_followup) {
  std::string status = r.Text("status");
  bool repeat = !r.IsNull("repeat_of");
  return {{"id", r.Int("id")},
          {"station_code", r.Text("station_code")},
          {"station_name", r.Text("station_name")},
          {"source", r.Text("source")},
          {"incident_id", r.IsNull("incident_id") ? json(nullptr) : json(r.Int("incident_id"))},
          {"tip_id", r.IsNull("tip_id") ? json(nullptr) : json(r.Int("tip_id"))},
          {"kind", r.Text("kind")},
          {"risk", r.Text("risk")},
          {"address", r.Text("address")},
          {"address_code", r.Text("address_code")},
          {"summary", r.Text("summary")},
          {"reported_at", r.Text("reported_at")},
          {"status", status},
          {"repeat_of", repeat ? json(r.Int("repeat_of")) : json(nullptr)},
          {"repeat_reason", r.Text("repeat_reason")},
          // A repeat is flagged until it is escalated or closed: the moment to act is before it turns criminal.
          {"flagged", repeat && (status == "open" || status == "mediating" || status == "resolved")},
          {"parties_count", parties},
          {"case_no", r.Text("case_no")},
          {"next_followup", next_followup.empty() ? json(nullptr) : json(next_followup)},
          {"created_by", r.Text("created_by")}};
}

bool Decided(const std::string& s) { return s == "resolved" || s == "escalated" || s == "closed_unresolved"; }

}  // namespace

Result<json> Service::DisputeSummaries(const std::string& where, const sql::Params& params) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT * FROM gr_disputes d " + where, params));
  if (rows.empty()) return json::array();
  std::string ids;
  for (const auto& r : rows) ids += (ids.empty() ? "" : ",") + std::to_string(r.Int("id"));
  JW_ASSIGN_OR_RETURN(sql::Rows pc, db_->Query("SELECT dispute_id, COUNT(*) AS n FROM gr_parties WHERE dispute_id IN (" +
                                               ids + ") GROUP BY dispute_id"));
  JW_ASSIGN_OR_RETURN(sql::Rows fu, db_->Query("SELECT dispute_id, MIN(due_on) AS d FROM gr_followups WHERE done_at IS NULL "
                                               "AND dispute_id IN (" + ids + ") GROUP BY dispute_id"));
  std::map<int64_t, int64_t> parties;
  std::map<int64_t, std::string> next;
  for (const auto& r : pc) parties[r.Int("dispute_id")] = r.Int("n");
  for (const auto& r : fu) next[r.Int("dispute_id")] = r.Text("d");
  json out = json::array();
  for (const auto& r : rows) out.push_back(SummaryJson(r, parties[r.Int("id")], next[r.Int("id")]));
  return out;
}

Result<json> Service::CreateDispute(const auth::Actor& a, const json& b) {
  auto fail = [&](Status s) {
    Audit(a, "grassroots.dispute.create", "", "failed", s.code());
    return s;
  };
  auto run = [&]() -> Result<json> {
    JW_ASSIGN_OR_RETURN(std::string station, Str(b, "station_code", true));
    JW_ASSIGN_OR_RETURN(std::string source, Str(b, "source", true));
    JW_ASSIGN_OR_RETURN(std::string kind, Str(b, "kind", true));
    JW_ASSIGN_OR_RETURN(std::string risk, Str(b, "risk"));
    JW_ASSIGN_OR_RETURN(std::string address, Str(b, "address", false, 200));
    JW_ASSIGN_OR_RETURN(std::string address_code, Str(b, "address_code"));
    JW_ASSIGN_OR_RETURN(std::string summary, Str(b, "summary", false, 2000));
    JW_ASSIGN_OR_RETURN(std::string reported_text, Str(b, "reported_at"));
    JW_ASSIGN_OR_RETURN(int64_t incident, Int(b, "incident_id", 0));
    JW_ASSIGN_OR_RETURN(int64_t tip, Int(b, "tip_id", 0));
    if (source != "incident" && source != "walk_in" && source != "community" && source != "tip")
      return Validation("invalid_source", "source is incident, walk_in, community or tip");
    if (!OneOf(kDisputeKinds, kind)) return Validation("invalid_kind", "kind is neighbour, family, labour, property, traffic, land or other");
    if (risk.empty()) risk = "low";
    if (risk != "low" && risk != "medium" && risk != "high") return Validation("invalid_value", "risk is low, medium or high");
    std::string station_name = station;
    if (force_) {
      JW_ASSIGN_OR_RETURN(std::vector<force::Unit> units, force_->Units());
      bool found = false;
      for (const auto& u : units)
        if (u.code == station && u.kind == "station") found = true, station_name = u.name;
      if (!found) return NotFound("unknown_station", "no police station " + station);
    }
    JW_ASSIGN_OR_RETURN(Timestamp reported, TimeOrNow(reported_text, Now(), "reported_at"));
    if (source == "incident") {
      if (!incident) return Validation("missing_field", "incident_id is required for a dispute from an incident");
      if (dispatch_) {
        auto inc = dispatch_->GetIncident(incident);
        if (!inc.ok()) return NotFound("unknown_incident", "no incident " + std::to_string(incident));
        if (inc->category != "dispute")
          return Validation("not_a_dispute", "incident " + std::to_string(incident) + " is not a dispute (" + inc->category + ")");
        if (address.empty()) address = inc->address;
        if (summary.empty()) summary = inc->narrative;
        if (reported_text.empty()) reported = inc->received_at;
      }
    }
    if (summary.empty()) return Validation("missing_field", "summary is required");
    // Parties: at least one, each named, ID numbers and phones valid.
    struct Party {
      std::string name, id_number, phone, role;
    };
    std::vector<Party> parties;
    if (b.contains("parties") && !b["parties"].is_array())
      return Validation("invalid_value", "parties is a list");
    if (b.contains("parties"))
      for (const auto& p : b["parties"]) {
        Party x;
        JW_ASSIGN_OR_RETURN(x.name, Str(p, "name", true, 50));
        JW_ASSIGN_OR_RETURN(std::string id, Str(p, "id_number"));
        JW_ASSIGN_OR_RETURN(std::string phone, Str(p, "phone"));
        JW_ASSIGN_OR_RETURN(x.role, Str(p, "role"));
        if (x.role.empty()) x.role = "applicant";
        if (x.role != "applicant" && x.role != "respondent") return Validation("invalid_value", "a party's role is applicant or respondent");
        if (!id.empty()) {
          auto parsed = identity::ParseIdNumber(id);
          if (!parsed.ok()) return Validation("invalid_id_number", "party " + x.name + ": " + parsed.status().message());
          x.id_number = parsed->number;
        }
        if (!phone.empty()) {
          auto parsed = identity::ParsePhone(phone);
          if (!parsed.ok()) return Validation("invalid_phone", "party " + x.name + ": not a phone number");
          x.phone = *parsed;
        }
        parties.push_back(x);
      }
    if (parties.empty()) return Validation("party_required", "a dispute has at least one party");
    if (parties.size() > 20) return Validation("invalid_value", "at most 20 parties");
    if (address.empty()) return Validation("missing_field", "address is required");
    if (address_code.empty() && registry_) {
      registry::Located l = registry_->Locate(address);
      if (l.match.matched) address_code = l.match.code;
    } else if (!address_code.empty() && registry_) {
      auto ix = registry_->index();
      if (!ix || !ix->Find(address_code)) return NotFound("unknown_address", "no standard address " + address_code);
    }
    // Repeat detection: the same person or building within repeat_months before.
    int64_t window = static_cast<int64_t>(std::llround(opt_.repeat_months * 30.44)) * kDayUs;
    std::optional<int64_t> repeat_of;
    std::string reason;
    std::set<std::string> ids;
    for (const auto& p : parties)
      if (!p.id_number.empty()) ids.insert(p.id_number);
    for (const auto& id : ids) {
      JW_ASSIGN_OR_RETURN(sql::Rows r, db_->Query("SELECT d.id FROM gr_disputes d JOIN gr_parties p ON p.dispute_id = d.id "
                                                  "WHERE p.id_number = ? AND d.reported_us >= ? AND d.reported_us <= ? "
                                                  "ORDER BY d.reported_us DESC LIMIT 1",
                                                  {id, reported.micros - window, reported.micros}));
      if (!r.empty() && (!repeat_of || r[0].Int("id") > *repeat_of)) repeat_of = r[0].Int("id"), reason = "same_party";
    }
    if (!repeat_of && address_code.size() >= 19) {
      JW_ASSIGN_OR_RETURN(sql::Rows r, db_->Query("SELECT id FROM gr_disputes WHERE address_code LIKE ? AND reported_us >= ? "
                                                  "AND reported_us <= ? ORDER BY reported_us DESC LIMIT 1",
                                                  {BuildingOf(address_code) + "%", reported.micros - window, reported.micros}));
      if (!r.empty()) repeat_of = r[0].Int("id"), reason = "same_address";
    }
    int64_t id = 0;
    JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
      JW_ASSIGN_OR_RETURN(
          sql::Rows ins,
          c.Query("INSERT INTO gr_disputes (station_code, station_name, source, incident_id, tip_id, kind, risk, address, "
                  "address_code, summary, reported_at, reported_us, status, repeat_of, repeat_reason, case_no, created_at, "
                  "created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'open',?,?,'',?,?) RETURNING id",
                  {station, station_name, source, incident ? sql::Value(incident) : sql::Value(nullptr),
                   tip ? sql::Value(tip) : sql::Value(nullptr), kind, risk, address, address_code, summary,
                   FormatTime(reported), reported.micros, repeat_of ? sql::Value(*repeat_of) : sql::Value(nullptr), reason,
                   FormatTime(Now()), a.username}));
      id = ins[0].Int("id");
      for (const auto& p : parties)
        JW_RETURN_IF_ERROR(c.Exec("INSERT INTO gr_parties (dispute_id, name, id_number, phone, role) VALUES (?,?,?,?,?)",
                                  {id, p.name, p.id_number, p.phone, p.role})
                               .status());
      return Status::Ok();
    }));
    Audit(a, "grassroots.dispute.create", std::to_string(id), "ok",
          kind + (repeat_of ? " repeat of " + std::to_string(*repeat_of) + " (" + reason + ")" : ""));
    return Dispute(id);
  };
  auto r = run();
  if (!r.ok()) return fail(r.status());
  return r;
}

Result<json> Service::Disputes(const std::string& station, const std::string& status, const std::string& kind,
                               bool repeats, int page, int page_size) {
  std::string where = " WHERE 1 = 1";
  sql::Params p;
  if (!station.empty()) where += " AND d.station_code = ?", p.push_back(station);
  if (!status.empty() && status != "all") {
    if (status == "active") where += " AND d.status IN ('open', 'mediating')";
    else where += " AND d.status = ?", p.push_back(status);
  }
  if (!kind.empty()) where += " AND d.kind = ?", p.push_back(kind);
  if (repeats) where += " AND d.repeat_of IS NOT NULL AND d.status IN ('open', 'mediating', 'resolved')";
  JW_ASSIGN_OR_RETURN(sql::Rows n, db_->Query("SELECT COUNT(*) AS n FROM gr_disputes d" + where, p));
  JW_ASSIGN_OR_RETURN(json items,
                      DisputeSummaries(where + " ORDER BY d.reported_us DESC, d.id DESC LIMIT " + std::to_string(page_size) +
                                           " OFFSET " + std::to_string((page - 1) * page_size),
                                       p));
  return json{{"items", items}, {"total", n[0].Int("n")}};
}

Result<json> Service::Dispute(int64_t id) {
  JW_ASSIGN_OR_RETURN(json one, DisputeSummaries("WHERE d.id = ?", {id}));
  if (one.empty()) return NotFound("unknown_dispute", "no dispute " + std::to_string(id));
  json out = one[0];
  JW_ASSIGN_OR_RETURN(sql::Rows ps, db_->Query("SELECT * FROM gr_parties WHERE dispute_id = ? ORDER BY id", {id}));
  out["parties"] = json::array();
  for (const auto& r : ps)
    out["parties"].push_back(
        {{"name", r.Text("name")}, {"id_number", r.Text("id_number")}, {"phone", r.Text("phone")}, {"role", r.Text("role")}});
  JW_ASSIGN_OR_RETURN(sql::Rows ms, db_->Query("SELECT * FROM gr_mediations WHERE dispute_id = ? ORDER BY at_us, id", {id}));
  out["mediations"] = json::array();
  for (const auto& r : ms)
    out["mediations"].push_back({{"id", r.Int("id")}, {"at", r.Text("at")}, {"mediator", r.Text("mediator")},
                                 {"outcome", r.Text("outcome")}, {"agreement", r.Text("agreement")},
                                 {"note", r.Text("note")}, {"recorded_by", r.Text("recorded_by")}});
  JW_ASSIGN_OR_RETURN(sql::Rows fs, db_->Query("SELECT * FROM gr_followups WHERE dispute_id = ? ORDER BY due_day, id", {id}));
  int64_t today = LocalDay(Now());
  out["followups"] = json::array();
  for (const auto& r : fs)
    out["followups"].push_back({{"id", r.Int("id")},
                                {"due_on", r.Text("due_on")},
                                {"assignee", r.Text("assignee")},
                                {"done_at", r.IsNull("done_at") ? json(nullptr) : json(r.Text("done_at"))},
                                {"result", r.Text("result")},
                                {"note", r.Text("note")},
                                {"overdue", r.IsNull("done_at") && r.Int("due_day") < today}});
  // The chain of earlier disputes it repeats.
  out["repeats"] = json::array();
  std::set<int64_t> seen{id};
  json cur = out;
  while (cur["repeat_of"].is_number_integer() && seen.insert(cur["repeat_of"].get<int64_t>()).second) {
    JW_ASSIGN_OR_RETURN(json prev, DisputeSummaries("WHERE d.id = ?", {cur["repeat_of"].get<int64_t>()}));
    if (prev.empty()) break;
    out["repeats"].push_back(prev[0]);
    cur = prev[0];
  }
  return out;
}

namespace {
// The dispute's status, or 404 / 409 dispute_closed when it takes no more work.
Result<std::string> OpenStatus(sql::Connection& c, int64_t id) {
  JW_ASSIGN_OR_RETURN(sql::Rows r, c.Query("SELECT status FROM gr_disputes WHERE id = ?", {id}));
  if (r.empty()) return NotFound("unknown_dispute", "no dispute " + std::to_string(id));
  std::string s = r[0].Text("status");
  if (s == "escalated" || s == "closed_unresolved")
    return Conflict("dispute_closed", "the dispute is " + s + "; it takes no more work");
  return s;
}
}  // namespace

Result<json> Service::Mediate(const auth::Actor& a, int64_t id, const json& b) {
  JW_ASSIGN_OR_RETURN(std::string at_text, Str(b, "at"));
  JW_ASSIGN_OR_RETURN(std::string mediator, Str(b, "mediator", true, 50));
  JW_ASSIGN_OR_RETURN(std::string outcome, Str(b, "outcome", true));
  JW_ASSIGN_OR_RETURN(std::string agreement, Str(b, "agreement", false, 2000));
  JW_ASSIGN_OR_RETURN(std::string note, Str(b, "note", false, 1000));
  if (outcome != "agreement" && outcome != "partial" && outcome != "failed")
    return Validation("invalid_value", "outcome is agreement, partial or failed");
  if (outcome == "agreement" && agreement.empty())
    return Validation("agreement_required", "an agreement reached is recorded with its terms");
  JW_ASSIGN_OR_RETURN(Timestamp at, TimeOrNow(at_text, Now(), "at"));
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
    JW_ASSIGN_OR_RETURN(std::string status, OpenStatus(c, id));
    JW_ASSIGN_OR_RETURN(sql::Rows d, c.Query("SELECT reported_us FROM gr_disputes WHERE id = ?", {id}));
    if (at.micros < d[0].Int("reported_us")) return Validation("invalid_time", "the session is before the dispute was reported");
    JW_RETURN_IF_ERROR(c.Exec("INSERT INTO gr_mediations (dispute_id, at, at_us, mediator, outcome, agreement, note, "
                              "recorded_by) VALUES (?,?,?,?,?,?,?,?)",
                              {id, FormatTime(at), at.micros, mediator, outcome, agreement, note, a.username})
                           .status());
    std::string next = outcome == "agreement" ? "resolved" : status == "resolved" ? "resolved" : "mediating";
    if (outcome != "agreement" && status == "resolved") next = "mediating";
    return c.Exec("UPDATE gr_disputes SET status = ? WHERE id = ?", {next, id}).status();
  }));
  Audit(a, "grassroots.dispute.mediate", std::to_string(id), "ok", outcome);
  return Dispute(id);
}

Result<json> Service::ScheduleFollowup(const auth::Actor& a, int64_t id, const json& b) {
  JW_ASSIGN_OR_RETURN(std::string due, Str(b, "due_on", true));
  JW_ASSIGN_OR_RETURN(std::string assignee, Str(b, "assignee", false, 64));
  JW_ASSIGN_OR_RETURN(int64_t due_day, Day(due, "due_on"));
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
    JW_RETURN_IF_ERROR(OpenStatus(c, id).status());
    return c.Exec("INSERT INTO gr_followups (dispute_id, due_on, due_day, assignee, done_at, result, note, done_by) "
                  "VALUES (?,?,?,?,NULL,'','','')",
                  {id, due, due_day, assignee})
        .status();
  }));
  Audit(a, "grassroots.dispute.followup", std::to_string(id), "ok", due);
  return Dispute(id);
}

Result<json> Service::FollowupDone(const auth::Actor& a, int64_t followup, const json& b) {
  JW_ASSIGN_OR_RETURN(std::string at_text, Str(b, "at"));
  JW_ASSIGN_OR_RETURN(std::string result, Str(b, "result", true));
  JW_ASSIGN_OR_RETURN(std::string note, Str(b, "note", false, 1000));
  if (result != "stable" && result != "recurring") return Validation("invalid_result", "result is stable or recurring");
  JW_ASSIGN_OR_RETURN(Timestamp at, TimeOrNow(at_text, Now(), "at"));
  int64_t dispute = 0;
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
    JW_ASSIGN_OR_RETURN(sql::Rows f, c.Query("SELECT dispute_id, done_at, done_by FROM gr_followups WHERE id = ?", {followup}));
    if (f.empty()) return NotFound("unknown_followup", "no follow-up " + std::to_string(followup));
    dispute = f[0].Int("dispute_id");
    if (!f[0].IsNull("done_at"))
      return Conflict("followup_done", "this follow-up was done by " + f[0].Text("done_by") + " at " + f[0].Text("done_at"));
    JW_ASSIGN_OR_RETURN(std::string status, OpenStatus(c, dispute));
    JW_ASSIGN_OR_RETURN(int64_t n, c.Exec("UPDATE gr_followups SET done_at = ?, result = ?, note = ?, done_by = ? WHERE id = ? "
                                          "AND done_at IS NULL",
                                          {FormatTime(at), result, note, a.username, followup}));
    if (n == 0) return Conflict("followup_done", "this follow-up was done by someone else just now");
    // A dispute that flares up again is back in mediation.
    if (result == "recurring" && status == "resolved")
      return c.Exec("UPDATE gr_disputes SET status = 'mediating' WHERE id = ?", {dispute}).status();
    return Status::Ok();
  }));
  Audit(a, "grassroots.dispute.followup_done", std::to_string(dispute), "ok", result);
  return Dispute(dispute);
}

Result<json> Service::Escalate(const auth::Actor& a, int64_t id, const json& b) {
  JW_ASSIGN_OR_RETURN(std::string case_no, Str(b, "case_no", true, 40));
  JW_ASSIGN_OR_RETURN(std::string note, Str(b, "note", false, 1000));
  if (cases_) {
    auto c = cases_->GetByNo(case_no);
    if (!c.ok()) return NotFound("unknown_case", "no case " + case_no);
  }
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
    JW_RETURN_IF_ERROR(OpenStatus(c, id).status());
    return c.Exec("UPDATE gr_disputes SET status = 'escalated', case_no = ?, closed_at = ? WHERE id = ?",
                  {case_no, FormatTime(Now()), id})
        .status();
  }));
  Audit(a, "grassroots.dispute.escalate", std::to_string(id), "ok", case_no + (note.empty() ? "" : ": " + note));
  return Dispute(id);
}

Result<json> Service::CloseDispute(const auth::Actor& a, int64_t id, const json& b) {
  JW_ASSIGN_OR_RETURN(std::string note, Str(b, "note", true, 1000));
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
    JW_ASSIGN_OR_RETURN(std::string status, OpenStatus(c, id));
    if (status == "resolved") return Conflict("dispute_closed", "the dispute is resolved already");
    return c.Exec("UPDATE gr_disputes SET status = 'closed_unresolved', closed_at = ? WHERE id = ?", {FormatTime(Now()), id})
        .status();
  }));
  Audit(a, "grassroots.dispute.close", std::to_string(id), "ok", note);
  return Dispute(id);
}

Result<json> Service::Stations() {
  struct Row {
    std::string code, name, district;
    int64_t disputes = 0, decided = 0, resolved = 0, repeats = 0, escalated = 0, open = 0, overdue = 0;
  };
  std::map<std::string, Row> rows;
  if (force_) {
    JW_ASSIGN_OR_RETURN(std::vector<force::Unit> units, force_->Units());
    for (const auto& u : units)
      if (u.kind == "station") rows[u.code] = Row{u.code, u.name, u.district_code};
  }
  JW_ASSIGN_OR_RETURN(sql::Rows ds, db_->Query("SELECT station_code, station_name, status, repeat_of FROM gr_disputes"));
  for (const auto& r : ds) {
    auto& x = rows[r.Text("station_code")];
    if (x.code.empty()) x.code = r.Text("station_code"), x.name = r.Text("station_name");
    std::string s = r.Text("status");
    ++x.disputes;
    x.decided += Decided(s);
    x.resolved += s == "resolved";
    x.escalated += s == "escalated";
    x.open += s == "open" || s == "mediating";
    x.repeats += !r.IsNull("repeat_of");
  }
  JW_ASSIGN_OR_RETURN(sql::Rows fo, db_->Query("SELECT d.station_code, COUNT(*) AS n FROM gr_followups f JOIN gr_disputes d ON "
                                               "d.id = f.dispute_id WHERE f.done_at IS NULL AND f.due_day < ? GROUP BY "
                                               "d.station_code",
                                               {LocalDay(Now())}));
  for (const auto& r : fo) rows[r.Text("station_code")].overdue = r.Int("n");
  auto share = [](int64_t n, int64_t d) { return d ? std::round(1000.0 * n / d) / 1000.0 : 0.0; };
  json items = json::array();
  for (const auto& [code, x] : rows) {
    std::string model;
    for (const auto& [name, title] : ModelStations())
      if (name == x.name) model = title;
    items.push_back({{"code", x.code},
                     {"name", x.name},
                     {"district_code", x.district},
                     {"model", model},
                     {"disputes", x.disputes},
                     {"decided", x.decided},
                     {"resolved", x.resolved},
                     {"resolved_share", share(x.resolved, x.decided)},
                     {"repeats", x.repeats},
                     {"repeat_rate", share(x.repeats, x.disputes)},
                     {"escalated", x.escalated},
                     {"escalated_share", share(x.escalated, x.disputes)},
                     {"open", x.open},
                     {"followups_overdue", x.overdue}});
  }
  return json{{"items", items}, {"total", items.size()}};
}

}  // namespace jingwu::grassroots

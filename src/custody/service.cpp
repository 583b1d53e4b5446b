#include "custody/service.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/utf8.h"
#include "identity/identity.h"

namespace jingwu::custody {

namespace {

using json = nlohmann::json;
constexpr int64_t kHour = 3600 * kMicrosPerSecond;

template <size_t N>
bool OneOf(const char* const (&list)[N], const std::string& v) {
  return std::find_if(std::begin(list), std::end(list), [&](const char* x) { return v == x; }) != std::end(list);
}

// The facility kind that holds each legal basis.
std::string FacilityFor(const std::string& basis) {
  if (basis == "administrative_detention") return "detention_house";
  if (basis == "compulsory_isolation") return "rehab_center";
  return "detention_center";
}

constexpr const char* kDetaineeColumns =
    "id, facility_code, room, person, name, case_no, basis, decision_days, base_days, admitted_at, admitted_us, "
    "released_at, released_us, release_reason, over_capacity_reason, admitted_by";

std::string Text(std::string_view s) { return std::string(TrimAscii(s)); }

}  // namespace

std::vector<sql::Migration> Migrations() {
  return {{"custody", 1, "facilities, rooms, detainees, extensions, daily events",
           "CREATE TABLE cust_facilities (code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, "
           "district_code TEXT NOT NULL);"
           "CREATE TABLE cust_rooms (facility_code TEXT NOT NULL, room TEXT NOT NULL, capacity BIGINT NOT NULL, "
           "PRIMARY KEY (facility_code, room));"
           "CREATE TABLE cust_detainees (id {{id}}, facility_code TEXT NOT NULL, room TEXT NOT NULL, "
           "person TEXT NOT NULL, name TEXT NOT NULL, case_no TEXT NOT NULL, basis TEXT NOT NULL, "
           "decision_days BIGINT NOT NULL, base_days BIGINT NOT NULL, admitted_at TEXT NOT NULL, "
           "admitted_us BIGINT NOT NULL, released_at TEXT, released_us BIGINT, release_reason TEXT NOT NULL, "
           "over_capacity_reason TEXT NOT NULL, admitted_by TEXT NOT NULL);"
           "CREATE INDEX cust_detainees_room ON cust_detainees (facility_code, room, released_us);"
           "CREATE INDEX cust_detainees_person ON cust_detainees (person);"
           "CREATE TABLE cust_extensions (id {{id}}, detainee_id BIGINT NOT NULL, days BIGINT NOT NULL, "
           "reason TEXT NOT NULL, approved_by TEXT NOT NULL, approval_no TEXT NOT NULL, created_at TEXT NOT NULL, "
           "created_by TEXT NOT NULL);"
           "CREATE INDEX cust_extensions_detainee ON cust_extensions (detainee_id);"
           "CREATE TABLE cust_events (id {{id}}, facility_code TEXT NOT NULL, room TEXT NOT NULL, "
           "detainee_id BIGINT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, at_us BIGINT NOT NULL, "
           "count BIGINT, note TEXT NOT NULL, recorded_by TEXT NOT NULL);"
           "CREATE INDEX cust_events_room ON cust_events (facility_code, room, kind, at_us);"
           "CREATE INDEX cust_events_detainee ON cust_events (detainee_id, kind, at_us);"},
          {"custody", 2, "the time shift of each imported folder (a second import moves times the same)",
           "CREATE TABLE cust_import_shifts (as_of TEXT PRIMARY KEY, shift_us BIGINT NOT NULL);"}};
}

void Service::Audit(const auth::Actor& a, std::string action, std::string target, std::string outcome,
                    std::string detail) {
  audit_->Record(a, std::move(action), std::move(target), std::move(outcome), std::move(detail));
}

// ---- facilities ----

Result<Facility> Service::CreateFacility(const auth::Actor& actor, Facility f) {
  f.code = Text(f.code), f.name = Text(f.name);
  if (!OneOf(kFacilityKinds, f.kind))
    return Validation("invalid_kind", "kind is detention_center (看守所), detention_house (拘留所) or rehab_center (戒毒所)");
  if (f.code.empty() || f.code.size() > 32 || f.name.empty() || Utf8Chars(f.name) > 100 || !IsValidUtf8(f.name))
    return Validation("invalid_value", "a facility needs a code (up to 32 characters) and a name (up to 100)");
  if (f.district_code.size() != 6 || identity::RegionName(f.district_code).empty())
    return Validation("invalid_value", "district_code is one of the city's GB/T 2260 district codes");
  JW_ASSIGN_OR_RETURN(sql::Rows have, db_->Query("SELECT code FROM cust_facilities WHERE code = ?", {f.code}));
  if (!have.empty()) return Conflict("facility_exists", "facility " + f.code + " exists");
  JW_RETURN_IF_ERROR(db_->Exec("INSERT INTO cust_facilities (code, name, kind, district_code) VALUES (?,?,?,?)",
                               {f.code, f.name, f.kind, f.district_code})
                         .status());
  Audit(actor, "custody.facility.create", f.code, "ok", f.kind);
  return f;
}

Result<Room> Service::AddRoom(const auth::Actor& actor, const std::string& facility, Room r) {
  r.room = Text(r.room);
  JW_ASSIGN_OR_RETURN(sql::Rows f, db_->Query("SELECT code FROM cust_facilities WHERE code = ?", {facility}));
  if (f.empty()) return NotFound("unknown_facility", "no facility " + facility);
  if (r.room.empty() || r.room.size() > 16 || r.capacity < 1 || r.capacity > 200)
    return Validation("invalid_value", "a room has a name (up to 16 characters) and a capacity of 1 to 200");
  JW_ASSIGN_OR_RETURN(sql::Rows have, db_->Query("SELECT room FROM cust_rooms WHERE facility_code = ? AND room = ?",
                                                 {facility, r.room}));
  if (!have.empty()) return Conflict("room_exists", "room " + r.room + " exists");
  JW_RETURN_IF_ERROR(db_->Exec("INSERT INTO cust_rooms (facility_code, room, capacity) VALUES (?,?,?)",
                               {facility, r.room, r.capacity})
                         .status());
  Audit(actor, "custody.room.add", facility + "/" + r.room, "ok", std::to_string(r.capacity));
  return r;
}

Result<std::vector<Facility>> Service::Facilities() {
  JW_ASSIGN_OR_RETURN(sql::Rows fs, db_->Query("SELECT code, name, kind, district_code FROM cust_facilities ORDER BY code"));
  JW_ASSIGN_OR_RETURN(sql::Rows rooms, db_->Query("SELECT facility_code, room, capacity FROM cust_rooms ORDER BY room"));
  JW_ASSIGN_OR_RETURN(sql::Rows occ, db_->Query("SELECT facility_code, room, COUNT(*) AS n FROM cust_detainees WHERE "
                                                "released_us IS NULL GROUP BY facility_code, room"));
  std::map<std::pair<std::string, std::string>, int64_t> n;
  for (const auto& r : occ) n[{r.Text("facility_code"), r.Text("room")}] = r.Int("n");
  std::vector<Facility> out;
  for (const auto& r : fs) {
    Facility f{r.Text("code"), r.Text("name"), r.Text("kind"), r.Text("district_code"), {}, 0, 0};
    for (const auto& rm : rooms) {
      if (rm.Text("facility_code") != f.code) continue;
      Room x{rm.Text("room"), rm.Int("capacity"), n[{f.code, rm.Text("room")}]};
      f.capacity += x.capacity, f.occupants += x.occupants;
      f.rooms.push_back(x);
    }
    out.push_back(std::move(f));
  }
  return out;
}

Result<Facility> Service::GetFacility(const std::string& code) {
  JW_ASSIGN_OR_RETURN(std::vector<Facility> all, Facilities());
  for (auto& f : all)
    if (f.code == code) return f;
  return NotFound("unknown_facility", "no facility " + code);
}

// ---- detainees ----

Result<Detainee> Service::Load(int64_t id) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kDetaineeColumns +
                                                     " FROM cust_detainees WHERE id = ?",
                                                 {id}));
  if (rows.empty()) return NotFound("unknown_detainee", "no detainee " + std::to_string(id));
  const auto& r = rows[0];
  Detainee d;
  d.id = r.Int("id");
  d.facility_code = r.Text("facility_code");
  d.room = r.Text("room");
  d.person = r.Text("person");
  d.name = r.Text("name");
  d.case_no = r.Text("case_no");
  d.basis = r.Text("basis");
  d.decision_days = static_cast<int>(r.Int("decision_days"));
  d.base_days = static_cast<int>(r.Int("base_days"));
  d.admitted_at = r.Text("admitted_at");
  d.released_at = r.OptText("released_at");
  d.release_reason = r.Text("release_reason");
  d.over_capacity_reason = r.Text("over_capacity_reason");
  d.admitted_by = r.Text("admitted_by");
  JW_ASSIGN_OR_RETURN(sql::Rows ex, db_->Query("SELECT id, days, reason, approved_by, approval_no, created_at, created_by "
                                               "FROM cust_extensions WHERE detainee_id = ? ORDER BY id",
                                               {id}));
  std::vector<Extension> exts;
  for (const auto& e : ex) {
    d.extensions.push_back({e.Int("id"), static_cast<int>(e.Int("days")), e.Text("reason"), e.Text("approved_by"),
                            e.Text("approval_no"), e.Text("created_at"), e.Text("created_by")});
    exts.push_back({static_cast<int>(e.Int("days")), e.Text("reason")});
  }
  Timestamp due = DueAt(Timestamp{r.Int("admitted_us")}, d.base_days, exts);
  d.due_at = FormatTime(due);
  int64_t end = d.released_at ? r.Int("released_us") : Now().micros;
  d.hours_left = static_cast<double>(due.micros - end) / static_cast<double>(kHour);
  return d;
}

Result<Detainee> Service::GetDetainee(int64_t id) { return Load(id); }

Result<std::vector<Detainee>> Service::Detainees(const std::string& facility, bool all) {
  std::string sql = "SELECT id FROM cust_detainees WHERE 1=1";
  sql::Params p;
  if (!facility.empty()) sql += " AND facility_code = ?", p.push_back(facility);
  if (!all) sql += " AND released_us IS NULL";
  sql += " ORDER BY id LIMIT 5000";
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql, p));
  std::vector<Detainee> out;
  for (const auto& r : rows) {
    JW_ASSIGN_OR_RETURN(Detainee d, Load(r.Int("id")));
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const Detainee& a, const Detainee& b) { return a.hours_left < b.hours_left; });
  return out;
}

Result<Detainee> Service::Admit(const auth::Actor& actor, Admission a) {
  auto fail = [&](Status s) {
    Audit(actor, "custody.admit", a.case_no, "failed", s.code());
    return s;
  };
  JW_ASSIGN_OR_RETURN(int base, BaseDays(a.basis, a.decision_days));
  auto fac = db_->Query("SELECT kind FROM cust_facilities WHERE code = ?", {a.facility_code});
  if (!fac.ok()) return fail(fac.status());
  if (fac->empty()) return fail(NotFound("unknown_facility", "no facility " + a.facility_code));
  if ((*fac)[0].Text("kind") != FacilityFor(a.basis))
    return fail(Validation("wrong_facility", "a " + a.basis + " is held in a " + FacilityFor(a.basis)));
  auto room = db_->Query("SELECT capacity FROM cust_rooms WHERE facility_code = ? AND room = ?", {a.facility_code, a.room});
  if (!room.ok()) return fail(room.status());
  if (room->empty()) return fail(NotFound("unknown_room", "no room " + a.room + " in " + a.facility_code));
  auto id = identity::ParseIdNumber(a.person.rfind("ID:", 0) == 0 ? a.person.substr(3) : a.person);
  if (!id.ok()) return fail(id.status());
  std::string person = "ID:" + id->number;
  Timestamp at = Now();
  if (!a.admitted_at.empty()) {
    auto t = ParseTime(a.admitted_at);
    if (!t.ok()) return fail(Validation("invalid_time", "admitted_at is not a time"));
    if (t->micros > Now().micros + 300 * kMicrosPerSecond) return fail(Validation("invalid_time", "admitted_at is in the future"));
    at = *t;
  }
  auto c = cases_->GetByNo(a.case_no);
  if (!c.ok()) return fail(NotFound("unknown_case", "no case numbered " + a.case_no));
  std::string name;
  for (const auto& s : c->suspects)
    if (s.id_number == id->number) name = s.name;
  if (name.empty()) return fail(Validation("not_a_suspect", "the person is not a suspect of case " + a.case_no));
  a.over_capacity_reason = Text(a.over_capacity_reason);
  std::optional<Detainee> out;
  Status s = db_->Transaction([&](sql::Connection& conn) -> Status {
    JW_ASSIGN_OR_RETURN(sql::Rows held, conn.Query("SELECT id, facility_code FROM cust_detainees WHERE person = ? AND "
                                                   "released_us IS NULL",
                                                   {person}));
    if (!held.empty())
      return Conflict("already_in_custody", "the person is held already (detainee " +
                                                std::to_string(held[0].Int("id")) + " in " + held[0].Text("facility_code") + ")");
    JW_ASSIGN_OR_RETURN(sql::Rows n, conn.Query("SELECT COUNT(*) AS n FROM cust_detainees WHERE facility_code = ? AND "
                                                "room = ? AND released_us IS NULL",
                                                {a.facility_code, a.room}));
    if (n[0].Int("n") >= (*room)[0].Int("capacity") && a.over_capacity_reason.empty())
      return Conflict("over_capacity", "room " + a.room + " holds " + std::to_string(n[0].Int("n")) + " of " +
                                           std::to_string((*room)[0].Int("capacity")) +
                                           "; give an override reason to admit beyond capacity");
    if (n[0].Int("n") < (*room)[0].Int("capacity")) a.over_capacity_reason.clear();
    JW_ASSIGN_OR_RETURN(sql::Rows ins,
                        conn.Query(std::string("INSERT INTO cust_detainees (facility_code, room, person, name, case_no, "
                                               "basis, decision_days, base_days, admitted_at, admitted_us, released_at, "
                                               "released_us, release_reason, over_capacity_reason, admitted_by) VALUES "
                                               "(?,?,?,?,?,?,?,?,?,?,NULL,NULL,'',?,?) RETURNING id"),
                                   {a.facility_code, a.room, person, name, a.case_no, a.basis,
                                    static_cast<int64_t>(a.decision_days), static_cast<int64_t>(base), FormatTime(at),
                                    at.micros, a.over_capacity_reason, actor.username}));
    out = Detainee{};
    out->id = ins[0].Int("id");
    return Status::Ok();
  });
  if (!s.ok()) return fail(s);
  Audit(actor, "custody.admit", person, "ok",
        a.basis + " " + a.case_no + (a.over_capacity_reason.empty() ? "" : " over capacity: " + a.over_capacity_reason));
  return Load(out->id);
}

Result<Detainee> Service::Extend(const auth::Actor& actor, int64_t id, const Extension& e, const std::string& approved_by,
                                 const std::string& approval_no, const std::string& at_text) {
  auto fail = [&](Status s) {
    Audit(actor, "custody.extend", std::to_string(id), "failed", s.code());
    return s;
  };
  auto d = Load(id);
  if (!d.ok()) return fail(d.status());
  if (d->released_at) return fail(Conflict("already_released", "released at " + *d->released_at));
  if (Text(approved_by).empty() || Text(approval_no).empty())
    return fail(Validation("approver_required", "an extension names who approved it and the approval's number"));
  std::vector<Extension> granted;
  for (const auto& x : d->extensions) granted.push_back({x.days, x.reason});
  if (Status s = CheckExtension(d->basis, d->base_days, granted, e); !s.ok()) return fail(s);
  Timestamp at = Now();
  if (!at_text.empty()) {
    auto t = ParseTime(at_text);
    if (!t.ok()) return fail(Validation("invalid_time", "at is not a time"));
    if (t->micros > Now().micros + 300 * kMicrosPerSecond || t->micros < ParseTime(d->admitted_at)->micros)
      return fail(Validation("invalid_time", "an extension is granted between the admission and now"));
    at = *t;
  }
  // An extension is decided before the limit: one after it does not make the custody lawful again.
  if (at.micros > ParseTime(d->due_at)->micros)
    return fail(Conflict("limit_passed", "the legal limit ended at " + d->due_at +
                                             "; custody past it cannot be extended: release the person now"));
  auto w = db_->Exec("INSERT INTO cust_extensions (detainee_id, days, reason, approved_by, approval_no, created_at, "
                     "created_by) VALUES (?,?,?,?,?,?,?)",
                     {id, static_cast<int64_t>(e.days), e.reason, Text(approved_by), Text(approval_no),
                      FormatTime(at), actor.username});
  if (!w.ok()) return fail(w.status());
  Audit(actor, "custody.extend", d->person, "ok", std::to_string(e.days) + " days, " + e.reason + ", approved by " + approved_by);
  return Load(id);
}

Result<Detainee> Service::Release(const auth::Actor& actor, int64_t id, const std::string& at_text,
                                  const std::string& reason) {
  auto fail = [&](Status s) {
    Audit(actor, "custody.release", std::to_string(id), "failed", s.code());
    return s;
  };
  auto d = Load(id);
  if (!d.ok()) return fail(d.status());
  if (d->released_at) return fail(Conflict("already_released", "released at " + *d->released_at));
  if (Text(reason).empty()) return fail(Validation("reason_required", "say why the person is released"));
  Timestamp at = Now();
  if (!at_text.empty()) {
    auto t = ParseTime(at_text);
    if (!t.ok()) return fail(Validation("invalid_time", "released_at is not a time"));
    at = *t;
  }
  if (at.micros > Now().micros + 300 * kMicrosPerSecond) return fail(Validation("invalid_time", "released_at is in the future"));
  if (at.micros < ParseTime(d->admitted_at)->micros)
    return fail(Validation("invalid_time", "a release cannot come before the admission"));
  auto w = db_->Exec("UPDATE cust_detainees SET released_at = ?, released_us = ?, release_reason = ? WHERE id = ? AND "
                     "released_us IS NULL",
                     {FormatTime(at), at.micros, Text(reason), id});
  if (!w.ok()) return fail(w.status());
  if (*w == 0) return fail(Conflict("already_released", "released just now by someone else"));
  Audit(actor, "custody.release", d->person, "ok", Text(reason));
  return Load(id);
}

// ---- events ----

Result<Event> Service::Record(const auth::Actor& actor, Event e) {
  auto fail = [&](Status s) {
    Audit(actor, "custody.event", e.facility_code, "failed", s.code());
    return s;
  };
  if (!OneOf(kEventKinds, e.kind))
    return fail(Validation("invalid_kind", "kind is roll_call, patrol, medical, visit, lawyer_request, lawyer_meeting or transfer"));
  if (e.detainee_id) {
    auto d = Load(e.detainee_id);
    if (!d.ok()) return fail(d.status());
    e.facility_code = d->facility_code;
    if (e.room.empty()) e.room = d->room;
  } else if (e.kind != "roll_call" && e.kind != "patrol") {
    return fail(Validation("detainee_required", "a " + e.kind + " is recorded for a detainee"));
  }
  auto room = db_->Query("SELECT capacity FROM cust_rooms WHERE facility_code = ? AND room = ?", {e.facility_code, e.room});
  if (!room.ok()) return fail(room.status());
  if (room->empty()) return fail(NotFound("unknown_room", "no room " + e.room + " in " + e.facility_code));
  if (e.kind == "roll_call" && (!e.count || *e.count < 0))
    return fail(Validation("invalid_value", "a roll call gives the count of people present, 0 or more"));
  if (e.kind != "roll_call") e.count.reset();
  Timestamp at = Now();
  if (!e.at.empty()) {
    auto t = ParseTime(e.at);
    if (!t.ok()) return fail(Validation("invalid_time", "at is not a time"));
    at = *t;
  }
  if (at.micros > Now().micros + 300 * kMicrosPerSecond) return fail(Validation("invalid_time", "at is in the future"));
  e.note = Text(e.note);
  if (Utf8Chars(e.note) > 500) return fail(Validation("invalid_value", "the note is up to 500 characters"));
  sql::Value count = nullptr;
  if (e.count) count = *e.count;
  auto ins = db_->Query("INSERT INTO cust_events (facility_code, room, detainee_id, kind, at, at_us, count, note, "
                        "recorded_by) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
                        {e.facility_code, e.room, e.detainee_id, e.kind, FormatTime(at), at.micros, count, e.note,
                         actor.username});
  if (!ins.ok()) return fail(ins.status());
  e.id = (*ins)[0].Int("id");
  e.at = FormatTime(at);
  e.recorded_by = actor.username;
  Audit(actor, "custody.event", e.facility_code + "/" + e.room, "ok", e.kind);
  return e;
}

Result<std::vector<Event>> Service::Events(const std::string& facility, int64_t detainee, size_t limit) {
  std::string sql = "SELECT id, facility_code, room, detainee_id, kind, at, count, note, recorded_by FROM cust_events WHERE 1=1";
  sql::Params p;
  if (!facility.empty()) sql += " AND facility_code = ?", p.push_back(facility);
  if (detainee) sql += " AND detainee_id = ?", p.push_back(detainee);
  sql += " ORDER BY at_us DESC, id DESC LIMIT " + std::to_string(limit);
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql, p));
  std::vector<Event> out;
  for (const auto& r : rows) {
    Event e;
    e.id = r.Int("id"), e.facility_code = r.Text("facility_code"), e.room = r.Text("room");
    e.detainee_id = r.Int("detainee_id"), e.kind = r.Text("kind"), e.at = r.Text("at");
    if (!r.IsNull("count")) e.count = r.Int("count");
    e.note = r.Text("note"), e.recorded_by = r.Text("recorded_by");
    out.push_back(std::move(e));
  }
  return out;
}

// ---- alerts ----

Result<std::vector<Alert>> Service::Alerts(const std::string& facility) {
  const int64_t now = Now().micros;
  std::vector<Alert> out;
  JW_ASSIGN_OR_RETURN(std::vector<Detainee> held, Detainees(facility, false));
  for (const auto& d : held) {
    json base = {{"name", d.name}, {"person", d.person}, {"basis", d.basis}, {"due_at", d.due_at},
                 {"hours_left", d.hours_left}, {"case_no", d.case_no}};
    if (d.hours_left < 0)
      out.push_back({"overdue", "critical", d.facility_code, d.room, d.due_at, d.id, base.dump()});
    else if (d.hours_left <= opt_.due_soon_hours)
      out.push_back({"due_soon", "high", d.facility_code, d.room, d.due_at, d.id, base.dump()});
    // The admission medical check.
    int64_t admitted = ParseTime(d.admitted_at)->micros;
    if (now - admitted > opt_.medical_hours * kHour) {
      JW_ASSIGN_OR_RETURN(sql::Rows m, db_->Query("SELECT id FROM cust_events WHERE detainee_id = ? AND kind = 'medical' "
                                                  "AND at_us >= ? AND at_us <= ? LIMIT 1",
                                                  {d.id, admitted, admitted + opt_.medical_hours * kHour}));
      if (m.empty())
        out.push_back({"no_admission_medical", "medium", d.facility_code, d.room,
                       FormatTime(Timestamp{admitted + opt_.medical_hours * kHour}), d.id, base.dump()});
    }
    // Lawyer requests not arranged in time.
    JW_ASSIGN_OR_RETURN(sql::Rows reqs, db_->Query("SELECT at_us FROM cust_events WHERE detainee_id = ? AND kind = "
                                                   "'lawyer_request' ORDER BY at_us",
                                                   {d.id}));
    for (const auto& r : reqs) {
      int64_t t = r.Int("at_us");
      if (now - t <= opt_.lawyer_hours * kHour) continue;
      JW_ASSIGN_OR_RETURN(sql::Rows met, db_->Query("SELECT id FROM cust_events WHERE detainee_id = ? AND kind = "
                                                    "'lawyer_meeting' AND at_us >= ? AND at_us <= ? LIMIT 1",
                                                    {d.id, t, t + opt_.lawyer_hours * kHour}));
      if (met.empty()) {
        json x = base;
        x["requested_at"] = FormatTime(Timestamp{t});
        out.push_back({"lawyer_not_arranged", "high", d.facility_code, d.room,
                       FormatTime(Timestamp{t + opt_.lawyer_hours * kHour}), d.id, x.dump()});
      }
    }
  }
  // Rooms: the last roll call against the people held then; the last patrol check.
  JW_ASSIGN_OR_RETURN(std::vector<Facility> fs, Facilities());
  for (const auto& f : fs) {
    if (!facility.empty() && f.code != facility) continue;
    for (const auto& r : f.rooms) {
      JW_ASSIGN_OR_RETURN(sql::Rows roll, db_->Query("SELECT at, at_us, count FROM cust_events WHERE facility_code = ? AND "
                                                     "room = ? AND kind = 'roll_call' ORDER BY at_us DESC LIMIT 1",
                                                     {f.code, r.room}));
      if (!roll.empty()) {
        int64_t t = roll[0].Int("at_us");
        JW_ASSIGN_OR_RETURN(sql::Rows n, db_->Query("SELECT COUNT(*) AS n FROM cust_detainees WHERE facility_code = ? AND "
                                                    "room = ? AND admitted_us <= ? AND (released_us IS NULL OR "
                                                    "released_us > ?)",
                                                    {f.code, r.room, t, t}));
        if (n[0].Int("n") != roll[0].Int("count"))
          out.push_back({"headcount_mismatch", "critical", f.code, r.room, roll[0].Text("at"), 0,
                         json{{"counted", roll[0].Int("count")}, {"held", n[0].Int("n")}}.dump()});
      }
      if (r.occupants == 0) continue;
      JW_ASSIGN_OR_RETURN(sql::Rows pat, db_->Query("SELECT at_us FROM cust_events WHERE facility_code = ? AND room = ? AND "
                                                    "kind = 'patrol' ORDER BY at_us DESC LIMIT 1",
                                                    {f.code, r.room}));
      JW_ASSIGN_OR_RETURN(sql::Rows first, db_->Query("SELECT MIN(admitted_us) AS t FROM cust_detainees WHERE "
                                                      "facility_code = ? AND room = ? AND released_us IS NULL",
                                                      {f.code, r.room}));
      int64_t since = pat.empty() ? first[0].Int("t") : std::max(pat[0].Int("at_us"), first[0].Int("t"));
      if (now - since > opt_.patrol_minutes * 60 * kMicrosPerSecond)
        out.push_back({"missed_patrol", "high", f.code, r.room, FormatTime(Timestamp{since}), 0,
                       json{{"last_patrol", pat.empty() ? json(nullptr) : json(FormatTime(Timestamp{pat[0].Int("at_us")}))},
                            {"minutes", (now - since) / (60 * kMicrosPerSecond)},
                            {"interval_minutes", opt_.patrol_minutes}}
                           .dump()});
    }
  }
  auto rank = [](const Alert& a) { return a.severity == "critical" ? 0 : a.severity == "high" ? 1 : 2; };
  std::stable_sort(out.begin(), out.end(), [&](const Alert& a, const Alert& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    return a.kind == "overdue" && b.kind != "overdue";
  });
  return out;
}

}  // namespace jingwu::custody

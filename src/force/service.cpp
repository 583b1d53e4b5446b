#include "force/service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/csv.h"
#include "core/log.h"
#include "core/utf8.h"
#include "identity/identity.h"

namespace jingwu::force {

using nlohmann::json;

namespace {
constexpr int64_t kDayUs = 86400 * kMicrosPerSecond;

std::string Now(const Clock* clock) { return FormatTime(clock->Now()); }

std::string Clean(const std::string& s, size_t max_bytes = 200) {
  return TruncateUtf8(SanitizeUtf8(std::string(TrimUnicode(s))), max_bytes);
}

// "2026-01-01T08:00:00.123456Z" (the audit log's format) → micros; fast path
// for the inspection's millions of rows, ParseTime otherwise.
int64_t AuditMicros(const std::string& s) {
  auto num = [&](size_t pos, size_t n) {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  if (s.size() == 27 && s[4] == '-' && s[10] == 'T' && s[19] == '.' && s[26] == 'Z') {
    int64_t days = DaysFromCivil(num(0, 4), static_cast<unsigned>(num(5, 2)), static_cast<unsigned>(num(8, 2)));
    int64_t secs = days * 86400 + num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2);
    return secs * kMicrosPerSecond + num(20, 6);
  }
  auto t = ParseTime(s, 0);
  return t.ok() ? t->micros : 0;
}

Result<int64_t> LocalDateDay(const std::string& date) {
  int y = 0, m = 0, d = 0;
  if (date.size() != 10 || std::sscanf(date.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3 || !IsValidDate(y, m, d))
    return Validation("invalid_date", "'" + date + "' is not a date (YYYY-MM-DD)");
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

Unit UnitFrom(const sql::Row& r) {
  return {r.Text("code"), r.Text("name"), r.Text("kind"), r.Text("parent_code"), r.Text("district_code"), 0};
}

constexpr const char* kOfficerCols =
    "police_no, name, kind, id_number, unit_code, rank, post, status, username, call_sign, joined_at, left_at, "
    "updated_at";
Officer OfficerFrom(const sql::Row& r) {
  Officer o;
  o.police_no = r.Text("police_no");
  o.name = r.Text("name");
  o.kind = r.Text("kind");
  o.id_number = r.Text("id_number");
  o.unit_code = r.Text("unit_code");
  o.rank = r.Text("rank");
  o.post = r.Text("post");
  o.status = r.Text("status");
  o.username = r.Text("username");
  o.call_sign = r.Text("call_sign");
  o.joined_at = r.Text("joined_at");
  o.left_at = r.Text("left_at");
  o.updated_at = r.Text("updated_at");
  return o;
}

constexpr const char* kFindingCols =
    "id, fkey, rule, actor, police_no, unit_code, day, subject, score, summary, facts, evidence, evidence_count, "
    "state, proposed_decision, proposed_by, proposed_reason, proposed_at, decided_by, decided_at, discipline_id, "
    "raised_at";
Finding FindingFrom(const sql::Row& r) {
  Finding f;
  f.id = r.Int("id");
  f.key = r.Text("fkey");
  f.rule = r.Text("rule");
  f.actor = r.Text("actor");
  f.police_no = r.Text("police_no");
  f.unit_code = r.Text("unit_code");
  f.day = r.Text("day");
  f.subject = r.Text("subject");
  f.score = r.Double("score");
  f.summary = r.Text("summary");
  f.facts = json::parse(r.Text("facts"), nullptr, false);
  if (f.facts.is_discarded()) f.facts = json::object();
  std::stringstream ss(r.Text("evidence"));
  std::string id;
  while (std::getline(ss, id, ','))
    if (!id.empty()) f.evidence.push_back(std::stoll(id));
  f.evidence_count = r.Int("evidence_count");
  f.state = r.Text("state");
  f.proposed_decision = r.Text("proposed_decision");
  f.proposed_by = r.Text("proposed_by");
  f.proposed_reason = r.Text("proposed_reason");
  f.proposed_at = r.Text("proposed_at");
  f.decided_by = r.Text("decided_by");
  f.decided_at = r.Text("decided_at");
  f.discipline_id = r.Int("discipline_id");
  f.raised_at = r.Text("raised_at");
  return f;
}

sql::Value OrNull(const std::string& s) { return s.empty() ? sql::Value(nullptr) : sql::Value(s); }

// One page of a filtered table and the total the filter matches.
template <typename T>
Result<std::pair<std::vector<T>, int64_t>> Paged(sql::Database* db, const char* cols, const char* table,
                                                 const std::string& where, const char* order, sql::Params p, int page,
                                                 int page_size, T (*from)(const sql::Row&)) {
  auto count = db->Query(std::string("SELECT COUNT(*) AS n FROM ") + table + where, p);
  if (!count.ok()) return count.status();
  p.emplace_back(int64_t{page_size});
  p.emplace_back(int64_t{(page - 1) * int64_t{page_size}});
  auto rows = db->Query(std::string("SELECT ") + cols + " FROM " + table + where + " ORDER BY " + order +
                            " LIMIT ? OFFSET ?",
                        p);
  if (!rows.ok()) return rows.status();
  std::vector<T> out;
  for (const auto& r : *rows) out.push_back(from(r));
  return std::make_pair(std::move(out), (*count)[0].Int("n"));
}
}  // namespace

// Adds "AND column IN (the units at and below code)" to a filter.
Status Service::InSubtree(const std::string& code, const std::string& column, std::string* where, sql::Params* p) {
  JW_ASSIGN_OR_RETURN(auto units, Subtree(code));
  *where += " AND " + column + " IN (";
  bool first = true;
  for (const auto& u : units) {
    *where += first ? "?" : ", ?";
    first = false;
    p->emplace_back(u);
  }
  *where += ")";
  return Status::Ok();
}

bool IsOneOf(std::string_view v, const std::string_view* begin, size_t n) {
  return std::find(begin, begin + n, v) != begin + n;
}
bool IsCommendation(std::string_view kind) {
  return kind == "commendation" || kind == "merit_third" || kind == "merit_second";
}

std::vector<sql::Migration> Migrations() {
  return {{"force", 1, "units, personnel, rosters, training, discipline, inspection findings",
           "CREATE TABLE force_units (code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, "
           "parent_code TEXT NOT NULL, district_code TEXT NOT NULL);"
           "CREATE TABLE force_personnel (police_no TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, "
           "id_number TEXT NOT NULL, unit_code TEXT NOT NULL, rank TEXT NOT NULL, post TEXT NOT NULL, "
           "status TEXT NOT NULL, username TEXT, call_sign TEXT NOT NULL, joined_at TEXT NOT NULL, "
           "left_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
           "CREATE UNIQUE INDEX force_personnel_user ON force_personnel (username);"
           "CREATE INDEX force_personnel_unit ON force_personnel (unit_code);"
           "CREATE TABLE force_shifts (id {{id}}, unit_code TEXT NOT NULL, date TEXT NOT NULL, code TEXT NOT NULL, "
           "starts_us BIGINT NOT NULL, ends_us BIGINT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL);"
           "CREATE INDEX force_shifts_unit ON force_shifts (unit_code, date);"
           "CREATE TABLE force_shift_members (shift_id BIGINT NOT NULL, police_no TEXT NOT NULL, "
           "call_sign TEXT NOT NULL, PRIMARY KEY (shift_id, police_no));"
           "CREATE INDEX force_shift_members_officer ON force_shift_members (police_no);"
           "CREATE TABLE force_courses (code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, "
           "hours DOUBLE PRECISION NOT NULL, pass_mark DOUBLE PRECISION NOT NULL);"
           "CREATE TABLE force_sessions (id {{id}}, course_code TEXT NOT NULL, title TEXT NOT NULL, "
           "starts_at TEXT NOT NULL, year INTEGER NOT NULL, place TEXT NOT NULL, unit_code TEXT NOT NULL, "
           "hours DOUBLE PRECISION NOT NULL, ref TEXT NOT NULL);"
           "CREATE INDEX force_sessions_year ON force_sessions (year);"
           "CREATE TABLE force_attendance (session_id BIGINT NOT NULL, police_no TEXT NOT NULL, "
           "hours DOUBLE PRECISION NOT NULL, score DOUBLE PRECISION, passed INTEGER NOT NULL, "
           "PRIMARY KEY (session_id, police_no));"
           "CREATE INDEX force_attendance_officer ON force_attendance (police_no);"
           "CREATE TABLE force_discipline (id {{id}}, police_no TEXT NOT NULL, kind TEXT NOT NULL, date TEXT NOT NULL, "
           "decision TEXT NOT NULL, finding_id BIGINT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL);"
           "CREATE INDEX force_discipline_officer ON force_discipline (police_no);"
           "CREATE TABLE force_protected (id_number TEXT PRIMARY KEY, category TEXT NOT NULL, note TEXT NOT NULL);"
           "CREATE TABLE force_findings (id {{id}}, fkey TEXT NOT NULL UNIQUE, rule TEXT NOT NULL, actor TEXT NOT NULL, "
           "police_no TEXT NOT NULL, unit_code TEXT NOT NULL, day TEXT NOT NULL, subject TEXT NOT NULL, "
           "score DOUBLE PRECISION NOT NULL, summary TEXT NOT NULL, facts TEXT NOT NULL, evidence TEXT NOT NULL, "
           "evidence_count BIGINT NOT NULL, state TEXT NOT NULL, proposed_decision TEXT NOT NULL, "
           "proposed_by TEXT NOT NULL, proposed_reason TEXT NOT NULL, proposed_at TEXT NOT NULL, "
           "decided_by TEXT NOT NULL, decided_at TEXT NOT NULL, discipline_id BIGINT NOT NULL, raised_at TEXT NOT NULL);"
           "CREATE INDEX force_findings_state ON force_findings (state, id);"
           "CREATE INDEX force_findings_actor ON force_findings (actor);"
           "CREATE TABLE force_inspection (one INTEGER PRIMARY KEY, last_id BIGINT NOT NULL, last_run_at TEXT NOT NULL, "
           "rules TEXT NOT NULL, history_rows BIGINT NOT NULL);"
           "INSERT INTO force_inspection (one, last_id, last_run_at, rules, history_rows) VALUES (1, 0, '', '{}', 0)"}};
}

Result<Options> ParseOptions(const std::string& json_text) {
  Options o;
  json j = json::parse(json_text.empty() ? "{}" : json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Validation("invalid_config", "force: expected a JSON object");
  try {
    for (auto& [k, v] : j.items()) {
      if (k == "min_rest_hours") o.min_rest_hours = v.get<double>();
      else if (k == "max_shift_hours") o.max_shift_hours = v.get<double>();
      else if (k == "required_training_hours") o.required_training_hours = v.get<double>();
      else if (k == "tracker_delay_days") o.tracker_delay_days = v.get<int>();
      else if (k == "tracker_show_officer") o.tracker_show_officer = v.get<bool>();
      else if (k == "rules") {
        Status s = o.rules.Merge(v);
        if (!s.ok()) return Validation("invalid_config", "force.rules: " + s.message());
      } else return Validation("invalid_config", "force: unknown key '" + k + "'");
    }
  } catch (const json::exception& e) {
    return Validation("invalid_config", std::string("force: ") + e.what());
  }
  if (o.min_rest_hours < 0 || o.max_shift_hours <= 0 || o.required_training_hours < 0 || o.tracker_delay_days < 0)
    return Validation("invalid_config", "force: hours and days must not be negative");
  return o;
}

Service::Service(sql::Database* db, audit::Log* audit, const Clock* clock, registry::Service* registry, Options opt)
    : db_(db), audit_(audit), clock_(clock), registry_(registry), opt_(std::move(opt)), rules_(opt_.rules) {}

void Service::Audit(const auth::Actor& a, const std::string& action, const std::string& target,
                    const std::string& outcome, const std::string& detail) {
  audit_->Record(a, action, target, outcome, detail);
}

Status Service::Load() {
  auto rows = db_->Query("SELECT rules FROM force_inspection WHERE one = 1");
  if (!rows.ok()) return rows.status();
  if (!rows->empty()) {
    // Rules changed on the rule page are stored over the configured ones.
    json stored = json::parse((*rows)[0].Text("rules"), nullptr, false);
    if (stored.is_object() && !stored.empty()) {
      RuleConfig r = opt_.rules;
      if (r.Merge(stored).ok()) {
        std::lock_guard lock(mu_);
        rules_ = r;
      }
    }
  }
  return ReloadRoster();
}

Status Service::ReloadRoster() {
  auto rows = db_->Query(
      "SELECT s.starts_us, s.ends_us, m.police_no, m.call_sign, p.name FROM force_shift_members m "
      "JOIN force_shifts s ON s.id = m.shift_id LEFT JOIN force_personnel p ON p.police_no = m.police_no "
      "WHERE m.call_sign <> '' AND (p.status IS NULL OR p.status NOT IN ('leave', 'suspended', 'left'))");
  if (!rows.ok()) return rows.status();
  auto stations = db_->Query("SELECT DISTINCT u.name FROM force_shifts s JOIN force_units u ON u.code = s.unit_code");
  if (!stations.ok()) return stations.status();
  std::map<std::string, std::vector<RosterSlot>> by;
  for (const auto& r : *rows)
    by[r.Text("call_sign")].push_back({r.Int("starts_us"), r.Int("ends_us"), r.Text("police_no"), r.Text("name")});
  std::set<std::string> names;
  for (const auto& r : *stations) names.insert(r.Text("name"));
  std::lock_guard lock(mu_);
  roster_by_call_sign_ = std::move(by);
  rostered_stations_ = std::move(names);
  return Status::Ok();
}

dispatch::Crew Service::CrewOf(const std::string& call_sign, const std::string& station, Timestamp at) const {
  dispatch::Crew c;
  std::lock_guard lock(mu_);
  auto it = roster_by_call_sign_.find(call_sign);
  c.rostered = rostered_stations_.count(station) > 0 || it != roster_by_call_sign_.end();
  if (it != roster_by_call_sign_.end())
    for (const auto& s : it->second)
      if (s.start_us <= at.micros && at.micros < s.end_us) c.members.emplace_back(s.police_no, s.name);
  return c;
}

// ---- units

Result<std::vector<Unit>> Service::Units() {
  auto rows = db_->Query("SELECT code, name, kind, parent_code, district_code FROM force_units ORDER BY code");
  if (!rows.ok()) return rows.status();
  auto counts = db_->Query("SELECT unit_code, COUNT(*) AS n FROM force_personnel WHERE status <> 'left' GROUP BY unit_code");
  if (!counts.ok()) return counts.status();
  std::map<std::string, int64_t> n;
  for (const auto& r : *counts) n[r.Text("unit_code")] = r.Int("n");
  std::vector<Unit> out;
  for (const auto& r : *rows) {
    Unit u = UnitFrom(r);
    u.personnel = n[u.code];
    out.push_back(std::move(u));
  }
  return out;
}

Result<std::set<std::string>> Service::Subtree(const std::string& code) {
  JW_ASSIGN_OR_RETURN(auto units, Units());
  std::set<std::string> out;
  bool found = false;
  for (const auto& u : units) found |= u.code == code;
  if (!found) return NotFound("unknown_unit", "no unit " + code);
  out.insert(code);
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& u : units)
      if (out.count(u.parent_code) && !out.count(u.code)) grew = out.insert(u.code).second;
  }
  return out;
}

Result<Unit> Service::CreateUnit(const auth::Actor& a, Unit u) {
  u.code = Clean(u.code, 20);
  u.name = Clean(u.name, 100);
  auto fail = [&](Status s) {
    Audit(a, "force.unit.create", u.code, "denied", s.code());
    return s;
  };
  if (u.code.empty() || u.code.size() > 20 || u.code.find_first_not_of("0123456789") != std::string::npos)
    return fail(Validation("invalid_unit_code", "a unit code is up to 20 digits"));
  if (u.name.empty()) return fail(Validation("missing_name", "the unit's name is required"));
  if (!IsOneOf(u.kind, kUnitKinds)) return fail(Validation("invalid_kind", "kind must be bureau, branch, station, brigade or post"));
  if (!u.parent_code.empty()) {
    auto p = db_->Query("SELECT district_code FROM force_units WHERE code = ?", {u.parent_code});
    if (!p.ok()) return p.status();
    if (p->empty()) return fail(NotFound("unknown_unit", "no parent unit " + u.parent_code));
    if (u.district_code.empty()) u.district_code = (*p)[0].Text("district_code");
  } else if (u.kind != "bureau") {
    return fail(Validation("parent_required", "only the bureau has no parent unit"));
  }
  auto ins = db_->Exec("INSERT INTO force_units (code, name, kind, parent_code, district_code) VALUES (?,?,?,?,?)",
                       {u.code, u.name, u.kind, u.parent_code, u.district_code});
  if (!ins.ok()) {
    auto exists = db_->Query("SELECT 1 FROM force_units WHERE code = ?", {u.code});
    if (exists.ok() && !exists->empty()) return fail(Conflict("unit_exists", "a unit " + u.code + " exists already"));
    return ins.status();
  }
  Audit(a, "force.unit.create", u.code, "ok", u.name);
  return u;
}

// ---- personnel

Result<std::pair<std::vector<Officer>, int64_t>> Service::Personnel(const PersonnelFilter& f) {
  std::string where = " WHERE 1 = 1";
  sql::Params p;
  if (!f.unit.empty()) {
    JW_RETURN_IF_ERROR(InSubtree(f.unit, "unit_code", &where, &p));
  }
  if (!f.q.empty()) {
    where += " AND (name LIKE ? OR police_no LIKE ?)";
    p.emplace_back("%" + f.q + "%");
    p.emplace_back(f.q + "%");
  }
  if (!f.status.empty()) {
    if (!IsOneOf(f.status, kStatuses)) return Validation("invalid_status", "unknown status " + f.status);
    where += " AND status = ?";
    p.emplace_back(f.status);
  }
  if (!f.kind.empty()) {
    if (!IsOneOf(f.kind, kPersonnelKinds)) return Validation("invalid_kind", "kind must be police or auxiliary");
    where += " AND kind = ?";
    p.emplace_back(f.kind);
  }
  return Paged<Officer>(db_, kOfficerCols, "force_personnel", where, "unit_code, police_no", p, f.page, f.page_size,
                        OfficerFrom);
}

Result<Officer> Service::GetOfficer(const std::string& police_no) {
  auto rows = db_->Query(std::string("SELECT ") + kOfficerCols + " FROM force_personnel WHERE police_no = ?", {police_no});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("unknown_officer", "no officer with police number " + police_no);
  return OfficerFrom((*rows)[0]);
}

Result<std::optional<Officer>> Service::OfficerOfUser(const std::string& username) {
  auto rows = db_->Query(std::string("SELECT ") + kOfficerCols + " FROM force_personnel WHERE username = ?", {username});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Officer>();
  return std::optional<Officer>(OfficerFrom((*rows)[0]));
}

namespace {
Status ValidateOfficer(const Officer& o) {
  if (o.police_no.size() < 4 || o.police_no.size() > 12 || o.police_no.find_first_not_of("0123456789") != std::string::npos)
    return Validation("invalid_police_number", "a police number is 4-12 digits");
  if (o.name.empty()) return Validation("missing_name", "the officer's name is required");
  if (!IsOneOf(o.kind, kPersonnelKinds)) return Validation("invalid_kind", "kind must be police (民警) or auxiliary (辅警)");
  if (!IsOneOf(o.status, kStatuses))
    return Validation("invalid_status", "status must be on_duty, leave, training, suspended or left");
  if (!o.id_number.empty() && !identity::ParseIdNumber(o.id_number).ok())
    return Validation("invalid_id_number", "the ID number is not a valid resident ID number");
  return Status::Ok();
}
}  // namespace

Result<Officer> Service::CreateOfficer(const auth::Actor& a, Officer o) {
  for (std::string* f : {&o.police_no, &o.name, &o.kind, &o.id_number, &o.unit_code, &o.rank, &o.post, &o.status,
                         &o.username, &o.call_sign})
    *f = Clean(*f, 100);
  if (o.status.empty()) o.status = "on_duty";
  auto fail = [&](Status s) {
    Audit(a, "force.personnel.create", o.police_no, "denied", s.code());
    return s;
  };
  if (Status s = ValidateOfficer(o); !s.ok()) return fail(s);
  if (o.status == "left") return fail(Validation("invalid_status", "a new officer cannot have left"));
  auto unit = db_->Query("SELECT 1 FROM force_units WHERE code = ?", {o.unit_code});
  if (!unit.ok()) return unit.status();
  if (unit->empty()) return fail(NotFound("unknown_unit", "no unit " + o.unit_code));
  o.updated_at = Now(clock_);
  if (o.joined_at.empty()) o.joined_at = o.updated_at.substr(0, 10);
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    auto dup = c.Query("SELECT 1 FROM force_personnel WHERE police_no = ?", {o.police_no});
    if (!dup.ok()) return dup.status();
    if (!dup->empty()) return Conflict("officer_exists", "police number " + o.police_no + " is taken");
    if (!o.username.empty()) {
      auto user = c.Query("SELECT 1 FROM users WHERE username = ?", {o.username});
      if (!user.ok()) return user.status();
      if (user->empty()) return NotFound("unknown_user", "no account " + o.username);
      auto linked = c.Query("SELECT police_no FROM force_personnel WHERE username = ?", {o.username});
      if (!linked.ok()) return linked.status();
      if (!linked->empty())
        return Conflict("account_linked", "the account " + o.username + " belongs to " + (*linked)[0].Text("police_no"));
    }
    return c.Exec(std::string("INSERT INTO force_personnel (") + kOfficerCols + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  {o.police_no, o.name, o.kind, o.id_number, o.unit_code, o.rank, o.post, o.status, OrNull(o.username),
                   o.call_sign, o.joined_at, o.left_at, o.updated_at})
        .status();
  });
  if (!s.ok()) return fail(s);
  Audit(a, "force.personnel.create", o.police_no, "ok", o.unit_code);
  return o;
}

Result<Officer> Service::UpdateOfficer(const auth::Actor& a, const std::string& police_no, const json& patch) {
  auto fail = [&](Status s) {
    Audit(a, "force.personnel.update", police_no, "denied", s.code());
    return s;
  };
  if (!patch.is_object()) return fail(Validation("malformed_json", "expected a JSON object"));
  JW_ASSIGN_OR_RETURN(Officer o, GetOfficer(police_no));
  Officer before = o;
  for (auto& [k, v] : patch.items()) {
    std::string* field = k == "name" ? &o.name : k == "unit_code" ? &o.unit_code : k == "rank" ? &o.rank
                       : k == "post" ? &o.post : k == "status" ? &o.status : k == "username" ? &o.username
                       : k == "call_sign" ? &o.call_sign : k == "id_number" ? &o.id_number : nullptr;
    if (!field) return fail(Validation("unknown_field", "the field '" + k + "' cannot be changed"));
    if (!v.is_string()) return fail(Validation("invalid_value", "'" + k + "' must be text"));
    *field = Clean(v.get<std::string>(), 100);
  }
  if (Status s = ValidateOfficer(o); !s.ok()) return fail(s);
  if (before.status == "left" && o.status != "left")
    return fail(Conflict("officer_left", "an officer who left the force is not changed; add them again"));
  bool leaving = before.status != "left" && o.status == "left";
  o.updated_at = Now(clock_);
  if (leaving) o.left_at = o.updated_at.substr(0, 10);
  int64_t disabled_user = 0;
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    if (o.unit_code != before.unit_code) {
      auto unit = c.Query("SELECT 1 FROM force_units WHERE code = ?", {o.unit_code});
      if (!unit.ok()) return unit.status();
      if (unit->empty()) return NotFound("unknown_unit", "no unit " + o.unit_code);
    }
    if (!o.username.empty() && o.username != before.username) {
      auto user = c.Query("SELECT 1 FROM users WHERE username = ?", {o.username});
      if (!user.ok()) return user.status();
      if (user->empty()) return NotFound("unknown_user", "no account " + o.username);
      auto linked = c.Query("SELECT police_no FROM force_personnel WHERE username = ? AND police_no <> ?",
                            {o.username, o.police_no});
      if (!linked.ok()) return linked.status();
      if (!linked->empty())
        return Conflict("account_linked", "the account " + o.username + " belongs to " + (*linked)[0].Text("police_no"));
    }
    JW_RETURN_IF_ERROR(c.Exec("UPDATE force_personnel SET name = ?, unit_code = ?, rank = ?, post = ?, status = ?, "
                              "username = ?, call_sign = ?, id_number = ?, left_at = ?, updated_at = ? WHERE police_no = ?",
                              {o.name, o.unit_code, o.rank, o.post, o.status, OrNull(o.username), o.call_sign,
                               o.id_number, o.left_at, o.updated_at, o.police_no})
                           .status());
    if (leaving && !o.username.empty()) {
      // Leaving the force ends the account in the same transaction.
      auto u = c.Query("SELECT id FROM users WHERE username = ?", {o.username});
      if (!u.ok()) return u.status();
      if (!u->empty()) {
        disabled_user = (*u)[0].Int("id");
        JW_RETURN_IF_ERROR(c.Exec("UPDATE users SET disabled = 1 WHERE id = ?", {disabled_user}).status());
        JW_RETURN_IF_ERROR(c.Exec("DELETE FROM sessions WHERE user_id = ?", {disabled_user}).status());
      }
    }
    return Status::Ok();
  });
  if (!s.ok()) return fail(s);
  std::string detail;
  for (const auto& [k, v] : patch.items()) detail += (detail.empty() ? "" : ",") + k;
  Audit(a, "force.personnel.update", police_no, "ok", detail);
  // An officer on leave, suspended or gone no longer crews a car.
  if (o.status != before.status) JW_RETURN_IF_ERROR(ReloadRoster());
  if (disabled_user) Audit(a, "user.update", o.username, "ok", "disabled: left the force");
  return o;
}

// ---- rosters

namespace {
Result<std::vector<Shift>> LoadShifts(sql::Database* db, const std::string& where, const sql::Params& p) {
  auto rows = db->Query("SELECT id, unit_code, date, code, starts_us, ends_us FROM force_shifts" + where +
                            " ORDER BY starts_us, id LIMIT 5000",
                        p);
  if (!rows.ok()) return rows.status();
  std::vector<Shift> out;
  std::map<int64_t, size_t> at;
  for (const auto& r : *rows) {
    Shift s;
    s.id = r.Int("id");
    s.unit_code = r.Text("unit_code");
    s.date = r.Text("date");
    s.code = r.Text("code");
    s.starts_at = FormatTime(Timestamp{r.Int("starts_us")});
    s.ends_at = FormatTime(Timestamp{r.Int("ends_us")});
    at[s.id] = out.size();
    out.push_back(std::move(s));
  }
  if (out.empty()) return out;
  std::string ids;
  sql::Params mp;
  for (const auto& s : out) {
    ids += ids.empty() ? "?" : ", ?";
    mp.emplace_back(s.id);
  }
  auto members = db->Query("SELECT m.shift_id, m.police_no, m.call_sign, p.name FROM force_shift_members m "
                           "LEFT JOIN force_personnel p ON p.police_no = m.police_no WHERE m.shift_id IN (" + ids +
                               ") ORDER BY m.call_sign, m.police_no",
                           mp);
  if (!members.ok()) return members.status();
  for (const auto& r : *members)
    out[at[r.Int("shift_id")]].members.push_back({r.Text("police_no"), r.Text("name"), r.Text("call_sign")});
  return out;
}
}  // namespace

Result<std::vector<Shift>> Service::Shifts(const std::string& unit, const std::string& from_date,
                                           const std::string& to_date, const std::string& police_no) {
  std::string where = " WHERE 1 = 1";
  sql::Params p;
  if (!unit.empty()) {
    JW_RETURN_IF_ERROR(InSubtree(unit, "unit_code", &where, &p));
  }
  if (!from_date.empty()) {
    JW_RETURN_IF_ERROR(LocalDateDay(from_date).status());
    where += " AND date >= ?";
    p.emplace_back(from_date);
  }
  if (!to_date.empty()) {
    JW_RETURN_IF_ERROR(LocalDateDay(to_date).status());
    where += " AND date <= ?";
    p.emplace_back(to_date);
  }
  if (!police_no.empty()) {
    where += " AND id IN (SELECT shift_id FROM force_shift_members WHERE police_no = ?)";
    p.emplace_back(police_no);
  }
  return LoadShifts(db_, where, p);
}

namespace {
// The checks of one member joining a shift [start, end), inside the transaction.
Status CheckMember(sql::Connection& c, const Options& opt, const std::set<std::string>* call_signs, int64_t shift_id,
                   int64_t start, int64_t end, const ShiftMember& m) {
  auto off = c.Query("SELECT status, name FROM force_personnel WHERE police_no = ?", {m.police_no});
  if (!off.ok()) return off.status();
  if (off->empty()) return NotFound("unknown_officer", "no officer with police number " + m.police_no);
  std::string status = (*off)[0].Text("status");
  if (status == "leave" || status == "suspended" || status == "left")
    return Conflict("officer_unavailable", (*off)[0].Text("name") + " (" + m.police_no + ") is " + status +
                                               " and cannot be rostered");
  if (!m.call_sign.empty() && call_signs && !call_signs->count(m.call_sign))
    return NotFound("unknown_call_sign", "no dispatch unit with call sign " + m.call_sign);
  int64_t rest = static_cast<int64_t>(opt.min_rest_hours * 3600) * kMicrosPerSecond;
  auto near = c.Query("SELECT s.id, s.starts_us, s.ends_us FROM force_shifts s JOIN force_shift_members m "
                      "ON m.shift_id = s.id WHERE m.police_no = ? AND s.id <> ? AND s.ends_us > ? AND s.starts_us < ?",
                      {m.police_no, shift_id, start - rest, end + rest});
  if (!near.ok()) return near.status();
  for (const auto& r : *near) {
    int64_t s2 = r.Int("starts_us"), e2 = r.Int("ends_us");
    if (s2 < end && start < e2)
      return Conflict("double_shift", m.police_no + " is already on shift " + std::to_string(r.Int("id")) + " (" +
                                          FormatTime(Timestamp{s2}) + " – " + FormatTime(Timestamp{e2}) + ")");
    return Conflict("rest_too_short", m.police_no + " would rest less than " +
                                          std::to_string(static_cast<int>(opt.min_rest_hours)) +
                                          " h between this shift and shift " + std::to_string(r.Int("id")));
  }
  return Status::Ok();
}
}  // namespace

Result<Shift> Service::CreateShift(const auth::Actor& a, Shift s) {
  auto fail = [&](Status st) {
    Audit(a, "force.shift.create", s.unit_code + " " + s.date, "denied", st.code());
    return st;
  };
  s.code = Clean(s.code, 20);
  if (s.code.empty()) s.code = "day";
  auto day = LocalDateDay(s.date);
  if (!day.ok()) return fail(day.status());
  auto start = ParseTime(s.starts_at), end = ParseTime(s.ends_at);
  if (!start.ok() || !end.ok())
    return fail(Validation("invalid_time", "starts_at and ends_at must be times (2026-01-01T08:00)"));
  if (end->micros <= start->micros) return fail(Validation("invalid_shift", "the shift ends before it starts"));
  if (end->micros - start->micros > static_cast<int64_t>(opt_.max_shift_hours * 3600) * kMicrosPerSecond)
    return fail(Validation("invalid_shift", "a shift lasts at most " + std::to_string(static_cast<int>(opt_.max_shift_hours)) + " hours"));
  if (LocalDay(*start) != *day) return fail(Validation("invalid_shift", "the shift must start on its date"));
  std::set<std::string> seen;
  for (auto& m : s.members) {
    m.police_no = Clean(m.police_no, 12);
    m.call_sign = Clean(m.call_sign, 40);
    if (!seen.insert(m.police_no).second)
      return fail(Conflict("double_shift", m.police_no + " is listed twice on the shift"));
  }
  std::set<std::string> call_signs;
  if (dispatch_)
    for (const auto& u : dispatch_->ListUnits()) call_signs.insert(u.call_sign);
  Status st = db_->Transaction([&](sql::Connection& c) -> Status {
    auto unit = c.Query("SELECT 1 FROM force_units WHERE code = ?", {s.unit_code});
    if (!unit.ok()) return unit.status();
    if (unit->empty()) return NotFound("unknown_unit", "no unit " + s.unit_code);
    auto ins = c.Query("INSERT INTO force_shifts (unit_code, date, code, starts_us, ends_us, created_by, created_at) "
                       "VALUES (?,?,?,?,?,?,?) RETURNING id",
                       {s.unit_code, s.date, s.code, start->micros, end->micros, a.username, Now(clock_)});
    if (!ins.ok()) return ins.status();
    s.id = (*ins)[0].Int("id");
    for (const auto& m : s.members) {
      JW_RETURN_IF_ERROR(CheckMember(c, opt_, dispatch_ ? &call_signs : nullptr, s.id, start->micros, end->micros, m));
      JW_RETURN_IF_ERROR(c.Exec("INSERT INTO force_shift_members (shift_id, police_no, call_sign) VALUES (?,?,?)",
                                {s.id, m.police_no, m.call_sign})
                             .status());
    }
    return Status::Ok();
  });
  if (!st.ok()) return fail(st);
  JW_RETURN_IF_ERROR(ReloadRoster());
  Audit(a, "force.shift.create", std::to_string(s.id), "ok", s.unit_code + " " + s.date + " " + s.code);
  JW_ASSIGN_OR_RETURN(auto list, LoadShifts(db_, " WHERE id = ?", {s.id}));
  return list.at(0);
}

Result<Shift> Service::AddMember(const auth::Actor& a, int64_t shift_id, ShiftMember m) {
  m.police_no = Clean(m.police_no, 12);
  m.call_sign = Clean(m.call_sign, 40);
  auto fail = [&](Status st) {
    Audit(a, "force.shift.member_add", std::to_string(shift_id), "denied", st.code());
    return st;
  };
  std::set<std::string> call_signs;
  if (dispatch_)
    for (const auto& u : dispatch_->ListUnits()) call_signs.insert(u.call_sign);
  Status st = db_->Transaction([&](sql::Connection& c) -> Status {
    auto sh = c.Query("SELECT starts_us, ends_us FROM force_shifts WHERE id = ?", {shift_id});
    if (!sh.ok()) return sh.status();
    if (sh->empty()) return NotFound("shift_not_found", "no shift " + std::to_string(shift_id));
    auto dup = c.Query("SELECT 1 FROM force_shift_members WHERE shift_id = ? AND police_no = ?", {shift_id, m.police_no});
    if (!dup.ok()) return dup.status();
    if (!dup->empty()) return Conflict("double_shift", m.police_no + " is already on this shift");
    JW_RETURN_IF_ERROR(CheckMember(c, opt_, dispatch_ ? &call_signs : nullptr, shift_id, (*sh)[0].Int("starts_us"), (*sh)[0].Int("ends_us"), m));
    return c.Exec("INSERT INTO force_shift_members (shift_id, police_no, call_sign) VALUES (?,?,?)",
                  {shift_id, m.police_no, m.call_sign})
        .status();
  });
  if (!st.ok()) return fail(st);
  JW_RETURN_IF_ERROR(ReloadRoster());
  Audit(a, "force.shift.member_add", std::to_string(shift_id), "ok", m.police_no + " " + m.call_sign);
  JW_ASSIGN_OR_RETURN(auto list, LoadShifts(db_, " WHERE id = ?", {shift_id}));
  return list.at(0);
}

Result<Shift> Service::RemoveMember(const auth::Actor& a, int64_t shift_id, const std::string& police_no) {
  auto n = db_->Exec("DELETE FROM force_shift_members WHERE shift_id = ? AND police_no = ?", {shift_id, police_no});
  if (!n.ok()) return n.status();
  if (*n == 0) {
    Audit(a, "force.shift.member_remove", std::to_string(shift_id), "denied", "not_on_shift");
    return NotFound("not_on_shift", police_no + " is not on shift " + std::to_string(shift_id));
  }
  JW_RETURN_IF_ERROR(ReloadRoster());
  Audit(a, "force.shift.member_remove", std::to_string(shift_id), "ok", police_no);
  JW_ASSIGN_OR_RETURN(auto list, LoadShifts(db_, " WHERE id = ?", {shift_id}));
  if (list.empty()) return NotFound("shift_not_found", "no shift " + std::to_string(shift_id));
  return list.at(0);
}

Status Service::DeleteShift(const auth::Actor& a, int64_t shift_id) {
  int64_t removed = 0;
  Status st = db_->Transaction([&](sql::Connection& c) -> Status {
    JW_RETURN_IF_ERROR(c.Exec("DELETE FROM force_shift_members WHERE shift_id = ?", {shift_id}).status());
    auto n = c.Exec("DELETE FROM force_shifts WHERE id = ?", {shift_id});
    if (!n.ok()) return n.status();
    removed = *n;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (removed == 0) {
    Audit(a, "force.shift.delete", std::to_string(shift_id), "denied", "shift_not_found");
    return NotFound("shift_not_found", "no shift " + std::to_string(shift_id));
  }
  JW_RETURN_IF_ERROR(ReloadRoster());
  Audit(a, "force.shift.delete", std::to_string(shift_id), "ok", "");
  return Status::Ok();
}

Result<int> Service::SeedRoster(const auth::Actor& a, Timestamp now, int days) {
  int made = 0;
  int64_t today = LocalDay(now);
  int station_index = 0;
  for (const auto& st : dispatch::DemoStations()) {
    ++station_index;
    auto unit = db_->Query("SELECT code FROM force_units WHERE name = ? AND kind = 'station'", {std::string(st.name)});
    if (!unit.ok()) return unit.status();
    if (unit->empty()) continue;
    std::string code = (*unit)[0].Text("code");
    // Four teams per car: A and B take alternate days, C and D alternate nights.
    std::map<std::string, std::vector<std::string>> crews;  // call sign → officers
    auto people = db_->Query("SELECT police_no, call_sign FROM force_personnel WHERE unit_code = ? AND status = 'on_duty' "
                             "AND call_sign <> '' ORDER BY police_no",
                             {code});
    if (!people.ok()) return people.status();
    for (const auto& r : *people) crews[r.Text("call_sign")].push_back(r.Text("police_no"));
    for (int i = -1; i < days - 1; ++i) {
      for (int night = 0; night < 2; ++night) {
        Shift s;
        s.unit_code = code;
        s.date = DayString(today + i);
        s.code = night ? "night" : "day";
        s.starts_at = FormatTime(Timestamp{((today + i) * 86400 + (night ? 20 : 8) * 3600 - 8 * 3600) * kMicrosPerSecond});
        s.ends_at = FormatTime(Timestamp{((today + i) * 86400 + (night ? 32 : 20) * 3600 - 8 * 3600) * kMicrosPerSecond});
        int team = night * 2 + ((i % 2 + 2) % 2);
        int car = 0;
        for (const auto& [call_sign, list] : crews) {
          // Some stations run one car at night: the other is off the roster.
          if (night && car++ == 1 && station_index % 4 == 0) continue;
          for (size_t k = 0; k < 2; ++k) {
            size_t idx = static_cast<size_t>(team) * 2 + k;
            if (idx < list.size()) s.members.push_back({list[idx], "", call_sign});
          }
        }
        auto created = CreateShift(a, s);
        if (!created.ok()) return created.status();
        ++made;
      }
    }
  }
  return made;
}

// ---- training

Result<std::vector<Course>> Service::Courses() {
  auto rows = db_->Query("SELECT code, name, kind, hours, pass_mark FROM force_courses ORDER BY code");
  if (!rows.ok()) return rows.status();
  std::vector<Course> out;
  for (const auto& r : *rows)
    out.push_back({r.Text("code"), r.Text("name"), r.Text("kind"), r.Double("hours"), r.Double("pass_mark")});
  return out;
}

Result<Course> Service::CreateCourse(const auth::Actor& a, Course c) {
  c.code = Clean(c.code, 20);
  c.name = Clean(c.name, 100);
  auto fail = [&](Status st) {
    Audit(a, "force.course.create", c.code, "denied", st.code());
    return st;
  };
  if (c.code.empty() || c.name.empty()) return fail(Validation("missing_name", "a course needs a code and a name"));
  if (!IsOneOf(c.kind, kCourseKinds))
    return fail(Validation("invalid_kind", "kind must be night_school, physical, shooting, legal, first_aid or tactics"));
  if (!(c.hours > 0 && c.hours <= 200)) return fail(Validation("invalid_hours", "hours must be more than 0 and at most 200"));
  if (!(c.pass_mark >= 0 && c.pass_mark <= 100)) return fail(Validation("invalid_score", "the pass mark is 0 to 100"));
  auto ins = db_->Exec("INSERT INTO force_courses (code, name, kind, hours, pass_mark) VALUES (?,?,?,?,?)",
                       {c.code, c.name, c.kind, c.hours, c.pass_mark});
  if (!ins.ok()) {
    auto exists = db_->Query("SELECT 1 FROM force_courses WHERE code = ?", {c.code});
    if (exists.ok() && !exists->empty()) return fail(Conflict("course_exists", "a course " + c.code + " exists already"));
    return ins.status();
  }
  Audit(a, "force.course.create", c.code, "ok", c.name);
  return c;
}

namespace {
constexpr const char* kSessionSelect =
    "SELECT s.id, s.course_code, s.title, s.starts_at, s.place, s.unit_code, s.hours, c.kind, c.pass_mark, "
    "(SELECT COUNT(*) FROM force_attendance a WHERE a.session_id = s.id) AS n FROM force_sessions s "
    "JOIN force_courses c ON c.code = s.course_code";
Session SessionFrom(const sql::Row& r) {
  Session s;
  s.id = r.Int("id");
  s.course_code = r.Text("course_code");
  s.title = r.Text("title");
  s.starts_at = r.Text("starts_at");
  s.place = r.Text("place");
  s.unit_code = r.Text("unit_code");
  s.hours = r.Double("hours");
  s.kind = r.Text("kind");
  s.pass_mark = r.Double("pass_mark");
  s.attendance = r.Int("n");
  return s;
}
}  // namespace

Result<std::vector<Session>> Service::Sessions(int year, const std::string& kind) {
  std::string where = " WHERE 1 = 1";
  sql::Params p;
  if (year > 0) {
    where += " AND s.year = ?";
    p.emplace_back(int64_t{year});
  }
  if (!kind.empty()) {
    if (!IsOneOf(kind, kCourseKinds)) return Validation("invalid_kind", "unknown course kind " + kind);
    where += " AND c.kind = ?";
    p.emplace_back(kind);
  }
  auto rows = db_->Query(std::string(kSessionSelect) + where + " ORDER BY s.starts_at, s.id", p);
  if (!rows.ok()) return rows.status();
  std::vector<Session> out;
  for (const auto& r : *rows) out.push_back(SessionFrom(r));
  return out;
}

Result<Session> Service::CreateSession(const auth::Actor& a, Session s) {
  s.title = Clean(s.title, 200);
  s.place = Clean(s.place, 200);
  auto fail = [&](Status st) {
    Audit(a, "force.session.create", s.course_code, "denied", st.code());
    return st;
  };
  auto course = db_->Query("SELECT hours, name FROM force_courses WHERE code = ?", {s.course_code});
  if (!course.ok()) return course.status();
  if (course->empty()) return fail(NotFound("unknown_course", "no course " + s.course_code));
  auto t = ParseTime(s.starts_at);
  if (!t.ok()) return fail(Validation("invalid_time", "starts_at must be a time"));
  if (s.hours == 0) s.hours = (*course)[0].Double("hours");
  if (!(s.hours > 0 && s.hours <= 200)) return fail(Validation("invalid_hours", "hours must be more than 0 and at most 200"));
  if (s.title.empty()) s.title = (*course)[0].Text("name");
  if (!s.unit_code.empty()) {
    auto unit = db_->Query("SELECT 1 FROM force_units WHERE code = ?", {s.unit_code});
    if (!unit.ok()) return unit.status();
    if (unit->empty()) return fail(NotFound("unknown_unit", "no unit " + s.unit_code));
  }
  s.starts_at = FormatTime(*t);
  int y, m, d;
  CivilFromDays(LocalDay(*t), &y, &m, &d);
  auto ins = db_->Query("INSERT INTO force_sessions (course_code, title, starts_at, year, place, unit_code, hours, ref) "
                        "VALUES (?,?,?,?,?,?,?,'') RETURNING id",
                        {s.course_code, s.title, s.starts_at, int64_t{y}, s.place, s.unit_code, s.hours});
  if (!ins.ok()) return ins.status();
  int64_t id = (*ins)[0].Int("id");
  Audit(a, "force.session.create", std::to_string(id), "ok", s.course_code);
  JW_ASSIGN_OR_RETURN(auto got, GetSession(id));
  return got.first;
}

Result<std::pair<Session, std::vector<Attendance>>> Service::GetSession(int64_t id) {
  auto rows = db_->Query(std::string(kSessionSelect) + " WHERE s.id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("session_not_found", "no training session " + std::to_string(id));
  Session s = SessionFrom((*rows)[0]);
  auto att = db_->Query("SELECT a.police_no, p.name, a.hours, a.score, a.passed FROM force_attendance a "
                        "LEFT JOIN force_personnel p ON p.police_no = a.police_no WHERE a.session_id = ? "
                        "ORDER BY a.police_no",
                        {id});
  if (!att.ok()) return att.status();
  std::vector<Attendance> out;
  for (const auto& r : *att) {
    Attendance x;
    x.session_id = id;
    x.police_no = r.Text("police_no");
    x.name = r.Text("name");
    x.hours = r.Double("hours");
    if (!r.IsNull("score")) x.score = r.Double("score");
    x.passed = r.Int("passed") != 0;
    out.push_back(std::move(x));
  }
  return std::make_pair(std::move(s), std::move(out));
}

Result<int64_t> Service::RecordAttendance(const auth::Actor& a, int64_t session_id, const std::vector<Attendance>& rows) {
  auto fail = [&](Status st) {
    Audit(a, "force.attendance.record", std::to_string(session_id), "denied", st.code());
    return st;
  };
  JW_ASSIGN_OR_RETURN(auto got, GetSession(session_id));
  const Session& s = got.first;
  if (rows.empty()) return fail(Validation("invalid_value", "records: at least one officer"));
  for (const auto& r : rows) {
    if (r.score && !(*r.score >= 0 && *r.score <= 100))
      return fail(Validation("invalid_score", "score of " + r.police_no + " must be 0 to 100"));
    if (!(r.hours >= 0 && r.hours <= s.hours))
      return fail(Validation("invalid_hours", "hours of " + r.police_no + " must be 0 to the session's " +
                                                  std::to_string(static_cast<int>(s.hours))));
  }
  Status st = db_->Transaction([&](sql::Connection& c) -> Status {
    for (const auto& r : rows) {
      auto off = c.Query("SELECT 1 FROM force_personnel WHERE police_no = ?", {r.police_no});
      if (!off.ok()) return off.status();
      if (off->empty()) return NotFound("unknown_officer", "no officer with police number " + r.police_no);
      double hours = r.hours > 0 ? r.hours : s.hours;
      bool passed = !r.score || s.pass_mark <= 0 || *r.score >= s.pass_mark;
      JW_RETURN_IF_ERROR(c.Exec("DELETE FROM force_attendance WHERE session_id = ? AND police_no = ?", {session_id, r.police_no}).status());
      JW_RETURN_IF_ERROR(c.Exec("INSERT INTO force_attendance (session_id, police_no, hours, score, passed) VALUES (?,?,?,?,?)",
                                {session_id, r.police_no, hours, r.score ? sql::Value(*r.score) : sql::Value(nullptr),
                                 int64_t{passed ? 1 : 0}})
                             .status());
    }
    return Status::Ok();
  });
  if (!st.ok()) return fail(st);
  Audit(a, "force.attendance.record", std::to_string(session_id), "ok", std::to_string(rows.size()) + " officers");
  return static_cast<int64_t>(rows.size());
}

Result<std::vector<TrainingRow>> Service::Hours(int year, const std::string& unit) {
  std::string where = " WHERE p.status <> 'left'";
  sql::Params p{int64_t{year}};
  if (!unit.empty()) {
    JW_RETURN_IF_ERROR(InSubtree(unit, "p.unit_code", &where, &p));
  }
  auto rows = db_->Query(
      "SELECT p.police_no, p.name, p.unit_code, p.kind, COALESCE(SUM(a.hours), 0) AS hours, COUNT(a.session_id) AS n, "
      "COALESCE(SUM(CASE WHEN a.passed = 0 THEN 1 ELSE 0 END), 0) AS failed FROM force_personnel p "
      "LEFT JOIN (SELECT x.police_no, x.hours, x.passed, x.session_id FROM force_attendance x JOIN force_sessions s "
      "ON s.id = x.session_id WHERE s.year = ?) a ON a.police_no = p.police_no" + where +
          " GROUP BY p.police_no, p.name, p.unit_code, p.kind ORDER BY hours, p.police_no",
      p);
  if (!rows.ok()) return rows.status();
  std::vector<TrainingRow> out;
  for (const auto& r : *rows) {
    TrainingRow t{r.Text("police_no"), r.Text("name"), r.Text("unit_code"), r.Text("kind"), r.Double("hours"),
                  r.Int("n"), r.Int("failed"), false};
    t.behind = t.hours < opt_.required_training_hours;
    out.push_back(std::move(t));
  }
  return out;
}

Result<json> Service::TrainingSummary(int year_from, int year_to) {
  auto rows = db_->Query(
      "SELECT s.year, c.kind, COUNT(DISTINCT s.id) AS sessions, COUNT(a.police_no) AS attendances, "
      "COALESCE(SUM(a.hours), 0) AS hours FROM force_sessions s JOIN force_courses c ON c.code = s.course_code "
      "LEFT JOIN force_attendance a ON a.session_id = s.id WHERE s.year >= ? AND s.year <= ? "
      "GROUP BY s.year, c.kind ORDER BY s.year, c.kind",
      {int64_t{year_from}, int64_t{year_to}});
  if (!rows.ok()) return rows.status();
  json by = json::array();
  int64_t sessions = 0, attendances = 0, night = 0, events = 0;
  double hours = 0;
  for (const auto& r : *rows) {
    by.push_back({{"year", r.Int("year")}, {"kind", r.Text("kind")}, {"sessions", r.Int("sessions")},
                  {"attendances", r.Int("attendances")}, {"hours", r.Double("hours")}});
    sessions += r.Int("sessions");
    attendances += r.Int("attendances");
    hours += r.Double("hours");
    (r.Text("kind") == "night_school" ? night : events) += r.Int("sessions");
  }
  return json{{"from", year_from}, {"to", year_to}, {"sessions", sessions}, {"night_school_sessions", night},
              {"training_events", events}, {"attendances", attendances}, {"hours", hours},
              {"required_hours", opt_.required_training_hours}, {"by_year_kind", by}};
}

// ---- discipline

Result<std::vector<Discipline>> Service::DisciplineOf(const std::string& police_no) {
  std::string where = police_no.empty() ? "" : " WHERE d.police_no = ?";
  sql::Params p;
  if (!police_no.empty()) p.emplace_back(police_no);
  auto rows = db_->Query("SELECT d.id, d.police_no, p.name, d.kind, d.date, d.decision, d.finding_id, d.created_by, "
                         "d.created_at FROM force_discipline d LEFT JOIN force_personnel p ON p.police_no = d.police_no" +
                             where + " ORDER BY d.date DESC, d.id DESC LIMIT 500",
                         p);
  if (!rows.ok()) return rows.status();
  std::vector<Discipline> out;
  for (const auto& r : *rows)
    out.push_back({r.Int("id"), r.Text("police_no"), r.Text("name"), r.Text("kind"), r.Text("date"), r.Text("decision"),
                   r.Int("finding_id"), r.Text("created_by"), r.Text("created_at")});
  return out;
}

Result<Discipline> Service::AddDiscipline(const auth::Actor& a, Discipline d) {
  d.decision = Clean(d.decision, 1000);
  auto fail = [&](Status st) {
    Audit(a, "force.discipline.create", d.police_no, "denied", st.code());
    return st;
  };
  if (!IsOneOf(d.kind, kDisciplineKinds))
    return fail(Validation("invalid_kind", "kind must be one of commendation, merit_third, merit_second, criticism, "
                                           "warning, demerit, major_demerit, dismissal"));
  if (!LocalDateDay(d.date).ok()) return fail(Validation("invalid_date", "date must be YYYY-MM-DD"));
  if (d.decision.size() < 4) return fail(Validation("decision_required", "the decision text is required"));
  d.created_by = a.username;
  d.created_at = Now(clock_);
  Status st = db_->Transaction([&](sql::Connection& c) -> Status {
    auto off = c.Query("SELECT name FROM force_personnel WHERE police_no = ?", {d.police_no});
    if (!off.ok()) return off.status();
    if (off->empty()) return NotFound("unknown_officer", "no officer with police number " + d.police_no);
    d.name = (*off)[0].Text("name");
    if (d.finding_id) {
      if (IsCommendation(d.kind)) return Validation("invalid_kind", "a finding leads to discipline, not a commendation");
      auto f = c.Query("SELECT state, police_no, discipline_id FROM force_findings WHERE id = ?", {d.finding_id});
      if (!f.ok()) return f.status();
      if (f->empty()) return NotFound("finding_not_found", "no finding " + std::to_string(d.finding_id));
      if ((*f)[0].Text("state") != "confirmed")
        return Conflict("finding_not_confirmed", "only a confirmed finding leads to a discipline record");
      if ((*f)[0].Int("discipline_id") != 0) return Conflict("finding_has_record", "this finding has its record already");
      if ((*f)[0].Text("police_no") != d.police_no)
        return Validation("wrong_officer", "the finding is about " + (*f)[0].Text("police_no"));
    }
    auto ins = c.Query("INSERT INTO force_discipline (police_no, kind, date, decision, finding_id, created_by, created_at) "
                       "VALUES (?,?,?,?,?,?,?) RETURNING id",
                       {d.police_no, d.kind, d.date, d.decision, d.finding_id, d.created_by, d.created_at});
    if (!ins.ok()) return ins.status();
    d.id = (*ins)[0].Int("id");
    if (d.finding_id)
      JW_RETURN_IF_ERROR(c.Exec("UPDATE force_findings SET discipline_id = ? WHERE id = ?", {d.id, d.finding_id}).status());
    return Status::Ok();
  });
  if (!st.ok()) return fail(st);
  Audit(a, "force.discipline.create", d.police_no, "ok", d.kind + (d.finding_id ? " finding " + std::to_string(d.finding_id) : ""));
  return d;
}

// ---- inspection

RuleConfig Service::Rules() const {
  std::lock_guard lock(mu_);
  return rules_;
}

Result<RuleConfig> Service::SetRules(const auth::Actor& a, const json& patch) {
  RuleConfig next = Rules();
  if (Status s = next.Merge(patch); !s.ok()) {
    Audit(a, "inspection.rules.update", "rules", "denied", s.code());
    return s;
  }
  auto upd = db_->Exec("UPDATE force_inspection SET rules = ? WHERE one = 1", {next.ToJson().dump()});
  if (!upd.ok()) return upd.status();
  {
    std::lock_guard lock(mu_);
    rules_ = next;
  }
  Audit(a, "inspection.rules.update", "rules", "ok", patch.dump().substr(0, 500));
  return next;
}

Result<RuleContext> Service::BuildContext(std::map<std::string, Reader>* readers, std::map<std::string, CaseInfo>* cases,
                                          std::map<std::string, bool>* case_seen) {
  RuleContext ctx;
  auto units = db_->Query("SELECT code, district_code FROM force_units");
  if (!units.ok()) return units.status();
  std::map<std::string, std::string> district;
  for (const auto& r : *units) district[r.Text("code")] = r.Text("district_code");
  auto people = db_->Query("SELECT police_no, name, unit_code, id_number, username FROM force_personnel");
  if (!people.ok()) return people.status();
  std::map<std::string, std::string> user_of;  // police_no → username
  for (const auto& r : *people) {
    if (!r.Text("id_number").empty()) ctx.protected_ids[r.Text("id_number")] = "colleague";
    if (r.Text("username").empty()) continue;
    Reader rd;
    rd.police_no = r.Text("police_no");
    rd.name = r.Text("name");
    rd.unit_code = r.Text("unit_code");
    rd.branch_district = district[rd.unit_code];
    rd.id_number = r.Text("id_number");
    user_of[rd.police_no] = r.Text("username");
    (*readers)[r.Text("username")] = std::move(rd);
  }
  auto prot = db_->Query("SELECT id_number, category FROM force_protected");
  if (!prot.ok()) return prot.status();
  for (const auto& r : *prot) ctx.protected_ids[r.Text("id_number")] = r.Text("category");
  auto shifts = db_->Query("SELECT m.police_no, s.starts_us, s.ends_us FROM force_shift_members m "
                           "JOIN force_shifts s ON s.id = m.shift_id JOIN force_personnel p ON p.police_no = m.police_no "
                           "WHERE p.username IS NOT NULL ORDER BY s.starts_us");
  if (!shifts.ok()) return shifts.status();
  for (const auto& r : *shifts) {
    auto u = user_of.find(r.Text("police_no"));
    if (u == user_of.end()) continue;
    Reader& rd = (*readers)[u->second];
    rd.rostered = true;
    rd.shifts.emplace_back(r.Int("starts_us"), r.Int("ends_us"));
  }
  // The reader's household: everyone registered in the reader's own room(s).
  if (registry_)
    for (auto& [name, rd] : *readers) {
      if (rd.id_number.empty()) continue;
      auto homes = registry_->ResidencesOf("ID:" + rd.id_number);
      if (!homes.ok()) continue;
      for (const auto& h : *homes) {
        if (h.moved_out_at) continue;
        auto mates = registry_->Residents(h.address_code, false);
        if (!mates.ok()) continue;
        for (const auto& m : *mates)
          if (m.person.rfind("ID:", 0) == 0 && m.person.substr(3) != rd.id_number && m.address_code == h.address_code)
            rd.household.insert(m.person.substr(3));
      }
    }
  ctx.reader = [readers](const std::string& username) -> const Reader* {
    auto it = readers->find(username);
    return it == readers->end() ? nullptr : &it->second;
  };
  sql::Database* db = db_;
  ctx.find_case = [db, cases, case_seen](const std::string& case_no) -> const CaseInfo* {
    if (auto it = cases->find(case_no); it != cases->end()) return &it->second;
    if (case_seen->count(case_no)) return nullptr;
    (*case_seen)[case_no] = true;
    auto rows = db->Query("SELECT id, district_code, filed_at, closed_at FROM cases WHERE case_no = ?", {case_no});
    if (!rows.ok() || rows->empty()) return nullptr;
    CaseInfo ci;
    ci.district_code = (*rows)[0].Text("district_code");
    auto filed = ParseTime((*rows)[0].Text("filed_at"));
    ci.filed_us = filed.ok() ? filed->micros : 0;
    std::string closed = (*rows)[0].Text("closed_at");
    if (!closed.empty()) {
      auto t = ParseTime(closed);
      ci.closed_us = t.ok() ? t->micros : 0;
    }
    auto sus = db->Query("SELECT id_number FROM case_suspects WHERE case_id = ?", {(*rows)[0].Int("id")});
    if (sus.ok())
      for (const auto& r : *sus) ci.persons.insert(r.Text("id_number"));
    return &cases->emplace(case_no, std::move(ci)).first->second;
  };
  return ctx;
}

Status Service::StoreFindings(const std::vector<Finding>& findings, int64_t* raised) {
  std::string now = Now(clock_);
  return db_->Transaction([&](sql::Connection& c) -> Status {
    for (const auto& f : findings) {
      auto exists = c.Query("SELECT 1 FROM force_findings WHERE fkey = ?", {f.key});
      if (!exists.ok()) return exists.status();
      if (!exists->empty()) continue;
      std::string ev;
      for (int64_t id : f.evidence) ev += (ev.empty() ? "" : ",") + std::to_string(id);
      JW_RETURN_IF_ERROR(
          c.Exec(std::string("INSERT INTO force_findings (fkey, rule, actor, police_no, unit_code, day, subject, score, "
                             "summary, facts, evidence, evidence_count, state, proposed_decision, proposed_by, "
                             "proposed_reason, proposed_at, decided_by, decided_at, discipline_id, raised_at) "
                             "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'open','','','','','','',0,?)"),
                 {f.key, f.rule, f.actor, f.police_no, f.unit_code, f.day, f.subject, f.score, f.summary, f.facts.dump(),
                  ev, f.evidence_count, now})
              .status());
      ++*raised;
    }
    return Status::Ok();
  });
}

Result<RunStats> Service::RunInspection(bool full) {
  std::lock_guard run_lock(run_mu_);
  auto t0 = std::chrono::steady_clock::now();
  RuleConfig cfg = Rules();
  RunStats st;
  st.full = full;
  auto state = db_->Query("SELECT last_id FROM force_inspection WHERE one = 1");
  if (!state.ok()) return state.status();
  int64_t after = full || state->empty() ? 0 : (*state)[0].Int("last_id");
  auto head = db_->Query("SELECT last_id FROM audit_head WHERE one = 1");
  if (!head.ok()) return head.status();
  int64_t upto = head->empty() ? 0 : (*head)[0].Int("last_id");
  st.last_id = upto;

  std::string in_actions;
  sql::Params action_params;
  for (const auto& a : cfg.read_actions) {
    in_actions += in_actions.empty() ? "?" : ", ?";
    action_params.emplace_back(a);
  }
  // Which readers to look at, and from when.
  std::map<std::string, int64_t> actors;  // actor → first new read (micros); 0 for all
  {
    sql::Params p = action_params;
    p.emplace_back(after);
    p.emplace_back(upto);
    auto rows = db_->Query("SELECT actor, MIN(at) AS first_at FROM audit_log WHERE action IN (" + in_actions +
                               ") AND outcome = 'ok' AND id > ? AND id <= ? GROUP BY actor",
                           p);
    if (!rows.ok()) return rows.status();
    for (const auto& r : *rows) actors[r.Text("actor")] = full ? 0 : AuditMicros(r.Text("first_at"));
  }
  std::map<std::string, Reader> readers;
  std::map<std::string, CaseInfo> cases;
  std::map<std::string, bool> case_seen;
  JW_ASSIGN_OR_RETURN(RuleContext ctx, BuildContext(&readers, &cases, &case_seen));
  const int64_t lookback = int64_t{std::max(cfg.repeat_window_days, cfg.baseline_days * 2)} * kDayUs;

  std::vector<Finding> findings;
  std::map<std::string, std::map<int64_t, DayCount>> days;
  int64_t min_day = INT64_MAX;
  for (const auto& [actor, first_us] : actors) {
    sql::Params p{actor};
    p.insert(p.end(), action_params.begin(), action_params.end());
    std::string where = "actor = ? AND action IN (" + in_actions + ") AND outcome = 'ok' AND id <= ?";
    p.emplace_back(upto);
    if (first_us) {
      where += " AND at >= ?";
      p.emplace_back(FormatTimeUtcMicros(Timestamp{first_us - lookback}));
    }
    auto rows = db_->Query("SELECT id, at, role, action, target, case_no FROM audit_log WHERE " + where, p);
    if (!rows.ok()) return rows.status();
    std::vector<Read> reads;
    reads.reserve(rows->size());
    for (const auto& r : *rows)
      reads.push_back({r.Int("id"), AuditMicros(r.Text("at")), r.Text("role"), r.Text("action"), r.Text("target"),
                       r.Text("case_no")});
    std::sort(reads.begin(), reads.end(), [](const Read& a, const Read& b) {
      return a.at_us != b.at_us ? a.at_us < b.at_us : a.id < b.id;
    });
    st.entries += static_cast<int64_t>(reads.size());
    ++st.readers;
    int64_t from_day = first_us ? LocalDay(Timestamp{first_us}) : INT64_MIN;
    if (first_us) min_day = std::min(min_day, from_day);
    auto f = RunReaderRules(cfg, ctx, actor, reads, from_day, &days[actor]);
    findings.insert(findings.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
  }
  if (!full && !actors.empty() && min_day != INT64_MAX) {
    // Peers that had no new reads still count for the volume rule's days.
    sql::Params p = action_params;
    p.emplace_back(FormatTimeUtcMicros(Timestamp{min_day * kDayUs - int64_t{kShanghaiOffsetMinutes} * kMicrosPerMinute}));
    auto rows = db_->Query("SELECT actor, role, substr(at, 1, 13) AS hour, COUNT(*) AS n FROM audit_log WHERE action IN (" +
                               in_actions + ") AND outcome = 'ok' AND at >= ? GROUP BY actor, role, substr(at, 1, 13)",
                           p);
    if (!rows.ok()) return rows.status();
    for (const auto& r : *rows) {
      if (actors.count(r.Text("actor"))) continue;
      int64_t us = AuditMicros(r.Text("hour") + ":00:00.000000Z");
      DayCount& dc = days[r.Text("actor")][LocalDay(Timestamp{us})];
      dc.reads += r.Int("n");
      if (dc.role.empty()) dc.role = r.Text("role").substr(0, r.Text("role").find(','));
    }
  }
  // Only readers with new entries can get a new volume finding.
  auto vol = RunVolumeRule(cfg, ctx, days, full ? INT64_MIN : min_day);
  for (auto& f : vol)
    if (actors.count(f.actor)) findings.push_back(std::move(f));
  if (cfg.dispatch_timers && dispatch_) {
    // Steps of incidents met late: the unit first assigned and its crew then.
    std::map<std::string, std::string> unit_of_station;
    auto stations = db_->Query("SELECT code, name FROM force_units WHERE kind = 'station'");
    if (!stations.ok()) return stations.status();
    for (const auto& r : *stations) unit_of_station[r.Text("name")] = r.Text("code");
    std::map<std::string, std::string> user_of;
    for (const auto& [username, rd] : readers) user_of[rd.police_no] = username;
    Timestamp now = clock_->Now();
    for (const auto& inc : dispatch_->ListIncidents({"all"})) {
      if (inc.assignments.empty()) continue;
      auto unit = dispatch_->GetUnit(inc.assignments.front().unit_id);
      if (!unit.ok()) continue;
      for (const auto& tm : dispatch_->Timers(inc, now)) {
        if (!tm.overdue || !tm.met) continue;
        Finding f;
        f.rule = "dispatch_timer";
        f.key = "dispatch_timer|incident:" + std::to_string(inc.id) + "|" + tm.step;
        f.subject = "incident:" + std::to_string(inc.id);
        dispatch::Crew crew = CrewOf(unit->call_sign, unit->station, tm.started);
        json names = json::array();
        for (const auto& [no, name] : crew.members) names.push_back({{"police_no", no}, {"name", name}});
        f.police_no = crew.members.empty() ? "" : crew.members.front().first;
        f.actor = f.police_no.empty() || !user_of.count(f.police_no) ? unit->call_sign : user_of[f.police_no];
        f.unit_code = unit_of_station[unit->station];
        f.day = DayString(LocalDay(tm.started));
        int64_t late_s = (tm.met->micros - tm.due.micros) / kMicrosPerSecond;
        f.facts = {{"incident_id", inc.id}, {"step", tm.step}, {"call_sign", unit->call_sign},
                   {"station", unit->station}, {"late_s", late_s}, {"crew", names},
                   {"due_at", FormatTime(tm.due)}, {"met_at", FormatTime(*tm.met)}};
        f.evidence_count = 0;
        f.score = std::min(50.0, 1.0 + static_cast<double>(late_s) / 60.0);
        f.summary = "dispatch_timer " + tm.step + " of incident " + std::to_string(inc.id) + " late by " +
                    std::to_string(late_s) + " s";
        findings.push_back(std::move(f));
      }
    }
  }
  JW_RETURN_IF_ERROR(StoreFindings(findings, &st.raised));
  JW_RETURN_IF_ERROR(
      db_->Exec("UPDATE force_inspection SET last_id = ?, last_run_at = ? WHERE one = 1", {upto, Now(clock_)}).status());
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log::Info("inspection.run", {{"full", full}, {"readers", st.readers}, {"entries", st.entries}, {"raised", st.raised},
                               {"seconds", st.seconds}});
  return st;
}

Result<std::pair<std::vector<Finding>, int64_t>> Service::Findings(const FindingFilter& f) {
  std::string where = " WHERE 1 = 1";
  sql::Params p;
  if (!f.state.empty()) {
    if (f.state != "open" && f.state != "proposed" && f.state != "confirmed" && f.state != "dismissed")
      return Validation("invalid_state", "state must be open, proposed, confirmed or dismissed");
    where += " AND state = ?";
    p.emplace_back(f.state);
  }
  auto eq = [&](const char* col, const std::string& v) {
    if (v.empty()) return;
    where += std::string(" AND ") + col + " = ?";
    p.emplace_back(v);
  };
  eq("rule", f.rule);
  eq("actor", f.actor);
  eq("police_no", f.police_no);
  return Paged<Finding>(db_, kFindingCols, "force_findings", where, "score DESC, id", p, f.page, f.page_size,
                        FindingFrom);
}

Result<Finding> Service::GetFinding(int64_t id) {
  auto rows = db_->Query(std::string("SELECT ") + kFindingCols + " FROM force_findings WHERE id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("finding_not_found", "no finding " + std::to_string(id));
  return FindingFrom((*rows)[0]);
}

Result<Finding> Service::ProposeDecision(const auth::Actor& a, int64_t id, const std::string& decision,
                                         const std::string& reason_in) {
  std::string reason = Clean(reason_in, 1000);
  auto fail = [&](Status st) {
    Audit(a, "inspection.finding.propose", std::to_string(id), "denied", st.code());
    return st;
  };
  if (decision != "confirm" && decision != "dismiss")
    return fail(Validation("invalid_decision", "decision must be confirm or dismiss"));
  if (Utf8Chars(reason) < 4) return fail(Validation("reason_required", "a reason of at least 4 characters is required"));
  JW_ASSIGN_OR_RETURN(Finding f, GetFinding(id));
  if (f.actor == a.username) return fail(PermissionDenied("own_finding", "nobody reviews a finding about themselves"));
  if (f.state != "open") return fail(Conflict("finding_not_open", "the finding is " + f.state));
  auto n = db_->Exec("UPDATE force_findings SET state = 'proposed', proposed_decision = ?, proposed_by = ?, "
                     "proposed_reason = ?, proposed_at = ? WHERE id = ? AND state = 'open'",
                     {decision, a.username, reason, Now(clock_), id});
  if (!n.ok()) return n.status();
  if (*n != 1) return fail(Conflict("finding_not_open", "the finding was reviewed meanwhile"));
  Audit(a, "inspection.finding.propose", std::to_string(id), "ok", decision);
  return GetFinding(id);
}

Result<Finding> Service::ApproveDecision(const auth::Actor& a, int64_t id) {
  auto fail = [&](Status st) {
    Audit(a, "inspection.finding.approve", std::to_string(id), "denied", st.code());
    return st;
  };
  JW_ASSIGN_OR_RETURN(Finding f, GetFinding(id));
  if (f.actor == a.username) return fail(PermissionDenied("own_finding", "nobody reviews a finding about themselves"));
  if (f.state != "proposed") return fail(Conflict("finding_not_proposed", "the finding has no proposed decision"));
  if (f.proposed_by == a.username)
    return fail(PermissionDenied("four_eyes_required", "a second inspector, not the one who proposed it, decides"));
  std::string next = f.proposed_decision == "confirm" ? "confirmed" : "dismissed";
  auto n = db_->Exec("UPDATE force_findings SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = 'proposed'",
                     {next, a.username, Now(clock_), id});
  if (!n.ok()) return n.status();
  if (*n != 1) return fail(Conflict("finding_not_proposed", "the finding was decided meanwhile"));
  Audit(a, "inspection.finding.approve", std::to_string(id), "ok", next);
  return GetFinding(id);
}

Result<Finding> Service::ReturnDecision(const auth::Actor& a, int64_t id, const std::string& reason_in) {
  std::string reason = Clean(reason_in, 1000);
  auto fail = [&](Status st) {
    Audit(a, "inspection.finding.return", std::to_string(id), "denied", st.code());
    return st;
  };
  if (Utf8Chars(reason) < 4) return fail(Validation("reason_required", "a reason of at least 4 characters is required"));
  JW_ASSIGN_OR_RETURN(Finding f, GetFinding(id));
  if (f.actor == a.username) return fail(PermissionDenied("own_finding", "nobody reviews a finding about themselves"));
  if (f.state != "proposed") return fail(Conflict("finding_not_proposed", "the finding has no proposed decision"));
  if (f.proposed_by == a.username)
    return fail(PermissionDenied("four_eyes_required", "a second inspector, not the one who proposed it, decides"));
  auto n = db_->Exec("UPDATE force_findings SET state = 'open', proposed_decision = '', proposed_by = '', "
                     "proposed_reason = '', proposed_at = '' WHERE id = ? AND state = 'proposed'",
                     {id});
  if (!n.ok()) return n.status();
  Audit(a, "inspection.finding.return", std::to_string(id), "ok", reason);
  return GetFinding(id);
}

// ---- citizen tracker

Status Service::VerifyIdentity(const std::string& id_number, const std::string& name) {
  auto refused = PermissionDenied("identity_not_verified",
                                  "the population register does not hold this ID number with this name; the tracker "
                                  "is shown once your identity is verified at a police service window");
  if (!registry_ || id_number.empty() || name.empty()) return refused;
  JW_ASSIGN_OR_RETURN(auto homes, registry_->ResidencesOf("ID:" + id_number));
  for (const auto& r : homes)
    if (r.name == name) return Status::Ok();
  return refused;
}

Result<TrackerView> Service::ReadsOf(const std::string& id_number) {
  TrackerView v;
  v.delay_days = opt_.tracker_delay_days;
  int64_t cutoff = clock_->Now().micros - int64_t{opt_.tracker_delay_days} * kDayUs;
  auto rows = db_->Query("SELECT l.at, l.actor, l.action, l.case_no, p.unit_code, p.name, u.name AS unit_name "
                         "FROM audit_log l LEFT JOIN force_personnel p ON p.username = l.actor "
                         "LEFT JOIN force_units u ON u.code = p.unit_code "
                         "WHERE l.target = ? AND l.outcome = 'ok' AND l.actor NOT LIKE 'citizen:%' ORDER BY l.id DESC LIMIT 2000",
                         {"ID:" + id_number});
  if (!rows.ok()) return rows.status();
  auto bureau = db_->Query("SELECT name FROM force_units WHERE kind = 'bureau' ORDER BY code LIMIT 1");
  std::string bureau_name = bureau.ok() && !bureau->empty() ? (*bureau)[0].Text("name") : "";
  std::map<std::string, std::optional<bool>> open_case;
  for (const auto& r : *rows) {
    int64_t at = AuditMicros(r.Text("at"));
    if (at > cutoff) {
      ++v.withheld_recent;
      continue;
    }
    std::string case_no = r.Text("case_no");
    if (!case_no.empty()) {
      auto it = open_case.find(case_no);
      if (it == open_case.end()) {
        auto c = db_->Query("SELECT closed_at FROM cases WHERE case_no = ?", {case_no});
        std::optional<bool> open;
        if (c.ok() && !c->empty()) open = (*c)[0].Text("closed_at").empty();
        it = open_case.emplace(case_no, open).first;
      }
      if (it->second.value_or(false)) {
        ++v.withheld_open_case;
        continue;
      }
      if (!it->second.has_value()) case_no.clear();  // not a case on record: no number to show
    }
    std::string action = r.Text("action");
    std::string category = !r.Text("case_no").empty()            ? "case_investigation"
                           : action.rfind("services.", 0) == 0   ? "service_handling"
                           : action.rfind("dispatch.", 0) == 0   ? "incident_handling"
                           : action.rfind("analysis.", 0) == 0   ? "analysis"
                                                                 : "verification";
    TrackedRead t;
    t.at = FormatTime(Timestamp{at});
    t.unit = r.Text("unit_code");
    t.unit_name = r.Text("unit_name").empty() ? bureau_name : r.Text("unit_name");
    if (opt_.tracker_show_officer) t.officer = r.Text("name");
    t.purpose_category = category;
    t.action = action;
    t.case_no = case_no;
    v.reads.push_back(std::move(t));
  }
  return v;
}

// ---- import

namespace {
// Reads a CSV file with a header into rows of name → value. false when absent.
bool ReadCsv(const std::string& path, std::vector<std::map<std::string, std::string>>* out, std::string* error) {
  std::ifstream in(path);
  if (!in) return false;
  CsvReader reader(&in);
  std::vector<std::string> header, fields;
  if (!reader.Next(&header)) return true;
  while (reader.Next(&fields)) {
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < fields.size(); ++i) row[header[i]] = fields[i];
    out->push_back(std::move(row));
  }
  if (!reader.error().empty()) *error = reader.error();
  return true;
}
}  // namespace

Status Service::ReadHistory(const std::string& path, ImportCount* ic,
                           const std::function<Status(audit::Entry&&)>& each) {
  std::ifstream in(path);
  if (!in) return NotFound("no_such_file", "cannot read " + path);
  CsvReader reader(&in);
  std::vector<std::string> header, f;
  if (!reader.Next(&header)) return Status::Ok();
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* need : {"at", "actor", "role", "client", "action", "target", "purpose", "case_no", "outcome", "detail"})
    if (!col.count(need)) return Validation("invalid_csv", path + ": the column " + need + " is missing");
  auto get = [&](const char* name) -> std::string& {
    static std::string empty;
    size_t i = col[name];
    return i < f.size() ? f[i] : (empty.clear(), empty);
  };
  while (reader.Next(&f)) {
    ++ic->rows;
    auto t = ParseTime(get("at"));
    if (!t.ok() || get("actor").empty() || get("action").empty()) {
      ++ic->rejected;
      ++ic->reasons[t.ok() ? "missing_field" : "invalid_time"];
      continue;
    }
    audit::Entry e;
    e.at = *t;
    e.actor = std::move(get("actor"));
    e.role = std::move(get("role"));
    e.client = std::move(get("client"));
    e.action = std::move(get("action"));
    e.target = std::move(get("target"));
    e.purpose = std::move(get("purpose"));
    e.case_no = std::move(get("case_no"));
    e.outcome = get("outcome").empty() ? "ok" : std::move(get("outcome"));
    e.detail = std::move(get("detail"));
    JW_RETURN_IF_ERROR(each(std::move(e)));
  }
  if (!reader.error().empty()) return Validation("invalid_csv", path + ": " + reader.error());
  return Status::Ok();
}

Status Service::ImportHistoryFile(const auth::Actor& a, const std::string& path,
                                  const std::function<bool(const audit::Entry&)>& keep, ImportCount* ic) {
  constexpr size_t kBatch = 20000;
  std::vector<audit::Entry> batch;
  int64_t n = 0;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::Ok();
    n += static_cast<int64_t>(batch.size());
    JW_RETURN_IF_ERROR(audit_->Import(std::move(batch)));
    batch.clear();
    return Status::Ok();
  };
  JW_RETURN_IF_ERROR(ReadHistory(path, ic, [&](audit::Entry&& e) -> Status {
    if (keep && !keep(e)) return Status::Ok();
    batch.push_back(std::move(e));
    return batch.size() >= kBatch ? flush() : Status::Ok();
  }));
  JW_RETURN_IF_ERROR(flush());
  JW_RETURN_IF_ERROR(db_->Exec("UPDATE force_inspection SET history_rows = history_rows + ? WHERE one = 1", {n}).status());
  std::string name = path.substr(path.rfind('/') + 1);
  Audit(a, "audit.import", name, "ok", std::to_string(n) + " entries of access history");
  return Status::Ok();
}

Status Service::ImportHistory(const auth::Actor& a, std::vector<audit::Entry> entries, const std::string& source) {
  int64_t n = static_cast<int64_t>(entries.size());
  JW_RETURN_IF_ERROR(audit_->Import(std::move(entries)));
  JW_RETURN_IF_ERROR(db_->Exec("UPDATE force_inspection SET history_rows = history_rows + ? WHERE one = 1", {n}).status());
  Audit(a, "audit.import", source, "ok", std::to_string(n) + " entries of access history");
  return Status::Ok();
}

Result<std::vector<ImportCount>> Service::Import(const auth::Actor& a, const std::string& dir, bool with_history) {
  std::vector<ImportCount> out;
  std::string now = Now(clock_);
  auto file = [&](const std::string& name, const std::function<Status(sql::Connection&, std::map<std::string, std::string>&, ImportCount&)>& row_fn) -> Status {
    std::vector<std::map<std::string, std::string>> rows;
    std::string error;
    if (!ReadCsv(dir + "/" + name, &rows, &error)) return Status::Ok();
    if (!error.empty()) return Validation("invalid_csv", name + ": " + error);
    ImportCount ic;
    ic.file = name;
    JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
      for (auto& r : rows) {
        ++ic.rows;
        JW_RETURN_IF_ERROR(row_fn(c, r, ic));
      }
      return Status::Ok();
    }));
    Audit(a, "force.import", name, "ok",
          std::to_string(ic.rows) + " rows, " + std::to_string(ic.already) + " already, " + std::to_string(ic.rejected) + " rejected");
    out.push_back(std::move(ic));
    return Status::Ok();
  };
  auto reject = [](ImportCount& ic, const std::string& reason) {
    ++ic.rejected;
    ++ic.reasons[reason];
    return Status::Ok();
  };
  auto exists = [](sql::Connection& c, const std::string& sql, const sql::Params& p) -> Result<bool> {
    auto rows = c.Query(sql, p);
    if (!rows.ok()) return rows.status();
    return !rows->empty();
  };

  JW_RETURN_IF_ERROR(file("units.csv", [&](sql::Connection& c, auto& r, ImportCount& ic) -> Status {
    if (!IsOneOf(r["kind"], kUnitKinds) || r["code"].empty() || r["name"].empty()) return reject(ic, "invalid_unit");
    JW_ASSIGN_OR_RETURN(bool dup, exists(c, "SELECT 1 FROM force_units WHERE code = ?", {r["code"]}));
    if (dup) {
      ++ic.already;
      return Status::Ok();
    }
    return c.Exec("INSERT INTO force_units (code, name, kind, parent_code, district_code) VALUES (?,?,?,?,?)",
                  {r["code"], r["name"], r["kind"], r["parent_code"], r["district_code"]})
        .status();
  }));
  JW_RETURN_IF_ERROR(file("personnel.csv", [&](sql::Connection& c, auto& r, ImportCount& ic) -> Status {
    Officer o{r["police_no"], r["name"], r["kind"], r["id_number"], r["unit_code"], r["rank"], r["post"],
              r["status"].empty() ? "on_duty" : r["status"], r["username"], r["call_sign"], r["joined_at"], "", now};
    if (!ValidateOfficer(o).ok()) return reject(ic, ValidateOfficer(o).code());
    JW_ASSIGN_OR_RETURN(bool dup, exists(c, "SELECT 1 FROM force_personnel WHERE police_no = ?", {o.police_no}));
    if (dup) {
      ++ic.already;
      return Status::Ok();
    }
    JW_ASSIGN_OR_RETURN(bool unit, exists(c, "SELECT 1 FROM force_units WHERE code = ?", {o.unit_code}));
    if (!unit) return reject(ic, "unknown_unit");
    if (!o.username.empty()) {
      JW_ASSIGN_OR_RETURN(bool taken, exists(c, "SELECT 1 FROM force_personnel WHERE username = ?", {o.username}));
      if (taken) return reject(ic, "account_linked");
    }
    return c.Exec(std::string("INSERT INTO force_personnel (") + kOfficerCols + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  {o.police_no, o.name, o.kind, o.id_number, o.unit_code, o.rank, o.post, o.status, OrNull(o.username),
                   o.call_sign, o.joined_at, o.left_at, o.updated_at})
        .status();
  }));
  // shifts.csv: one row per member; rows of one shift (unit, date, code, start, end) share it.
  std::map<std::string, int64_t> shift_ids;
  JW_RETURN_IF_ERROR(file("shifts.csv", [&](sql::Connection& c, auto& r, ImportCount& ic) -> Status {
    auto s = ParseTime(r["starts_at"]), e = ParseTime(r["ends_at"]);
    if (!s.ok() || !e.ok() || e->micros <= s->micros || !LocalDateDay(r["date"]).ok()) return reject(ic, "invalid_shift");
    std::string key = r["unit_code"] + "|" + r["date"] + "|" + r["code"] + "|" + std::to_string(s->micros);
    auto it = shift_ids.find(key);
    if (it == shift_ids.end()) {
      auto found = c.Query("SELECT id FROM force_shifts WHERE unit_code = ? AND date = ? AND code = ? AND starts_us = ?",
                           {r["unit_code"], r["date"], r["code"], s->micros});
      if (!found.ok()) return found.status();
      int64_t id = 0;
      if (!found->empty()) {
        id = (*found)[0].Int("id");
      } else {
        JW_ASSIGN_OR_RETURN(bool unit, exists(c, "SELECT 1 FROM force_units WHERE code = ?", {r["unit_code"]}));
        if (!unit) return reject(ic, "unknown_unit");
        auto ins = c.Query("INSERT INTO force_shifts (unit_code, date, code, starts_us, ends_us, created_by, created_at) "
                           "VALUES (?,?,?,?,?,?,?) RETURNING id",
                           {r["unit_code"], r["date"], r["code"], s->micros, e->micros, a.username, now});
        if (!ins.ok()) return ins.status();
        id = (*ins)[0].Int("id");
      }
      it = shift_ids.emplace(key, id).first;
    }
    JW_ASSIGN_OR_RETURN(bool dup, exists(c, "SELECT 1 FROM force_shift_members WHERE shift_id = ? AND police_no = ?",
                                         {it->second, r["police_no"]}));
    if (dup) {
      ++ic.already;
      return Status::Ok();
    }
    JW_ASSIGN_OR_RETURN(bool officer, exists(c, "SELECT 1 FROM force_personnel WHERE police_no = ?", {r["police_no"]}));
    if (!officer) return reject(ic, "unknown_officer");
    return c.Exec("INSERT INTO force_shift_members (shift_id, police_no, call_sign) VALUES (?,?,?)",
                  {it->second, r["police_no"], r["call_sign"]})
        .status();
  }));
  JW_RETURN_IF_ERROR(file("courses.csv", [&](sql::Connection& c, auto& r, ImportCount& ic) -> Status {
    if (!IsOneOf(r["kind"], kCourseKinds) || r["code"].empty()) return reject(ic, "invalid_course");
    JW_ASSIGN_OR_RETURN(bool dup, exists(c, "SELECT 1 FROM force_courses WHERE code = ?", {r["code"]}));
    if (dup) {
      ++ic.already;
      return Status::Ok();
    }
    return c.Exec("INSERT INTO force_courses (code, name, kind, hours, pass_mark) VALUES (?,?,?,?,?)",
                  {r["code"], r["name"], r["kind"], std::atof(r["hours"].c_str()), std::atof(r["pass_mark"].c_str())})
        .status();
  }));
  std::map<std::string, int64_t> session_ids;
  JW_RETURN_IF_ERROR(file("training_sessions.csv", [&](sql::Connection& c, auto& r, ImportCount& ic) -> Status {
    auto t = ParseTime(r["starts_at"]);
    if (!t.ok() || r["ref"].empty()) return reject(ic, "invalid_session");
    auto found = c.Query("SELECT id FROM force_sessions WHERE ref = ?", {r["ref"]});
    if (!found.ok()) return found.status();
    if (!found->empty()) {
      session_ids[r["ref"]] = (*found)[0].Int("id");
      ++ic.already;
      return Status::Ok();
    }
    JW_ASSIGN_OR_RETURN(bool course, exists(c, "SELECT 1 FROM force_courses WHERE code = ?", {r["course_code"]}));
    if (!course) return reject(ic, "unknown_course");
    int y, m, d;
    CivilFromDays(LocalDay(*t), &y, &m, &d);
    auto ins = c.Query("INSERT INTO force_sessions (course_code, title, starts_at, year, place, unit_code, hours, ref) "
                       "VALUES (?,?,?,?,?,?,?,?) RETURNING id",
                       {r["course_code"], r["title"], FormatTime(*t), int64_t{y}, r["place"], r["unit_code"],
                        std::atof(r["hours"].c_str()), r["ref"]});
    if (!ins.ok()) return ins.status();
    session_ids[r["ref"]] = (*ins)[0].Int("id");
    return Status::Ok();
  }));
  JW_RETURN_IF_ERROR(file("attendance.csv", [&](sql::Connection& c, auto& r, ImportCount& ic) -> Status {
    auto it = session_ids.find(r["session_ref"]);
    if (it == session_ids.end()) return reject(ic, "unknown_session");
    JW_ASSIGN_OR_RETURN(bool dup, exists(c, "SELECT 1 FROM force_attendance WHERE session_id = ? AND police_no = ?",
                                         {it->second, r["police_no"]}));
    if (dup) {
      ++ic.already;
      return Status::Ok();
    }
    sql::Value score = nullptr;
    double sc = -1;
    if (!r["score"].empty()) {
      sc = std::atof(r["score"].c_str());
      if (sc < 0 || sc > 100) return reject(ic, "invalid_score");
      score = sc;
    }
    auto pm = c.Query("SELECT c.pass_mark FROM force_sessions s JOIN force_courses c ON c.code = s.course_code WHERE s.id = ?",
                      {it->second});
    if (!pm.ok()) return pm.status();
    double pass_mark = pm->empty() ? 0 : (*pm)[0].Double("pass_mark");
    bool passed = sc < 0 || pass_mark <= 0 || sc >= pass_mark;
    return c.Exec("INSERT INTO force_attendance (session_id, police_no, hours, score, passed) VALUES (?,?,?,?,?)",
                  {it->second, r["police_no"], std::atof(r["hours"].c_str()), score, int64_t{passed ? 1 : 0}})
        .status();
  }));
  JW_RETURN_IF_ERROR(file("discipline.csv", [&](sql::Connection& c, auto& r, ImportCount& ic) -> Status {
    if (!IsOneOf(r["kind"], kDisciplineKinds) || !LocalDateDay(r["date"]).ok()) return reject(ic, "invalid_record");
    JW_ASSIGN_OR_RETURN(bool dup, exists(c, "SELECT 1 FROM force_discipline WHERE police_no = ? AND kind = ? AND date = ?",
                                         {r["police_no"], r["kind"], r["date"]}));
    if (dup) {
      ++ic.already;
      return Status::Ok();
    }
    return c.Exec("INSERT INTO force_discipline (police_no, kind, date, decision, finding_id, created_by, created_at) "
                  "VALUES (?,?,?,?,0,?,?)",
                  {r["police_no"], r["kind"], r["date"], r["decision"], a.username, now})
        .status();
  }));
  JW_RETURN_IF_ERROR(file("protected_persons.csv", [&](sql::Connection& c, auto& r, ImportCount& ic) -> Status {
    if (!identity::ParseIdNumber(r["id_number"]).ok()) return reject(ic, "invalid_id_number");
    JW_ASSIGN_OR_RETURN(bool dup, exists(c, "SELECT 1 FROM force_protected WHERE id_number = ?", {r["id_number"]}));
    if (dup) {
      ++ic.already;
      return Status::Ok();
    }
    return c.Exec("INSERT INTO force_protected (id_number, category, note) VALUES (?,?,?)",
                  {r["id_number"], r["category"].empty() ? "public_figure" : r["category"], r["note"]})
        .status();
  }));
  // A year of access history goes into the audit log once.
  if (with_history && std::filesystem::exists(dir + "/audit_history.csv")) {
    ImportCount ic;
    ic.file = "audit_history.csv";
    auto imported = db_->Query("SELECT history_rows FROM force_inspection WHERE one = 1");
    if (!imported.ok()) return imported.status();
    if (!imported->empty() && (*imported)[0].Int("history_rows") > 0) {
      JW_RETURN_IF_ERROR(ReadHistory(dir + "/audit_history.csv", &ic, [](audit::Entry&&) { return Status::Ok(); }));
      ic.already = ic.rows - ic.rejected;
    } else {
      JW_RETURN_IF_ERROR(ImportHistoryFile(a, dir + "/audit_history.csv", nullptr, &ic));
    }
    out.push_back(std::move(ic));
  }
  JW_RETURN_IF_ERROR(ReloadRoster());
  return out;
}

}  // namespace jingwu::force

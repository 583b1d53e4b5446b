#include "cases/service.h"

#include "core/utf8.h"

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "identity/identity.h"

namespace jingwu::cases {

using nlohmann::json;

namespace {

constexpr const char* kCaseColumns =
    "id, case_no, kind, category, district_code, place, occurred_at, reported_at, filed_at, solved_at, closed_at, "
    "status, narrative, incident_ref, seized_goods, seized_amount_cny, gang_id, version, created_at, updated_at";

sql::Value TimeValue(const std::optional<Timestamp>& t) {
  if (!t) return nullptr;
  return FormatTime(*t);
}

std::optional<Timestamp> TimeOf(const sql::Row& r, const char* col) {
  auto s = r.OptText(col);
  if (!s) return std::nullopt;
  auto t = ParseTime(*s);
  return t.ok() ? std::optional<Timestamp>(*t) : std::nullopt;
}

Case CaseFromRow(const sql::Row& r) {
  Case c;
  c.id = r.Int("id");
  c.case_no = r.Text("case_no");
  c.kind = r.Text("kind");
  c.category = r.Text("category");
  c.district_code = r.Text("district_code");
  c.place = r.Text("place");
  c.occurred_at = TimeOf(r, "occurred_at");
  c.reported_at = TimeOf(r, "reported_at");
  c.filed_at = TimeOf(r, "filed_at");
  c.solved_at = TimeOf(r, "solved_at");
  c.closed_at = TimeOf(r, "closed_at");
  c.status = r.Text("status");
  c.narrative = r.Text("narrative");
  c.incident_ref = r.Text("incident_ref");
  c.seized_goods = r.Text("seized_goods");
  c.seized_amount_cny = r.Double("seized_amount_cny");
  c.gang_id = r.Int("gang_id");
  c.version = r.Int("version");
  c.created_at = r.Text("created_at");
  c.updated_at = r.Text("updated_at");
  return c;
}

sql::Params CaseParams(const Case& c) {
  return {c.case_no,     c.kind,           c.category,          c.district_code,
          c.place,       TimeValue(c.occurred_at), TimeValue(c.reported_at), TimeValue(c.filed_at),
          TimeValue(c.solved_at), TimeValue(c.closed_at), c.status, c.narrative,
          c.incident_ref, c.seized_goods,  c.seized_amount_cny,
          c.gang_id ? sql::Value(c.gang_id) : sql::Value(nullptr)};
}

// The fields a history entry compares, as display strings.
json CaseFields(const Case& c) {
  auto t = [](const std::optional<Timestamp>& x) { return x ? json(FormatTime(*x)) : json(nullptr); };
  json suspects = json::array();
  for (const auto& s : c.suspects) suspects.push_back({{"id_number", s.id_number}, {"name", s.name}, {"role", s.role}});
  return {{"kind", c.kind},         {"category", c.category},       {"district_code", c.district_code},
          {"place", c.place},       {"occurred_at", t(c.occurred_at)}, {"reported_at", t(c.reported_at)},
          {"filed_at", t(c.filed_at)}, {"solved_at", t(c.solved_at)}, {"closed_at", t(c.closed_at)},
          {"status", c.status},     {"narrative", c.narrative},     {"incident_ref", c.incident_ref},
          {"seized_goods", c.seized_goods}, {"seized_amount_cny", c.seized_amount_cny},
          {"gang_id", c.gang_id ? json(c.gang_id) : json(nullptr)}, {"suspects", suspects}};
}

Status Invalid(const char* code, std::string msg) { return Validation(code, std::move(msg)); }

Status InsertSuspects(sql::Connection& c, int64_t case_id, const std::vector<Suspect>& suspects) {
  for (const auto& s : suspects) {
    auto r = c.Exec("INSERT INTO case_suspects (case_id, id_number, name, role) VALUES (?, ?, ?, ?)",
                    {case_id, s.id_number, s.name, s.role});
    if (!r.ok()) return r.status();
  }
  return Status::Ok();
}

Result<int64_t> InsertCase(sql::Connection& c, const Case& cs, const std::string& now) {
  sql::Params p = CaseParams(cs);
  p.emplace_back(now);
  p.emplace_back(now);
  auto rows = c.Query(
      "INSERT INTO cases (case_no, kind, category, district_code, place, occurred_at, reported_at, filed_at, "
      "solved_at, closed_at, status, narrative, incident_ref, seized_goods, seized_amount_cny, gang_id, version, "
      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
      p);
  if (!rows.ok()) {
    if (rows.status().code() == "unique_violation")
      return Conflict("case_no_taken", "a case numbered " + cs.case_no + " exists already");
    return rows.status();
  }
  int64_t id = (*rows)[0].Int("id");
  JW_RETURN_IF_ERROR(InsertSuspects(c, id, cs.suspects));
  return id;
}

}  // namespace

std::vector<sql::Migration> Migrations() {
  return {{"cases", 1, "cases, suspects, history, gangs, accidents, vehicle counts",
           "CREATE TABLE gangs (id {{id}}, name TEXT NOT NULL, type TEXT NOT NULL, district_code TEXT NOT NULL, "
           "broken_up_at TEXT, notes TEXT NOT NULL);"
           "CREATE TABLE gang_members (id {{id}}, gang_id BIGINT NOT NULL REFERENCES gangs (id), "
           "id_number TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL);"
           "CREATE INDEX gang_members_gang ON gang_members (gang_id);"
           "CREATE TABLE cases (id {{id}}, case_no TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, "
           "category TEXT NOT NULL, district_code TEXT NOT NULL, place TEXT NOT NULL, occurred_at TEXT, "
           "reported_at TEXT, filed_at TEXT, solved_at TEXT, closed_at TEXT, status TEXT NOT NULL, "
           "narrative TEXT NOT NULL, incident_ref TEXT NOT NULL, seized_goods TEXT NOT NULL, "
           "seized_amount_cny DOUBLE PRECISION NOT NULL, gang_id BIGINT REFERENCES gangs (id), "
           "version BIGINT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
           "CREATE INDEX cases_filed ON cases (filed_at);"
           "CREATE INDEX cases_occurred ON cases (occurred_at);"
           "CREATE INDEX cases_gang ON cases (gang_id);"
           "CREATE TABLE case_suspects (id {{id}}, case_id BIGINT NOT NULL REFERENCES cases (id), "
           "id_number TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL);"
           "CREATE INDEX case_suspects_case ON case_suspects (case_id);"
           "CREATE INDEX case_suspects_person ON case_suspects (id_number);"
           "CREATE TABLE case_history (id {{id}}, case_id BIGINT NOT NULL REFERENCES cases (id), "
           "version BIGINT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, changes TEXT NOT NULL);"
           "CREATE INDEX case_history_case ON case_history (case_id, version);"
           "CREATE TABLE accidents (id {{id}}, occurred_at TEXT NOT NULL, place TEXT NOT NULL, "
           "district_code TEXT NOT NULL, deaths INTEGER NOT NULL, injuries INTEGER NOT NULL, "
           "vehicles INTEGER NOT NULL);"
           "CREATE INDEX accidents_time ON accidents (occurred_at);"
           "CREATE TABLE vehicle_counts (year INTEGER PRIMARY KEY, year_end_count BIGINT NOT NULL)"}};
}

void Service::Audit(const auth::Actor& a, std::string action, std::string target, std::string detail) {
  audit_->Record(a, std::move(action), std::move(target), "ok", std::move(detail));
}

Status Service::Validate(Case& c) const {
  if (IndexOf(kKinds, c.kind) < 0) return Invalid("unknown_kind", "kind must be criminal or public_order");
  if (IndexOf(kCategories, c.category) < 0) return Invalid("unknown_category", "unknown category '" + c.category + "'");
  if (IndexOf(kDistricts, c.district_code) < 0)
    return Invalid("unknown_district", "district_code must be one of Haikou's districts (460105, 460106, 460107, 460108)");
  if (IndexOf(kStatuses, c.status) < 0) return Invalid("unknown_status", "unknown status '" + c.status + "'");
  if (c.case_no.size() > 40) return Invalid("validation_failed", "case_no has at most 40 characters");
  if (c.place.size() > 500 || c.narrative.size() > 20000 || c.seized_goods.size() > 2000)
    return Invalid("validation_failed", "place, narrative or seized_goods is too long");
  if (!c.occurred_at) return Invalid("validation_failed", "occurred_at is required");
  Timestamp now = clock_->Now();
  const std::pair<const char*, const std::optional<Timestamp>*> times[] = {
      {"reported_at", &c.reported_at}, {"filed_at", &c.filed_at}, {"solved_at", &c.solved_at},
      {"closed_at", &c.closed_at}, {"occurred_at", &c.occurred_at}};
  for (auto [name, t] : times) {
    if (*t && **t > now + kMicrosPerHour)
      return Invalid("time_in_future", std::string(name) + " is in the future");
    if (*t && **t < *c.occurred_at)
      return Invalid("time_order", std::string(name) + " is before occurred_at");
  }
  if (c.filed_at && c.solved_at && *c.solved_at < *c.filed_at)
    return Invalid("time_order", "solved_at is before filed_at");
  if (c.filed_at && c.closed_at && *c.closed_at < *c.filed_at)
    return Invalid("time_order", "closed_at is before filed_at");
  if (!c.filed_at) return Invalid("validation_failed", "filed_at (立案时间) is required");
  if (c.status == "solved" && !c.solved_at) return Invalid("validation_failed", "a solved case needs solved_at");
  if (c.status == "closed" && !c.closed_at) return Invalid("validation_failed", "a closed case needs closed_at");
  if (c.seized_amount_cny < 0) return Invalid("validation_failed", "seized_amount_cny may not be negative");
  auto today = identity::LocalDate(now);
  for (size_t i = 0; i < c.suspects.size(); ++i) {
    auto id = identity::ParseIdNumber(c.suspects[i].id_number, today);
    if (!id.ok())
      return Invalid("invalid_id_number", "suspect " + std::to_string(i + 1) + ": " + id.status().message());
    c.suspects[i].id_number = id->number;
    if (c.suspects[i].name.empty()) return Invalid("validation_failed", "suspect " + std::to_string(i + 1) + " needs a name");
  }
  return Status::Ok();
}

void Service::Notify(const std::optional<Case>& before, const Case& after) {
  std::vector<Listener> ls;
  {
    std::lock_guard lock(listeners_mu_);
    ls = listeners_;
  }
  for (auto& l : ls) l(before, after);
}

void Service::NotifyReload() {
  std::vector<std::function<void()>> ls;
  {
    std::lock_guard lock(listeners_mu_);
    ls = reloaders_;
  }
  for (auto& l : ls) l();
}

void Service::AddListener(Listener l) {
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(l));
}

void Service::AddReloadListener(std::function<void()> l) {
  std::lock_guard lock(listeners_mu_);
  reloaders_.push_back(std::move(l));
}

Result<Case> Service::Create(const auth::Actor& actor, Case c) {
  JW_RETURN_IF_ERROR(Validate(c));
  std::string now = FormatTime(clock_->Now());
  int64_t id = 0;
  Status s = db_->Transaction([&](sql::Connection& conn) -> Status {
    if (c.gang_id) {
      auto g = conn.Query("SELECT id FROM gangs WHERE id = ?", {c.gang_id});
      if (!g.ok()) return g.status();
      if (g->empty()) return Invalid("unknown_gang", "no gang with id " + std::to_string(c.gang_id));
    }
    if (c.case_no.empty()) {
      // A + district + year + a sequence within that prefix.
      std::string prefix = "A" + c.district_code + FormatTime(*c.filed_at).substr(0, 4);
      auto n = conn.Query("SELECT COUNT(*) AS n FROM cases WHERE case_no LIKE ?", {prefix + "%"});
      if (!n.ok()) return n.status();
      char seq[24];
      std::snprintf(seq, sizeof seq, "%06lld", static_cast<long long>((*n)[0].Int("n") + 1));
      c.case_no = prefix + seq;
    }
    JW_ASSIGN_OR_RETURN(id, InsertCase(conn, c, now));
    auto h = conn.Exec("INSERT INTO case_history (case_id, version, at, actor, changes) VALUES (?, 1, ?, ?, ?)",
                       {id, now, actor.username, json({{"created", CaseFields(c)}}).dump()});
    return h.ok() ? Status::Ok() : h.status();
  });
  JW_RETURN_IF_ERROR(s);
  Audit(actor, "case.create", c.case_no);
  JW_ASSIGN_OR_RETURN(Case stored, Get(id));
  Notify(std::nullopt, stored);
  return stored;
}

Result<Case> Service::Update(const auth::Actor& actor, int64_t id, Case c, int64_t expected_version) {
  JW_ASSIGN_OR_RETURN(Case before, Get(id));
  c.id = id;
  c.case_no = before.case_no;  // the number never changes
  JW_RETURN_IF_ERROR(Validate(c));
  if (before.version != expected_version)
    return Conflict("version_conflict", "the case was changed by someone else (version " +
                                            std::to_string(before.version) + "); reload and edit again");
  json a = CaseFields(before), b = CaseFields(c), diff = json::object();
  for (auto& [k, v] : b.items())
    if (a[k] != v) diff[k] = {a[k], v};
  if (diff.empty()) return before;
  std::string now = FormatTime(clock_->Now());
  Status s = db_->Transaction([&](sql::Connection& conn) -> Status {
    if (c.gang_id) {
      auto g = conn.Query("SELECT id FROM gangs WHERE id = ?", {c.gang_id});
      if (!g.ok()) return g.status();
      if (g->empty()) return Invalid("unknown_gang", "no gang with id " + std::to_string(c.gang_id));
    }
    sql::Params p = CaseParams(c);
    p.erase(p.begin());  // case_no
    p.emplace_back(now);
    p.emplace_back(id);
    p.emplace_back(expected_version);
    auto u = conn.Exec(
        "UPDATE cases SET kind = ?, category = ?, district_code = ?, place = ?, occurred_at = ?, reported_at = ?, "
        "filed_at = ?, solved_at = ?, closed_at = ?, status = ?, narrative = ?, incident_ref = ?, seized_goods = ?, "
        "seized_amount_cny = ?, gang_id = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
        p);
    if (!u.ok()) return u.status();
    if (*u == 0) return Conflict("version_conflict", "the case was changed by someone else; reload and edit again");
    if (diff.contains("suspects")) {
      auto d = conn.Exec("DELETE FROM case_suspects WHERE case_id = ?", {id});
      if (!d.ok()) return d.status();
      JW_RETURN_IF_ERROR(InsertSuspects(conn, id, c.suspects));
    }
    auto h = conn.Exec("INSERT INTO case_history (case_id, version, at, actor, changes) VALUES (?, ?, ?, ?, ?)",
                       {id, expected_version + 1, now, actor.username, diff.dump()});
    return h.ok() ? Status::Ok() : h.status();
  });
  JW_RETURN_IF_ERROR(s);
  std::string fields;
  for (auto& [k, v] : diff.items()) fields += (fields.empty() ? "" : ",") + k;
  Audit(actor, "case.update", before.case_no, fields);
  JW_ASSIGN_OR_RETURN(Case after, Get(id));
  Notify(before, after);
  return after;
}

Result<Case> Service::Get(int64_t id, bool with_suspects) {
  auto rows = db_->Query(std::string("SELECT ") + kCaseColumns + " FROM cases WHERE id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("not_found", "no case with id " + std::to_string(id));
  Case c = CaseFromRow((*rows)[0]);
  if (with_suspects) {
    auto s = db_->Query("SELECT id_number, name, role FROM case_suspects WHERE case_id = ? ORDER BY id", {id});
    if (!s.ok()) return s.status();
    for (const auto& r : *s) c.suspects.push_back({r.Text("id_number"), r.Text("name"), r.Text("role")});
  }
  return c;
}

Result<Case> Service::GetByNo(const std::string& case_no) {
  auto rows = db_->Query("SELECT id FROM cases WHERE case_no = ?", {case_no});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("not_found", "no case numbered " + case_no);
  return Get((*rows)[0].Int("id"));
}

Result<CasePage> Service::Search(const CaseFilter& f) {
  std::string where = " WHERE 1 = 1";
  sql::Params p;
  auto in = [&](const char* col, const std::vector<std::string>& vals) {
    if (vals.empty()) return;
    where += std::string(" AND ") + col + " IN (";
    for (size_t i = 0; i < vals.size(); ++i) {
      where += i ? ", ?" : "?";
      p.emplace_back(vals[i]);
    }
    where += ")";
  };
  in("kind", f.kinds);
  in("category", f.categories);
  in("district_code", f.districts);
  in("status", f.statuses);
  if (!f.q.empty()) {
    // The text is matched literally: % and _ in it are not wildcards.
    where += " AND (case_no LIKE ? ESCAPE '\\' OR place LIKE ? ESCAPE '\\' OR narrative LIKE ? ESCAPE '\\')";
    std::string like = "%";
    for (char ch : f.q) {
      if (ch == '%' || ch == '_' || ch == '\\') like += '\\';
      like += ch;
    }
    like += "%";
    p.insert(p.end(), {like, like, like});
  }
  const char* col = f.basis == "occurred" ? "occurred_at" : f.basis == "solved" ? "solved_at" : "filed_at";
  if (f.from) {
    where += std::string(" AND ") + col + " >= ?";
    p.emplace_back(FormatTime(*f.from));
  }
  if (f.to) {
    where += std::string(" AND ") + col + " < ?";
    p.emplace_back(FormatTime(*f.to));
  }
  if (f.gang_id) {
    where += " AND gang_id = ?";
    p.emplace_back(f.gang_id);
  }
  auto n = db_->Query("SELECT COUNT(*) AS n FROM cases" + where, p);
  if (!n.ok()) return n.status();
  CasePage page;
  page.total = (*n)[0].Int("n");
  p.emplace_back(int64_t{f.page_size});
  p.emplace_back(int64_t{(f.page - 1)} * f.page_size);
  auto rows = db_->Query(std::string("SELECT ") + kCaseColumns + " FROM cases" + where + " ORDER BY " + col +
                             " DESC, id DESC LIMIT ? OFFSET ?",
                         p);
  if (!rows.ok()) return rows.status();
  for (const auto& r : *rows) page.items.push_back(CaseFromRow(r));
  return page;
}

Result<std::vector<HistoryEntry>> Service::History(int64_t id) {
  auto rows = db_->Query("SELECT version, at, actor, changes FROM case_history WHERE case_id = ? ORDER BY version", {id});
  if (!rows.ok()) return rows.status();
  std::vector<HistoryEntry> out;
  for (const auto& r : *rows) out.push_back({r.Int("version"), r.Text("at"), r.Text("actor"), r.Text("changes")});
  return out;
}

Status Service::ValidateGang(Gang& g) const {
  if (g.name.empty() || g.name.size() > 200) return Invalid("validation_failed", "a gang needs a name (at most 200 bytes)");
  if (IndexOf(kGangTypes, g.type) < 0) return Invalid("unknown_gang_type", "type must be mafia, evil or smuggling");
  JW_RETURN_IF_ERROR(CheckText(g.name, "name", kShortText * 2));
  JW_RETURN_IF_ERROR(CheckText(g.notes, "notes", kLongText, true));
  if (IndexOf(kDistricts, g.district_code) < 0) return Invalid("unknown_district", "unknown district_code");
  if (g.broken_up_at && *g.broken_up_at > clock_->Now() + kMicrosPerHour)
    return Invalid("time_in_future", "broken_up_at is in the future");
  auto today = identity::LocalDate(clock_->Now());
  for (size_t i = 0; i < g.members.size(); ++i) {
    auto id = identity::ParseIdNumber(g.members[i].id_number, today);
    if (!id.ok()) return Invalid("invalid_id_number", "member " + std::to_string(i + 1) + ": " + id.status().message());
    g.members[i].id_number = id->number;
  }
  return Status::Ok();
}

namespace {
Result<int64_t> InsertGang(sql::Connection& c, const Gang& g) {
  auto rows = c.Query("INSERT INTO gangs (name, type, district_code, broken_up_at, notes) VALUES (?, ?, ?, ?, ?) RETURNING id",
                      {g.name, g.type, g.district_code, TimeValue(g.broken_up_at), g.notes});
  if (!rows.ok()) return rows.status();
  int64_t id = (*rows)[0].Int("id");
  for (const auto& m : g.members) {
    auto r = c.Exec("INSERT INTO gang_members (gang_id, id_number, name, role) VALUES (?, ?, ?, ?)",
                    {id, m.id_number, m.name, m.role});
    if (!r.ok()) return r.status();
  }
  return id;
}
}  // namespace

Result<Gang> Service::CreateGang(const auth::Actor& actor, Gang g) {
  JW_RETURN_IF_ERROR(ValidateGang(g));
  int64_t id = 0;
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
    JW_ASSIGN_OR_RETURN(id, InsertGang(c, g));
    return Status::Ok();
  }));
  Audit(actor, "gang.create", g.name);
  NotifyReload();
  return GetGang(id);
}

Result<Gang> Service::GetGang(int64_t id) {
  auto rows = db_->Query("SELECT id, name, type, district_code, broken_up_at, notes FROM gangs WHERE id = ?", {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("not_found", "no gang with id " + std::to_string(id));
  const auto& r = (*rows)[0];
  Gang g{r.Int("id"), r.Text("name"), r.Text("type"), r.Text("district_code"), TimeOf(r, "broken_up_at"), r.Text("notes")};
  auto m = db_->Query("SELECT id_number, name, role FROM gang_members WHERE gang_id = ? ORDER BY id", {id});
  if (!m.ok()) return m.status();
  for (const auto& x : *m) g.members.push_back({x.Text("id_number"), x.Text("name"), x.Text("role")});
  auto cs = db_->Query("SELECT case_no FROM cases WHERE gang_id = ? ORDER BY case_no", {id});
  if (!cs.ok()) return cs.status();
  for (const auto& x : *cs) g.case_nos.push_back(x.Text("case_no"));
  return g;
}

Result<std::vector<Gang>> Service::ListGangs() {
  auto rows = db_->Query(
      "SELECT g.id, g.name, g.type, g.district_code, g.broken_up_at, g.notes, "
      "(SELECT COUNT(*) FROM gang_members m WHERE m.gang_id = g.id) AS members FROM gangs g ORDER BY g.id");
  if (!rows.ok()) return rows.status();
  std::vector<Gang> out;
  for (const auto& r : *rows) {
    Gang g{r.Int("id"), r.Text("name"), r.Text("type"), r.Text("district_code"), TimeOf(r, "broken_up_at"), r.Text("notes")};
    g.members.resize(static_cast<size_t>(r.Int("members")));  // counts only; GetGang has the people
    out.push_back(std::move(g));
  }
  auto tied = db_->Query("SELECT gang_id, case_no FROM cases WHERE gang_id IS NOT NULL ORDER BY case_no");
  if (!tied.ok()) return tied.status();
  std::unordered_map<int64_t, Gang*> by_id;
  for (auto& g : out) by_id[g.id] = &g;
  for (const auto& r : *tied)
    if (auto it = by_id.find(r.Int("gang_id")); it != by_id.end()) it->second->case_nos.push_back(r.Text("case_no"));
  return out;
}

Result<Accident> Service::AddAccident(const auth::Actor& actor, Accident a) {
  if (IndexOf(kDistricts, a.district_code) < 0) return Invalid("unknown_district", "unknown district_code");
  if (a.deaths < 0 || a.injuries < 0 || a.vehicles < 0 || a.deaths > 1000 || a.injuries > 10000 || a.vehicles > 1000)
    return Invalid("validation_failed", "deaths, injuries and vehicles are counts from 0");
  if (a.occurred_at > clock_->Now() + kMicrosPerHour) return Invalid("time_in_future", "occurred_at is in the future");
  JW_RETURN_IF_ERROR(CheckText(a.place, "place", kShortText * 2));
  auto rows = db_->Query("INSERT INTO accidents (occurred_at, place, district_code, deaths, injuries, vehicles) "
                         "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                         {FormatTime(a.occurred_at), a.place, a.district_code, int64_t{a.deaths}, int64_t{a.injuries},
                          int64_t{a.vehicles}});
  if (!rows.ok()) return rows.status();
  a.id = (*rows)[0].Int("id");
  Audit(actor, "accident.create", std::to_string(a.id));
  NotifyReload();
  return a;
}

Result<std::vector<Accident>> Service::ListAccidents(std::optional<Timestamp> from, std::optional<Timestamp> to) {
  auto rows = db_->Query(
      "SELECT id, occurred_at, place, district_code, deaths, injuries, vehicles FROM accidents "
      "WHERE occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at",
      {from ? FormatTime(*from) : std::string("0000"), to ? FormatTime(*to) : std::string("9999")});
  if (!rows.ok()) return rows.status();
  std::vector<Accident> out;
  for (const auto& r : *rows)
    out.push_back({r.Int("id"), TimeOf(r, "occurred_at").value_or(Timestamp{}), r.Text("place"), r.Text("district_code"),
                   static_cast<int>(r.Int("deaths")), static_cast<int>(r.Int("injuries")),
                   static_cast<int>(r.Int("vehicles"))});
  return out;
}

Status Service::SetVehicleCount(const auth::Actor& actor, VehicleCount v) {
  if (v.year < 1990 || v.year > 2100 || v.year_end_count <= 0)
    return Invalid("validation_failed", "year 1990-2100 and a positive year_end_count are required");
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
    auto d = c.Exec("DELETE FROM vehicle_counts WHERE year = ?", {int64_t{v.year}});
    if (!d.ok()) return d.status();
    auto i = c.Exec("INSERT INTO vehicle_counts (year, year_end_count) VALUES (?, ?)", {int64_t{v.year}, v.year_end_count});
    return i.ok() ? Status::Ok() : i.status();
  }));
  Audit(actor, "vehicle_count.set", std::to_string(v.year), std::to_string(v.year_end_count));
  NotifyReload();
  return Status::Ok();
}

Result<std::vector<VehicleCount>> Service::VehicleCounts() {
  auto rows = db_->Query("SELECT year, year_end_count FROM vehicle_counts ORDER BY year");
  if (!rows.ok()) return rows.status();
  std::vector<VehicleCount> out;
  for (const auto& r : *rows) out.push_back({static_cast<int>(r.Int("year")), r.Int("year_end_count")});
  return out;
}

Status Service::Load(const auth::Actor& actor, Dataset data) {
  for (auto& c : data.cases) JW_RETURN_IF_ERROR(Validate(c));
  for (auto& g : data.gangs) JW_RETURN_IF_ERROR(ValidateGang(g));
  std::string now = FormatTime(clock_->Now());
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& conn) -> Status {
    std::vector<int64_t> gang_ids;
    for (const auto& g : data.gangs) {
      JW_ASSIGN_OR_RETURN(int64_t id, InsertGang(conn, g));
      gang_ids.push_back(id);
    }
    for (auto& c : data.cases) {
      if (c.gang_id) {
        if (c.gang_id < 1 || c.gang_id > static_cast<int64_t>(gang_ids.size()))
          return Invalid("unknown_gang", "case " + c.case_no + " refers to gang " + std::to_string(c.gang_id));
        c.gang_id = gang_ids[static_cast<size_t>(c.gang_id - 1)];
      }
      JW_ASSIGN_OR_RETURN(int64_t id, InsertCase(conn, c, now));
      auto h = conn.Exec("INSERT INTO case_history (case_id, version, at, actor, changes) VALUES (?, 1, ?, ?, ?)",
                         {id, now, actor.username, R"({"imported":true})"});
      if (!h.ok()) return h.status();
    }
    for (const auto& a : data.accidents) {
      auto r = conn.Exec("INSERT INTO accidents (occurred_at, place, district_code, deaths, injuries, vehicles) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         {FormatTime(a.occurred_at), a.place, a.district_code, int64_t{a.deaths},
                          int64_t{a.injuries}, int64_t{a.vehicles}});
      if (!r.ok()) return r.status();
    }
    for (const auto& v : data.vehicle_counts) {
      auto d = conn.Exec("DELETE FROM vehicle_counts WHERE year = ?", {int64_t{v.year}});
      if (!d.ok()) return d.status();
      auto r = conn.Exec("INSERT INTO vehicle_counts (year, year_end_count) VALUES (?, ?)",
                         {int64_t{v.year}, v.year_end_count});
      if (!r.ok()) return r.status();
    }
    return Status::Ok();
  }));
  Audit(actor, "cases.import", "",
        std::to_string(data.cases.size()) + " cases, " + std::to_string(data.gangs.size()) + " gangs, " +
            std::to_string(data.accidents.size()) + " accidents");
  NotifyReload();
  return Status::Ok();
}

Status Service::ScanCases(const std::function<void(const Case&)>& fn) {
  int64_t last = 0;
  for (;;) {
    auto rows = db_->Query(std::string("SELECT ") + kCaseColumns + " FROM cases WHERE id > ? ORDER BY id LIMIT 20000", {last});
    if (!rows.ok()) return rows.status();
    for (const auto& r : *rows) {
      Case c = CaseFromRow(r);
      last = c.id;
      fn(c);
    }
    if (rows->size() < 20000) return Status::Ok();
  }
}

}  // namespace jingwu::cases

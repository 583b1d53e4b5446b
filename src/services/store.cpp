#include "services/store.h"

namespace jingwu::services {

std::vector<sql::Migration> Migrations() {
  return {{"services", 1, "service hall",
           "CREATE TABLE svc_citizens (id {{id}}, phone TEXT NOT NULL UNIQUE, id_number TEXT NOT NULL UNIQUE, "
           "name TEXT NOT NULL, password_hash TEXT NOT NULL, created_us BIGINT NOT NULL);"
           "CREATE TABLE svc_citizen_sessions (token_hash TEXT PRIMARY KEY, citizen_id BIGINT NOT NULL, "
           "expires_us BIGINT NOT NULL);"
           "CREATE TABLE svc_applications (id {{id}}, item_code TEXT NOT NULL, citizen_id BIGINT NOT NULL, "
           "department TEXT NOT NULL, departments TEXT NOT NULL, channel TEXT NOT NULL, state TEXT NOT NULL, "
           "due_day BIGINT NOT NULL, submitted_us BIGINT NOT NULL, decided_wd INTEGER NOT NULL, "
           "rating INTEGER NOT NULL, commitment INTEGER NOT NULL, verification TEXT NOT NULL, "
           "version BIGINT NOT NULL, data TEXT NOT NULL);"
           "CREATE INDEX svc_applications_citizen ON svc_applications (citizen_id, id);"
           "CREATE INDEX svc_applications_state ON svc_applications (state, due_day);"
           "CREATE INDEX svc_applications_submitted ON svc_applications (submitted_us);"
           "CREATE TABLE svc_staff (username TEXT PRIMARY KEY, department TEXT NOT NULL);"},
          {"services", 2, "commissioner column",
           "ALTER TABLE svc_applications ADD COLUMN commissioner TEXT NOT NULL DEFAULT '';"
           "CREATE INDEX svc_applications_commissioner ON svc_applications (commissioner, due_day);"}};
}

namespace {
Citizen CitizenOf(const sql::Row& r) {
  return {r.Int("id"), r.Text("phone"), r.Text("id_number"), r.Text("name"), r.Text("password_hash"),
          {r.Int("created_us")}};
}
std::string Departments(const Application& a) {
  std::string s = "," + a.department + ",";
  for (const auto& d : a.decisions) s += d.department + ",";
  return s;
}
}  // namespace

Result<Citizen> Store::InsertCitizen(const Citizen& c) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("INSERT INTO svc_citizens (phone, id_number, name, password_hash, "
                                                 "created_us) VALUES (?, ?, ?, ?, ?) RETURNING id",
                                                 {c.phone, c.id_number, c.name, c.password_hash, c.created_at.micros}));
  Citizen out = c;
  out.id = rows.at(0).Int("id");
  return out;
}

Result<std::optional<Citizen>> Store::CitizenByPhone(const std::string& phone) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT * FROM svc_citizens WHERE phone = ?", {phone}));
  if (rows.empty()) return std::optional<Citizen>();
  return std::optional<Citizen>(CitizenOf(rows[0]));
}

Result<std::optional<Citizen>> Store::CitizenById(int64_t id) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT * FROM svc_citizens WHERE id = ?", {id}));
  if (rows.empty()) return std::optional<Citizen>();
  return std::optional<Citizen>(CitizenOf(rows[0]));
}

Result<bool> Store::IdNumberTaken(const std::string& id_number) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT id FROM svc_citizens WHERE id_number = ?", {id_number}));
  return !rows.empty();
}

Status Store::InsertSession(const std::string& token_hash, int64_t citizen_id, Timestamp expires) {
  auto r = db_->Exec("INSERT INTO svc_citizen_sessions (token_hash, citizen_id, expires_us) VALUES (?, ?, ?)",
                     {token_hash, citizen_id, expires.micros});
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::optional<int64_t>> Store::SessionCitizen(const std::string& token_hash, Timestamp now) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT citizen_id FROM svc_citizen_sessions WHERE token_hash = ? "
                                                 "AND expires_us > ?",
                                                 {token_hash, now.micros}));
  if (rows.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows[0].Int("citizen_id"));
}

sql::Params Store::RowParams(const Application& a, const std::string& data) {
  return {a.item_code,
          a.citizen_id,
          a.department,
          Departments(a),
          a.channel,
          a.state,
          a.due_day,
          a.submitted_at.micros,
          static_cast<int64_t>(a.decided_working_days),
          static_cast<int64_t>(a.rating ? a.rating->level : 0),
          static_cast<int64_t>(a.commitment ? 1 : 0),
          a.verification,
          a.version,
          data,
          a.commissioner};
}

static constexpr const char* kInsert =
    "INSERT INTO svc_applications (item_code, citizen_id, department, departments, channel, state, due_day, "
    "submitted_us, decided_wd, rating, commitment, verification, version, data, commissioner) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";

// The record's own "id" is not trusted on reading: the row id is (see Parse),
// so an insert needs no second write.
Result<int64_t> Store::Insert(const Application& a) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(kInsert, RowParams(a, ApplicationJson(a).dump())));
  return rows.at(0).Int("id");
}

Status Store::InsertMany(const std::vector<Application>& apps) {
  return db_->Transaction([&](sql::Connection& c) -> Status {
    for (const auto& a : apps) {
      auto r = c.Query(kInsert, RowParams(a, ApplicationJson(a).dump()));
      if (!r.ok()) return r.status();
    }
    return Status::Ok();
  });
}

namespace {
Result<Application> Parse(const sql::Row& r) {
  JW_ASSIGN_OR_RETURN(Application a, ApplicationFromJson(json::parse(r.Text("data"), nullptr, false)));
  a.id = r.Int("id");
  return a;
}
}  // namespace

Status Store::Update(const Application& a, int64_t expected_version) {
  sql::Params p = RowParams(a, ApplicationJson(a).dump());
  p.push_back(a.id);
  p.push_back(expected_version);
  JW_ASSIGN_OR_RETURN(int64_t n, db_->Exec("UPDATE svc_applications SET item_code = ?, citizen_id = ?, department = ?, "
                                           "departments = ?, channel = ?, state = ?, due_day = ?, submitted_us = ?, "
                                           "decided_wd = ?, rating = ?, commitment = ?, verification = ?, version = ?, "
                                           "data = ?, commissioner = ? WHERE id = ? AND version = ?",
                                           p));
  if (n != 1) return Conflict("stale", "the application changed meanwhile; reload and try again");
  return Status::Ok();
}

Result<Application> Store::Get(int64_t id) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT id, data FROM svc_applications WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("not_found", "no application " + std::to_string(id));
  return Parse(rows[0]);
}

Result<std::vector<Application>> Store::List(int64_t citizen_id, const std::string& department,
                                              const std::string& states, int limit, const std::string& commissioner) {
  std::string where = "WHERE 1 = 1";
  sql::Params p;
  if (!commissioner.empty()) where += " AND commissioner = ?", p.push_back(commissioner);
  if (citizen_id) where += " AND citizen_id = ?", p.push_back(citizen_id);
  if (!department.empty()) where += " AND departments LIKE ?", p.push_back("%," + department + ",%");
  if (!states.empty()) {
    where += " AND state IN (";
    size_t pos = 0;
    bool first = true;
    while (pos <= states.size()) {
      size_t comma = states.find(',', pos);
      if (comma == std::string::npos) comma = states.size();
      where += first ? "?" : ", ?";
      first = false;
      p.push_back(states.substr(pos, comma - pos));
      pos = comma + 1;
    }
    where += ")";
  }
  p.push_back(static_cast<int64_t>(limit));
  std::string order = citizen_id ? "ORDER BY id DESC" : "ORDER BY due_day, id";
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT id, data FROM svc_applications " + where + " " + order + " LIMIT ?", p));
  std::vector<Application> out;
  for (const auto& r : rows) {
    JW_ASSIGN_OR_RETURN(Application a, Parse(r));
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::vector<MetricRow>> Store::MetricRows(int64_t from_us, int64_t to_us) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows,
                      db_->Query("SELECT item_code, channel, state, submitted_us, decided_wd, rating, commitment, "
                                 "verification FROM svc_applications WHERE submitted_us >= ? AND submitted_us < ?",
                                 {from_us, to_us}));
  std::vector<MetricRow> out;
  out.reserve(rows.size());
  for (const auto& r : rows)
    out.push_back({r.Text("item_code"), r.Text("channel"), r.Text("state"), r.Int("submitted_us"),
                   static_cast<int>(r.Int("decided_wd")), static_cast<int>(r.Int("rating")), r.Int("commitment") != 0,
                   r.Text("verification")});
  return out;
}

Result<int64_t> Store::Count() {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT COUNT(*) AS n FROM svc_applications"));
  return rows.at(0).Int("n");
}

Status Store::SetStaffDepartment(const std::string& username, const std::string& department) {
  return db_->Transaction([&](sql::Connection& c) -> Status {
    auto d = c.Exec("DELETE FROM svc_staff WHERE username = ?", {username});
    if (!d.ok()) return d.status();
    if (department.empty()) return Status::Ok();
    auto i = c.Exec("INSERT INTO svc_staff (username, department) VALUES (?, ?)", {username, department});
    return i.ok() ? Status::Ok() : i.status();
  });
}

Result<std::string> Store::StaffDepartment(const std::string& username) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT department FROM svc_staff WHERE username = ?", {username}));
  return rows.empty() ? std::string() : rows[0].Text("department");
}

}  // namespace jingwu::services

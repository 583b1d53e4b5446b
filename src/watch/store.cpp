#include "watch/store.h"

namespace jingwu::watch {

std::vector<sql::Migration> Migrations() {
  return {{"watch", 1, "entries and alerts",
           "CREATE TABLE watch_entries (id {{id}}, entity TEXT NOT NULL, reason TEXT NOT NULL, "
           "legal_basis TEXT NOT NULL, requested_by TEXT NOT NULL, requested_at_us BIGINT NOT NULL, "
           "expires_at_us BIGINT NOT NULL, status TEXT NOT NULL, decided_by TEXT NOT NULL DEFAULT '', "
           "decided_at_us BIGINT, decision_note TEXT NOT NULL DEFAULT '', revoked_by TEXT NOT NULL DEFAULT '', "
           "revoked_at_us BIGINT);"
           "CREATE INDEX watch_entries_status ON watch_entries (status);"
           "CREATE TABLE watch_alerts (id {{id}}, entry_id BIGINT NOT NULL REFERENCES watch_entries (id), "
           "entity TEXT NOT NULL, via TEXT NOT NULL, officer TEXT NOT NULL, raised_at_us BIGINT NOT NULL, event_at BIGINT NOT NULL, "
           "place_code TEXT NOT NULL, place_name TEXT NOT NULL, district_code TEXT NOT NULL, "
           "lat DOUBLE PRECISION NOT NULL, lon DOUBLE PRECISION NOT NULL, source TEXT NOT NULL, record TEXT NOT NULL, "
           "acknowledged_by TEXT NOT NULL DEFAULT '', acknowledged_at_us BIGINT);"
           "CREATE INDEX watch_alerts_officer ON watch_alerts (officer, id);"
           "CREATE INDEX watch_alerts_entry ON watch_alerts (entry_id, id);"}};
}

namespace {

constexpr const char* kEntryCols =
    "id, entity, reason, legal_basis, requested_by, requested_at_us, expires_at_us, status, decided_by, "
    "decided_at_us, decision_note, revoked_by, revoked_at_us, "
    "(SELECT COUNT(*) FROM watch_alerts a WHERE a.entry_id = watch_entries.id) AS alerts";
constexpr const char* kAlertCols =
    "id, entry_id, entity, via, officer, raised_at_us, event_at, place_code, place_name, district_code, lat, lon, source, "
    "record, acknowledged_by, acknowledged_at_us";

std::optional<Timestamp> OptTs(const sql::Row& r, const char* col) {
  if (r.IsNull(col)) return std::nullopt;
  return Timestamp{r.Int(col)};
}
sql::Value OptVal(const std::optional<Timestamp>& t) { return t ? sql::Value(t->micros) : sql::Value(nullptr); }

Entry EntryOf(const sql::Row& r) {
  Entry e;
  e.id = r.Int("id");
  e.entity = r.Text("entity");
  e.reason = r.Text("reason");
  e.legal_basis = r.Text("legal_basis");
  e.requested_by = r.Text("requested_by");
  e.requested_at = {r.Int("requested_at_us")};
  e.expires_at = {r.Int("expires_at_us")};
  e.status = r.Text("status");
  e.decided_by = r.Text("decided_by");
  e.decided_at = OptTs(r, "decided_at_us");
  e.decision_note = r.Text("decision_note");
  e.revoked_by = r.Text("revoked_by");
  e.revoked_at = OptTs(r, "revoked_at_us");
  e.alerts = r.Int("alerts");
  return e;
}

Alert AlertOf(const sql::Row& r) {
  Alert a;
  a.id = r.Int("id");
  a.entry_id = r.Int("entry_id");
  a.entity = r.Text("entity");
  a.via = r.Text("via");
  a.officer = r.Text("officer");
  a.raised_at = {r.Int("raised_at_us")};
  a.event_at = Timestamp::FromSeconds(r.Int("event_at"));
  a.place_code = r.Text("place_code");
  a.place_name = r.Text("place_name");
  a.district_code = r.Text("district_code");
  a.lat = r.Double("lat");
  a.lon = r.Double("lon");
  a.source = r.Text("source");
  a.record = r.Text("record");
  a.acknowledged_by = r.Text("acknowledged_by");
  a.acknowledged_at = OptTs(r, "acknowledged_at_us");
  return a;
}

}  // namespace

Result<Entry> Store::Insert(const Entry& e) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows,
                      db_->Query("INSERT INTO watch_entries (entity, reason, legal_basis, requested_by, requested_at_us, "
                                 "expires_at_us, status) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                 {e.entity, e.reason, e.legal_basis, e.requested_by, e.requested_at.micros,
                                  e.expires_at.micros, e.status}));
  if (rows.empty()) return Internal("insert returned no id");
  return Get(rows[0].Int("id"));
}

Status Store::Update(const Entry& e, const std::string& from) {
  auto n = db_->Exec(
      "UPDATE watch_entries SET status = ?, decided_by = ?, decided_at_us = ?, decision_note = ?, revoked_by = ?, "
      "revoked_at_us = ? WHERE id = ? AND status = ?",
      {e.status, e.decided_by, OptVal(e.decided_at), e.decision_note, e.revoked_by, OptVal(e.revoked_at), e.id, from});
  if (!n.ok()) return n.status();
  if (*n != 1) return Conflict("not_pending", "watchlist entry " + std::to_string(e.id) + " changed meanwhile");
  return Status::Ok();
}

Result<Entry> Store::Get(int64_t id) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows,
                      db_->Query(std::string("SELECT ") + kEntryCols + " FROM watch_entries WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("watch_entry_not_found", "no watchlist entry " + std::to_string(id));
  return EntryOf(rows[0]);
}

Result<std::vector<Entry>> Store::List(const std::string& status, const std::string& requested_by, int limit) {
  std::string sql = std::string("SELECT ") + kEntryCols + " FROM watch_entries WHERE 1 = 1";
  sql::Params p;
  if (!status.empty()) {
    sql += " AND status = ?";
    p.emplace_back(status);
  }
  if (!requested_by.empty()) {
    sql += " AND requested_by = ?";
    p.emplace_back(requested_by);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  p.emplace_back(static_cast<int64_t>(limit));
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql, p));
  std::vector<Entry> out;
  for (const auto& r : rows) out.push_back(EntryOf(r));
  return out;
}

Result<std::vector<Entry>> Store::Active() {
  JW_ASSIGN_OR_RETURN(sql::Rows rows,
                      db_->Query("SELECT id, entity, reason, legal_basis, requested_by, requested_at_us, expires_at_us, "
                                 "status, decided_by, decided_at_us, decision_note, revoked_by, revoked_at_us, 0 AS alerts "
                                 "FROM watch_entries WHERE status = ?",
                                 {std::string(kActive)}));
  std::vector<Entry> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(EntryOf(r));
  return out;
}

Result<Alert> Store::InsertAlert(const Alert& a) {
  JW_ASSIGN_OR_RETURN(
      sql::Rows rows,
      db_->Query("INSERT INTO watch_alerts (entry_id, entity, via, officer, raised_at_us, event_at, place_code, place_name, "
                 "district_code, lat, lon, source, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                 {a.entry_id, a.entity, a.via, a.officer, a.raised_at.micros, a.event_at.seconds(), a.place_code, a.place_name,
                  a.district_code, a.lat, a.lon, a.source, a.record}));
  if (rows.empty()) return Internal("insert returned no id");
  Alert out = a;
  out.id = rows[0].Int("id");
  return out;
}

Status Store::InsertAlerts(std::vector<Alert>& alerts) {
  return db_->Transaction([&](sql::Connection& c) -> Status {
    for (Alert& a : alerts) {
      JW_ASSIGN_OR_RETURN(
          sql::Rows rows,
          c.Query("INSERT INTO watch_alerts (entry_id, entity, via, officer, raised_at_us, event_at, place_code, place_name, "
                  "district_code, lat, lon, source, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                  {a.entry_id, a.entity, a.via, a.officer, a.raised_at.micros, a.event_at.seconds(), a.place_code,
                   a.place_name, a.district_code, a.lat, a.lon, a.source, a.record}));
      if (rows.empty()) return Internal("insert returned no id");
      a.id = rows[0].Int("id");
    }
    return Status::Ok();
  });
}

Result<Alert> Store::GetAlert(int64_t id) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows,
                      db_->Query(std::string("SELECT ") + kAlertCols + " FROM watch_alerts WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("alert_not_found", "no alert " + std::to_string(id));
  return AlertOf(rows[0]);
}

Status Store::AcknowledgeAlert(int64_t id, const std::string& by, Timestamp at) {
  auto n = db_->Exec("UPDATE watch_alerts SET acknowledged_by = ?, acknowledged_at_us = ? WHERE id = ?",
                     {by, at.micros, id});
  return n.ok() ? Status::Ok() : n.status();
}

Result<std::vector<Alert>> Store::Alerts(const std::string& officer, int64_t after, int limit,
                                         bool unacknowledged_only, bool ascending, int64_t entry_id) {
  std::string sql = std::string("SELECT ") + kAlertCols + " FROM watch_alerts WHERE id > ?";
  sql::Params p{after};
  if (!officer.empty()) {
    sql += " AND officer = ?";
    p.emplace_back(officer);
  }
  if (entry_id) {
    sql += " AND entry_id = ?";
    p.emplace_back(entry_id);
  }
  if (unacknowledged_only) sql += " AND acknowledged_at_us IS NULL";
  sql += ascending ? " ORDER BY id ASC LIMIT ?" : " ORDER BY id DESC LIMIT ?";
  p.emplace_back(static_cast<int64_t>(limit));
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql, p));
  std::vector<Alert> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(AlertOf(r));
  return out;
}

Result<int64_t> Store::CountAlerts(const std::string& officer, bool unacknowledged_only) {
  std::string sql = "SELECT COUNT(*) AS n FROM watch_alerts WHERE 1 = 1";
  sql::Params p;
  if (!officer.empty()) {
    sql += " AND officer = ?";
    p.emplace_back(officer);
  }
  if (unacknowledged_only) sql += " AND acknowledged_at_us IS NULL";
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql, p));
  return rows.empty() ? 0 : rows[0].Int("n");
}

}  // namespace jingwu::watch

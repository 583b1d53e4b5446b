#include "dispatch/store.h"

namespace jingwu::dispatch {

std::vector<sql::Migration> Migrations() {
  return {{"dispatch", 1, "timeline",
           "CREATE TABLE dispatch_events (seq BIGINT PRIMARY KEY, at_us BIGINT NOT NULL, actor TEXT NOT NULL, "
           "kind TEXT NOT NULL, incident_id BIGINT NOT NULL, unit_id BIGINT NOT NULL, data TEXT NOT NULL);"
           "CREATE INDEX dispatch_events_incident ON dispatch_events (incident_id, seq);"}};
}

Status Store::Append(const std::vector<Event>& events) {
  return db_->Transaction([&](sql::Connection& c) -> Status {
    for (const auto& e : events) {
      auto r = c.Exec(
          "INSERT INTO dispatch_events (seq, at_us, actor, kind, incident_id, unit_id, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
          {e.seq, e.at.micros, e.actor, e.kind, e.incident_id, e.unit_id,
           e.data.dump(-1, ' ', false, json::error_handler_t::replace)});
      if (!r.ok()) return r.status();
    }
    return Status::Ok();
  });
}

Result<std::vector<Event>> Store::Select(const std::string& where, const sql::Params& params) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows,
                      db_->Query("SELECT seq, at_us, actor, kind, incident_id, unit_id, data FROM dispatch_events " +
                                     where,
                                 params));
  std::vector<Event> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    Event e;
    e.seq = r.Int("seq");
    e.at = {r.Int("at_us")};
    e.actor = r.Text("actor");
    e.kind = r.Text("kind");
    e.incident_id = r.Int("incident_id");
    e.unit_id = r.Int("unit_id");
    e.data = json::parse(r.Text("data"), nullptr, false);
    if (e.data.is_discarded()) return Internal("dispatch event " + std::to_string(e.seq) + " is not valid JSON");
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<Event>> Store::Since(int64_t after, int limit) {
  return Select("WHERE seq > ? ORDER BY seq LIMIT ?", {after, static_cast<int64_t>(limit)});
}

Result<std::vector<Event>> Store::ForIncident(int64_t incident_id) {
  return Select("WHERE incident_id = ? ORDER BY seq", {incident_id});
}

Result<std::vector<Event>> Store::All() { return Select("ORDER BY seq", {}); }

}  // namespace jingwu::dispatch

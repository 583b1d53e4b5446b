#include "community/service.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "core/csv.h"
#include "core/geo.h"
#include "core/log.h"
#include "core/utf8.h"

namespace jingwu::community {

namespace {

using json = nlohmann::json;
constexpr int64_t kMicros = 1000000;

std::vector<std::string> Split(const std::string& s, char sep = '|') {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

double Km(double lat1, double lon1, double lat2, double lon2) { return HaversineMeters(lat1, lon1, lat2, lon2) / 1000.0; }

// Local (Asia/Shanghai) date and hour of event seconds.
int64_t LocalSeconds(uint32_t t) { return static_cast<int64_t>(t) + kShanghaiOffsetMinutes * 60; }
std::string DateOf(int64_t local_day) { return DayText(local_day); }

Result<Timestamp> Time(const std::string& text, const char* what) {
  auto t = ParseTime(text);
  if (!t.ok()) return Validation("invalid_time", std::string(what) + " is not a time (YYYY-MM-DDTHH:MM:SS)");
  return *t;
}

constexpr const char* kCommunityColumns = "code, place_code, name, district_code, gates, car_gates, lat, lon";
constexpr const char* kAlarmColumns =
    "a.id AS id, a.community_code AS community_code, c.place_code AS place_code, a.device AS device, a.kind AS kind, "
    "a.raised_at AS raised_at, a.raised_us AS raised_us, a.cleared_at AS cleared_at, a.cleared_us AS cleared_us, "
    "a.cleared_by AS cleared_by, a.note AS note";
constexpr const char* kFindingColumns =
    "id, rule, community_code, subject, status, detail, first_found_at, last_found_at, task_id, closed_by, note";

Community CommunityFromRow(const sql::Row& r) {
  Community c;
  c.code = r.Text("code");
  c.place_code = r.Text("place_code");
  c.name = r.Text("name");
  c.district_code = r.Text("district_code");
  c.gates = Split(r.Text("gates"));
  c.car_gates = Split(r.Text("car_gates"));
  c.lat = r.Double("lat");
  c.lon = r.Double("lon");
  return c;
}

Finding FindingFromRow(const sql::Row& r) {
  return {r.Int("id"),       r.Text("rule"),          r.Text("community_code"), r.Text("subject"),
          r.Text("status"),  r.Text("detail"),        r.Text("first_found_at"), r.Text("last_found_at"),
          r.Int("task_id"),  r.Text("closed_by"),     r.Text("note")};
}

}  // namespace

std::vector<sql::Migration> Migrations() {
  return {{"community", 1, "smart communities, device alarms, rule findings",
           "CREATE TABLE comm_communities (code TEXT PRIMARY KEY, place_code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, "
           "district_code TEXT NOT NULL, gates TEXT NOT NULL, car_gates TEXT NOT NULL, lat DOUBLE PRECISION NOT NULL, "
           "lon DOUBLE PRECISION NOT NULL);"
           "CREATE TABLE comm_alarms (id {{id}}, community_code TEXT NOT NULL, device TEXT NOT NULL, kind TEXT NOT NULL, "
           "raised_at TEXT NOT NULL, raised_us BIGINT NOT NULL, cleared_at TEXT, cleared_us BIGINT, "
           "cleared_by TEXT NOT NULL, note TEXT NOT NULL, UNIQUE (device, raised_us));"
           "CREATE INDEX comm_alarms_open ON comm_alarms (community_code, cleared_us);"
           "CREATE TABLE comm_findings (id {{id}}, fkey TEXT NOT NULL UNIQUE, rule TEXT NOT NULL, "
           "community_code TEXT NOT NULL, subject TEXT NOT NULL, status TEXT NOT NULL, detail TEXT NOT NULL, "
           "first_found_at TEXT NOT NULL, last_found_at TEXT NOT NULL, task_id BIGINT NOT NULL, "
           "closed_by TEXT NOT NULL, note TEXT NOT NULL);"
           "CREATE INDEX comm_findings_community ON comm_findings (community_code, status);"}};
}

void Service::Audit(const auth::Actor& a, std::string action, std::string target, std::string outcome,
                    std::string detail) {
  audit_->Record(a, std::move(action), std::move(target), std::move(outcome), std::move(detail));
}

// ---- import ----

Result<std::vector<ImportFile>> Service::Import(const auth::Actor& actor, const std::string& dir) {
  std::vector<ImportFile> out;
  auto read = [&](const std::string& file, std::vector<std::string>* header,
                  std::vector<std::vector<std::string>>* rows) -> Result<bool> {
    CsvTable t;
    JW_ASSIGN_OR_RETURN(bool present, ReadCsvTable(dir + "/" + file, &t));
    *header = std::move(t.header), *rows = std::move(t.rows);
    return present;
  };
  auto col = [](const std::vector<std::string>& header, const char* name) {
    auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : static_cast<int>(it - header.begin());
  };
  // smart_communities.csv
  {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    JW_ASSIGN_OR_RETURN(bool present, read("smart_communities.csv", &header, &rows));
    if (present) {
      ImportFile f{"smart_communities.csv"};
      const char* need[] = {"community_code", "place_code", "name", "district_code", "gates", "car_gates", "lat", "lon"};
      int ix[8];
      for (int i = 0; i < 8; ++i)
        if ((ix[i] = col(header, need[i])) < 0)
          return Validation("missing_columns", "smart_communities.csv lacks the column " + std::string(need[i]));
      auto index = registry_->index();
      JW_ASSIGN_OR_RETURN(sql::Rows have, db_->Query("SELECT code FROM comm_communities"));
      std::set<std::string> known;
      for (const auto& r : have) known.insert(r.Text("code"));
      std::vector<sql::Params> ins;
      for (const auto& row : rows) {
        ++f.rows;
        if (row.size() != header.size()) {
          ++f.rejected["malformed_row"];
          continue;
        }
        std::string code = row[ix[0]];
        const auto* node = index->Find(code);
        if (!node || node->level != registry::Level::kCommunity) {
          ++f.rejected["unknown_community"];
          continue;
        }
        const events::Place* place = events_ ? events_->FindPlace(row[ix[1]]) : nullptr;
        if (events_ && (!place || place->kind != "community")) {
          ++f.rejected["unknown_place"];
          continue;
        }
        char* end = nullptr;
        double lat = std::strtod(row[ix[6]].c_str(), &end);
        bool ok = *end == 0 && lat > -90 && lat < 90;
        double lon = std::strtod(row[ix[7]].c_str(), &end);
        ok = ok && *end == 0 && lon > -180 && lon < 180 && !Split(row[ix[4]]).empty();
        if (!ok) {
          ++f.rejected["invalid_value"];
          continue;
        }
        if (!known.insert(code).second) {
          ++f.already;
          continue;
        }
        ins.push_back({code, row[ix[1]], row[ix[2]], row[ix[3]], row[ix[4]], row[ix[5]], lat, lon});
        ++f.accepted;
      }
      JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
        for (const auto& p : ins)
          JW_RETURN_IF_ERROR(c.Exec(std::string("INSERT INTO comm_communities (") + kCommunityColumns +
                                        ") VALUES (?,?,?,?,?,?,?,?)",
                                    p)
                                 .status());
        return Status::Ok();
      }));
      out.push_back(f);
    }
  }
  // alarm.csv
  {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    JW_ASSIGN_OR_RETURN(bool present, read("alarm.csv", &header, &rows));
    if (present) {
      ImportFile f{"alarm.csv"};
      const char* need[] = {"community_code", "device", "kind", "raised_at", "cleared_at"};
      int ix[5];
      for (int i = 0; i < 5; ++i)
        if ((ix[i] = col(header, need[i])) < 0)
          return Validation("missing_columns", "alarm.csv lacks the column " + std::string(need[i]));
      JW_ASSIGN_OR_RETURN(sql::Rows cs, db_->Query("SELECT code, place_code FROM comm_communities"));
      std::map<std::string, std::string> code_of;  // place or registry code -> registry code
      for (const auto& r : cs) code_of[r.Text("place_code")] = r.Text("code"), code_of[r.Text("code")] = r.Text("code");
      JW_ASSIGN_OR_RETURN(sql::Rows have, db_->Query("SELECT device, raised_us FROM comm_alarms"));
      std::set<std::pair<std::string, int64_t>> known;
      for (const auto& r : have) known.insert({r.Text("device"), r.Int("raised_us")});
      std::vector<sql::Params> ins;
      for (const auto& row : rows) {
        ++f.rows;
        if (row.size() != header.size()) {
          ++f.rejected["malformed_row"];
          continue;
        }
        auto c = code_of.find(row[ix[0]]);
        if (c == code_of.end()) {
          ++f.rejected["unknown_community"];
          continue;
        }
        if (!opt_.alarm_targets.count(row[ix[2]])) {
          ++f.rejected["invalid_kind"];
          continue;
        }
        if (row[ix[1]].empty() || row[ix[1]].size() > 64 || !IsValidUtf8(row[ix[1]])) {
          ++f.rejected["invalid_value"];
          continue;
        }
        auto raised = ParseTime(row[ix[3]]);
        std::optional<Timestamp> cleared;
        if (!row[ix[4]].empty()) {
          auto t = ParseTime(row[ix[4]]);
          if (!t.ok()) {
            ++f.rejected["invalid_time"];
            continue;
          }
          cleared = *t;
        }
        if (!raised.ok()) {
          ++f.rejected["invalid_time"];
          continue;
        }
        if (cleared && cleared->micros < raised->micros) {
          ++f.rejected["cleared_before_raised"];
          continue;
        }
        if (!known.insert({row[ix[1]], raised->micros}).second) {
          ++f.already;
          continue;
        }
        sql::Value cl = nullptr, clus = nullptr;
        if (cleared) cl = FormatTime(*cleared), clus = cleared->micros;
        ins.push_back({c->second, row[ix[1]], row[ix[2]], FormatTime(*raised), raised->micros, cl, clus,
                       std::string(cleared ? "import" : ""), std::string()});
        ++f.accepted;
      }
      JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
        for (const auto& p : ins)
          JW_RETURN_IF_ERROR(c.Exec("INSERT INTO comm_alarms (community_code, device, kind, raised_at, raised_us, "
                                    "cleared_at, cleared_us, cleared_by, note) VALUES (?,?,?,?,?,?,?,?,?)",
                                    p)
                                 .status());
        return Status::Ok();
      }));
      out.push_back(f);
    }
  }
  std::string detail;
  for (const auto& f : out) detail += (detail.empty() ? "" : "; ") + f.name + ": " + std::to_string(f.accepted) + " accepted";
  Audit(actor, "communities.import", dir, "ok", detail);
  return out;
}

// ---- communities ----

Result<Community> Service::Resolve(const std::string& code) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kCommunityColumns +
                                                     " FROM comm_communities WHERE code = ? OR place_code = ?",
                                                 {code, code}));
  if (rows.empty()) return NotFound("unknown_community", "no smart community " + code);
  return CommunityFromRow(rows[0]);
}

Result<std::vector<Community>> Service::Communities() {
  JW_ASSIGN_OR_RETURN(sql::Rows rows,
                      db_->Query(std::string("SELECT ") + kCommunityColumns + " FROM comm_communities ORDER BY code"));
  std::vector<Community> out;
  std::map<std::string, size_t> at;
  for (const auto& r : rows) {
    at[r.Text("code")] = out.size();
    out.push_back(CommunityFromRow(r));
  }
  Timestamp now = Now();
  JW_ASSIGN_OR_RETURN(sql::Rows open, db_->Query(std::string("SELECT ") + kAlarmColumns +
                                                     " FROM comm_alarms a JOIN comm_communities c ON c.code = "
                                                     "a.community_code WHERE a.cleared_us IS NULL"));
  for (const auto& r : open) {
    Alarm a = AlarmFromRow(r, now);
    auto it = at.find(a.community_code);
    if (it == at.end()) continue;
    ++out[it->second].open_alarms;
    out[it->second].overdue_alarms += a.overdue;
  }
  JW_ASSIGN_OR_RETURN(sql::Rows fs, db_->Query("SELECT community_code, rule, COUNT(*) AS n FROM comm_findings "
                                               "WHERE status = 'open' GROUP BY community_code, rule"));
  for (const auto& r : fs) {
    auto it = at.find(r.Text("community_code"));
    if (it == at.end()) continue;
    out[it->second].findings_by_rule[r.Text("rule")] = r.Int("n");
    out[it->second].open_findings += r.Int("n");
  }
  return out;
}

Result<Community> Service::Get(const std::string& code) {
  JW_ASSIGN_OR_RETURN(Community c, Resolve(code));
  JW_ASSIGN_OR_RETURN(std::vector<Community> all, Communities());
  for (auto& x : all)
    if (x.code == c.code) return x;
  return c;
}

Result<Activity> Service::GateActivity(const std::string& code, const std::string& day) {
  JW_ASSIGN_OR_RETURN(Community c, Resolve(code));
  Activity a;
  a.people_in.assign(24, 0), a.people_out.assign(24, 0), a.vehicles_in.assign(24, 0), a.vehicles_out.assign(24, 0),
      a.denied.assign(24, 0);
  int64_t local_day = LocalDay(Now() + (-1 * kMicros));
  if (!day.empty()) {
    JW_ASSIGN_OR_RETURN(Timestamp t, Time(day + "T00:00:00", "day"));
    local_day = LocalDay(t);
  }
  a.day = DateOf(local_day);
  if (!events_ || !sources_) return a;
  const events::Place* place = events_->FindPlace(c.place_code);
  if (!place) return a;
  uint32_t from = static_cast<uint32_t>(local_day * 86400 - kShanghaiOffsetMinutes * 60);
  const fusion::SourceDef* access = sources_->Find("access");
  const fusion::SourceDef* barrier = sources_->Find("barrier");
  // Each pass is one row; a row with a card and a holder is two events: count rows once (by time and pass).
  std::set<std::pair<uint32_t, std::string>> seen;
  for (const fusion::SourceDef* def : {access, barrier}) {
    if (!def) continue;
    bool people = def == access;
    JW_RETURN_IF_ERROR(events_->ScanPlaceRecords(
        place->id, from, from + 86399, def->source(),
        [&](const events::Event& e, const events::Store::RecordView& rec) {
          std::string key(people ? rec.Get("pass_id") : rec.Get("plate"));
          if (!seen.insert({e.time, key}).second) return true;
          int h = static_cast<int>((LocalSeconds(e.time) % 86400) / 3600);
          bool in = rec.Get("direction") == "in";
          if (people && rec.Get("result") == "denied") ++a.denied[h];
          else if (people) ++(in ? a.people_in : a.people_out)[h];
          else ++(in ? a.vehicles_in : a.vehicles_out)[h];
          return true;
        }));
  }
  return a;
}

// ---- alarms ----

Alarm Service::AlarmFromRow(const sql::Row& r, Timestamp now) const {
  Alarm a;
  a.id = r.Int("id");
  a.community_code = r.Text("community_code");
  a.place_code = r.Text("place_code");
  a.device = r.Text("device");
  a.kind = r.Text("kind");
  a.raised_at = r.Text("raised_at");
  a.cleared_at = r.OptText("cleared_at");
  a.cleared_by = r.Text("cleared_by");
  a.note = r.Text("note");
  auto t = opt_.alarm_targets.find(a.kind);
  a.target_minutes = t == opt_.alarm_targets.end() ? 0 : t->second;
  int64_t end = a.cleared_at ? r.Int("cleared_us") : now.micros;
  a.minutes = std::max<int64_t>(0, (end - r.Int("raised_us")) / (60 * kMicros));
  a.overdue = a.target_minutes > 0 && end - r.Int("raised_us") > a.target_minutes * 60 * kMicros;
  return a;
}

Result<std::vector<Alarm>> Service::Alarms(const std::string& community, bool all, size_t limit) {
  std::string sql = std::string("SELECT ") + kAlarmColumns +
                    " FROM comm_alarms a JOIN comm_communities c ON c.code = a.community_code WHERE 1=1";
  sql::Params p;
  if (!community.empty()) {
    JW_ASSIGN_OR_RETURN(Community c, Resolve(community));
    sql += " AND a.community_code = ?";
    p.push_back(c.code);
  }
  if (!all) sql += " AND a.cleared_us IS NULL";
  sql += " ORDER BY a.raised_us DESC, a.id DESC LIMIT " + std::to_string(limit);
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql, p));
  Timestamp now = Now();
  std::vector<Alarm> out;
  for (const auto& r : rows) out.push_back(AlarmFromRow(r, now));
  // The open and overdue first: what a duty officer must act on.
  std::stable_sort(out.begin(), out.end(), [](const Alarm& a, const Alarm& b) {
    auto rank = [](const Alarm& x) { return !x.cleared_at ? (x.overdue ? 0 : 1) : 2; };
    return rank(a) < rank(b);
  });
  return out;
}

Result<Alarm> Service::RaiseAlarm(const auth::Actor& actor, Alarm a) {
  auto fail = [&](Status s) {
    Audit(actor, "communities.alarm.raise", a.community_code, "failed", s.code());
    return s;
  };
  auto c = Resolve(a.community_code);
  if (!c.ok()) return fail(c.status());
  if (!opt_.alarm_targets.count(a.kind)) {
    std::string kinds;
    for (const auto& [k, v] : opt_.alarm_targets) kinds += (kinds.empty() ? "" : ", ") + k;
    return fail(Validation("invalid_kind", "kind is one of " + kinds));
  }
  if (a.device.empty() || a.device.size() > 64 || !IsValidUtf8(a.device))
    return fail(Validation("invalid_value", "device is 1-64 characters"));
  Timestamp raised = Now();
  if (!a.raised_at.empty()) {
    auto t = Time(a.raised_at, "raised_at");
    if (!t.ok()) return fail(t.status());
    raised = *t;
    if (raised.micros > Now().micros + 300 * kMicros) return fail(Validation("invalid_time", "raised_at is in the future"));
  }
  auto rows = db_->Query("SELECT id FROM comm_alarms WHERE device = ? AND raised_us = ?", {a.device, raised.micros});
  if (!rows.ok()) return fail(rows.status());
  if (!rows->empty()) return fail(Conflict("already_raised", "this device's alarm at that time is recorded"));
  auto ins = db_->Query("INSERT INTO comm_alarms (community_code, device, kind, raised_at, raised_us, cleared_at, "
                        "cleared_us, cleared_by, note) VALUES (?,?,?,?,?,NULL,NULL,'','') RETURNING id",
                        {c->code, a.device, a.kind, FormatTime(raised), raised.micros});
  if (!ins.ok()) return fail(ins.status());
  Audit(actor, "communities.alarm.raise", c->code, "ok", a.kind + " " + a.device);
  JW_ASSIGN_OR_RETURN(sql::Rows back, db_->Query(std::string("SELECT ") + kAlarmColumns +
                                                     " FROM comm_alarms a JOIN comm_communities c ON c.code = "
                                                     "a.community_code WHERE a.id = ?",
                                                 {(*ins)[0].Int("id")}));
  return AlarmFromRow(back[0], Now());
}

Result<Alarm> Service::ClearAlarm(const auth::Actor& actor, int64_t id, const std::string& cleared_at,
                                  const std::string& note_in) {
  auto fail = [&](Status s) {
    Audit(actor, "communities.alarm.clear", std::to_string(id), "failed", s.code());
    return s;
  };
  auto rows = db_->Query(std::string("SELECT ") + kAlarmColumns +
                             " FROM comm_alarms a JOIN comm_communities c ON c.code = a.community_code WHERE a.id = ?",
                         {id});
  if (!rows.ok()) return fail(rows.status());
  if (rows->empty()) return fail(NotFound("unknown_alarm", "no alarm " + std::to_string(id)));
  if (!(*rows)[0].IsNull("cleared_us"))
    return fail(Conflict("already_cleared", "cleared at " + (*rows)[0].Text("cleared_at") + " by " +
                                                (*rows)[0].Text("cleared_by")));
  std::string note(TrimAscii(note_in));
  if (Utf8Chars(note) > 500) return fail(Validation("invalid_value", "the note is up to 500 characters"));
  Timestamp at = Now();
  if (!cleared_at.empty()) {
    auto t = Time(cleared_at, "cleared_at");
    if (!t.ok()) return fail(t.status());
    at = *t;
  }
  if (at.micros < (*rows)[0].Int("raised_us"))
    return fail(Validation("invalid_time", "an alarm cannot be cleared before it was raised"));
  auto up = db_->Exec("UPDATE comm_alarms SET cleared_at = ?, cleared_us = ?, cleared_by = ?, note = ? WHERE id = ? "
                      "AND cleared_us IS NULL",
                      {FormatTime(at), at.micros, actor.username, note, id});
  if (!up.ok()) return fail(up.status());
  if (*up == 0) return fail(Conflict("already_cleared", "cleared by someone else just now"));
  Audit(actor, "communities.alarm.clear", std::to_string(id), "ok", (*rows)[0].Text("kind"));
  JW_ASSIGN_OR_RETURN(sql::Rows back, db_->Query(std::string("SELECT ") + kAlarmColumns +
                                                     " FROM comm_alarms a JOIN comm_communities c ON c.code = "
                                                     "a.community_code WHERE a.id = ?",
                                                 {id}));
  return AlarmFromRow(back[0], Now());
}

// ---- rules ----

Result<RunReport> Service::RunRules(const auth::Actor& actor) {
  std::lock_guard lock(run_mu_);
  auto t0 = std::chrono::steady_clock::now();
  RunReport rep;
  Timestamp now = Now();
  rep.as_of = FormatTime(now);
  JW_ASSIGN_OR_RETURN(std::vector<Community> cs, Communities());
  struct Found {
    std::string rule, community, subject, key, address;  // address: where a registry task goes
    json detail;
  };
  std::vector<Found> found;
  const uint32_t to = events::ToSeconds(now);
  const uint32_t from = to > static_cast<uint32_t>(opt_.window_days) * 86400 ? to - opt_.window_days * 86400 : 0;
  const uint32_t regular_from = to > static_cast<uint32_t>(opt_.regular_days) * 86400 ? to - opt_.regular_days * 86400 : 0;
  const fusion::SourceDef* access = sources_ ? sources_->Find("access") : nullptr;

  if (events_ && access) {
    // Kinds of entities seen (a row with a card and its holder is an event of each).
    std::unordered_map<events::EntityId, identity::Kind> kinds;
    auto kind_of = [&](events::EntityId e) {
      auto it = kinds.find(e);
      if (it != kinds.end()) return it->second;
      auto ref = events_->EntityOf(e);
      identity::Kind k = ref.ok() ? ref->kind : identity::Kind::kPerson;
      kinds.emplace(e, k);
      return k;
    };
    struct Pass {
      events::EntityId card;
      uint32_t time;
      size_t community;
    };
    std::vector<Pass> card_passes;
    for (size_t ci = 0; ci < cs.size(); ++ci) {
      const events::Place* place = events_->FindPlace(cs[ci].place_code);
      if (!place) continue;
      // Nights a person entered, by person.
      std::map<events::EntityId, std::set<int64_t>> nights;
      JW_RETURN_IF_ERROR(events_->ScanPlaceRecords(
          place->id, from, to, access->source(), [&](const events::Event& e, const events::Store::RecordView& rec) {
            ++rep.events_read;
            identity::Kind k = kind_of(e.entity);
            if (k == identity::Kind::kCard) {
              card_passes.push_back({e.entity, e.time, ci});
              return true;
            }
            if (e.time < regular_from || rec.Get("direction") != "in" || rec.Get("result") != "granted") return true;
            int64_t local = LocalSeconds(e.time);
            int64_t hour = (local % 86400) / 3600;
            if (hour >= 20) nights[e.entity].insert(local / 86400);
            else if (hour < 4) nights[e.entity].insert(local / 86400 - 1);
            return true;
          }));
      for (const auto& [person, days] : nights) {
        if (static_cast<int>(days.size()) < opt_.regular_nights) continue;
        std::string ref = events_->RefString(person);
        JW_ASSIGN_OR_RETURN(std::vector<registry::Resident> homes, registry_->ResidencesOf(ref));
        bool lives_here = false;
        for (const auto& h : homes) lives_here |= h.address_code.rfind(cs[ci].code, 0) == 0 && !h.moved_out_at;
        if (lives_here) continue;
        json d = {{"person", ref}, {"nights", days.size()}, {"window_days", opt_.regular_days}};
        d["dates"] = json::array();
        for (int64_t day : days) d["dates"].push_back(DateOf(day));
        found.push_back({"unregistered_regular", cs[ci].code, ref, "unregistered_regular|" + cs[ci].code + "|" + ref,
                         cs[ci].code, d});
      }
      // Elderly residents living alone not seen at a gate for unseen_days (seen before in the window).
      JW_ASSIGN_OR_RETURN(std::vector<registry::Resident> res, registry_->Residents(cs[ci].code, false));
      std::map<std::string, std::vector<const registry::Resident*>> rooms;
      for (const auto& r : res) rooms[r.address_code].push_back(&r);
      int64_t today_year = 0;
      {
        int y, m, d;
        CivilFromDays(LocalDay(now), &y, &m, &d);
        today_year = y * 10000 + m * 100 + d;
      }
      for (const auto& [room, people] : rooms) {
        if (people.size() != 1 || people[0]->person.rfind("ID:", 0) != 0) continue;
        auto id = identity::ParseIdNumber(people[0]->person.substr(3));
        if (!id.ok()) continue;
        int64_t born = id->birth_date.year * 10000 + id->birth_date.month * 100 + id->birth_date.day;
        int64_t age = (today_year - born) / 10000;
        if (age < opt_.elderly_age) continue;
        auto eid = events_->FindEntity({identity::Kind::kId, id->number});
        if (!eid) continue;
        uint32_t last = 0;
        JW_RETURN_IF_ERROR(events_->ScanEntity(*eid, from, to, [&](const events::Event& e) {
          if (e.source == access->source() && e.place == place->id) last = std::max(last, e.time);
          return true;
        }));
        if (last == 0 || to - last < static_cast<uint32_t>(opt_.unseen_days) * 86400) continue;
        json d = {{"person", people[0]->person},
                  {"name", people[0]->name},
                  {"age", age},
                  {"room", room},
                  {"last_seen", FormatTime(events::ToTimestamp(last))},
                  {"days_unseen", (to - last) / 86400}};
        found.push_back({"elderly_unseen", cs[ci].code, people[0]->person,
                         "elderly_unseen|" + cs[ci].code + "|" + people[0]->person, room, d});
      }
    }
    // Cloned cards: consecutive passes of one card at places too far apart for the time between them.
    std::sort(card_passes.begin(), card_passes.end(), [](const Pass& a, const Pass& b) {
      return a.card != b.card ? a.card < b.card : a.time < b.time;
    });
    std::set<events::EntityId> flagged;
    for (size_t i = 1; i < card_passes.size(); ++i) {
      const Pass &a = card_passes[i - 1], &b = card_passes[i];
      if (a.card != b.card || a.community == b.community || flagged.count(a.card)) continue;
      double km = Km(cs[a.community].lat, cs[a.community].lon, cs[b.community].lat, cs[b.community].lon);
      double hours = std::max(60.0, static_cast<double>(b.time - a.time)) / 3600.0;
      if (km < opt_.clone_km || km / hours <= opt_.clone_kmh) continue;
      flagged.insert(a.card);
      std::string card = events_->RefString(a.card);
      std::string holder;
      for (const auto& l : events_->LinksOf(a.card))
        if (auto r = events_->EntityOf(l.other); r.ok() && r->kind != identity::Kind::kCard) holder = r->ToString();
      json d = {{"card", card},
                {"holder", holder},
                {"first", {{"community", cs[a.community].code}, {"name", cs[a.community].name},
                           {"time", FormatTime(events::ToTimestamp(a.time))}}},
                {"second", {{"community", cs[b.community].code}, {"name", cs[b.community].name},
                            {"time", FormatTime(events::ToTimestamp(b.time))}}},
                {"km", std::round(km * 10) / 10},
                {"minutes", (b.time - a.time) / 60},
                {"kmh", std::round(km / hours)}};
      found.push_back({"cloned_card", cs[a.community].code, card, "cloned_card|" + card, "", d});
    }
  }
  // Alarms not cleared within their target.
  {
    JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kAlarmColumns +
                                                       " FROM comm_alarms a JOIN comm_communities c ON c.code = "
                                                       "a.community_code"));
    for (const auto& r : rows) {
      Alarm a = AlarmFromRow(r, now);
      if (!a.overdue) continue;
      json d = {{"alarm", a.id},          {"device", a.device},       {"kind", a.kind},
                {"raised_at", a.raised_at}, {"cleared_at", a.cleared_at ? json(*a.cleared_at) : json(nullptr)},
                {"minutes", a.minutes},   {"target_minutes", a.target_minutes}};
      found.push_back({"alarm_overdue", a.community_code, "alarm:" + std::to_string(a.id),
                       "alarm_overdue|" + std::to_string(a.id), "", d});
    }
  }
  // Store: new findings are inserted (with a registry task where the rule calls for one); known ones refreshed.
  JW_ASSIGN_OR_RETURN(sql::Rows known_rows, db_->Query("SELECT id, fkey, status, task_id FROM comm_findings"));
  std::map<std::string, int64_t> known;
  for (const auto& r : known_rows) known[r.Text("fkey")] = r.Int("id");
  std::string now_s = FormatTime(now);
  for (const auto& f : found) {
    ++rep.found[f.rule];
    auto it = known.find(f.key);
    if (it != known.end()) {
      JW_RETURN_IF_ERROR(db_->Exec("UPDATE comm_findings SET detail = ?, last_found_at = ? WHERE id = ?",
                                   {f.detail.dump(), now_s, it->second})
                             .status());
      continue;
    }
    int64_t task = 0;
    if (f.rule == "unregistered_regular" || f.rule == "elderly_unseen") {
      json td = f.detail;
      td["rule"] = f.rule;
      JW_ASSIGN_OR_RETURN(task, registry_->AddTask(actor, f.rule == "elderly_unseen" ? "care_visit" : "regular_visitor",
                                                   f.address, "person:" + f.subject, td.dump()));
      ++rep.tasks;
    }
    JW_RETURN_IF_ERROR(db_->Exec("INSERT INTO comm_findings (fkey, rule, community_code, subject, status, detail, "
                                 "first_found_at, last_found_at, task_id, closed_by, note) "
                                 "VALUES (?,?,?,?,'open',?,?,?,?,'','')",
                                 {f.key, f.rule, f.community, f.subject, f.detail.dump(), now_s, now_s, task})
                           .status());
    ++rep.raised[f.rule];
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string detail;
  for (const auto& [rule, n] : rep.found) detail += (detail.empty() ? "" : ", ") + rule + " " + std::to_string(n);
  Audit(actor, "communities.rules.run", "all", "ok", detail);
  return rep;
}

Result<std::pair<std::vector<Finding>, int64_t>> Service::Findings(const FindingFilter& f) {
  std::string where = " FROM comm_findings WHERE 1=1";
  sql::Params p;
  if (!f.rule.empty()) where += " AND rule = ?", p.push_back(f.rule);
  if (!f.status.empty()) where += " AND status = ?", p.push_back(f.status);
  if (!f.community.empty()) {
    JW_ASSIGN_OR_RETURN(Community c, Resolve(f.community));
    where += " AND community_code = ?", p.push_back(c.code);
  }
  JW_ASSIGN_OR_RETURN(sql::Rows n, db_->Query("SELECT COUNT(*) AS n" + where, p));
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kFindingColumns + where +
                                                     " ORDER BY status DESC, id DESC LIMIT " +
                                                     std::to_string(f.page_size) + " OFFSET " +
                                                     std::to_string((f.page - 1) * f.page_size),
                                                 p));
  std::vector<Finding> out;
  for (const auto& r : rows) out.push_back(FindingFromRow(r));
  return std::make_pair(out, n.empty() ? 0 : n[0].Int("n"));
}

Result<Finding> Service::CloseFinding(const auth::Actor& actor, int64_t id, const std::string& note_in) {
  std::string note(TrimAscii(note_in));
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kFindingColumns +
                                                     " FROM comm_findings WHERE id = ?",
                                                 {id}));
  if (rows.empty()) return NotFound("unknown_finding", "no finding " + std::to_string(id));
  Finding f = FindingFromRow(rows[0]);
  if (f.status != "open") return Conflict("finding_closed", "closed by " + f.closed_by);
  if (note.empty() || Utf8Chars(note) > 500) return Validation("note_required", "say what was done (up to 500 characters)");
  JW_RETURN_IF_ERROR(db_->Exec("UPDATE comm_findings SET status = 'closed', closed_by = ?, note = ? WHERE id = ?",
                               {actor.username, note, id})
                         .status());
  Audit(actor, "communities.finding.close", f.subject, "ok", f.rule);
  f.status = "closed", f.closed_by = actor.username, f.note = note;
  return f;
}

}  // namespace jingwu::community

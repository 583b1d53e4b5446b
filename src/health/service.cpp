#include "health/service.h"

#include <algorithm>
#include <map>

#include "health/published.h"
#include "identity/identity.h"

namespace jingwu::health {

namespace {

using json = nlohmann::json;
constexpr int64_t kDayUs = 86400 * kMicrosPerSecond;

bool IsCheckpointKind(const std::string& kind) { return kind == "health_checkpoint" || kind == "station"; }

// A local day (YYYY-MM-DD) as [from, to] seconds; 422 invalid_date.
Result<std::pair<uint32_t, uint32_t>> DayRange(const std::string& day) {
  auto t = ParseTime(day + "T00:00:00");
  if (day.size() != 10 || !t.ok()) return Validation("invalid_date", "day is a date, YYYY-MM-DD");
  uint32_t from = events::ToSeconds(*t);
  return std::make_pair(from, from + 86399);
}

std::string FlagOf(std::string_view result) { return result == "pass" || result.empty() ? "" : std::string(result); }

// One checkpoint by code, or every checkpoint when empty; 404 unknown_checkpoint.
Result<std::vector<events::Place>> CheckpointPlaces(const events::Store& store, const std::string& code) {
  std::vector<events::Place> out;
  if (!code.empty()) {
    const events::Place* p = store.FindPlace(code);
    if (!p || !IsCheckpointKind(p->kind)) return NotFound("unknown_checkpoint", "no checkpoint " + code);
    out.push_back(*p);
    return out;
  }
  for (auto& p : store.Places())
    if (IsCheckpointKind(p.kind)) out.push_back(p);
  return out;
}

// A row with a person and a plate is one check stored as two events: it is counted with its person's event (or its
// plate's when it names no person).
bool CountedEvent(const events::Store& store, const events::Event& e, const events::Store::RecordView& r) {
  if (r.Get("id_number").empty()) return true;
  auto ref = store.EntityOf(e.entity);
  return !(ref.ok() && ref->kind == identity::Kind::kPlate);
}

StoredTrace FromRow(const sql::Row& r, bool with_result) {
  StoredTrace t;
  t.id = r.Int("id");
  t.subject = r.Text("subject"), t.case_no = r.Text("case_no"), t.purpose = r.Text("purpose");
  t.confirmed_at = r.Text("confirmed_at"), t.created_at = r.Text("created_at"), t.created_by = r.Text("created_by");
  t.expires_at = r.Text("expires_at");
  t.days = static_cast<int>(r.Int("days")), t.within_minutes = static_cast<int>(r.Int("within_minutes"));
  t.contacts = r.Int("contacts");
  if (with_result) t.result = json::parse(r.Text("result"), nullptr, false);
  return t;
}

constexpr const char* kTraceColumns =
    "id, subject, case_no, purpose, confirmed_at, days, within_minutes, contacts, created_at, created_by, expires_at, "
    "expires_us";

}  // namespace

std::vector<sql::Migration> Migrations() {
  return {{"health", 1, "contact traces kept until their retention ends",
           "CREATE TABLE health_traces (id {{id}}, subject TEXT NOT NULL, case_no TEXT NOT NULL, purpose TEXT NOT NULL, "
           "confirmed_at TEXT NOT NULL, days BIGINT NOT NULL, within_minutes BIGINT NOT NULL, contacts BIGINT NOT NULL, "
           "created_at TEXT NOT NULL, created_by TEXT NOT NULL, expires_at TEXT NOT NULL, expires_us BIGINT NOT NULL, "
           "result TEXT NOT NULL);"
           "CREATE INDEX health_traces_expires ON health_traces (expires_us);"}};
}

Result<Options> ParseOptions(const std::string& text) {
  json j = json::parse(text.empty() ? "{}" : text, nullptr, false);
  if (!j.is_object()) return Validation("invalid_config", "config \"health\" is not an object");
  Options o;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() != "trace_retention_days") return Validation("invalid_config", "unknown key health." + it.key());
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 1 || it.value().get<int64_t>() > 365)
      return Validation("invalid_config", "health.trace_retention_days is 1 to 365");
    o.trace_retention_days = it.value().get<int>();
  }
  return o;
}

std::optional<events::Source> Service::SourceId() const {
  const fusion::SourceDef* d = sources_ ? sources_->Find("health_checkpoint") : nullptr;
  if (!d) return std::nullopt;
  return static_cast<events::Source>(d->id);
}

// ---- checkpoints ----

Result<std::shared_ptr<const json>> Service::Scan() {
  std::lock_guard lock(mu_);
  const int64_t n = store_->TotalEvents();
  if (figures_ && n == scanned_at_events_) return figures_;
  auto src = SourceId();
  std::map<std::string, Counts> per;  // checkpoint code
  std::map<int64_t, std::pair<int64_t, int64_t>> daily;  // local day -> passes, flagged
  Counts all;
  JW_ASSIGN_OR_RETURN(std::vector<events::Place> places, CheckpointPlaces(*store_, ""));
  if (src) {
    events::Store::RecordCursor cursor;
    for (const auto& p : places) {
      Counts& c = per[p.code];
      JW_RETURN_IF_ERROR(store_->ScanPlaceRecords(
          p.id, 0, 0xFFFFFFFFu, *src,
          [&](const events::Event& e, const events::Store::RecordView& r) {
            if (!CountedEvent(*store_, e, r)) return true;
            std::string_view id = r.Get("id_number"), plate = r.Get("plate");
            std::string_view kind = r.Get("check_kind"), result = r.Get("result");
            for (Counts* k : {&c, &all}) {
              ++k->passes;
              if (!plate.empty()) ++k->vehicles;
              if (kind == "road" && !r.Get("temperature").empty() && !id.empty()) ++k->temperatures;
              if (!FlagOf(result).empty()) ++k->flagged;
              if (result == "observe") ++k->observe;
              if (result == "isolate") ++k->isolate;
              if (kind == "road") ++k->road;
              if (kind == "arrival") ++k->arrival;
              if (kind == "international") ++k->international;
            }
            auto& d = daily[LocalDay(events::ToTimestamp(e.time))];
            ++d.first;
            if (!FlagOf(result).empty()) ++d.second;
            return true;
          },
          &cursor));
    }
  }
  auto counts_json = [](const Counts& c) {
    return json{{"passes", c.passes},         {"vehicles", c.vehicles}, {"temperatures", c.temperatures},
                {"flagged", c.flagged},       {"observe", c.observe},   {"isolate", c.isolate},
                {"road", c.road},             {"arrival", c.arrival},   {"international", c.international}};
  };
  json cps = json::array();
  int64_t road_checkpoints = 0;
  for (const auto& p : places) {
    const Counts& c = per[p.code];
    road_checkpoints += p.kind == "health_checkpoint";
    json j = counts_json(c);
    j.update({{"code", p.code}, {"name", p.name}, {"kind", p.kind}, {"district_code", p.district_code}, {"lat", p.lat},
              {"lon", p.lon}});
    cps.push_back(j);
  }
  json days = json::array();
  for (const auto& [d, v] : daily) days.push_back({{"day", DayText(d)}, {"passes", v.first}, {"flagged", v.second}});
  using namespace published;
  json out = {{"defined", src.has_value()},
              {"totals",
               {{"road_checkpoints", road_checkpoints},
                {"vehicle_checks", all.vehicles},
                {"temperature_checks", all.temperatures},
                {"domestic_arrivals", all.arrival},
                {"international_arrivals", all.international},
                {"observation", all.observe},
                {"isolated", all.isolate},
                {"passes", all.passes},
                {"flagged", all.flagged}}},
              {"published",
               {{"year", 2020},
                {"road_checkpoints", kRoadCheckpoints},
                {"vehicle_checks", kVehicleChecks},
                {"temperature_checks", kTemperatureChecks},
                {"domestic_arrivals", kDomesticArrivals},
                {"international_arrivals", kInternational},
                {"observation", kObservation},
                {"isolated", kIsolated},
                {"epidemic_cases", kEpidemicCases},
                {"epidemic_suspects", kEpidemicSuspects}}},
              {"checkpoints", cps},
              {"daily", days}};
  figures_ = std::make_shared<const json>(std::move(out));
  scanned_at_events_ = n;
  return figures_;
}

Result<json> Service::Figures() {
  JW_ASSIGN_OR_RETURN(auto f, Scan());
  return *f;
}

Result<json> Service::Throughput(const std::string& checkpoint, const std::string& day) {
  JW_ASSIGN_OR_RETURN(auto range, DayRange(day));
  JW_ASSIGN_OR_RETURN(std::vector<events::Place> places, CheckpointPlaces(*store_, checkpoint));
  std::vector<int64_t> passes(24), flagged(24);
  auto src = SourceId();
  if (src) {
    events::Store::RecordCursor cursor;
    for (const auto& p : places)
      JW_RETURN_IF_ERROR(store_->ScanPlaceRecords(
          p.id, range.first, range.second, *src,
          [&](const events::Event& e, const events::Store::RecordView& r) {
            if (!CountedEvent(*store_, e, r)) return true;
            size_t h = static_cast<size_t>((e.time - range.first) / 3600);
            ++passes[h];
            if (!FlagOf(r.Get("result")).empty()) ++flagged[h];
            return true;
          },
          &cursor));
  }
  json hours = json::array();
  for (size_t h = 0; h < 24; ++h) hours.push_back({{"hour", h}, {"passes", passes[h]}, {"flagged", flagged[h]}});
  return json{{"checkpoint", checkpoint}, {"day", day}, {"hours", hours}};
}

Result<json> Service::Flagged(const std::string& checkpoint, const std::string& day, size_t limit) {
  JW_ASSIGN_OR_RETURN(auto range, DayRange(day));
  JW_ASSIGN_OR_RETURN(std::vector<events::Place> places, CheckpointPlaces(*store_, checkpoint));
  json rows = json::array();
  int64_t total = 0;
  auto src = SourceId();
  if (src) {
    events::Store::RecordCursor cursor;
    for (const auto& p : places)
      JW_RETURN_IF_ERROR(store_->ScanPlaceRecords(
          p.id, range.first, range.second, *src,
          [&](const events::Event& e, const events::Store::RecordView& r) {
            std::string flag = FlagOf(r.Get("result"));
            auto ref = store_->EntityOf(e.entity);
            if (flag.empty() || !ref.ok() || ref->kind == identity::Kind::kPlate) return true;
            if (static_cast<size_t>(total++) >= limit) return true;
            rows.push_back({{"checkpoint", p.code},          {"checkpoint_name", p.name},
                            {"time", FormatTime(events::ToTimestamp(e.time))},
                            {"person", ref->ToString()},     {"temperature", std::string(r.Get("temperature"))},
                            {"health_code", std::string(r.Get("health_code"))}, {"result", flag},
                            {"plate", std::string(r.Get("plate"))},             {"check_kind", std::string(r.Get("check_kind"))}});
            return true;
          },
          &cursor));
  }
  return json{{"day", day}, {"checkpoint", checkpoint}, {"total", total}, {"flagged", rows}};
}

// ---- contact tracing ----

Result<StoredTrace> Service::Trace(const auth::Actor& actor, const std::string& id_number, const std::string& nationality,
                                   const std::string& confirmed_at, int days, int within_minutes, const std::string& case_no,
                                   const std::string& purpose) {
  identity::EntityRef subject;
  if (nationality.empty()) {
    JW_ASSIGN_OR_RETURN(identity::IdNumber id, identity::ParseIdNumber(id_number));
    subject = {identity::Kind::kId, id.number};
  } else {
    auto p = identity::ParsePassport(nationality + "/" + id_number);
    if (!p.ok()) return Validation("invalid_passport", p.status().message());
    subject = {identity::Kind::kPassport, p->ToString()};
  }
  auto at = ParseTime(confirmed_at);
  if (!at.ok()) return Validation("invalid_time", "confirmed_at is not a time");
  if (at->micros > clock_->Now().micros + 300 * kMicrosPerSecond)
    return Validation("invalid_time", "confirmed_at is in the future");
  if (within_minutes < 0 || within_minutes > 1440) return Validation("invalid_value", "within_minutes is 0 to 1440");
  if (!SourceId()) return Unavailable("no_health_source", "the health_checkpoint source is not defined");
  JW_RETURN_IF_ERROR(PurgeExpired().status());
  JW_ASSIGN_OR_RETURN(health::Trace t, RunTrace(*store_, sources_, subject, *at,
                                                {days, static_cast<uint32_t>(within_minutes) * 60, 5000}));
  json result = ToJson(*store_, t);
  const Timestamp now = clock_->Now();
  const Timestamp expires{now.micros + opt_.trace_retention_days * kDayUs};
  JW_ASSIGN_OR_RETURN(sql::Rows ins,
                      db_->Query("INSERT INTO health_traces (subject, case_no, purpose, confirmed_at, days, "
                                 "within_minutes, contacts, created_at, created_by, expires_at, expires_us, result) "
                                 "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                                 {subject.ToString(), case_no, purpose, FormatTime(*at), static_cast<int64_t>(days),
                                  static_cast<int64_t>(within_minutes), t.total_contacts, FormatTime(now), actor.username,
                                  FormatTime(expires), expires.micros, result.dump()}));
  StoredTrace s;
  s.id = ins[0].Int("id");
  s.subject = subject.ToString(), s.case_no = case_no, s.purpose = purpose, s.confirmed_at = FormatTime(*at);
  s.days = days, s.within_minutes = within_minutes, s.contacts = t.total_contacts;
  s.created_at = FormatTime(now), s.created_by = actor.username, s.expires_at = FormatTime(expires);
  s.result = std::move(result);
  return s;
}

Result<std::vector<StoredTrace>> Service::Traces() {
  JW_RETURN_IF_ERROR(PurgeExpired().status());
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kTraceColumns +
                                                 " FROM health_traces ORDER BY id DESC LIMIT 500"));
  std::vector<StoredTrace> out;
  for (const auto& r : rows) out.push_back(FromRow(r, false));
  return out;
}

Result<StoredTrace> Service::GetTrace(int64_t id) {
  JW_RETURN_IF_ERROR(PurgeExpired().status());
  JW_ASSIGN_OR_RETURN(sql::Rows rows,
                      db_->Query(std::string("SELECT ") + kTraceColumns + ", result FROM health_traces WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("unknown_trace", "no trace " + std::to_string(id) + " (or its retention has ended)");
  return FromRow(rows[0], true);
}

Status Service::DeleteTrace(const auth::Actor& actor, int64_t id) {
  JW_ASSIGN_OR_RETURN(int64_t n, db_->Exec("DELETE FROM health_traces WHERE id = ?", {id}));
  if (n == 0) return NotFound("unknown_trace", "no trace " + std::to_string(id));
  audit_->Record(actor, "health.trace.delete", std::to_string(id), "ok", "deleted before its retention ended");
  return Status::Ok();
}

Result<int64_t> Service::PurgeExpired() {
  const int64_t now = clock_->Now().micros;
  JW_ASSIGN_OR_RETURN(sql::Rows due, db_->Query("SELECT id, subject, case_no, purpose, expires_at FROM health_traces "
                                                "WHERE expires_us <= ?",
                                                {now}));
  int64_t n = 0;
  for (const auto& r : due) {
    JW_ASSIGN_OR_RETURN(int64_t k, db_->Exec("DELETE FROM health_traces WHERE id = ?", {r.Int("id")}));
    if (k == 0) continue;  // deleted by another call just now
    ++n;
    // Under the trace's own case number and purpose, so that an inspector finds both ends of its life.
    audit::Entry e;
    e.actor = "system", e.role = "system", e.client = "retention", e.action = "health.trace.expire";
    e.target = std::to_string(r.Int("id")), e.purpose = r.Text("purpose"), e.case_no = r.Text("case_no");
    e.outcome = "ok";
    e.detail = "the trace of " + r.Text("subject") + " reached its retention end " + r.Text("expires_at");
    JW_RETURN_IF_ERROR(audit_->Append(std::move(e)).status());
  }
  return n;
}

}  // namespace jingwu::health

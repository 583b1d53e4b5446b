#include "stays/service.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "identity/identity.h"

namespace jingwu::stays {

using nlohmann::json;

std::vector<sql::Migration> Migrations() {
  return {{"stays", 1, "visa-free stay alerts and the reminder outbox",
           "CREATE TABLE stay_alerts (id {{id}}, alert_key TEXT NOT NULL UNIQUE, seq BIGINT NOT NULL, "
           "passport TEXT NOT NULL, name TEXT NOT NULL, nationality TEXT NOT NULL, kind TEXT NOT NULL, "
           "entry_at TEXT NOT NULL, deadline TEXT NOT NULL, raised_at TEXT NOT NULL, resolved_at TEXT, "
           "resolution TEXT NOT NULL, detail TEXT NOT NULL, acknowledged_by TEXT NOT NULL, acknowledged_at TEXT);"
           "CREATE INDEX stay_alerts_passport ON stay_alerts (passport);"
           "CREATE INDEX stay_alerts_seq ON stay_alerts (seq);"
           "CREATE TABLE stay_outbox (id {{id}}, alert_id BIGINT NOT NULL, passport TEXT NOT NULL, name TEXT NOT NULL, "
           "phone TEXT NOT NULL, language TEXT NOT NULL, text TEXT NOT NULL, created_at TEXT NOT NULL, "
           "state TEXT NOT NULL, attempts BIGINT NOT NULL, last_error TEXT NOT NULL, delivered_at TEXT);"
           "CREATE INDEX stay_outbox_state ON stay_outbox (state);"}};
}

namespace {

constexpr int kMaxAttempts = 5;
constexpr const char* kAlertColumns =
    "id, seq, passport, name, nationality, kind, entry_at, deadline, raised_at, resolved_at, resolution, detail, "
    "acknowledged_by, acknowledged_at";
constexpr const char* kMessageColumns =
    "id, alert_id, passport, name, phone, language, text, created_at, state, attempts, last_error, delivered_at";

std::string Iso(int64_t t) { return FormatTime(Timestamp::FromSeconds(t)); }

StoredAlert AlertFromRow(const sql::Row& r) {
  StoredAlert a;
  a.id = r.Int("id");
  a.seq = r.Int("seq");
  a.passport = r.Text("passport");
  a.name = r.Text("name");
  a.nationality = r.Text("nationality");
  a.kind = r.Text("kind");
  a.entry_at = r.Text("entry_at");
  a.deadline = r.Text("deadline");
  a.raised_at = r.Text("raised_at");
  a.resolved_at = r.OptText("resolved_at");
  a.resolution = r.Text("resolution");
  a.detail = r.Text("detail");
  a.acknowledged_by = r.Text("acknowledged_by");
  a.acknowledged_at = r.OptText("acknowledged_at");
  return a;
}

Message MessageFromRow(const sql::Row& r) {
  Message m;
  m.id = r.Int("id");
  m.alert_id = r.Int("alert_id");
  m.passport = r.Text("passport");
  m.name = r.Text("name");
  m.phone = r.Text("phone");
  m.language = r.Text("language");
  m.text = r.Text("text");
  m.created_at = r.Text("created_at");
  m.state = r.Text("state");
  m.attempts = r.Int("attempts");
  m.last_error = r.Text("last_error");
  m.delivered_at = r.OptText("delivered_at");
  return m;
}

json DetailOf(const events::Store& store, const Stay& s, const StayAlert& a) {
  auto name = [&](const std::string& code) {
    const events::Place* p = store.FindPlace(code);
    return p ? p->name : code;
  };
  json d = {{"entry_place", s.entry_place},
            {"entry_place_name", name(s.entry_place)},
            {"entry_trip", s.entry_trip},
            {"allowed_days", s.allowed_days}};
  if (a.kind == kNoRegistration) {
    d["since"] = Iso(a.since);
    d["since_entry"] = a.since == s.entry;
    if (a.hours_late > 0) d["hours_late"] = a.hours_late;
  } else if (a.kind == kOverstay) {
    d["days_over"] = a.days_over;
    d["fine_cny"] = a.fine;
  } else if (a.kind == kMainland) {
    d["place"] = a.place;
    d["place_name"] = name(a.place);
    d["trip"] = a.trip;
  }
  if (s.exit) {
    d["exit_at"] = Iso(*s.exit);
    d["exit_place"] = s.exit_place;
    d["exit_place_name"] = name(s.exit_place);
  }
  return d;
}

std::string Replace(std::string text, const std::string& key, const std::string& value) {
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
  return text;
}

}  // namespace

Service::Service(sql::Database* db, audit::Log* audit, const Clock* clock, events::Store* events,
                 registry::Service* registry, Options options)
    : db_(db), audit_(audit), clock_(clock), events_(events), registry_(registry), options_(std::move(options)) {
  if (!options_.as_of.empty()) {
    auto t = ParseTime(options_.as_of);
    if (t.ok()) as_of_offset_ = t->seconds() - clock_->Now().seconds();
  }
}

Service::~Service() { Stop(); }

int64_t Service::Now() const { return clock_->Now().seconds() + as_of_offset_; }

Status Service::Attach() {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT MAX(seq) AS s FROM stay_alerts"));
  {
    std::lock_guard lock(reconcile_mu_);
    seq_ = rows.empty() ? 0 : rows[0].Int("s");
  }
  events_->AddListener([this](const std::vector<events::Event>& batch) {
    std::lock_guard lock(mu_);
    if (stop_) return;
    size_t before = queued_.size();
    for (const auto& e : batch)
      if (e.source == events::Source::kTravel || e.source == events::Source::kHotel) queued_.insert(e.entity);
    if (queued_.size() != before) cv_.notify_one();
  });
  worker_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void Service::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void Service::AddListener(Listener l) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(l));
}

Result<Visitor> Service::Evaluate(const std::string& passport) {
  Visitor v;
  v.passport = passport;
  std::vector<Trip> trips;
  std::vector<Lodging> lodgings;
  JW_ASSIGN_OR_RETURN(identity::EntityRef ref, identity::ParseEntityRef(passport));
  if (auto id = events_->FindEntity(ref)) {
    std::vector<events::Event> evs;
    JW_RETURN_IF_ERROR(events_->ScanEntity(*id, 0, UINT32_MAX, [&](const events::Event& e) {
      if (e.source == events::Source::kTravel || e.source == events::Source::kHotel) evs.push_back(e);
      return true;
    }));
    auto records = events_->Records(evs);
    for (size_t i = 0; i < evs.size(); ++i) {
      const events::Event& e = evs[i];
      const events::Place* place = events_->PlaceById(e.place);
      std::string code = place ? place->code : "";
      json row = json::object();
      std::map<std::string, std::string> col;
      if (records[i]) {
        for (size_t k = 0; k < records[i]->columns.size() && k < records[i]->values.size(); ++k) {
          col[records[i]->columns[k]] = records[i]->values[k];
          row[records[i]->columns[k]] = records[i]->values[k];
        }
      }
      if (!col["name"].empty()) v.name = col["name"];
      int64_t at = events::ToTimestamp(e.time).seconds();
      if (e.source == events::Source::kTravel) {
        trips.push_back({at, col["direction"] == "IN", code, col["trip_no"], row.dump()});
      } else {
        Lodging l;
        l.from = at;
        l.registered = at;
        if (auto out = ParseTime(col["checkout_at"]); out.ok()) l.to = out->seconds();
        l.kind = "hotel";
        l.place = code;
        l.evidence = row.dump();
        if (!col["phone"].empty()) v.phone = col["phone"];
        lodgings.push_back(std::move(l));
      }
    }
  }
  JW_ASSIGN_OR_RETURN(auto guests, registry_->Guests(ref.ToString(), "", 1000));
  for (const auto& g : guests) {
    Lodging l;
    auto arrived = ParseTime(g.arrived_at);
    auto registered = ParseTime(g.registered_at);
    if (!arrived.ok() || !registered.ok()) continue;
    l.from = arrived->seconds();
    l.registered = registered->seconds();
    if (g.departs_at)
      if (auto d = ParseTime(*g.departs_at); d.ok()) l.to = d->seconds();
    l.kind = "private";
    l.place = g.address_code;
    l.id = g.id;
    l.evidence = json{{"host_name", g.host_name}, {"host_phone", g.host_phone}, {"source", g.source},
                      {"registered_at", g.registered_at}}.dump();
    if (v.name.empty()) v.name = g.name;
    if (!g.phone.empty()) v.phone = g.phone;
    lodgings.push_back(std::move(l));
  }
  v.stays = BuildStays(options_.policy, ref.value, std::move(trips), std::move(lodgings), Now());
  return v;
}

Result<std::vector<StoredAlert>> Service::Reconcile(const Visitor& v) {
  std::lock_guard lock(reconcile_mu_);
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kAlertColumns +
                                                     ", alert_key FROM stay_alerts WHERE passport = ?",
                                                 {v.passport}));
  std::map<std::string, StoredAlert> stored;
  for (const auto& r : rows) stored[r.Text("alert_key")] = AlertFromRow(r);
  std::vector<StoredAlert> changed;
  std::vector<std::pair<std::string, StoredAlert>> inserts, updates;
  std::vector<std::pair<StoredAlert, Message>> reminders;
  std::set<std::string> seen;
  std::string now = Iso(Now());
  for (const Stay& s : v.stays) {
    for (const StayAlert& a : s.alerts) {
      std::string key = v.passport + "|" + std::to_string(s.entry) + "|" + a.kind + "|" + std::to_string(a.raised);
      seen.insert(key);
      StoredAlert x;
      x.passport = v.passport;
      x.name = v.name;
      x.nationality = s.nationality;
      x.kind = a.kind;
      x.entry_at = Iso(s.entry);
      x.deadline = Iso(s.deadline);
      x.raised_at = Iso(a.raised);
      if (a.resolved) x.resolved_at = Iso(*a.resolved);
      x.resolution = a.resolution;
      x.detail = DetailOf(*events_, s, a).dump();
      auto it = stored.find(key);
      if (it == stored.end()) {
        inserts.push_back({key, x});
        if (a.kind == kLimitApproaching && !a.resolved) {
          // The reminder, in the visitor's language.
          Message m;
          m.passport = v.passport;
          m.name = v.name;
          m.phone = v.phone;
          m.language = options_.policy.LanguageOf(s.nationality);
          std::string text = options_.policy.texts.at(options_.policy.texts.count(m.language) ? m.language
                                                                                              : options_.policy.default_language);
          text = Replace(text, "{name}", v.name.empty() ? v.passport.substr(9) : v.name);
          text = Replace(text, "{last_day}", Iso(s.deadline - 86400).substr(0, 10));
          text = Replace(text, "{days}", std::to_string(s.allowed_days));
          m.text = text;
          m.created_at = now;
          m.state = options_.webhook_url.empty() || v.phone.empty() ? "no_channel" : "pending";
          reminders.push_back({x, m});
        }
      } else {
        const StoredAlert& old = it->second;
        if (old.resolved_at != x.resolved_at || old.resolution != x.resolution || old.detail != x.detail ||
            old.name != x.name) {
          x.id = old.id;
          x.acknowledged_by = old.acknowledged_by;
          x.acknowledged_at = old.acknowledged_at;
          updates.push_back({key, x});
        }
      }
    }
  }
  for (auto& [key, old] : stored)
    if (!seen.count(key) && !old.resolved_at) {
      // No longer follows from the records (a row was corrected): withdrawn.
      StoredAlert x = old;
      x.resolved_at = now;
      x.resolution = "withdrawn";
      updates.push_back({key, x});
    }
  if (inserts.empty() && updates.empty()) return changed;
  int64_t seq = seq_;
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
    for (auto& [key, x] : inserts) {
      x.seq = ++seq;
      auto r = c.Query("INSERT INTO stay_alerts (alert_key, seq, passport, name, nationality, kind, entry_at, deadline, "
                       "raised_at, resolved_at, resolution, detail, acknowledged_by, acknowledged_at) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'',NULL) RETURNING id",
                       {key, x.seq, x.passport, x.name, x.nationality, x.kind, x.entry_at, x.deadline, x.raised_at,
                        x.resolved_at ? sql::Value(*x.resolved_at) : sql::Value(nullptr), x.resolution, x.detail});
      if (!r.ok()) return r.status();
      x.id = (*r)[0].Int("id");
      for (auto& [a, m] : reminders)
        if (a.raised_at == x.raised_at && a.kind == x.kind && a.entry_at == x.entry_at) {
          auto ins = c.Exec("INSERT INTO stay_outbox (alert_id, passport, name, phone, language, text, created_at, "
                            "state, attempts, last_error, delivered_at) VALUES (?,?,?,?,?,?,?,?,0,'',NULL)",
                            {x.id, m.passport, m.name, m.phone, m.language, m.text, m.created_at, m.state});
          if (!ins.ok()) return ins.status();
        }
    }
    for (auto& [key, x] : updates) {
      x.seq = ++seq;
      auto r = c.Exec("UPDATE stay_alerts SET seq = ?, name = ?, resolved_at = ?, resolution = ?, detail = ? WHERE id = ?",
                      {x.seq, x.name, x.resolved_at ? sql::Value(*x.resolved_at) : sql::Value(nullptr), x.resolution,
                       x.detail, x.id});
      if (!r.ok()) return r.status();
    }
    return Status::Ok();
  }));
  seq_ = seq;
  for (auto& [k, x] : inserts) changed.push_back(x);
  for (auto& [k, x] : updates) changed.push_back(x);
  return changed;
}

void Service::Publish(const std::vector<StoredAlert>& changed) {
  if (changed.empty()) return;
  std::vector<Listener> ls;
  {
    std::lock_guard lock(mu_);
    ls = listeners_;
  }
  for (const auto& a : changed)
    for (const auto& l : ls) l(a);
}

Status Service::Refresh(const std::string& passport) {
  JW_ASSIGN_OR_RETURN(Visitor v, Evaluate(passport));
  JW_ASSIGN_OR_RETURN(auto changed, Reconcile(v));
  {
    std::lock_guard lock(mu_);
    if (v.stays.empty()) visitors_.erase(passport);
    else visitors_[passport] = std::move(v);
  }
  Publish(changed);
  return Status::Ok();
}

Result<EvalReport> Service::EvaluateAll() {
  auto start = std::chrono::steady_clock::now();
  EvalReport rep;
  for (events::EntityId id : events_->EntitiesOfKind(identity::Kind::kPassport)) {
    auto ref = events_->EntityOf(id);
    if (!ref.ok()) continue;
    std::string nat = ref->value.substr(0, ref->value.find('/'));
    if (options_.policy.AllowedDays(nat) == 0) continue;
    ++rep.passports;
    std::string passport = ref->ToString();
    JW_RETURN_IF_ERROR(Refresh(passport));
    std::lock_guard lock(mu_);
    auto it = visitors_.find(passport);
    if (it == visitors_.end()) continue;
    for (const auto& s : it->second.stays) {
      ++rep.stays;
      for (const auto& a : s.alerts) rep.alerts[passport].insert(a.kind);
    }
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ready_ = true;
  return rep;
}

void Service::Run() {
  auto first = EvaluateAll();
  if (!first.ok()) {
    log::Warn("stays.evaluate_failed", {{"error", first.status().message()}});
    ready_ = true;
  } else {
    log::Info("stays.evaluated", {{"passports", first->passports}, {"stays", first->stays},
                                  {"seconds", first->seconds}});
  }
  Deliver();
  auto next_sweep = std::chrono::steady_clock::now() + std::chrono::seconds(options_.sweep_seconds);
  for (;;) {
    std::set<events::EntityId> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next_sweep, [&] { return stop_ || !queued_.empty(); });
      if (stop_) return;
      batch.swap(queued_);
    }
    for (events::EntityId id : batch) {
      auto ref = events_->EntityOf(id);
      if (!ref.ok() || ref->kind != identity::Kind::kPassport) continue;
      if (Status s = Refresh(ref->ToString()); !s.ok()) log::Warn("stays.refresh_failed", {{"error", s.message()}});
    }
    if (std::chrono::steady_clock::now() >= next_sweep) {
      // Time opens alerts: re-evaluate everyone still in Hainan.
      std::vector<std::string> here;
      {
        std::lock_guard lock(mu_);
        for (const auto& [p, v] : visitors_)
          if (!v.stays.empty() && v.stays.back().status == "in_hainan") here.push_back(p);
      }
      for (const auto& p : here) {
        {
          std::lock_guard lock(mu_);
          if (stop_) return;
        }
        if (Status s = Refresh(p); !s.ok()) log::Warn("stays.refresh_failed", {{"error", s.message()}});
      }
      next_sweep = std::chrono::steady_clock::now() + std::chrono::seconds(options_.sweep_seconds);
    }
    Deliver();
  }
}

Result<Message> Service::Send(Message m) {
  std::string error;
  if (options_.webhook_url.empty()) {
    m.state = "no_channel";
    error = "no webhook_url configured";
  } else if (m.phone.empty()) {
    m.state = "no_channel";
    error = "no phone number known";
  } else {
    const std::string& url = options_.webhook_url;
    size_t scheme = url.find("://");
    size_t slash = scheme == std::string::npos ? std::string::npos : url.find('/', scheme + 3);
    std::string base = slash == std::string::npos ? url : url.substr(0, slash);
    std::string path = slash == std::string::npos ? "/" : url.substr(slash);
    httplib::Client cli(base);
    cli.set_connection_timeout(5);
    cli.set_read_timeout(10);
    json body = {{"id", m.id},        {"kind", "stay_limit_reminder"}, {"passport", m.passport}, {"name", m.name},
                 {"phone", m.phone},  {"language", m.language},        {"text", m.text}};
    auto res = cli.Post(path, body.dump(), "application/json");
    ++m.attempts;
    if (res && res->status >= 200 && res->status < 300) {
      m.state = "delivered";
      m.delivered_at = Iso(Now());
    } else {
      error = res ? "HTTP " + std::to_string(res->status) : "cannot reach the webhook: " + httplib::to_string(res.error());
      m.state = m.attempts >= kMaxAttempts ? "failed" : "pending";
    }
  }
  m.last_error = error;
  JW_RETURN_IF_ERROR(db_->Exec("UPDATE stay_outbox SET state = ?, attempts = ?, last_error = ?, delivered_at = ? WHERE id = ?",
                               {m.state, m.attempts, m.last_error,
                                m.delivered_at ? sql::Value(*m.delivered_at) : sql::Value(nullptr), m.id})
                         .status());
  return m;
}

void Service::Deliver() {
  auto rows = db_->Query(std::string("SELECT ") + kMessageColumns + " FROM stay_outbox WHERE state = 'pending' ORDER BY id LIMIT 100");
  if (!rows.ok()) return;
  for (const auto& r : *rows) {
    auto sent = Send(MessageFromRow(r));
    if (!sent.ok()) log::Warn("stays.deliver_failed", {{"error", sent.status().message()}});
  }
}

Result<Visitor> Service::VisitorOf(const std::string& passport) {
  JW_ASSIGN_OR_RETURN(identity::EntityRef ref, identity::ParseEntityRef(passport));
  if (ref.kind != identity::Kind::kPassport)
    return Validation("invalid_passport", "give a passport: PASSPORT:NAT/NUMBER");
  JW_RETURN_IF_ERROR(Refresh(ref.ToString()));
  JW_ASSIGN_OR_RETURN(Visitor v, Evaluate(ref.ToString()));
  return v;
}

std::pair<std::vector<Visitor>, int64_t> Service::Visitors(const std::string& status, const std::string& q,
                                                            size_t offset, size_t limit) const {
  std::vector<const Visitor*> match;
  std::lock_guard lock(mu_);
  int64_t now = Now();
  for (const auto& [p, v] : visitors_) {
    if (v.stays.empty()) continue;
    const Stay& last = v.stays.back();
    if (status == "in_hainan" && last.status != "in_hainan") continue;
    if (status == "alerts") {
      bool open = false;
      for (const auto& s : v.stays)
        for (const auto& a : s.alerts) open |= !a.resolved;
      if (!open) continue;
    }
    if (status == "limit_soon" && !(last.status == "in_hainan" && last.remind_at <= now)) continue;
    if (!q.empty()) {
      std::string upper = q;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (p.find(upper) == std::string::npos && v.name.find(upper) == std::string::npos) continue;
    }
    match.push_back(&v);
  }
  std::sort(match.begin(), match.end(), [](const Visitor* a, const Visitor* b) {
    return a->stays.back().entry != b->stays.back().entry ? a->stays.back().entry > b->stays.back().entry
                                                          : a->passport < b->passport;
  });
  std::vector<Visitor> out;
  for (size_t i = offset; i < match.size() && out.size() < limit; ++i) out.push_back(*match[i]);
  return {out, static_cast<int64_t>(match.size())};
}

Board Service::GetBoard() const {
  Board b;
  b.ready = ready_.load();
  int64_t now = Now();
  b.as_of = Iso(now);
  int64_t today = LocalMidnight(now), tomorrow = LocalMidnight(now, 1);
  {
    std::lock_guard lock(mu_);
    b.passports = static_cast<int64_t>(visitors_.size());
    for (const auto& [p, v] : visitors_) {
      for (const auto& s : v.stays) {
        if (s.entry >= today && s.entry < tomorrow) ++b.arrived_today;
        if (s.exit && *s.exit >= today && *s.exit < tomorrow) ++b.left_today;
        for (const auto& a : s.alerts)
          if (!a.resolved) ++b.open_alerts[a.kind];
      }
      const Stay& last = v.stays.back();
      if (last.status == "in_hainan") {
        ++b.in_hainan;
        ++b.by_nationality[last.nationality];
        if (last.remind_at <= now) ++b.limit_within_days;
      }
    }
  }
  auto rows = db_->Query("SELECT state, COUNT(*) AS n FROM stay_outbox GROUP BY state");
  if (rows.ok())
    for (const auto& r : *rows) b.messages[r.Text("state")] = r.Int("n");
  return b;
}

Result<std::vector<StoredAlert>> Service::Alerts(const AlertFilter& f, int64_t* total) {
  std::string where = " FROM stay_alerts WHERE seq > ?";
  sql::Params params{f.after_seq};
  if (f.open_only) where += " AND resolved_at IS NULL";
  if (!f.kind.empty()) {
    where += " AND kind = ?";
    params.push_back(f.kind);
  }
  if (!f.passport.empty()) {
    where += " AND passport = ?";
    params.push_back(f.passport);
  }
  if (total) {
    JW_ASSIGN_OR_RETURN(sql::Rows n, db_->Query("SELECT COUNT(*) AS n" + where, params));
    *total = n.empty() ? 0 : n[0].Int("n");
  }
  std::string sql = std::string("SELECT ") + kAlertColumns + where;
  sql += f.after_seq > 0 ? " ORDER BY seq" : " ORDER BY raised_at DESC, id DESC";
  sql += " LIMIT " + std::to_string(f.limit) + " OFFSET " + std::to_string(f.offset);
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql, params));
  std::vector<StoredAlert> out;
  for (const auto& r : rows) out.push_back(AlertFromRow(r));
  return out;
}

Result<StoredAlert> Service::Acknowledge(const audit::Actor& who, int64_t id) {
  std::vector<StoredAlert> changed;
  {
    std::lock_guard lock(reconcile_mu_);
    JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kAlertColumns + " FROM stay_alerts WHERE id = ?", {id}));
    if (rows.empty()) return NotFound("unknown_alert", "no stay alert " + std::to_string(id));
    StoredAlert a = AlertFromRow(rows[0]);
    if (!a.acknowledged_by.empty()) return Conflict("already_acknowledged", "acknowledged by " + a.acknowledged_by);
    a.acknowledged_by = who.username;
    a.acknowledged_at = Iso(Now());
    a.seq = ++seq_;
    JW_RETURN_IF_ERROR(db_->Exec("UPDATE stay_alerts SET acknowledged_by = ?, acknowledged_at = ?, seq = ? WHERE id = ?",
                                 {a.acknowledged_by, *a.acknowledged_at, a.seq, id})
                           .status());
    changed.push_back(a);
  }
  audit_->Record(who, "stays.alert.acknowledge", changed[0].passport, "ok", changed[0].kind);
  Publish(changed);
  return changed[0];
}

Result<std::vector<Message>> Service::Outbox(const std::string& state, const std::string& passport, size_t offset,
                                            size_t limit, int64_t* total) {
  std::string where = " FROM stay_outbox WHERE 1=1";
  sql::Params params;
  if (!state.empty()) {
    where += " AND state = ?";
    params.push_back(state);
  }
  if (!passport.empty()) {
    where += " AND passport = ?";
    params.push_back(passport);
  }
  if (total) {
    JW_ASSIGN_OR_RETURN(sql::Rows n, db_->Query("SELECT COUNT(*) AS n" + where, params));
    *total = n.empty() ? 0 : n[0].Int("n");
  }
  std::string sql = std::string("SELECT ") + kMessageColumns + where;
  sql += " ORDER BY id DESC LIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(offset);
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql, params));
  std::vector<Message> out;
  for (const auto& r : rows) out.push_back(MessageFromRow(r));
  return out;
}

Result<Message> Service::Retry(const audit::Actor& who, int64_t id) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kMessageColumns + " FROM stay_outbox WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("unknown_message", "no reminder " + std::to_string(id));
  Message m = MessageFromRow(rows[0]);
  if (m.state == "delivered") return Conflict("already_delivered", "this reminder was delivered");
  m.attempts = 0;
  JW_ASSIGN_OR_RETURN(Message sent, Send(m));
  audit_->Record(who, "stays.reminder.retry", m.passport, sent.state == "delivered" ? "ok" : "failed", sent.last_error);
  return sent;
}

Result<registry::Guest> Service::RegisterGuest(const audit::Actor& who, registry::Guest g) {
  auto fail = [&](Status s) {
    audit_->Record(who, "registry.guest.register", g.passport, "failed", s.code());
    return s;
  };
  auto ref = identity::ParseEntityRef(g.passport.starts_with("PASSPORT:") ? g.passport : "PASSPORT:" + g.passport);
  if (!ref.ok() || ref->kind != identity::Kind::kPassport)
    return fail(Validation("invalid_passport", "the passport is a three-letter nationality and the number"));
  g.passport = ref->ToString();
  auto arrived = ParseTime(g.arrived_at);
  if (!arrived.ok()) return fail(Validation("invalid_time", "arrived_at is not a time"));
  int64_t now = Now();
  if (arrived->seconds() > now + 3600)
    return fail(Validation("arrival_in_future", "the guest's arrival is in the future: register after they arrive"));
  // The passport must have entered on a visa-free entry and not left before the arrival.
  JW_ASSIGN_OR_RETURN(Visitor v, Evaluate(g.passport));
  bool entered = false;
  for (const Stay& s : v.stays)
    if (s.entry <= arrived->seconds() + 3600 && (!s.exit || *s.exit >= arrived->seconds())) entered = true;
  if (!entered)
    return fail(Validation("no_entry_record",
                           "no visa-free entry of this passport before the arrival: check the passport number and "
                           "the arrival time"));
  g.registered_at = Iso(now);
  JW_ASSIGN_OR_RETURN(registry::Guest made, registry_->AddGuest(who, g));
  JW_RETURN_IF_ERROR(Refresh(made.passport));
  return made;
}

}  // namespace jingwu::stays

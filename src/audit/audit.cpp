#include "audit/audit.h"

#include <algorithm>
#include <cstdio>

#include "audit/checkpoint.h"
#include "core/crypto.h"
#include "core/utf8.h"

namespace jingwu::audit {

namespace {
constexpr const char* kGenesis = "0000000000000000000000000000000000000000000000000000000000000000";
constexpr const char* kColumns =
    "id, at, actor, role, client, action, target, purpose, case_no, outcome, detail, prev_hash, hash";

Entry FromRow(const sql::Row& r) {
  Entry e;
  e.id = r.Int("id");
  auto at = ParseTime(r.Text("at"), 0);
  e.at = at.ok() ? *at : Timestamp{};
  e.actor = r.Text("actor");
  e.role = r.Text("role");
  e.client = r.Text("client");
  e.action = r.Text("action");
  e.target = r.Text("target");
  e.purpose = r.Text("purpose");
  e.case_no = r.Text("case_no");
  e.outcome = r.Text("outcome");
  e.detail = r.Text("detail");
  e.prev_hash = r.Text("prev_hash");
  e.hash = r.Text("hash");
  return e;
}
}  // namespace

std::vector<sql::Migration> Migrations() {
  std::vector<sql::Migration> all = {{"audit", 1, "audit log and head",
           "CREATE TABLE audit_log (id BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, "
           "role TEXT NOT NULL, client TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, "
           "purpose TEXT NOT NULL, case_no TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL, "
           "prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
           "CREATE INDEX audit_log_actor ON audit_log (actor, id);"
           "CREATE INDEX audit_log_target ON audit_log (target, id);"
           "CREATE INDEX audit_log_at ON audit_log (at);"
           "CREATE TABLE audit_head (one INTEGER PRIMARY KEY, last_id BIGINT NOT NULL, last_hash TEXT NOT NULL);"
           "INSERT INTO audit_head (one, last_id, last_hash) VALUES (1, 0, '" +
               std::string(kGenesis) + "')"}};
  auto more = CheckpointMigrations();
  all.insert(all.end(), more.begin(), more.end());
  return all;
}

std::string ComputeHash(const Entry& e) {
  // Fields joined by the ASCII unit separator, which no field may contain
  // (Append replaces it), so that field boundaries are unambiguous.
  const char kSep = '\x1f';
  std::string s = std::to_string(e.id);
  for (const std::string* f : {&e.actor, &e.role, &e.client, &e.action, &e.target, &e.purpose, &e.case_no,
                               &e.outcome, &e.detail, &e.prev_hash}) {
    s += kSep;
    s += *f;
  }
  s += kSep;
  s += FormatTimeUtcMicros(e.at);
  return Sha256Hex(s);
}

Result<Entry> Log::Append(Entry e) {
  // Fields come from requests: keep them valid UTF-8 (the JSON encoder and
  // PostgreSQL require it), bounded, and free of the hash field separator.
  for (std::string* f : {&e.actor, &e.role, &e.client, &e.action, &e.target, &e.purpose, &e.case_no, &e.outcome,
                         &e.detail}) {
    *f = TruncateUtf8(SanitizeUtf8(*f), 1024);
    for (char& c : *f)
      if (c == '\x1f') c = ' ';
  }
  e.at = clock_->Now();
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    auto head = c.Query("SELECT last_id, last_hash FROM audit_head WHERE one = 1");
    if (!head.ok()) return head.status();
    if (head->empty()) return Internal("audit_head is missing");
    e.id = (*head)[0].Int("last_id") + 1;
    e.prev_hash = (*head)[0].Text("last_hash");
    e.hash = ComputeHash(e);
    auto ins = c.Exec(std::string("INSERT INTO audit_log (") + kColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      {e.id, FormatTimeUtcMicros(e.at), e.actor, e.role, e.client, e.action, e.target, e.purpose,
                       e.case_no, e.outcome, e.detail, e.prev_hash, e.hash});
    if (!ins.ok()) return ins.status();
    auto upd = c.Exec("UPDATE audit_head SET last_id = ?, last_hash = ? WHERE one = 1", {e.id, e.hash});
    return upd.ok() ? Status::Ok() : upd.status();
  });
  if (!s.ok()) return s;
  std::vector<Listener> ls;
  {
    std::lock_guard lock(listeners_mu_);
    ls = listeners_;
  }
  for (auto& l : ls) l(e);
  return e;
}

Status Log::Import(std::vector<Entry> entries) {
  constexpr size_t kBatch = 5000;
  for (size_t from = 0; from < entries.size(); from += kBatch) {
    size_t to = std::min(entries.size(), from + kBatch);
    JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
      auto head = c.Query("SELECT last_id, last_hash FROM audit_head WHERE one = 1");
      if (!head.ok()) return head.status();
      if (head->empty()) return Internal("audit_head is missing");
      int64_t id = (*head)[0].Int("last_id");
      std::string prev = (*head)[0].Text("last_hash");
      for (size_t i = from; i < to; ++i) {
        Entry& e = entries[i];
        for (std::string* f : {&e.actor, &e.role, &e.client, &e.action, &e.target, &e.purpose, &e.case_no,
                               &e.outcome, &e.detail}) {
          *f = TruncateUtf8(SanitizeUtf8(*f), 1024);
          for (char& ch : *f)
            if (ch == '\x1f') ch = ' ';
        }
        e.id = ++id;
        e.prev_hash = prev;
        e.hash = ComputeHash(e);
        prev = e.hash;
        auto ins = c.Exec(std::string("INSERT INTO audit_log (") + kColumns +
                              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          {e.id, FormatTimeUtcMicros(e.at), e.actor, e.role, e.client, e.action, e.target, e.purpose,
                           e.case_no, e.outcome, e.detail, e.prev_hash, e.hash});
        if (!ins.ok()) return ins.status();
      }
      auto upd = c.Exec("UPDATE audit_head SET last_id = ?, last_hash = ? WHERE one = 1", {id, prev});
      return upd.ok() ? Status::Ok() : upd.status();
    }));
  }
  return Status::Ok();
}

void Log::Record(const Actor& actor, std::string action, std::string target, std::string outcome,
                 std::string detail) {
  Entry e;
  e.actor = actor.username;
  e.role = actor.roles;
  e.client = actor.client;
  e.action = std::move(action);
  e.target = std::move(target);
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  auto r = Append(std::move(e));
  if (!r.ok()) std::fprintf(stderr, "AUDIT WRITE FAILED: %s\n", r.status().ToString().c_str());
}

void Log::AddListener(Listener l) {
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(l));
}

Result<Page> Log::Query(const Filter& f) {
  std::string where = " WHERE 1 = 1";
  sql::Params params;
  auto eq = [&](const char* col, const std::string& v) {
    if (v.empty()) return;
    where += std::string(" AND ") + col + " = ?";
    params.emplace_back(v);
  };
  eq("actor", f.actor);
  eq("target", f.target);
  eq("action", f.action);
  eq("outcome", f.outcome);
  if (f.from) {
    where += " AND at >= ?";
    params.emplace_back(FormatTimeUtcMicros(*f.from));
  }
  if (f.to) {
    where += " AND at <= ?";
    params.emplace_back(FormatTimeUtcMicros(*f.to));
  }
  auto count = db_->Query("SELECT COUNT(*) AS n FROM audit_log" + where, params);
  if (!count.ok()) return count.status();
  Page page;
  page.total = (*count)[0].Int("n");
  sql::Params p2 = params;
  p2.emplace_back(int64_t{f.page_size});
  p2.emplace_back(int64_t{(f.page - 1) * static_cast<int64_t>(f.page_size)});
  auto rows = db_->Query(std::string("SELECT ") + kColumns + " FROM audit_log" + where +
                             " ORDER BY id DESC LIMIT ? OFFSET ?",
                         p2);
  if (!rows.ok()) return rows.status();
  for (const auto& r : *rows) page.items.push_back(FromRow(r));
  return page;
}

Result<std::vector<Entry>> Log::Since(int64_t after_id, int limit) {
  auto rows = db_->Query(std::string("SELECT ") + kColumns + " FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
                         {after_id, int64_t{limit}});
  if (!rows.ok()) return rows.status();
  std::vector<Entry> out;
  for (const auto& r : *rows) out.push_back(FromRow(r));
  return out;
}

Result<VerifyReport> Log::Verify() {
  VerifyReport rep;
  std::string prev_hash = kGenesis;
  int64_t prev_id = 0;
  auto fail = [&](int64_t id, const char* problem) {
    rep.ok = false;
    rep.first_bad_id = id;
    rep.problem = problem;
    return rep;
  };
  constexpr int64_t kBatch = 5000;
  for (;;) {
    auto rows = db_->Query(std::string("SELECT ") + kColumns + " FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
                           {prev_id, kBatch});
    if (!rows.ok()) return rows.status();
    for (const auto& r : *rows) {
      Entry e = FromRow(r);
      ++rep.checked;
      // A gap in the ids, or a prev_hash that does not match, means entries
      // before this one were removed or moved.
      if (e.id != prev_id + 1) return fail(prev_id + 1, "removed");
      if (e.prev_hash != prev_hash) return fail(e.id, "broken_link");
      if (ComputeHash(e) != e.hash) return fail(e.id, "altered");
      prev_hash = e.hash;
      prev_id = e.id;
    }
    if (static_cast<int64_t>(rows->size()) < kBatch) break;
  }
  auto head = db_->Query("SELECT last_id, last_hash FROM audit_head WHERE one = 1");
  if (!head.ok()) return head.status();
  if (head->empty()) return fail(prev_id + 1, "truncated");
  if ((*head)[0].Int("last_id") != prev_id || (*head)[0].Text("last_hash") != prev_hash)
    return fail(prev_id + 1, "truncated");
  return rep;
}

}  // namespace jingwu::audit

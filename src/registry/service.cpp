#include "registry/service.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/csv.h"
#include "core/utf8.h"
#include "identity/identity.h"

namespace jingwu::registry {

namespace {

template <size_t N>
bool OneOf(const char* const (&list)[N], std::string_view v) {
  for (const char* x : list)
    if (v == x) return true;
  return false;
}

std::string Trim(std::string_view s) { return std::string(TrimUnicode(s)); }

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find_first_of(",;|", start);
    if (end == std::string::npos) end = s.size();
    std::string part = s.substr(start, end - start);
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
  return out;
}

Organisation OrgFromRow(const sql::Row& r) {
  return {r.Text("credit_code"), r.Text("name"),          r.Text("type"),
          r.Text("legal_rep"),   r.Text("address_code"),  SplitList(r.Text("key_units")),
          r.Text("place_code"),  r.Int("employees"),      r.Text("created_at"),
          r.Text("updated_at")};
}

Resident ResidentFromRow(const sql::Row& r) {
  return {r.Int("id"),           r.Text("person"),      r.Text("name"),        r.Text("category"),
          r.Text("relation"),    r.Text("source"),      r.Text("address_code"), r.Text("moved_in_at"),
          r.OptText("moved_out_at")};
}

constexpr const char* kOrgColumns =
    "credit_code, name, type, legal_rep, address_code, key_units, place_code, employees, created_at, updated_at";
constexpr const char* kResidentColumns =
    "id, person, name, category, relation, source, address_code, moved_in_at, moved_out_at";

// Normalises a time to the stored form (ISO 8601 with +08:00), or fails.
Result<std::string> NormTime(const std::string& text, const char* field) {
  auto t = ParseTime(text);
  if (!t.ok()) return Validation("invalid_time", std::string(field) + " is not a time (ISO 8601, e.g. 2025-03-01T10:00:00)");
  return FormatTime(*t);
}

// Inserts rows in multi-row statements (one round trip per chunk on PostgreSQL).
Status InsertChunked(sql::Connection& c, const std::string& head, size_t columns, const std::vector<sql::Params>& rows,
                     const std::string& tail = "") {
  constexpr size_t kChunk = 400;
  for (size_t i = 0; i < rows.size(); i += kChunk) {
    size_t n = std::min(kChunk, rows.size() - i);
    std::string sql = head + " VALUES ";
    std::string one = "(";
    for (size_t k = 0; k < columns; ++k) one += k ? ",?" : "?";
    one += ")";
    sql::Params params;
    params.reserve(n * columns);
    for (size_t k = 0; k < n; ++k) {
      sql += k ? "," + one : one;
      params.insert(params.end(), rows[i + k].begin(), rows[i + k].end());
    }
    sql += tail;
    auto r = c.Exec(sql, params);
    if (!r.ok()) return r.status();
  }
  return Status::Ok();
}

Result<std::vector<std::vector<std::string>>> ReadCsvFile(const std::string& path, std::vector<std::string>* header) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("file_not_found", "cannot read " + path);
  CsvReader r(&in);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> f;
  bool first = true;
  while (r.Next(&f)) {
    if (first) {
      *header = f;
      first = false;
      continue;
    }
    rows.push_back(f);
  }
  if (!r.error().empty()) return Validation("invalid_csv", path + ": " + r.error());
  return rows;
}

// Column positions by name; -1 when absent.
struct Columns {
  std::vector<std::string> names;
  int operator[](std::string_view n) const {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == n) return static_cast<int>(i);
    return -1;
  }
};

std::string Field(const std::vector<std::string>& row, int i) {
  return i >= 0 && static_cast<size_t>(i) < row.size() ? row[i] : std::string();
}

}  // namespace

std::vector<sql::Migration> Migrations() {
  return {{"registry", 1, "standard addresses, aliases, history, organisations, residents",
           "CREATE TABLE reg_addresses (code TEXT PRIMARY KEY, level TEXT NOT NULL, parent_code TEXT NOT NULL, "
           "name TEXT NOT NULL, road TEXT NOT NULL, label TEXT NOT NULL, lat DOUBLE PRECISION, "
           "lon DOUBLE PRECISION, status TEXT NOT NULL, merged_into TEXT NOT NULL, created_at TEXT NOT NULL, "
           "updated_at TEXT NOT NULL);"
           "CREATE INDEX reg_addresses_parent ON reg_addresses (parent_code);"
           "CREATE TABLE reg_address_aliases (id {{id}}, code TEXT NOT NULL REFERENCES reg_addresses (code), "
           "alias TEXT NOT NULL);"
           "CREATE UNIQUE INDEX reg_address_aliases_code ON reg_address_aliases (code, alias);"
           "CREATE TABLE reg_address_history (id {{id}}, code TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, "
           "change TEXT NOT NULL);"
           "CREATE INDEX reg_address_history_code ON reg_address_history (code, id);"
           "CREATE TABLE reg_organisations (credit_code TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, "
           "legal_rep TEXT NOT NULL, address_code TEXT NOT NULL REFERENCES reg_addresses (code), "
           "key_units TEXT NOT NULL, place_code TEXT NOT NULL, employees BIGINT NOT NULL, created_at TEXT NOT NULL, "
           "updated_at TEXT NOT NULL);"
           "CREATE INDEX reg_organisations_address ON reg_organisations (address_code);"
           "CREATE TABLE reg_residents (id {{id}}, person TEXT NOT NULL, name TEXT NOT NULL, category TEXT NOT NULL, "
           "relation TEXT NOT NULL, source TEXT NOT NULL, address_code TEXT NOT NULL REFERENCES reg_addresses (code), "
           "moved_in_at TEXT NOT NULL, moved_out_at TEXT, created_at TEXT NOT NULL);"
           "CREATE INDEX reg_residents_address ON reg_residents (address_code);"
           "CREATE INDEX reg_residents_person ON reg_residents (person);"},
          {"registry", 2, "foreign guests in private housing",
           "CREATE TABLE reg_guests (id {{id}}, passport TEXT NOT NULL, name TEXT NOT NULL, nationality TEXT NOT NULL, "
           "phone TEXT NOT NULL, address_code TEXT NOT NULL REFERENCES reg_addresses (code), "
           "host_id_number TEXT NOT NULL, host_name TEXT NOT NULL, host_phone TEXT NOT NULL, arrived_at TEXT NOT NULL, "
           "departs_at TEXT, registered_at TEXT NOT NULL, source TEXT NOT NULL, created_by TEXT NOT NULL);"
           "CREATE UNIQUE INDEX reg_guests_stay ON reg_guests (passport, address_code, arrived_at);"
           "CREATE INDEX reg_guests_host ON reg_guests (host_id_number);"},
          {"registry", 3, "housing, rentals, verification tasks",
           "CREATE TABLE reg_housing (address_code TEXT PRIMARY KEY REFERENCES reg_addresses (code), use TEXT NOT NULL, "
           "owner_id_number TEXT NOT NULL, owner_name TEXT NOT NULL, source TEXT NOT NULL, updated_at TEXT NOT NULL, "
           "updated_by TEXT NOT NULL, verified_at TEXT);"
           "CREATE TABLE reg_rentals (id {{id}}, address_code TEXT NOT NULL REFERENCES reg_addresses (code), "
           "tenant TEXT NOT NULL, tenant_name TEXT NOT NULL, landlord_id_number TEXT NOT NULL, "
           "landlord_name TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT, registered_at TEXT NOT NULL, "
           "source TEXT NOT NULL, created_by TEXT NOT NULL, verified_at TEXT);"
           "CREATE INDEX reg_rentals_address ON reg_rentals (address_code);"
           "CREATE INDEX reg_rentals_tenant ON reg_rentals (tenant);"
           "ALTER TABLE reg_residents ADD COLUMN verified_at TEXT;"
           "CREATE TABLE reg_tasks (id {{id}}, community_code TEXT NOT NULL, kind TEXT NOT NULL, "
           "address_code TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL, created_at TEXT NOT NULL, "
           "status TEXT NOT NULL, result TEXT NOT NULL, note TEXT NOT NULL, verified_by TEXT NOT NULL, verified_at TEXT);"
           "CREATE INDEX reg_tasks_community ON reg_tasks (community_code, status);"
           "CREATE INDEX reg_tasks_subject ON reg_tasks (subject, kind, status);"},
          {"registry", 4, "community police officers",
           "CREATE TABLE reg_community_officers (community_code TEXT PRIMARY KEY REFERENCES reg_addresses (code), "
           "officer_name TEXT NOT NULL, police_number TEXT NOT NULL, phone TEXT NOT NULL, station_code TEXT NOT NULL, "
           "updated_at TEXT NOT NULL, updated_by TEXT NOT NULL);"}};
}

void Service::Audit(const auth::Actor& a, std::string action, std::string target, std::string outcome,
                    std::string detail) {
  audit_->Record(a, std::move(action), std::move(target), std::move(outcome), std::move(detail));
}

std::shared_ptr<const AddressIndex> Service::index() const {
  std::lock_guard lock(index_mu_);
  return index_;
}

Status Service::Load() {
  auto ix = std::make_shared<AddressIndex>();
  JW_ASSIGN_OR_RETURN(sql::Rows rows,
                      db_->Query("SELECT code, name, road, label, lat, lon, status, merged_into FROM reg_addresses "
                                 "ORDER BY code"));
  for (const auto& r : rows) {
    Node n;
    n.code = r.Text("code");
    n.name = r.Text("name");
    n.road = r.Text("road");
    n.key = r.Text("label");
    n.lat = r.Double("lat");
    n.lon = r.Double("lon");
    n.status = r.Text("status");
    n.merged_into = r.Text("merged_into");
    // Codes sort parents first (a parent's code is a prefix of its children's).
    if (Status s = ix->Add(std::move(n)); !s.ok()) return Internal("registry: " + s.message());
  }
  JW_ASSIGN_OR_RETURN(sql::Rows aliases, db_->Query("SELECT code, alias FROM reg_address_aliases ORDER BY id"));
  for (const auto& r : aliases) ix->AddAlias(r.Text("code"), r.Text("alias")).IgnoreError();
  {
    std::lock_guard lock(index_mu_);
    index_ = std::move(ix);
  }
  return LoadOfficers();
}

Status Service::LoadOfficers() {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT community_code, officer_name, police_number, phone, station_code, "
                                                 "updated_at, updated_by FROM reg_community_officers"));
  std::map<std::string, CommunityOfficer> m;
  for (const auto& r : rows)
    m[r.Text("community_code")] = {r.Text("community_code"), r.Text("officer_name"), r.Text("police_number"),
                                   r.Text("phone"),          r.Text("station_code"), r.Text("updated_at"),
                                   r.Text("updated_by")};
  std::lock_guard lock(officers_mu_);
  officers_ = std::move(m);
  return Status::Ok();
}

Located Service::Locate(std::string_view text) const {
  Located l;
  auto ix = index();
  if (!ix) return l;
  l.match = ix->Match(text);
  // Coordinates: the node's own, an ancestor's (a building's), or the first building below.
  auto where = [&](const std::string& code, double* lat, double* lon) {
    for (const Node* n : ix->Path(code))
      if (n->lat != 0) *lat = n->lat, *lon = n->lon;
    if (*lat == 0)
      for (const Node* b : ix->Descendants(code, Level::kBuilding, 1))
        if (b->lat != 0) *lat = b->lat, *lon = b->lon;
  };
  for (const auto& c : l.match.candidates) {
    Located::Candidate x{c.code, ix->FullName(c.code), std::string(LevelName(c.level)), c.score, 0, 0};
    where(c.code, &x.lat, &x.lon);
    l.candidates.push_back(x);
  }
  if (!l.match.matched) return l;
  l.full_name = ix->FullName(l.match.code);
  where(l.match.code, &l.lat, &l.lon);
  l.district_code = l.match.code.substr(0, 6);
  if (l.match.code.size() >= 12) {
    l.community_code = l.match.code.substr(0, 12);
    if (const Node* c = ix->Find(l.community_code)) l.community_name = c->name;
    l.officer = OfficerOf(l.community_code);
  }
  return l;
}

std::optional<CommunityOfficer> Service::OfficerOf(const std::string& community_code) const {
  std::lock_guard lock(officers_mu_);
  auto it = officers_.find(community_code);
  if (it == officers_.end()) return std::nullopt;
  return it->second;
}

Result<CommunityOfficer> Service::SetOfficer(const auth::Actor& actor, CommunityOfficer o) {
  auto fail = [&](Status s) {
    Audit(actor, "registry.officer.set", o.community_code, "failed", s.code());
    return s;
  };
  if (Status s = CheckCode(o.community_code); !s.ok()) return fail(s);
  auto ix = index();
  const Node* n = ix ? ix->Find(o.community_code) : nullptr;
  if (!n) return fail(NotFound("unknown_address", "no standard address " + o.community_code));
  if (n->level != Level::kCommunity) return fail(Validation("not_a_community", "give a community's 12-digit code"));
  o.officer_name = Trim(o.officer_name);
  if (o.officer_name.empty() || HasControl(o.officer_name) || Utf8Chars(o.officer_name) > 30)
    return fail(Validation("missing_name", "the officer's name is required"));
  if (o.police_number.size() < 4 || o.police_number.size() > 12 ||
      o.police_number.find_first_not_of("0123456789") != std::string::npos)
    return fail(Validation("invalid_police_number", "a police number is 4-12 digits"));
  if (o.phone.size() > 20 || o.phone.find_first_not_of("0123456789-+ ") != std::string::npos)
    return fail(Validation("invalid_phone", "the phone number has digits only"));
  o.updated_at = FormatTime(Now());
  o.updated_by = actor.username;
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    JW_RETURN_IF_ERROR(c.Exec("DELETE FROM reg_community_officers WHERE community_code = ?", {o.community_code}).status());
    return c.Exec("INSERT INTO reg_community_officers (community_code, officer_name, police_number, phone, station_code, "
                  "updated_at, updated_by) VALUES (?,?,?,?,?,?,?)",
                  {o.community_code, o.officer_name, o.police_number, o.phone, o.station_code, o.updated_at, o.updated_by})
        .status();
  });
  if (!s.ok()) return fail(s);
  {
    std::lock_guard lock(officers_mu_);
    officers_[o.community_code] = o;
  }
  Audit(actor, "registry.officer.set", o.community_code, "ok", o.police_number);
  return o;
}

Result<std::vector<ImportFile>> Service::Import(const auth::Actor& actor, const std::string& dir_in) {
  std::string dir = dir_in.empty() || dir_in.back() == '/' ? dir_in : dir_in + "/";
  std::vector<ImportFile> out;
  std::string now = FormatTime(Now());
  auto present = [&](const char* f) { return std::filesystem::exists(dir + f); };
  if (!present("addresses.csv") && !present("organisations.csv") && !present("population.csv") &&
      !present("guest_registrations.csv") && !present("housing.csv") && !present("rentals.csv") &&
      !present("community_officers.csv"))
    return NotFound("file_not_found",
                    "no addresses.csv, organisations.csv, population.csv or guest_registrations.csv in " + dir_in);

  // Addresses (parents first, as codes sort).
  if (present("addresses.csv")) {
    ImportFile f{"addresses.csv"};
    std::vector<std::string> header;
    JW_ASSIGN_OR_RETURN(auto rows, ReadCsvFile(dir + "addresses.csv", &header));
    Columns col{header};
    std::set<std::string> known;
    JW_ASSIGN_OR_RETURN(sql::Rows existing, db_->Query("SELECT code FROM reg_addresses"));
    for (const auto& r : existing) known.insert(r.Text("code"));
    std::sort(rows.begin(), rows.end(),
              [&](const auto& a, const auto& b) { return Field(a, col["code"]) < Field(b, col["code"]); });
    std::vector<sql::Params> ins;
    std::set<std::string> added;
    for (const auto& row : rows) {
      ++f.rows;
      std::string code = Field(row, col["code"]);
      auto reject = [&](const char* why) { ++f.rejected[why]; };
      if (!CheckCode(code).ok()) { reject("invalid_address_code"); continue; }
      Level level = *LevelOfCode(code);
      std::string level_text = Field(row, col["level"]);
      if (!level_text.empty() && level_text != LevelName(level)) { reject("level_mismatch"); continue; }
      std::string name = Trim(Field(row, col["name"]));
      if (name.empty() || !IsValidUtf8(name) || HasControl(name)) { reject("missing_name"); continue; }
      std::string parent(ParentCode(code));
      if (!parent.empty() && !known.count(parent) && !added.count(parent)) { reject("unknown_parent"); continue; }
      if (known.count(code)) { ++f.already; continue; }
      if (!added.insert(code).second) { reject("duplicate_address"); continue; }
      std::string status = Field(row, col["status"]);
      if (status.empty()) status = "active";
      if (status != "active" && status != "demolished" && status != "merged") { reject("unknown_status"); continue; }
      sql::Value lat = nullptr, lon = nullptr;
      std::string la = Field(row, col["lat"]), lo = Field(row, col["lon"]);
      if (!la.empty() || !lo.empty()) {
        char* e1 = nullptr;
        char* e2 = nullptr;
        double a = std::strtod(la.c_str(), &e1), b = std::strtod(lo.c_str(), &e2);
        if (la.empty() || lo.empty() || *e1 || *e2 || a < 18 || a > 21 || b < 108 || b > 112) {
          reject("invalid_coordinates");
          continue;
        }
        lat = a;
        lon = b;
      }
      ins.push_back({code, std::string(LevelName(level)), parent, name, Field(row, col["road"]),
                     Field(row, col["key"]), lat, lon, status, std::string(), now, now});
      ++f.accepted;
    }
    JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
      JW_RETURN_IF_ERROR(InsertChunked(c,
                                       "INSERT INTO reg_addresses (code, level, parent_code, name, road, label, lat, "
                                       "lon, status, merged_into, created_at, updated_at)",
                                       12, ins));
      std::vector<sql::Params> hist;
      hist.reserve(ins.size());
      for (const auto& p : ins) hist.push_back({p[0], now, actor.username, std::string("created (import)")});
      return InsertChunked(c, "INSERT INTO reg_address_history (code, at, actor, change)", 4, hist);
    }));
    out.push_back(f);
  }
  // Aliases.
  if (present("address_aliases.csv")) {
    ImportFile f{"address_aliases.csv"};
    std::vector<std::string> header;
    JW_ASSIGN_OR_RETURN(auto rows, ReadCsvFile(dir + "address_aliases.csv", &header));
    Columns col{header};
    std::set<std::pair<std::string, std::string>> have;
    JW_ASSIGN_OR_RETURN(sql::Rows existing, db_->Query("SELECT code, alias FROM reg_address_aliases"));
    for (const auto& r : existing) have.insert({r.Text("code"), r.Text("alias")});
    std::map<std::string, std::string> levels;
    JW_ASSIGN_OR_RETURN(sql::Rows codes, db_->Query("SELECT code, level FROM reg_addresses WHERE level IN "
                                                    "('district','street','community','compound')"));
    for (const auto& r : codes) levels[r.Text("code")] = r.Text("level");
    std::vector<sql::Params> ins;
    for (const auto& row : rows) {
      ++f.rows;
      std::string code = Field(row, col["code"]), alias = Trim(Field(row, col["alias"]));
      if (!levels.count(code)) { ++f.rejected["unknown_address"]; continue; }
      if (alias.empty() || HasControl(alias) || Utf8Chars(alias) > 40) { ++f.rejected["invalid_alias"]; continue; }
      if (!have.insert({code, alias}).second) { ++f.already; continue; }
      ins.push_back({code, alias});
      ++f.accepted;
    }
    JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
      return InsertChunked(c, "INSERT INTO reg_address_aliases (code, alias)", 2, ins);
    }));
    out.push_back(f);
  }
  // Organisations.
  if (present("organisations.csv")) {
    ImportFile f{"organisations.csv"};
    std::vector<std::string> header;
    JW_ASSIGN_OR_RETURN(auto rows, ReadCsvFile(dir + "organisations.csv", &header));
    Columns col{header};
    std::set<std::string> have, addresses;
    JW_ASSIGN_OR_RETURN(sql::Rows existing, db_->Query("SELECT credit_code FROM reg_organisations"));
    for (const auto& r : existing) have.insert(r.Text("credit_code"));
    JW_ASSIGN_OR_RETURN(sql::Rows codes, db_->Query("SELECT code FROM reg_addresses WHERE status = 'active'"));
    for (const auto& r : codes) addresses.insert(r.Text("code"));
    std::vector<sql::Params> ins;
    std::set<std::string> added;
    for (const auto& row : rows) {
      ++f.rows;
      auto cc = identity::ParseCreditCode(Field(row, col["credit_code"]));
      if (!cc.ok()) { ++f.rejected["invalid_credit_code"]; continue; }
      std::string name = Trim(Field(row, col["name"]));
      if (name.empty() || HasControl(name)) { ++f.rejected["missing_name"]; continue; }
      if (!addresses.count(Field(row, col["address_code"]))) { ++f.rejected["unknown_address"]; continue; }
      bool units_ok = true;
      for (const auto& k : SplitList(Field(row, col["key_units"]))) units_ok &= OneOf(kKeyUnits, k);
      if (!units_ok) { ++f.rejected["unknown_key_unit"]; continue; }
      if (have.count(*cc)) { ++f.already; continue; }
      if (!added.insert(*cc).second) { ++f.rejected["credit_code_taken"]; continue; }
      char* e = nullptr;
      std::string emp = Field(row, col["employees"]);
      long long employees = emp.empty() ? 0 : std::strtoll(emp.c_str(), &e, 10);
      if (!emp.empty() && (*e || employees < 0)) { ++f.rejected["invalid_value"]; continue; }
      ins.push_back({*cc, name, Field(row, col["type"]), Field(row, col["legal_rep"]), Field(row, col["address_code"]),
                     Field(row, col["key_units"]), Field(row, col["place_code"]), static_cast<int64_t>(employees), now,
                     now});
      ++f.accepted;
    }
    JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
      return InsertChunked(c, std::string("INSERT INTO reg_organisations (") + kOrgColumns + ")", 10, ins);
    }));
    out.push_back(f);
  }
  // Residents.
  if (present("population.csv")) {
    ImportFile f{"population.csv"};
    std::vector<std::string> header;
    JW_ASSIGN_OR_RETURN(auto rows, ReadCsvFile(dir + "population.csv", &header));
    Columns col{header};
    std::set<std::string> rooms;
    JW_ASSIGN_OR_RETURN(sql::Rows codes, db_->Query("SELECT code FROM reg_addresses WHERE level = 'room'"));
    for (const auto& r : codes) rooms.insert(r.Text("code"));
    std::set<std::tuple<std::string, std::string, std::string>> have;
    JW_ASSIGN_OR_RETURN(sql::Rows existing, db_->Query("SELECT person, address_code, moved_in_at FROM reg_residents"));
    for (const auto& r : existing) have.insert({r.Text("person"), r.Text("address_code"), r.Text("moved_in_at")});
    std::vector<sql::Params> ins;
    for (const auto& row : rows) {
      ++f.rows;
      Resident r;
      r.person = Field(row, col["person"]);
      r.name = Field(row, col["name"]);
      r.category = Field(row, col["category"]);
      r.relation = Field(row, col["relation"]);
      r.source = Field(row, col["source"]);
      r.address_code = Field(row, col["address_code"]);
      r.moved_in_at = Field(row, col["moved_in_at"]);
      std::string out_at = Field(row, col["moved_out_at"]);
      if (!out_at.empty()) r.moved_out_at = out_at;
      if (Status s = ValidateResident(r); !s.ok()) { ++f.rejected[s.code()]; continue; }
      if (!rooms.count(r.address_code)) { ++f.rejected["unknown_address"]; continue; }
      if (!have.insert({r.person, r.address_code, r.moved_in_at}).second) { ++f.already; continue; }
      ins.push_back({r.person, r.name, r.category, r.relation, r.source, r.address_code, r.moved_in_at,
                     r.moved_out_at ? sql::Value(*r.moved_out_at) : sql::Value(nullptr), now});
      ++f.accepted;
    }
    JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
      return InsertChunked(c,
                           "INSERT INTO reg_residents (person, name, category, relation, source, address_code, "
                           "moved_in_at, moved_out_at, created_at)",
                           9, ins);
    }));
    out.push_back(f);
  }
  // Community police officers.
  if (present("community_officers.csv")) {
    ImportFile f{"community_officers.csv"};
    std::vector<std::string> header;
    JW_ASSIGN_OR_RETURN(auto rows, ReadCsvFile(dir + "community_officers.csv", &header));
    Columns col{header};
    std::set<std::string> communities, have;
    JW_ASSIGN_OR_RETURN(sql::Rows codes, db_->Query("SELECT code FROM reg_addresses WHERE level = 'community'"));
    for (const auto& r : codes) communities.insert(r.Text("code"));
    JW_ASSIGN_OR_RETURN(sql::Rows existing, db_->Query("SELECT community_code FROM reg_community_officers"));
    for (const auto& r : existing) have.insert(r.Text("community_code"));
    std::vector<sql::Params> ins;
    for (const auto& row : rows) {
      ++f.rows;
      std::string code = Field(row, col["community_code"]), name = Trim(Field(row, col["officer_name"]));
      std::string number = Field(row, col["police_number"]);
      if (!communities.count(code)) { ++f.rejected["unknown_address"]; continue; }
      if (name.empty() || HasControl(name)) { ++f.rejected["missing_name"]; continue; }
      if (number.size() < 4 || number.size() > 12 || number.find_first_not_of("0123456789") != std::string::npos) {
        ++f.rejected["invalid_police_number"];
        continue;
      }
      if (!have.insert(code).second) { ++f.already; continue; }
      ins.push_back({code, name, number, Field(row, col["phone"]), Field(row, col["station_code"]), now, actor.username});
      ++f.accepted;
    }
    JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
      return InsertChunked(c,
                           "INSERT INTO reg_community_officers (community_code, officer_name, police_number, phone, "
                           "station_code, updated_at, updated_by)",
                           7, ins);
    }));
    out.push_back(f);
  }
  // Housing: each room's use and owner.
  if (present("housing.csv")) {
    ImportFile f{"housing.csv"};
    std::vector<std::string> header;
    JW_ASSIGN_OR_RETURN(auto rows, ReadCsvFile(dir + "housing.csv", &header));
    Columns col{header};
    std::set<std::string> rooms, have;
    JW_ASSIGN_OR_RETURN(sql::Rows codes, db_->Query("SELECT code FROM reg_addresses WHERE level = 'room'"));
    for (const auto& r : codes) rooms.insert(r.Text("code"));
    JW_ASSIGN_OR_RETURN(sql::Rows existing, db_->Query("SELECT address_code FROM reg_housing"));
    for (const auto& r : existing) have.insert(r.Text("address_code"));
    std::vector<sql::Params> ins;
    for (const auto& row : rows) {
      ++f.rows;
      std::string code = Field(row, col["address_code"]), use = Field(row, col["use"]);
      std::string owner = Field(row, col["owner_id_number"]), owner_name = Trim(Field(row, col["owner_name"]));
      if (!rooms.count(code)) { ++f.rejected["unknown_address"]; continue; }
      if (!OneOf(kUses, use)) { ++f.rejected["unknown_use"]; continue; }
      if (!owner.empty()) {
        auto id = identity::ParseIdNumber(owner);
        if (!id.ok()) { ++f.rejected["invalid_id_number"]; continue; }
        owner = id->number;
      }
      if (!have.insert(code).second) { ++f.already; continue; }
      ins.push_back({code, use, owner, owner_name, "import", now, actor.username});
      ++f.accepted;
    }
    JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
      return InsertChunked(c,
                           "INSERT INTO reg_housing (address_code, use, owner_id_number, owner_name, source, "
                           "updated_at, updated_by)",
                           7, ins);
    }));
    out.push_back(f);
  }
  // Rental registrations.
  if (present("rentals.csv")) {
    ImportFile f{"rentals.csv"};
    std::vector<std::string> header;
    JW_ASSIGN_OR_RETURN(auto rows, ReadCsvFile(dir + "rentals.csv", &header));
    Columns col{header};
    std::set<std::string> rooms;
    JW_ASSIGN_OR_RETURN(sql::Rows codes, db_->Query("SELECT code FROM reg_addresses WHERE level = 'room'"));
    for (const auto& r : codes) rooms.insert(r.Text("code"));
    std::set<std::tuple<std::string, std::string, std::string>> have;
    JW_ASSIGN_OR_RETURN(sql::Rows existing, db_->Query("SELECT tenant, address_code, start_date FROM reg_rentals"));
    for (const auto& r : existing) have.insert({r.Text("tenant"), r.Text("address_code"), r.Text("start_date")});
    std::vector<sql::Params> ins;
    for (const auto& row : rows) {
      ++f.rows;
      Rental r;
      r.address_code = Field(row, col["address_code"]);
      r.tenant = Field(row, col["tenant"]);
      r.tenant_name = Field(row, col["tenant_name"]);
      r.landlord_id_number = Field(row, col["landlord_id_number"]);
      r.landlord_name = Field(row, col["landlord_name"]);
      r.start_date = Field(row, col["start_date"]);
      std::string end = Field(row, col["end_date"]);
      if (!end.empty()) r.end_date = end;
      r.registered_at = Field(row, col["registered_at"]);
      if (Status st = ValidateRental(r); !st.ok()) { ++f.rejected[st.code()]; continue; }
      if (!rooms.count(r.address_code)) { ++f.rejected["unknown_address"]; continue; }
      if (!have.insert({r.tenant, r.address_code, r.start_date}).second) { ++f.already; continue; }
      ins.push_back({r.address_code, r.tenant, r.tenant_name, r.landlord_id_number, r.landlord_name, r.start_date,
                     r.end_date ? sql::Value(*r.end_date) : sql::Value(nullptr), r.registered_at, "import",
                     actor.username});
      ++f.accepted;
    }
    JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
      return InsertChunked(c,
                           "INSERT INTO reg_rentals (address_code, tenant, tenant_name, landlord_id_number, "
                           "landlord_name, start_date, end_date, registered_at, source, created_by)",
                           10, ins);
    }));
    out.push_back(f);
  }
  // Foreign guests registered by their hosts.
  if (present("guest_registrations.csv")) {
    ImportFile f{"guest_registrations.csv"};
    std::vector<std::string> header;
    JW_ASSIGN_OR_RETURN(auto rows, ReadCsvFile(dir + "guest_registrations.csv", &header));
    Columns col{header};
    std::set<std::string> rooms;
    JW_ASSIGN_OR_RETURN(sql::Rows codes, db_->Query("SELECT code FROM reg_addresses WHERE level = 'room'"));
    for (const auto& r : codes) rooms.insert(r.Text("code"));
    std::set<std::tuple<std::string, std::string, std::string>> have;
    JW_ASSIGN_OR_RETURN(sql::Rows existing, db_->Query("SELECT passport, address_code, arrived_at FROM reg_guests"));
    for (const auto& r : existing) have.insert({r.Text("passport"), r.Text("address_code"), r.Text("arrived_at")});
    std::vector<sql::Params> ins;
    for (const auto& row : rows) {
      ++f.rows;
      Guest g;
      g.passport = Field(row, col["passport"]);
      if (!g.passport.starts_with("PASSPORT:")) g.passport = "PASSPORT:" + g.passport;
      g.name = Field(row, col["name"]);
      g.nationality = Field(row, col["nationality"]);
      g.phone = Field(row, col["phone"]);
      g.address_code = Field(row, col["address_code"]);
      g.host_id_number = Field(row, col["host_id_number"]);
      g.host_name = Field(row, col["host_name"]);
      g.host_phone = Field(row, col["host_phone"]);
      g.arrived_at = Field(row, col["arrived_at"]);
      std::string departs = Field(row, col["departs_at"]);
      if (!departs.empty()) g.departs_at = departs;
      g.registered_at = Field(row, col["registered_at"]);
      g.source = "import";
      g.created_by = actor.username;
      if (Status s = ValidateGuest(g); !s.ok()) { ++f.rejected[s.code()]; continue; }
      if (!rooms.count(g.address_code)) { ++f.rejected["unknown_address"]; continue; }
      if (!have.insert({g.passport, g.address_code, g.arrived_at}).second) { ++f.already; continue; }
      ins.push_back({g.passport, g.name, g.nationality, g.phone, g.address_code, g.host_id_number, g.host_name,
                     g.host_phone, g.arrived_at, g.departs_at ? sql::Value(*g.departs_at) : sql::Value(nullptr),
                     g.registered_at, g.source, g.created_by});
      ++f.accepted;
    }
    JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
      return InsertChunked(c,
                           "INSERT INTO reg_guests (passport, name, nationality, phone, address_code, host_id_number, "
                           "host_name, host_phone, arrived_at, departs_at, registered_at, source, created_by)",
                           13, ins);
    }));
    out.push_back(f);
  }
  std::string detail;
  for (const auto& f : out) {
    int64_t rejected = 0;
    for (const auto& [k, n] : f.rejected) rejected += n;
    detail += f.name + ": accepted=" + std::to_string(f.accepted) + " already=" + std::to_string(f.already) +
              " rejected=" + std::to_string(rejected) + "; ";
  }
  Audit(actor, "registry.import", dir_in, "ok", detail);
  JW_RETURN_IF_ERROR(Load());
  return out;
}

Status Service::ValidateGuest(Guest& g) const {
  auto ref = identity::ParseEntityRef(g.passport);
  if (!ref.ok() || ref->kind != identity::Kind::kPassport)
    return Validation("invalid_passport", "the passport is NAT/NUMBER: a three-letter nationality and the number");
  g.passport = ref->ToString();
  std::string nat = g.passport.substr(9, 3);
  if (g.nationality.empty()) g.nationality = nat;
  if (g.nationality != nat)
    return Validation("nationality_mismatch", "the nationality " + g.nationality + " differs from the passport's " + nat);
  g.name = Trim(g.name);
  if (g.name.empty() || HasControl(g.name) || Utf8Chars(g.name) > 100)
    return Validation("missing_name", "the guest's name as in the passport is required (up to 100 characters)");
  g.phone = Trim(g.phone);
  if (g.phone.size() > 20 || g.phone.find_first_not_of("+0123456789 -") != std::string::npos)
    return Validation("invalid_phone", "the phone number has digits only (up to 20)");
  auto host_id = identity::ParseIdNumber(g.host_id_number);
  if (!host_id.ok()) return Validation("invalid_id_number", "the host's ID number is not a valid resident ID number");
  g.host_id_number = host_id->number;
  g.host_name = Trim(g.host_name);
  if (g.host_name.empty() || HasControl(g.host_name) || Utf8Chars(g.host_name) > 60)
    return Validation("missing_name", "the host's name is required");
  auto arrived = ParseTime(g.arrived_at);
  if (!arrived.ok()) return Validation("invalid_time", "arrived_at is not a time: " + g.arrived_at);
  g.arrived_at = FormatTime(*arrived);
  if (g.departs_at) {
    auto departs = ParseTime(*g.departs_at);
    if (!departs.ok()) return Validation("invalid_time", "departs_at is not a time: " + *g.departs_at);
    if (*departs < *arrived) return Validation("departs_before_arrival", "departs_at is before arrived_at");
    g.departs_at = FormatTime(*departs);
  }
  auto registered = ParseTime(g.registered_at);
  if (!registered.ok()) return Validation("invalid_time", "registered_at is not a time: " + g.registered_at);
  g.registered_at = FormatTime(*registered);
  return Status::Ok();
}

namespace {
constexpr const char* kGuestColumns =
    "id, passport, name, nationality, phone, address_code, host_id_number, host_name, host_phone, arrived_at, "
    "departs_at, registered_at, source, created_by";
Guest GuestFromRow(const sql::Row& r) {
  Guest g;
  g.id = r.Int("id");
  g.passport = r.Text("passport");
  g.name = r.Text("name");
  g.nationality = r.Text("nationality");
  g.phone = r.Text("phone");
  g.address_code = r.Text("address_code");
  g.host_id_number = r.Text("host_id_number");
  g.host_name = r.Text("host_name");
  g.host_phone = r.Text("host_phone");
  g.arrived_at = r.Text("arrived_at");
  g.departs_at = r.OptText("departs_at");
  g.registered_at = r.Text("registered_at");
  g.source = r.Text("source");
  g.created_by = r.Text("created_by");
  return g;
}
}  // namespace

Result<Guest> Service::AddGuest(const auth::Actor& actor, Guest g) {
  auto fail = [&](Status s) {
    Audit(actor, "registry.guest.register", g.passport, "failed", s.code());
    return s;
  };
  if (Status s = ValidateGuest(g); !s.ok()) return fail(s);
  if (Status s = CheckCode(g.address_code); !s.ok()) return fail(s);
  auto ix = index();
  const Node* n = ix ? ix->Find(g.address_code) : nullptr;
  if (!n) return fail(NotFound("unknown_address", "no standard address " + g.address_code));
  if (n->level != Level::kRoom) return fail(Validation("not_a_room", "a guest stays in a room: give a room's code"));
  if (!n->active) return fail(Conflict("address_retired", "the address " + g.address_code + " is " + n->status));
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    auto dup = c.Query("SELECT id FROM reg_guests WHERE passport = ? AND address_code = ? AND arrived_at = ?",
                       {g.passport, g.address_code, g.arrived_at});
    if (!dup.ok()) return dup.status();
    if (!dup->empty()) return Conflict("already_registered", "this guest's arrival at this room is already registered");
    auto ins = c.Query("INSERT INTO reg_guests (passport, name, nationality, phone, address_code, host_id_number, "
                       "host_name, host_phone, arrived_at, departs_at, registered_at, source, created_by) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                       {g.passport, g.name, g.nationality, g.phone, g.address_code, g.host_id_number, g.host_name,
                        g.host_phone, g.arrived_at, g.departs_at ? sql::Value(*g.departs_at) : sql::Value(nullptr),
                        g.registered_at, g.source, g.created_by});
    if (!ins.ok()) return ins.status();
    g.id = (*ins)[0].Int("id");
    return Status::Ok();
  });
  if (!s.ok()) return fail(s);
  Audit(actor, "registry.guest.register", g.passport, "ok", g.address_code);
  return g;
}

Result<std::vector<Guest>> Service::Guests(const std::string& passport, const std::string& host_id, size_t limit) {
  std::string sql = std::string("SELECT ") + kGuestColumns + " FROM reg_guests";
  sql::Params params;
  if (!passport.empty()) {
    sql += " WHERE passport = ?";
    params.push_back(passport);
  } else if (!host_id.empty()) {
    sql += " WHERE host_id_number = ?";
    params.push_back(host_id);
  }
  sql += " ORDER BY arrived_at DESC, id DESC LIMIT " + std::to_string(limit);
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql, params));
  std::vector<Guest> out;
  for (const auto& r : rows) out.push_back(GuestFromRow(r));
  return out;
}

Status Service::ValidateResident(Resident& r) const {
  auto ref = identity::ParseEntityRef(r.person);
  if (!ref.ok() || (ref->kind != identity::Kind::kId && ref->kind != identity::Kind::kPassport))
    return Validation("invalid_reference", "person is an ID number (ID:…) or a passport (PASSPORT:NAT/NUMBER)");
  r.person = ref->ToString();
  r.name = Trim(r.name);
  if (r.name.empty() || HasControl(r.name) || Utf8Chars(r.name) > 60)
    return Validation("missing_name", "a resident needs a name (up to 60 characters)");
  if (!OneOf(kCategories, r.category))
    return Validation("unknown_category", "category is registered, floating or foreign");
  if (r.source.empty()) r.source = "community_verification";
  if (!OneOf(kSources, r.source))
    return Validation("unknown_source", "source is residents_registry, rental_registration or community_verification");
  if (r.relation.empty()) r.relation = "本人";
  JW_RETURN_IF_ERROR(CheckText(r.relation, "relation", kShortText));
  JW_ASSIGN_OR_RETURN(r.moved_in_at, NormTime(r.moved_in_at, "moved_in_at"));
  if (r.moved_out_at) {
    JW_ASSIGN_OR_RETURN(std::string o, NormTime(*r.moved_out_at, "moved_out_at"));
    if (*ParseTime(o) < *ParseTime(r.moved_in_at))
      return Validation("move_out_before_move_in", "moved_out_at is before moved_in_at");
    r.moved_out_at = o;
  }
  return Status::Ok();
}

Result<Node> Service::UpdateAddress(const auth::Actor& actor, const std::string& code, const AddressPatch& p) {
  JW_RETURN_IF_ERROR(CheckCode(code));
  auto ix = index();
  const Node* n = ix ? ix->Find(code) : nullptr;
  if (!n) return NotFound("unknown_address", "no standard address " + code);
  std::vector<std::string> changes;
  if (p.status) {
    if (*p.status != "active" && *p.status != "demolished" && *p.status != "merged")
      return Validation("invalid_value", "status is active, demolished or merged");
    if (*p.status == "merged") {
      if (!p.merged_into) return Validation("merged_into_required", "a merged address names the address it went into");
      const Node* into = ix->Find(*p.merged_into);
      if (!into) return NotFound("unknown_address", "no standard address " + *p.merged_into);
      if (into->level != n->level || *p.merged_into == code)
        return Validation("invalid_value", "an address merges into another address of the same level");
      if (!into->active) return Conflict("address_retired", "the address " + *p.merged_into + " is not in use");
    }
    if (*p.status != n->status) changes.push_back("status " + n->status + " -> " + *p.status);
  }
  if (p.name) {
    JW_RETURN_IF_ERROR(CheckText(*p.name, "name", kShortText));
    if (TrimUnicode(*p.name).empty()) return Validation("validation_failed", "name may not be empty");
    if (*p.name != n->name) changes.push_back("name " + n->name + " -> " + *p.name);
  }
  if (p.aliases) {
    if (n->level > Level::kCompound)
      return Validation("invalid_value", "aliases name districts, streets, communities and compounds");
    for (const auto& a : *p.aliases) {
      JW_RETURN_IF_ERROR(CheckText(a, "aliases", 40));
      if (TrimUnicode(a).empty()) return Validation("validation_failed", "an alias may not be empty");
    }
    changes.push_back("aliases [" + JoinList(n->aliases) + "] -> [" + JoinList(*p.aliases) + "]");
  }
  if (changes.empty()) return *n;
  std::string now = FormatTime(clock_->Now());
  std::string change;
  for (const auto& c : changes) change += (change.empty() ? "" : "; ") + c;
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
    if (p.status) {
      auto r = c.Exec("UPDATE reg_addresses SET status = ?, merged_into = ?, updated_at = ? WHERE code = ?",
                      {*p.status, *p.status == "merged" ? *p.merged_into : std::string(), now, code});
      if (!r.ok()) return r.status();
    }
    if (p.name) {
      auto r = c.Exec("UPDATE reg_addresses SET name = ?, updated_at = ? WHERE code = ?",
                      {Trim(*p.name), now, code});
      if (!r.ok()) return r.status();
    }
    if (p.aliases) {
      auto r = c.Exec("DELETE FROM reg_address_aliases WHERE code = ?", {code});
      if (!r.ok()) return r.status();
      std::set<std::string> seen;
      for (const auto& a : *p.aliases) {
        std::string t = Trim(a);
        if (!seen.insert(t).second) continue;
        auto ins = c.Exec("INSERT INTO reg_address_aliases (code, alias) VALUES (?, ?)", {code, t});
        if (!ins.ok()) return ins.status();
      }
    }
    auto h = c.Exec("INSERT INTO reg_address_history (code, at, actor, change) VALUES (?, ?, ?, ?)",
                    {code, now, actor.username, change});
    return h.ok() ? Status::Ok() : h.status();
  }));
  Audit(actor, "registry.address.update", code, "ok", change);
  JW_RETURN_IF_ERROR(Load());
  return *index()->Find(code);
}

Result<std::vector<HistoryEntry>> Service::History(const std::string& code) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows,
                      db_->Query("SELECT at, actor, change FROM reg_address_history WHERE code = ? ORDER BY id", {code}));
  std::vector<HistoryEntry> out;
  for (const auto& r : rows) out.push_back({r.Text("at"), r.Text("actor"), r.Text("change")});
  return out;
}

Result<std::pair<std::vector<Organisation>, int64_t>> Service::Organisations(const OrgFilter& f) {
  std::string where = " WHERE 1=1";
  sql::Params params;
  if (!f.q.empty()) {
    std::string like = "%";
    for (char c : f.q) {
      if (c == '%' || c == '_' || c == '\\') like += '\\';
      like += c;
    }
    like += "%";
    where += " AND (name LIKE ? ESCAPE '\\' OR credit_code LIKE ? ESCAPE '\\')";
    params.push_back(like);
    params.push_back(like);
  }
  if (!f.address.empty()) {
    JW_RETURN_IF_ERROR(CheckCode(f.address));
    where += " AND address_code LIKE ?";
    params.push_back(f.address + "%");
  }
  if (!f.key_unit.empty()) {
    if (!OneOf(kKeyUnits, f.key_unit))
      return Validation("invalid_value", "key_unit is hotel, netcafe, school, hospital, finance or dutyfree");
    where += " AND (',' || key_units || ',') LIKE ?";
    params.push_back("%," + f.key_unit + ",%");
  }
  JW_ASSIGN_OR_RETURN(sql::Rows count, db_->Query("SELECT COUNT(*) AS n FROM reg_organisations" + where, params));
  int64_t total = count.empty() ? 0 : count[0].Int("n");
  int size = std::clamp(f.page_size, 1, 200);
  int page = std::max(1, f.page);
  params.push_back(static_cast<int64_t>(size));
  params.push_back(static_cast<int64_t>((page - 1) * size));
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kOrgColumns + " FROM reg_organisations" +
                                                     where + " ORDER BY name, credit_code LIMIT ? OFFSET ?",
                                                 params));
  std::vector<Organisation> items;
  for (const auto& r : rows) items.push_back(OrgFromRow(r));
  return std::make_pair(std::move(items), total);
}

Result<std::vector<Organisation>> Service::OrganisationsAt(const std::string& prefix, size_t limit) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kOrgColumns +
                                                     " FROM reg_organisations WHERE address_code LIKE ? "
                                                     "ORDER BY name LIMIT ?",
                                                 {prefix + "%", static_cast<int64_t>(limit)}));
  std::vector<Organisation> out;
  for (const auto& r : rows) out.push_back(OrgFromRow(r));
  return out;
}

Result<Organisation> Service::GetOrganisation(const std::string& credit_code) {
  JW_ASSIGN_OR_RETURN(std::string cc, identity::ParseCreditCode(credit_code));
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kOrgColumns +
                                                     " FROM reg_organisations WHERE credit_code = ?",
                                                 {cc}));
  if (rows.empty()) return NotFound("unknown_organisation", "no organisation with this credit code");
  return OrgFromRow(rows[0]);
}

Result<Organisation> Service::CreateOrganisation(const auth::Actor& actor, Organisation o) {
  auto fail = [&](Status s) {
    Audit(actor, "registry.organisation.create", o.credit_code, "failed", s.code());
    return s;
  };
  auto cc = identity::ParseCreditCode(o.credit_code);
  if (!cc.ok()) return fail(cc.status());
  o.credit_code = *cc;
  o.name = Trim(o.name);
  if (o.name.empty()) return fail(Validation("validation_failed", "name is required"));
  for (auto* f : {&o.name, &o.type, &o.legal_rep})
    if (Status s = CheckText(*f, "name", kShortText); !s.ok()) return fail(s);
  for (const auto& k : o.key_units)
    if (!OneOf(kKeyUnits, k))
      return fail(Validation("invalid_value", "key_units are hotel, netcafe, school, hospital, finance, dutyfree"));
  if (o.employees < 0) return fail(Validation("invalid_value", "employees may not be negative"));
  if (Status s = CheckCode(o.address_code); !s.ok()) return fail(s);
  auto ix = index();
  const Node* n = ix ? ix->Find(o.address_code) : nullptr;
  if (!n) return fail(NotFound("unknown_address", "no standard address " + o.address_code));
  if (!n->active) return fail(Conflict("address_retired", "the address " + o.address_code + " is " + n->status));
  o.created_at = o.updated_at = FormatTime(clock_->Now());
  auto r = db_->Exec(std::string("INSERT INTO reg_organisations (") + kOrgColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?)",
                     {o.credit_code, o.name, o.type, o.legal_rep, o.address_code, JoinList(o.key_units), o.place_code,
                      o.employees, o.created_at, o.updated_at});
  if (!r.ok()) {
    if (r.status().code() == "unique_violation")
      return fail(Conflict("credit_code_taken", "an organisation with this credit code is registered"));
    return r.status();
  }
  Audit(actor, "registry.organisation.create", o.credit_code, "ok", o.name);
  return o;
}

Result<std::vector<Resident>> Service::Residents(const std::string& prefix, bool all) {
  JW_RETURN_IF_ERROR(CheckCode(prefix));
  std::string sql = std::string("SELECT ") + kResidentColumns + " FROM reg_residents WHERE address_code LIKE ?";
  if (!all) sql += " AND moved_out_at IS NULL";
  sql += " ORDER BY address_code, id LIMIT 5000";
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql, {prefix + "%"}));
  std::vector<Resident> out;
  for (const auto& r : rows) out.push_back(ResidentFromRow(r));
  return out;
}

Result<std::vector<Resident>> Service::ResidencesOf(const std::string& person) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kResidentColumns +
                                                     " FROM reg_residents WHERE person = ? ORDER BY moved_in_at DESC, id",
                                                 {person}));
  std::vector<Resident> out;
  for (const auto& r : rows) out.push_back(ResidentFromRow(r));
  return out;
}

Result<Resident> Service::MoveIn(const auth::Actor& actor, Resident r) {
  auto fail = [&](Status s) {
    Audit(actor, "registry.resident.move_in", r.address_code, "failed", s.code());
    return s;
  };
  if (Status s = ValidateResident(r); !s.ok()) return fail(s);
  if (Status s = CheckCode(r.address_code); !s.ok()) return fail(s);
  auto ix = index();
  const Node* n = ix ? ix->Find(r.address_code) : nullptr;
  if (!n) return fail(NotFound("unknown_address", "no standard address " + r.address_code));
  if (n->level != Level::kRoom) return fail(Validation("not_a_room", "people live in rooms: give a room's code"));
  if (!n->active) return fail(Conflict("address_retired", "the address " + r.address_code + " is " + n->status));
  std::string now = FormatTime(clock_->Now());
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    auto open = c.Query("SELECT id FROM reg_residents WHERE person = ? AND address_code = ? AND moved_out_at IS NULL",
                        {r.person, r.address_code});
    if (!open.ok()) return open.status();
    if (!open->empty()) return Conflict("already_resident", "this person already lives in this room");
    auto ins = c.Query("INSERT INTO reg_residents (person, name, category, relation, source, address_code, "
                       "moved_in_at, moved_out_at, created_at) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
                       {r.person, r.name, r.category, r.relation, r.source, r.address_code, r.moved_in_at,
                        r.moved_out_at ? sql::Value(*r.moved_out_at) : sql::Value(nullptr), now});
    if (!ins.ok()) return ins.status();
    r.id = (*ins)[0].Int("id");
    return Status::Ok();
  });
  if (!s.ok()) return fail(s);
  Audit(actor, "registry.resident.move_in", r.address_code, "ok", r.person);
  return r;
}

Result<Resident> Service::MoveOut(const auth::Actor& actor, int64_t id, const std::string& at) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kResidentColumns +
                                                     " FROM reg_residents WHERE id = ?",
                                                 {id}));
  if (rows.empty()) return NotFound("unknown_resident", "no residence " + std::to_string(id));
  Resident r = ResidentFromRow(rows[0]);
  auto fail = [&](Status s) {
    Audit(actor, "registry.resident.move_out", r.address_code, "failed", s.code());
    return s;
  };
  if (r.moved_out_at) return fail(Conflict("already_moved_out", "this residence ended at " + *r.moved_out_at));
  auto t = NormTime(at, "moved_out_at");
  if (!t.ok()) return fail(t.status());
  if (*ParseTime(*t) < *ParseTime(r.moved_in_at))
    return fail(Validation("move_out_before_move_in", "moved_out_at is before moved_in_at (" + r.moved_in_at + ")"));
  auto u = db_->Exec("UPDATE reg_residents SET moved_out_at = ? WHERE id = ? AND moved_out_at IS NULL", {*t, id});
  if (!u.ok()) return u.status();
  if (*u == 0) return fail(Conflict("already_moved_out", "this residence has ended"));
  r.moved_out_at = *t;
  Audit(actor, "registry.resident.move_out", r.address_code, "ok", r.person);
  return r;
}

Result<Stats> Service::GetStats() {
  Stats s;
  JW_ASSIGN_OR_RETURN(sql::Rows lv, db_->Query("SELECT level, COUNT(*) AS n FROM reg_addresses GROUP BY level"));
  for (const auto& r : lv) s.levels[r.Text("level")] = r.Int("n");
  JW_ASSIGN_OR_RETURN(sql::Rows og, db_->Query("SELECT substr(address_code, 1, 6) AS d, COUNT(*) AS n "
                                               "FROM reg_organisations GROUP BY substr(address_code, 1, 6)"));
  std::map<std::string, int64_t> org_by_d, res_by_d, rooms_by_d;
  for (const auto& r : og) {
    org_by_d[r.Text("d")] = r.Int("n");
    s.organisations += r.Int("n");
  }
  JW_ASSIGN_OR_RETURN(sql::Rows rs, db_->Query("SELECT substr(address_code, 1, 6) AS d, category, COUNT(*) AS n "
                                               "FROM reg_residents WHERE moved_out_at IS NULL "
                                               "GROUP BY substr(address_code, 1, 6), category"));
  for (const auto& r : rs) {
    res_by_d[r.Text("d")] += r.Int("n");
    s.residents[r.Text("category")] += r.Int("n");
  }
  for (const char* c : kCategories) s.residents.emplace(c, 0);
  auto ix = index();
  if (ix)
    for (const Node* d : ix->Children(""))
      s.districts.push_back({d->code, d->name, d->rooms_below, res_by_d[d->code], org_by_d[d->code]});
  return s;
}

// ---- the registry clock, housing, rentals, verification, completeness ----

void Service::SetAsOf(const std::string& as_of) {
  auto t = ParseTime(as_of);
  if (t.ok()) as_of_offset_ = t->micros - clock_->Now().micros;
}

Timestamp Service::Now() const { return clock_->Now() + as_of_offset_; }

namespace {

constexpr const char* kHousingColumns =
    "address_code, use, owner_id_number, owner_name, source, updated_at, updated_by, verified_at";
constexpr const char* kRentalColumns =
    "id, address_code, tenant, tenant_name, landlord_id_number, landlord_name, start_date, end_date, registered_at, "
    "source, created_by, verified_at";
constexpr const char* kTaskColumns =
    "id, community_code, kind, address_code, subject, detail, created_at, status, result, note, verified_by, "
    "verified_at";

Housing HousingFromRow(const sql::Row& r) {
  return {r.Text("address_code"), r.Text("use"),        r.Text("owner_id_number"), r.Text("owner_name"),
          r.Text("source"),       r.Text("updated_at"), r.Text("updated_by"),      r.OptText("verified_at")};
}

Rental RentalFromRow(const sql::Row& r) {
  Rental x;
  x.id = r.Int("id");
  x.address_code = r.Text("address_code");
  x.tenant = r.Text("tenant");
  x.tenant_name = r.Text("tenant_name");
  x.landlord_id_number = r.Text("landlord_id_number");
  x.landlord_name = r.Text("landlord_name");
  x.start_date = r.Text("start_date");
  x.end_date = r.OptText("end_date");
  x.registered_at = r.Text("registered_at");
  x.source = r.Text("source");
  x.created_by = r.Text("created_by");
  x.verified_at = r.OptText("verified_at");
  return x;
}

Task TaskFromRow(const sql::Row& r) {
  Task t;
  t.id = r.Int("id");
  t.community_code = r.Text("community_code");
  t.kind = r.Text("kind");
  t.address_code = r.Text("address_code");
  t.subject = r.Text("subject");
  t.detail = r.Text("detail");
  t.created_at = r.Text("created_at");
  t.status = r.Text("status");
  t.result = r.Text("result");
  t.note = r.Text("note");
  t.verified_by = r.Text("verified_by");
  t.verified_at = r.OptText("verified_at");
  return t;
}

// A date as stored (YYYY-MM-DD), from a date or a time.
Result<std::string> NormDate(const std::string& text, const char* field) {
  auto t = ParseTime(text);
  if (!t.ok()) return Validation("invalid_time", std::string(field) + " is not a date (YYYY-MM-DD)");
  return FormatTime(*t).substr(0, 10);
}

bool Overlaps(const std::string& a_start, const std::optional<std::string>& a_end, const std::string& b_start,
              const std::optional<std::string>& b_end) {
  // Dates compare as text; an open end is forever. A rental ending on a day
  // and another starting that day do not overlap.
  bool a_before_b_ends = !b_end || a_start < *b_end;
  bool b_before_a_ends = !a_end || b_start < *a_end;
  return a_before_b_ends && b_before_a_ends;
}

std::string Json(std::initializer_list<std::pair<const char*, std::string>> kv) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : kv) j[k] = v;
  return j.dump();
}

}  // namespace

Result<Housing> Service::GetHousing(const std::string& code) {
  JW_RETURN_IF_ERROR(CheckCode(code));
  auto ix = index();
  const Node* n = ix ? ix->Find(code) : nullptr;
  if (!n) return NotFound("unknown_address", "no standard address " + code);
  if (n->level != Level::kRoom) return Validation("not_a_room", "housing is kept per room: give a room's code");
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kHousingColumns +
                                                     " FROM reg_housing WHERE address_code = ?",
                                                 {code}));
  if (rows.empty()) {
    Housing h;
    h.address_code = code;
    return h;
  }
  return HousingFromRow(rows[0]);
}

Result<std::vector<Service::RoomHousing>> Service::HousingUnder(const std::string& prefix) {
  JW_RETURN_IF_ERROR(CheckCode(prefix));
  auto ix = index();
  if (!ix) return Unavailable("registry_unavailable", "the address registry is not loaded");
  if (!ix->Find(prefix)) return NotFound("unknown_address", "no standard address " + prefix);
  std::string like = prefix + "%";
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kHousingColumns +
                                                     " FROM reg_housing WHERE address_code LIKE ?",
                                                 {like}));
  std::map<std::string, Housing> by_code;
  for (const auto& r : rows) {
    Housing h = HousingFromRow(r);
    by_code[h.address_code] = h;
  }
  JW_ASSIGN_OR_RETURN(sql::Rows counts, db_->Query("SELECT address_code, COUNT(*) AS n FROM reg_residents WHERE "
                                                   "moved_out_at IS NULL AND address_code LIKE ? GROUP BY address_code",
                                                   {like}));
  std::map<std::string, int64_t> occupants;
  for (const auto& r : counts) occupants[r.Text("address_code")] = r.Int("n");
  std::vector<RoomHousing> out;
  for (const Node* n : ix->Descendants(prefix, Level::kRoom, 10000)) {
    RoomHousing x;
    auto it = by_code.find(n->code);
    if (it != by_code.end()) x.housing = it->second;
    x.housing.address_code = n->code;
    x.occupants = occupants.count(n->code) ? occupants[n->code] : 0;
    x.group_rental = x.housing.use == "rented" && x.occupants >= kGroupRentalOccupants;
    out.push_back(std::move(x));
  }
  return out;
}

Result<Housing> Service::SetHousing(const auth::Actor& actor, Housing h) {
  auto fail = [&](Status s) {
    Audit(actor, "registry.housing.update", h.address_code, "failed", s.code());
    return s;
  };
  JW_ASSIGN_OR_RETURN(Housing old, GetHousing(h.address_code));
  auto ix = index();
  if (!ix->Find(h.address_code)->active)
    return fail(Conflict("address_retired", "the address " + h.address_code + " is not in use"));
  if (!OneOf(kUses, h.use)) return fail(Validation("unknown_use", "use is self_occupied, rented, commercial, vacant or unknown"));
  if (!h.owner_id_number.empty()) {
    auto id = identity::ParseIdNumber(h.owner_id_number);
    if (!id.ok()) return fail(Validation("invalid_id_number", "the owner's ID number is not valid"));
    h.owner_id_number = id->number;
  }
  h.owner_name = Trim(h.owner_name);
  if (HasControl(h.owner_name) || Utf8Chars(h.owner_name) > 60)
    return fail(Validation("validation_failed", "the owner's name is up to 60 characters"));
  if (h.source.empty()) h.source = "officer";
  h.updated_at = FormatTime(Now());
  h.updated_by = actor.username;
  h.verified_at = old.verified_at;
  if (h.source == "community_verification") h.verified_at = h.updated_at;
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    JW_RETURN_IF_ERROR(c.Exec("DELETE FROM reg_housing WHERE address_code = ?", {h.address_code}).status());
    return c.Exec(std::string("INSERT INTO reg_housing (") + kHousingColumns + ") VALUES (?,?,?,?,?,?,?,?)",
                  {h.address_code, h.use, h.owner_id_number, h.owner_name, h.source, h.updated_at, h.updated_by,
                   h.verified_at ? sql::Value(*h.verified_at) : sql::Value(nullptr)})
        .status();
  });
  if (!s.ok()) return fail(s);
  Audit(actor, "registry.housing.update", h.address_code, "ok", old.use + " -> " + h.use);
  return h;
}

Status Service::ValidateRental(Rental& r) const {
  auto ref = identity::ParseEntityRef(r.tenant);
  if (!ref.ok() || (ref->kind != identity::Kind::kId && ref->kind != identity::Kind::kPassport))
    return Validation("invalid_reference", "the tenant is an ID number (ID:…) or a passport (PASSPORT:NAT/NUMBER)");
  r.tenant = ref->ToString();
  r.tenant_name = Trim(r.tenant_name);
  if (r.tenant_name.empty() || HasControl(r.tenant_name) || Utf8Chars(r.tenant_name) > 100)
    return Validation("missing_name", "the tenant's name is required");
  auto landlord = identity::ParseIdNumber(r.landlord_id_number);
  if (!landlord.ok()) return Validation("invalid_id_number", "the landlord's ID number is not valid");
  r.landlord_id_number = landlord->number;
  r.landlord_name = Trim(r.landlord_name);
  if (r.landlord_name.empty() || HasControl(r.landlord_name) || Utf8Chars(r.landlord_name) > 60)
    return Validation("missing_name", "the landlord's name is required");
  JW_ASSIGN_OR_RETURN(r.start_date, NormDate(r.start_date, "start_date"));
  if (r.end_date) {
    JW_ASSIGN_OR_RETURN(std::string end, NormDate(*r.end_date, "end_date"));
    if (end < r.start_date) return Validation("end_before_start", "the rental ends before it starts");
    r.end_date = end;
  }
  if (r.registered_at.empty()) return Validation("invalid_time", "registered_at is required");
  JW_ASSIGN_OR_RETURN(r.registered_at, NormTime(r.registered_at, "registered_at"));
  return Status::Ok();
}

Result<std::vector<Rental>> Service::Rentals(const std::string& prefix, const std::string& tenant, bool all) {
  std::string sql = std::string("SELECT ") + kRentalColumns + " FROM reg_rentals WHERE ";
  sql::Params params;
  if (!tenant.empty()) {
    sql += "tenant = ?";
    params.push_back(tenant);
  } else {
    JW_RETURN_IF_ERROR(CheckCode(prefix));
    sql += "address_code LIKE ?";
    params.push_back(prefix + "%");
  }
  if (!all) {
    sql += " AND (end_date IS NULL OR end_date >= ?)";
    params.push_back(FormatTime(Now()).substr(0, 10));
  }
  sql += " ORDER BY address_code, start_date, id LIMIT 5000";
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql, params));
  std::vector<Rental> out;
  for (const auto& r : rows) out.push_back(RentalFromRow(r));
  return out;
}

Result<Rental> Service::AddRental(const auth::Actor& actor, Rental r) {
  auto fail = [&](Status s) {
    Audit(actor, "registry.rental.register", r.address_code, "failed", s.code());
    return s;
  };
  r.registered_at = FormatTime(Now());
  if (Status s = ValidateRental(r); !s.ok()) return fail(s);
  if (Status s = CheckCode(r.address_code); !s.ok()) return fail(s);
  auto ix = index();
  const Node* n = ix ? ix->Find(r.address_code) : nullptr;
  if (!n) return fail(NotFound("unknown_address", "no standard address " + r.address_code));
  if (n->level != Level::kRoom) return fail(Validation("not_a_room", "a rental is of a room: give a room's code"));
  if (!n->active) return fail(Conflict("address_retired", "the address " + r.address_code + " is " + n->status));
  if (r.source.empty()) r.source = "officer";
  r.created_by = actor.username;
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    auto same = c.Query(std::string("SELECT ") + kRentalColumns + " FROM reg_rentals WHERE tenant = ? AND address_code = ?",
                        {r.tenant, r.address_code});
    if (!same.ok()) return same.status();
    for (const auto& row : *same) {
      Rental o = RentalFromRow(row);
      if (Overlaps(r.start_date, r.end_date, o.start_date, o.end_date))
        return Conflict("rental_overlap", "this tenant already rents this room from " + o.start_date +
                                              (o.end_date ? " to " + *o.end_date : std::string(" (open)")));
    }
    auto ins = c.Query("INSERT INTO reg_rentals (address_code, tenant, tenant_name, landlord_id_number, landlord_name, "
                       "start_date, end_date, registered_at, source, created_by) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id",
                       {r.address_code, r.tenant, r.tenant_name, r.landlord_id_number, r.landlord_name, r.start_date,
                        r.end_date ? sql::Value(*r.end_date) : sql::Value(nullptr), r.registered_at, r.source,
                        r.created_by});
    if (!ins.ok()) return ins.status();
    r.id = (*ins)[0].Int("id");
    return Status::Ok();
  });
  if (!s.ok()) return fail(s);
  Audit(actor, "registry.rental.register", r.address_code, "ok", r.tenant);
  return r;
}

Result<Rental> Service::EndRental(const auth::Actor& actor, int64_t id, const std::string& end_date) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kRentalColumns + " FROM reg_rentals WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("unknown_rental", "no rental " + std::to_string(id));
  Rental r = RentalFromRow(rows[0]);
  auto fail = [&](Status s) {
    Audit(actor, "registry.rental.end", r.address_code, "failed", s.code());
    return s;
  };
  if (r.end_date) return fail(Conflict("rental_ended", "this rental ended on " + *r.end_date));
  auto end = NormDate(end_date, "end_date");
  if (!end.ok()) return fail(end.status());
  if (*end < r.start_date) return fail(Validation("end_before_start", "the rental ends before it starts"));
  JW_RETURN_IF_ERROR(db_->Exec("UPDATE reg_rentals SET end_date = ? WHERE id = ?", {*end, id}).status());
  r.end_date = *end;
  Audit(actor, "registry.rental.end", r.address_code, "ok", r.tenant);
  return r;
}

Result<std::vector<std::pair<std::string, int64_t>>> Service::GroupRentals(const std::string& prefix) {
  if (!prefix.empty()) JW_RETURN_IF_ERROR(CheckCode(prefix));
  JW_ASSIGN_OR_RETURN(sql::Rows rows,
                      db_->Query("SELECT r.address_code AS code, COUNT(*) AS n FROM reg_residents r "
                                 "JOIN reg_housing h ON h.address_code = r.address_code "
                                 "WHERE r.moved_out_at IS NULL AND h.use = 'rented' AND r.address_code LIKE ? "
                                 "GROUP BY r.address_code HAVING COUNT(*) >= ? ORDER BY r.address_code",
                                 {prefix + "%", kGroupRentalOccupants}));
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& r : rows) out.push_back({r.Text("code"), r.Int("n")});
  return out;
}

Result<std::map<std::string, int64_t>> Service::GenerateTasks(const auth::Actor& actor, const std::string& prefix,
                                                             int64_t stale_per_community) {
  if (!prefix.empty()) JW_RETURN_IF_ERROR(CheckCode(prefix));
  std::string like = prefix + "%";
  Timestamp now = Now();
  std::string now_s = FormatTime(now), today = now_s.substr(0, 10);
  std::string month_ago = FormatTime(now + (-30 * 86400 * kMicrosPerSecond));
  std::string stale_before = FormatTime(now + (-kStaleDays * 86400 * kMicrosPerSecond));
  struct New {
    std::string kind, address, subject, detail;
  };
  std::vector<New> want;
  // New rentals not verified yet (registered in the last 30 days).
  JW_ASSIGN_OR_RETURN(sql::Rows fresh, db_->Query(std::string("SELECT ") + kRentalColumns +
                                                      " FROM reg_rentals WHERE verified_at IS NULL AND registered_at >= ? "
                                                      "AND address_code LIKE ? AND (end_date IS NULL OR end_date >= ?)",
                                                  {month_ago, like, today}));
  for (const auto& row : fresh) {
    Rental r = RentalFromRow(row);
    want.push_back({"new_rental", r.address_code, "rental:" + std::to_string(r.id),
                    Json({{"tenant", r.tenant}, {"tenant_name", r.tenant_name}, {"start_date", r.start_date}})});
  }
  // Rentals that ended while the tenant is still listed in the room.
  JW_ASSIGN_OR_RETURN(sql::Rows ended,
                      db_->Query("SELECT r.id AS rid, r.tenant_name AS tenant_name, r.end_date AS end_date, "
                                 "p.id AS pid, p.address_code AS address_code, p.person AS person FROM reg_rentals r "
                                 "JOIN reg_residents p ON p.person = r.tenant AND p.address_code = r.address_code "
                                 "WHERE r.end_date IS NOT NULL AND r.end_date < ? AND p.moved_out_at IS NULL "
                                 "AND r.address_code LIKE ?",
                                 {today, like}));
  for (const auto& row : ended)
    want.push_back({"moved_out_unconfirmed", row.Text("address_code"), "resident:" + std::to_string(row.Int("pid")),
                    Json({{"person", row.Text("person")}, {"name", row.Text("tenant_name")},
                          {"rental_ended", row.Text("end_date")}})});
  // Floating and foreign occupants without a current rental registration.
  JW_ASSIGN_OR_RETURN(sql::Rows unreg,
                      db_->Query("SELECT p.id AS pid, p.person AS person, p.name AS name, p.address_code AS address_code, "
                                 "p.category AS category FROM reg_residents p WHERE p.moved_out_at IS NULL "
                                 "AND p.category <> 'registered' AND p.address_code LIKE ? AND NOT EXISTS (SELECT 1 FROM "
                                 "reg_housing h WHERE h.address_code = p.address_code AND h.use = 'self_occupied') "
                                 "AND NOT EXISTS (SELECT 1 FROM "
                                 "reg_rentals r WHERE r.tenant = p.person AND r.address_code = p.address_code AND "
                                 "(r.end_date IS NULL OR r.end_date >= ?))",
                                 {like, today}));
  for (const auto& row : unreg)
    want.push_back({"unregistered_occupants", row.Text("address_code"), "resident:" + std::to_string(row.Int("pid")),
                    Json({{"person", row.Text("person")}, {"name", row.Text("name")}, {"category", row.Text("category")}})});
  // Stale records: the oldest few per community.
  JW_ASSIGN_OR_RETURN(sql::Rows stale,
                      db_->Query("SELECT id, person, name, address_code, moved_in_at, verified_at FROM reg_residents "
                                 "WHERE moved_out_at IS NULL AND address_code LIKE ? AND "
                                 "COALESCE(verified_at, moved_in_at) < ? ORDER BY COALESCE(verified_at, moved_in_at), id",
                                 {like, stale_before}));
  std::map<std::string, int64_t> per_community;
  for (const auto& row : stale) {
    std::string code = row.Text("address_code");
    if (per_community[code.substr(0, 12)]++ >= stale_per_community) continue;
    want.push_back({"stale_record", code, "resident:" + std::to_string(row.Int("id")),
                    Json({{"person", row.Text("person")}, {"name", row.Text("name")},
                          {"last_checked", row.OptText("verified_at").value_or(row.Text("moved_in_at"))}})});
  }
  std::map<std::string, int64_t> made;
  for (const char* k : kTaskKinds) made[k] = 0;
  JW_ASSIGN_OR_RETURN(sql::Rows open, db_->Query("SELECT kind, subject FROM reg_tasks WHERE status = 'open'"));
  std::set<std::pair<std::string, std::string>> have;
  for (const auto& r : open) have.insert({r.Text("kind"), r.Text("subject")});
  std::vector<sql::Params> ins;
  for (const auto& w : want) {
    if (!have.insert({w.kind, w.subject}).second) continue;
    ins.push_back({w.address.substr(0, 12), w.kind, w.address, w.subject, w.detail, now_s, "open", "", "", ""});
    ++made[w.kind];
  }
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
    return InsertChunked(c,
                         "INSERT INTO reg_tasks (community_code, kind, address_code, subject, detail, created_at, status, "
                         "result, note, verified_by)",
                         10, ins);
  }));
  Audit(actor, "registry.tasks.generate", prefix.empty() ? "all" : prefix, "ok", std::to_string(ins.size()) + " tasks");
  return made;
}

Result<std::pair<std::vector<Task>, int64_t>> Service::Tasks(const std::string& prefix, const std::string& status,
                                                            const std::string& kind, int page, int page_size,
                                                            std::map<std::string, int64_t>* by_kind) {
  if (!prefix.empty()) JW_RETURN_IF_ERROR(CheckCode(prefix));
  if (!kind.empty() && !OneOf(kTaskKinds, kind))
    return Validation("invalid_value", "kind is new_rental, moved_out_unconfirmed, unregistered_occupants, stale_record, "
                                       "regular_visitor or care_visit");
  std::string where = " FROM reg_tasks WHERE address_code LIKE ?";
  sql::Params params{prefix + "%"};
  if (!status.empty()) {
    where += " AND status = ?";
    params.push_back(status);
  }
  if (by_kind) {
    JW_ASSIGN_OR_RETURN(sql::Rows kinds, db_->Query("SELECT kind, COUNT(*) AS n" + where + " GROUP BY kind", params));
    for (const char* k : kTaskKinds) (*by_kind)[k] = 0;
    for (const auto& r : kinds) (*by_kind)[r.Text("kind")] = r.Int("n");
  }
  if (!kind.empty()) {
    where += " AND kind = ?";
    params.push_back(kind);
  }
  JW_ASSIGN_OR_RETURN(sql::Rows count, db_->Query("SELECT COUNT(*) AS n" + where, params));
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kTaskColumns + where +
                                                     " ORDER BY address_code, id LIMIT " + std::to_string(page_size) +
                                                     " OFFSET " + std::to_string((page - 1) * page_size),
                                                 params));
  std::vector<Task> out;
  for (const auto& r : rows) out.push_back(TaskFromRow(r));
  return std::make_pair(out, count.empty() ? 0 : count[0].Int("n"));
}

Result<int64_t> Service::AddTask(const auth::Actor& actor, const std::string& kind, const std::string& address_code,
                                const std::string& subject, const std::string& detail) {
  if (kind != "regular_visitor" && kind != "care_visit" && kind != "tip_check")
    return Validation("invalid_value", "tasks from rules are regular_visitor, care_visit or tip_check");
  if (address_code.size() < 12) return Validation("invalid_address", "a task needs an address in a community");
  JW_ASSIGN_OR_RETURN(sql::Rows have, db_->Query("SELECT id FROM reg_tasks WHERE kind = ? AND subject = ? AND status = 'open'",
                                                 {kind, subject}));
  if (!have.empty()) return have[0].Int("id");
  JW_ASSIGN_OR_RETURN(sql::Rows ins,
                      db_->Query("INSERT INTO reg_tasks (community_code, kind, address_code, subject, detail, created_at, "
                                 "status, result, note, verified_by) VALUES (?,?,?,?,?,?,'open','','','') RETURNING id",
                                 {address_code.substr(0, 12), kind, address_code, subject, detail, FormatTime(Now())}));
  Audit(actor, "registry.task.add", address_code, "ok", kind);
  return ins[0].Int("id");
}

Result<Task> Service::GetTask(int64_t id) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kTaskColumns + " FROM reg_tasks WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("unknown_task", "no verification task " + std::to_string(id));
  return TaskFromRow(rows[0]);
}

std::vector<std::string> Service::CommunitiesOf(const std::string& police_number) const {
  std::vector<std::string> out;
  std::lock_guard lock(officers_mu_);
  for (const auto& [code, o] : officers_)
    if (o.police_number == police_number) out.push_back(code);
  return out;
}

Result<Task> Service::VerifyTask(const auth::Actor& actor, int64_t id, const std::string& result, const std::string& note_in) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(std::string("SELECT ") + kTaskColumns + " FROM reg_tasks WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("unknown_task", "no verification task " + std::to_string(id));
  Task t = TaskFromRow(rows[0]);
  auto fail = [&](Status s) {
    Audit(actor, "registry.task.verify", t.address_code, "failed", s.code());
    return s;
  };
  if (t.status != "open") return fail(Conflict("task_closed", "this task was verified by " + t.verified_by));
  std::string note = Trim(note_in);
  if (HasControl(note) || Utf8Chars(note) > 500) return fail(Validation("validation_failed", "the note is up to 500 characters"));
  // The results each kind accepts.
  static const std::map<std::string, std::set<std::string>> kResults = {
      {"new_rental", {"confirmed", "not_found"}},
      {"moved_out_unconfirmed", {"moved_out", "still_living"}},
      {"unregistered_occupants", {"registered", "moved_out"}},
      {"stale_record", {"confirmed", "moved_out"}},
      {"regular_visitor", {"registered_elsewhere", "visitor", "moved_in", "not_found"}},
      {"care_visit", {"visited_well", "referred", "not_reached", "moved_out"}},
      {"tip_check", {"confirmed", "not_found", "referred"}}};
  auto ok = kResults.find(t.kind);
  if (ok == kResults.end() || !ok->second.count(result)) {
    std::string list;
    if (ok != kResults.end())
      for (const auto& r : ok->second) list += (list.empty() ? "" : ", ") + r;
    return fail(Validation("invalid_result", "a " + t.kind + " task's result is one of: " + list));
  }
  std::string now = FormatTime(Now()), today = now.substr(0, 10);
  int64_t subject = std::atoll(t.subject.substr(t.subject.find(':') + 1).c_str());
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    if (t.kind == "regular_visitor" || t.kind == "care_visit" || t.kind == "tip_check") {
      // What the officer found is the record; the registry changes through its own forms.
      return c.Exec("UPDATE reg_tasks SET status = 'done', result = ?, note = ?, verified_by = ?, verified_at = ? "
                    "WHERE id = ?",
                    {result, note, actor.username, now, id})
          .status();
    }
    if (t.kind == "new_rental") {
      if (result == "confirmed")
        JW_RETURN_IF_ERROR(c.Exec("UPDATE reg_rentals SET verified_at = ? WHERE id = ?", {now, subject}).status());
      else
        JW_RETURN_IF_ERROR(c.Exec("UPDATE reg_rentals SET end_date = ?, verified_at = ? WHERE id = ? AND end_date IS NULL",
                                  {today, now, subject})
                               .status());
    } else if (result == "moved_out") {
      JW_RETURN_IF_ERROR(c.Exec("UPDATE reg_residents SET moved_out_at = ?, verified_at = ? WHERE id = ? AND "
                                "moved_out_at IS NULL",
                                {now, now, subject})
                             .status());
    } else if (result == "registered") {
      // The officer registers the rental found at the door, from the move-in
      // date, with the room's landlord on record.
      auto p = c.Query("SELECT person, name, address_code, moved_in_at FROM reg_residents WHERE id = ?", {subject});
      if (!p.ok()) return p.status();
      if (p->empty()) return NotFound("unknown_resident", "the resident of this task is gone");
      auto h = c.Query("SELECT owner_id_number, owner_name FROM reg_housing WHERE address_code = ?", {(*p)[0].Text("address_code")});
      if (!h.ok()) return h.status();
      if (h->empty() || (*h)[0].Text("owner_id_number").empty())
        return Conflict("landlord_unknown", "the room has no landlord on record: record the housing first");
      JW_RETURN_IF_ERROR(c.Exec("INSERT INTO reg_rentals (address_code, tenant, tenant_name, landlord_id_number, "
                                "landlord_name, start_date, end_date, registered_at, source, created_by, verified_at) "
                                "VALUES (?,?,?,?,?,?,NULL,?,'community_verification',?,?)",
                                {(*p)[0].Text("address_code"), (*p)[0].Text("person"), (*p)[0].Text("name"),
                                 (*h)[0].Text("owner_id_number"), (*h)[0].Text("owner_name"),
                                 (*p)[0].Text("moved_in_at").substr(0, 10), now, actor.username, now})
                             .status());
      JW_RETURN_IF_ERROR(c.Exec("UPDATE reg_residents SET verified_at = ? WHERE id = ?", {now, subject}).status());
    } else {
      // confirmed or still_living: the record is right as it is.
      JW_RETURN_IF_ERROR(c.Exec("UPDATE reg_residents SET verified_at = ? WHERE id = ?", {now, subject}).status());
    }
    JW_RETURN_IF_ERROR(c.Exec("UPDATE reg_housing SET verified_at = ? WHERE address_code = ?", {now, t.address_code}).status());
    if (result == "moved_out") {
      // The person's other open checks in this room are answered by the move-out too.
      JW_RETURN_IF_ERROR(c.Exec("UPDATE reg_tasks SET status = 'done', result = 'moved_out', note = ?, verified_by = ?, "
                                "verified_at = ? WHERE subject = ? AND status = 'open' AND id <> ?",
                                {"task " + std::to_string(id), actor.username, now, t.subject, id})
                             .status());
    }
    return c.Exec("UPDATE reg_tasks SET status = 'done', result = ?, note = ?, verified_by = ?, verified_at = ? WHERE id = ?",
                  {result, note, actor.username, now, id})
        .status();
  });
  if (!s.ok()) return fail(s);
  t.status = "done";
  t.result = result;
  t.note = note;
  t.verified_by = actor.username;
  t.verified_at = now;
  Audit(actor, "registry.task.verify", t.address_code, "ok", t.kind + ": " + result);
  return t;
}

Result<std::vector<Completeness>> Service::GetCompleteness(const std::string& under) {
  auto ix = index();
  if (!ix) return Unavailable("registry_unavailable", "the address registry is not loaded");
  size_t depth = 6;  // group by district codes
  if (!under.empty()) {
    JW_RETURN_IF_ERROR(CheckCode(under));
    const Node* n = ix->Find(under);
    if (!n) return NotFound("unknown_address", "no standard address " + under);
    if (n->level > Level::kStreet) return Validation("invalid_value", "completeness is per district or street: give one");
    depth = n->level == Level::kDistrict ? 9 : 12;
  }
  std::map<std::string, Completeness> by;
  for (const Node* c : ix->Children(under)) {
    Completeness x;
    x.code = c->code;
    x.name = c->name;
    x.level = std::string(LevelName(c->level));
    x.rooms = c->rooms_below;
    by[c->code] = x;
  }
  auto at = [&](const std::string& code) -> Completeness* {
    if (code.size() < depth || (!under.empty() && !code.starts_with(under))) return nullptr;
    auto it = by.find(code.substr(0, depth));
    return it == by.end() ? nullptr : &it->second;
  };
  std::string like = under + "%";
  std::string today = FormatTime(Now()).substr(0, 10);
  std::string stale_before = FormatTime(Now() + (-kStaleDays * 86400 * kMicrosPerSecond));
  JW_ASSIGN_OR_RETURN(sql::Rows known, db_->Query("SELECT address_code FROM reg_housing WHERE use <> 'unknown' AND address_code LIKE ?", {like}));
  for (const auto& r : known)
    if (auto* x = at(r.Text("address_code"))) ++x->rooms_known_use;
  JW_ASSIGN_OR_RETURN(sql::Rows occ,
                      db_->Query("SELECT p.address_code AS code, p.category AS category, "
                                 "COALESCE(p.verified_at, p.moved_in_at) AS checked, COALESCE(h.use, '') AS use, "
                                 "(SELECT COUNT(*) FROM reg_rentals r WHERE r.tenant = p.person AND "
                                 "r.address_code = p.address_code AND (r.end_date IS NULL OR r.end_date >= ?)) AS rentals "
                                 "FROM reg_residents p LEFT JOIN reg_housing h ON h.address_code = p.address_code "
                                 "WHERE p.moved_out_at IS NULL AND p.address_code LIKE ?",
                                 {today, like}));
  for (const auto& r : occ) {
    Completeness* x = at(r.Text("code"));
    if (!x) continue;
    ++x->occupants;
    // Registered: 户籍 here, a current rental registration, or living in an
    // owner-occupied room (with the householder).
    if (r.Text("category") == "registered" || r.Int("rentals") > 0 || r.Text("use") == "self_occupied")
      ++x->occupants_registered;
    if (r.Text("checked") < stale_before) ++x->stale;
  }
  JW_ASSIGN_OR_RETURN(sql::Rows tasks, db_->Query("SELECT address_code FROM reg_tasks WHERE status = 'open' AND address_code LIKE ?", {like}));
  for (const auto& r : tasks)
    if (auto* x = at(r.Text("address_code"))) ++x->open_tasks;
  JW_ASSIGN_OR_RETURN(auto groups, GroupRentals(under));
  for (const auto& [code, n] : groups)
    if (auto* x = at(code)) ++x->group_rentals;
  std::vector<Completeness> out;
  for (auto& [k, v] : by) out.push_back(v);
  return out;
}

}  // namespace jingwu::registry

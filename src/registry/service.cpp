#include "registry/service.h"

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
           "CREATE INDEX reg_guests_host ON reg_guests (host_id_number);"}};
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
  std::lock_guard lock(index_mu_);
  index_ = std::move(ix);
  return Status::Ok();
}

Result<std::vector<ImportFile>> Service::Import(const auth::Actor& actor, const std::string& dir_in) {
  std::string dir = dir_in.empty() || dir_in.back() == '/' ? dir_in : dir_in + "/";
  std::vector<ImportFile> out;
  std::string now = FormatTime(clock_->Now());
  auto present = [&](const char* f) { return std::filesystem::exists(dir + f); };
  if (!present("addresses.csv") && !present("organisations.csv") && !present("population.csv") &&
      !present("guest_registrations.csv"))
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

}  // namespace jingwu::registry

// Persistence of the service hall: citizens and their sessions, applications
// (one row each: the queryable columns plus the whole record as JSON), and
// staff department assignments. Uploaded files live in DATA/uploads, named by
// their SHA-256 (service.cpp), not here.
//
// Thread-safe as far as the Database is (it serialises all use).
#pragma once

#include <optional>
#include <vector>

#include "services/model.h"
#include "sql/database.h"

namespace jingwu::services {

std::vector<sql::Migration> Migrations();

struct Citizen {
  int64_t id = 0;
  std::string phone, id_number, name;
  std::string password_hash;
  Timestamp created_at;
};

// The columns metrics read, without parsing the record.
struct MetricRow {
  std::string item_code, channel, state;
  int64_t submitted_us = 0;
  int decided_wd = -1;
  int rating = 0;
  bool commitment = false;
  std::string verification;
};

class Store {
 public:
  explicit Store(sql::Database* db) : db_(db) {}

  Result<Citizen> InsertCitizen(const Citizen& c);
  Result<std::optional<Citizen>> CitizenByPhone(const std::string& phone);
  Result<std::optional<Citizen>> CitizenById(int64_t id);
  Result<bool> IdNumberTaken(const std::string& id_number);
  Status InsertSession(const std::string& token_hash, int64_t citizen_id, Timestamp expires);
  Result<std::optional<int64_t>> SessionCitizen(const std::string& token_hash, Timestamp now);

  // Inserts and returns the id.
  Result<int64_t> Insert(const Application& a);
  // Bulk insert (demo data) in one transaction.
  Status InsertMany(const std::vector<Application>& apps);
  // Writes a changed application if its version is still `expected_version` (409 stale otherwise).
  Status Update(const Application& a, int64_t expected_version);
  Result<Application> Get(int64_t id);
  // Filters: citizen (0 = any), department ("" = any; matches the accepting
  // department or one of the approving ones), states ("" = any; comma-separated),
  // commissioner ("" = any).
  Result<std::vector<Application>> List(int64_t citizen_id, const std::string& department,
                                        const std::string& states, int limit, const std::string& commissioner = "");
  Result<std::vector<MetricRow>> MetricRows(int64_t from_us, int64_t to_us);
  Result<int64_t> Count();

  Status SetStaffDepartment(const std::string& username, const std::string& department);
  Result<std::string> StaffDepartment(const std::string& username);

 private:
  sql::Params RowParams(const Application& a, const std::string& data);
  sql::Database* db_;
};

}  // namespace jingwu::services

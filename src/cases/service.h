// Case records, gangs, traffic accidents and vehicle counts: validation,
// persistence with a history of every change, search, and change listeners
// (the statistics index follows the records through them).
//
// Suspects' and gang members' ID numbers are personal data: the HTTP layer
// asks for a purpose before showing them and masks them for roles without
// person.read. Thread-safe: state lives in the database; listeners are
// registered before serving.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/model.h"
#include "cases/model.h"
#include "core/status.h"
#include "sql/database.h"

namespace jingwu::cases {

std::vector<sql::Migration> Migrations();

struct CaseFilter {
  std::string q;  // part of the case number, place or narrative
  std::vector<std::string> kinds, categories, districts, statuses;
  std::string basis = "filed";  // which time from/to apply to: occurred, filed, solved
  std::optional<Timestamp> from, to;  // [from, to)
  int64_t gang_id = 0;
  int page = 1;
  int page_size = 50;
};

struct CasePage {
  std::vector<Case> items;  // without suspects
  int64_t total = 0;
};

// Everything `jingwu gen` makes and `jingwu cases import` loads.
struct Dataset {
  std::vector<Case> cases;  // case.gang_id indexes gangs (1-based) before loading
  std::vector<Gang> gangs;
  std::vector<Accident> accidents;
  std::vector<VehicleCount> vehicle_counts;
};

class Service {
 public:
  Service(sql::Database* db, audit::Log* audit, const Clock* clock) : db_(db), audit_(audit), clock_(clock) {}

  // Validates a case: code tables, time order, suspects' ID numbers, amounts.
  Status Validate(Case& c) const;

  Result<Case> Create(const auth::Actor& actor, Case c);
  // Replaces the editable fields; fails with 409 version_conflict when the
  // case changed since expected_version was read.
  Result<Case> Update(const auth::Actor& actor, int64_t id, Case c, int64_t expected_version);
  Result<Case> Get(int64_t id, bool with_suspects = true);
  Result<Case> GetByNo(const std::string& case_no);
  Result<CasePage> Search(const CaseFilter& f);
  Result<std::vector<HistoryEntry>> History(int64_t id);

  Result<Gang> CreateGang(const auth::Actor& actor, Gang g);
  Result<Gang> GetGang(int64_t id);
  Result<std::vector<Gang>> ListGangs();

  Result<Accident> AddAccident(const auth::Actor& actor, Accident a);
  Result<std::vector<Accident>> ListAccidents(std::optional<Timestamp> from, std::optional<Timestamp> to);
  Status SetVehicleCount(const auth::Actor& actor, VehicleCount v);
  Result<std::vector<VehicleCount>> VehicleCounts();

  // Loads a whole dataset in one transaction (the demo and `cases import`).
  Status Load(const auth::Actor& actor, Dataset data);

  // Every case (compact scan for the statistics index), gangs with member
  // counts, accidents; each calls fn once per record.
  Status ScanCases(const std::function<void(const Case&)>& fn);

  // Called after a case is stored: (before, after); before is empty on create.
  using Listener = std::function<void(const std::optional<Case>&, const Case&)>;
  void AddListener(Listener l);
  // Called after gangs, accidents or vehicle counts change.
  void AddReloadListener(std::function<void()> l);

 private:
  Status ValidateGang(Gang& g) const;
  void Notify(const std::optional<Case>& before, const Case& after);
  void NotifyReload();
  void Audit(const auth::Actor& a, std::string action, std::string target, std::string detail = "");

  sql::Database* db_;
  audit::Log* audit_;
  const Clock* clock_;
  std::mutex listeners_mu_;
  std::vector<Listener> listeners_;                  // guarded by listeners_mu_
  std::vector<std::function<void()>> reloaders_;     // guarded by listeners_mu_
};

}  // namespace jingwu::cases

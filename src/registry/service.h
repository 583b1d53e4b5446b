// The base registries (一标三实, docs/registry.md): standard addresses with
// aliases and history, organisations, residents; imports of the generator's
// files; the address index that matching and the tree read.
//
// State lives in the database; the address index is rebuilt from it after
// every change to addresses and swapped in whole (readers keep the one they
// hold), so reads need no lock. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/model.h"
#include "core/csv.h"
#include "core/status.h"
#include "core/time.h"
#include "registry/address.h"
#include "sql/database.h"

namespace jingwu::registry {

std::vector<sql::Migration> Migrations();

struct Organisation {
  std::string credit_code, name, type, legal_rep, address_code;
  std::vector<std::string> key_units;  // hotel, netcafe, school, hospital, finance, dutyfree
  std::string place_code;              // the places.csv code of a hotel, café or store
  int64_t employees = 0;
  std::string created_at, updated_at;
};

struct Resident {
  int64_t id = 0;
  std::string person;    // ID:… or PASSPORT:NAT/NUMBER
  std::string name;
  std::string category;  // registered, floating, foreign
  std::string relation;  // to the householder: 本人, 配偶, 子女, 父母, 其他
  std::string source;    // residents_registry, rental_registration, community_verification
  std::string address_code;
  std::string moved_in_at;
  std::optional<std::string> moved_out_at;
};

// A foreign guest in private housing registered by the landlord or host
// (住宿登记: within 24 hours of arrival), or imported.
struct Guest {
  int64_t id = 0;
  std::string passport;  // PASSPORT:NAT/NUMBER
  std::string name, nationality, phone;
  std::string address_code;  // a room
  std::string host_id_number, host_name, host_phone;
  std::string arrived_at;
  std::optional<std::string> departs_at;
  std::string registered_at;
  std::string source;      // portal, officer, import
  std::string created_by;  // the citizen's or officer's name, or cli
};

// Actual housing (实有房屋): a room's use and owner or landlord.
struct Housing {
  std::string address_code;
  std::string use = "unknown";  // self_occupied, rented, commercial, vacant, unknown
  std::string owner_id_number, owner_name;
  std::string source;  // import, officer, community_verification
  std::string updated_at, updated_by;
  std::optional<std::string> verified_at;
};

// A rental registration (出租登记): a tenant in a room from start to end.
struct Rental {
  int64_t id = 0;
  std::string address_code;
  std::string tenant;  // ID:… or PASSPORT:…
  std::string tenant_name, landlord_id_number, landlord_name;
  std::string start_date;                // YYYY-MM-DD
  std::optional<std::string> end_date;   // open when empty
  std::string registered_at, source, created_by;
  std::optional<std::string> verified_at;
};

// A community verification task (采集核查): a record to check door to door.
struct Task {
  int64_t id = 0;
  std::string community_code, kind, address_code, subject;
  std::string detail;  // JSON: who and what to check
  std::string created_at, status, result, note, verified_by;
  std::optional<std::string> verified_at;
};

// A community's police officer (社区民警) and their station.
struct CommunityOfficer {
  std::string community_code, officer_name, police_number, phone, station_code;
  std::string updated_at, updated_by;
};

// Free text resolved to a standard address with where it is and who the
// community's officer is (dispatch: an incident's address).
struct Located {
  MatchResult match;
  std::string full_name;
  double lat = 0, lon = 0;  // the nearest building's (or the compound's first building's)
  std::string district_code, community_code, community_name;
  std::optional<CommunityOfficer> officer;
  struct Candidate {
    std::string code, full_name, level;
    double score = 0, lat = 0, lon = 0;
  };
  std::vector<Candidate> candidates;
};

// Completeness of one area (the numbers a 大会战 is run by).
struct Completeness {
  std::string code, name, level;
  int64_t rooms = 0, rooms_known_use = 0, occupants = 0, occupants_registered = 0, stale = 0, open_tasks = 0,
          group_rentals = 0;
};

struct HistoryEntry {
  std::string at, actor, change;
};

struct AddressPatch {
  std::optional<std::string> status;  // active, demolished, merged
  std::optional<std::string> merged_into;
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> aliases;  // replaces the aliases
};

struct OrgFilter {
  std::string q, address, key_unit;
  int page = 1, page_size = 50;
};

using ImportFile = jingwu::ImportFile;  // core/csv.h

struct Stats {
  std::map<std::string, int64_t> levels;      // level -> nodes
  int64_t organisations = 0;
  std::map<std::string, int64_t> residents;   // category -> current residents
  struct District {
    std::string code, name;
    int64_t rooms = 0, residents = 0, organisations = 0;
  };
  std::vector<District> districts;
};

inline constexpr const char* kCategories[] = {"registered", "floating", "foreign"};
inline constexpr const char* kSources[] = {"residents_registry", "rental_registration", "community_verification"};
inline constexpr const char* kKeyUnits[] = {"hotel", "netcafe", "school", "hospital", "finance", "dutyfree"};
inline constexpr const char* kUses[] = {"self_occupied", "rented", "commercial", "vacant", "unknown"};
// Task kinds and the results each accepts (docs/registry.md "Community verification").
// regular_visitor and care_visit come from the smart communities' rules (docs/communities.md).
// tip_check comes from a community tip's triage (docs/grassroots.md).
inline constexpr const char* kTaskKinds[] = {"new_rental",      "moved_out_unconfirmed", "unregistered_occupants",
                                             "stale_record",    "regular_visitor",       "care_visit",
                                             "tip_check"};
// A rented room with this many current occupants is flagged as a group rental (群租).
inline constexpr int64_t kGroupRentalOccupants = 5;
// A resident's record not verified (or moved in) for this many days is stale.
inline constexpr int64_t kStaleDays = 365;

class Service {
 public:
  Service(sql::Database* db, audit::Log* audit, const Clock* clock) : db_(db), audit_(audit), clock_(clock) {}

  // Builds the address index from the database.
  Status Load();
  std::shared_ptr<const AddressIndex> index() const;

  // Loads addresses.csv, address_aliases.csv, organisations.csv and
  // population.csv from dir (those present), one transaction per file; rows
  // already stored are counted as `already`, bad rows as rejected per reason.
  Result<std::vector<ImportFile>> Import(const auth::Actor& actor, const std::string& dir);

  Result<Node> UpdateAddress(const auth::Actor& actor, const std::string& code, const AddressPatch& patch);
  Result<std::vector<HistoryEntry>> History(const std::string& code);

  Result<std::pair<std::vector<Organisation>, int64_t>> Organisations(const OrgFilter& f);
  Result<std::vector<Organisation>> OrganisationsAt(const std::string& code_prefix, size_t limit);
  Result<Organisation> GetOrganisation(const std::string& credit_code);
  Result<Organisation> CreateOrganisation(const auth::Actor& actor, Organisation o);

  // Residents under an address (a prefix of room codes); current ones only
  // unless all.
  Result<std::vector<Resident>> Residents(const std::string& code_prefix, bool all);
  Result<std::vector<Resident>> ResidencesOf(const std::string& person);
  Result<Resident> MoveIn(const auth::Actor& actor, Resident r);
  Result<Resident> MoveOut(const auth::Actor& actor, int64_t id, const std::string& moved_out_at);

  Result<Stats> GetStats();

  // The registry's clock (the server clock, or a demo's as_of onwards).
  void SetAsOf(const std::string& as_of);
  Timestamp Now() const;

  // Housing: a room without a record has use "unknown".
  Result<Housing> GetHousing(const std::string& code);
  Result<Housing> SetHousing(const auth::Actor& actor, Housing h);
  // Every room under a code (a building, say) with its housing record (use
  // unknown without one) and its current occupants; at most 10,000 rooms.
  struct RoomHousing {
    Housing housing;
    int64_t occupants = 0;
    bool group_rental = false;
  };
  Result<std::vector<RoomHousing>> HousingUnder(const std::string& prefix);
  // Rentals in rooms under a code prefix, or of a tenant; current only unless all.
  Result<std::vector<Rental>> Rentals(const std::string& prefix, const std::string& tenant, bool all);
  // 422 end_before_start, 409 rental_overlap (the same tenant and room, overlapping dates).
  Result<Rental> AddRental(const auth::Actor& actor, Rental r);
  Result<Rental> EndRental(const auth::Actor& actor, int64_t id, const std::string& end_date);
  // Rooms under prefix flagged as group rentals, with their current occupants.
  Result<std::vector<std::pair<std::string, int64_t>>> GroupRentals(const std::string& prefix);

  // Creates the open tasks the records call for under a community (or every
  // community when prefix is empty); returns the tasks created per kind.
  Result<std::map<std::string, int64_t>> GenerateTasks(const auth::Actor& actor, const std::string& prefix,
                                                       int64_t stale_per_community = 20);
  // by_kind (when given) gets the counts per kind under prefix and status.
  Result<std::pair<std::vector<Task>, int64_t>> Tasks(const std::string& prefix, const std::string& status,
                                                      const std::string& kind, int page, int page_size,
                                                      std::map<std::string, int64_t>* by_kind = nullptr);
  // Adds an open task from another module's rule (kind regular_visitor or
  // care_visit); returns the id of the open task already there for the same
  // kind and subject instead of a second one.
  Result<int64_t> AddTask(const auth::Actor& actor, const std::string& kind, const std::string& address_code,
                          const std::string& subject, const std::string& detail);
  // Records a door-to-door verification and applies it (422 invalid_result,
  // 409 task_closed).
  Result<Task> VerifyTask(const auth::Actor& actor, int64_t id, const std::string& result, const std::string& note);
  Result<Task> GetTask(int64_t id);  // 404 unknown_task
  // The communities whose officer (社区民警) has this police number.
  std::vector<std::string> CommunitiesOf(const std::string& police_number) const;
  // Per child of `under` (the districts when empty), down to communities.
  Result<std::vector<Completeness>> GetCompleteness(const std::string& under);

  // Community police officers (kept in memory too: dispatch reads them per incident).
  std::optional<CommunityOfficer> OfficerOf(const std::string& community_code) const;
  Result<CommunityOfficer> SetOfficer(const auth::Actor& actor, CommunityOfficer o);

  Located Locate(std::string_view text) const;

  // Guests in private housing. AddGuest checks everything but whether the
  // passport entered (the stays service does that first); 409
  // already_registered for the same passport, room and arrival.
  Result<Guest> AddGuest(const auth::Actor& actor, Guest g);
  // By passport (PASSPORT:…), by host ID number, or the latest (both empty).
  Result<std::vector<Guest>> Guests(const std::string& passport, const std::string& host_id, size_t limit);

 private:
  Status ValidateResident(Resident& r) const;
  Status ValidateGuest(Guest& g) const;
  Status ValidateRental(Rental& r) const;
  int64_t as_of_offset_ = 0;  // microseconds added to the clock
  Status LoadOfficers();
  mutable std::mutex officers_mu_;
  std::map<std::string, CommunityOfficer> officers_;  // guarded by officers_mu_
  void Audit(const auth::Actor& a, std::string action, std::string target, std::string outcome,
             std::string detail = "");

  sql::Database* db_;
  audit::Log* audit_;
  const Clock* clock_;
  mutable std::mutex index_mu_;
  std::shared_ptr<const AddressIndex> index_;  // guarded by index_mu_ (the pointer, not the index)
};

}  // namespace jingwu::registry

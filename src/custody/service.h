// Custody supervision (智慧监管, docs/custody.md): facilities (看守所,
// 拘留所, 戒毒所) and their rooms, detainees admitted from a case's suspects
// under a legal basis with the release due date the law sets (limits.h),
// extensions with their approvers, releases, and daily life as events (roll
// calls, patrol checks, medical checks, visits, lawyer requests and meetings,
// transfers). Alerts are computed from these on every read, as of the
// service clock: custody past its legal limit first (the gravest failure a
// facility can have), then releases due within 24 hours, headcounts that do
// not match a room's roll, missed patrol checks, lawyer requests not arranged
// within 48 hours and detainees without an admission medical check.
//
// Detainees are personal data: the HTTP layer requires a purpose and audits
// every read. Thread-safe.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/model.h"
#include "cases/service.h"
#include "core/csv.h"
#include "core/status.h"
#include "core/time.h"
#include "custody/limits.h"
#include "sql/database.h"

namespace jingwu::custody {

std::vector<sql::Migration> Migrations();

// Facility kinds and the legal bases each holds.
inline constexpr const char* kFacilityKinds[] = {"detention_center", "detention_house", "rehab_center"};
inline constexpr const char* kEventKinds[] = {"roll_call", "patrol", "medical", "visit", "lawyer_request",
                                              "lawyer_meeting", "transfer"};

struct Room {
  std::string room;
  int64_t capacity = 0;
  int64_t occupants = 0;  // now
};

struct Facility {
  std::string code, name, kind, district_code;
  std::vector<Room> rooms;
  int64_t capacity = 0, occupants = 0;
};

struct ExtensionRecord {
  int64_t id = 0;
  int days = 0;
  std::string reason, approved_by, approval_no, created_at, created_by;
};

struct Detainee {
  int64_t id = 0;
  std::string facility_code, room, person, name, case_no, basis;
  int decision_days = 0;  // administrative detention's decision
  std::string admitted_at, due_at;
  int base_days = 0;
  std::optional<std::string> released_at;
  std::string release_reason, over_capacity_reason, admitted_by;
  std::vector<ExtensionRecord> extensions;
  double hours_left = 0;  // to due_at, as of now (negative: overdue)
};

struct Event {
  int64_t id = 0;
  std::string facility_code, room, kind, at, note, recorded_by;
  int64_t detainee_id = 0;
  std::optional<int64_t> count;  // roll calls
};

struct Alert {
  std::string kind;      // overdue, due_soon, headcount_mismatch, missed_patrol, lawyer_not_arranged, no_admission_medical
  std::string severity;  // critical, high, medium
  std::string facility_code, room, since;
  int64_t detainee_id = 0;
  std::string detail;  // JSON
};

struct Options {
  int patrol_minutes = 15;        // a patrol check per occupied room at least this often
  int lawyer_hours = 48;          // a requested lawyer meeting arranged within
  int medical_hours = 24;         // the admission medical check within
  int due_soon_hours = 24;
};

class Service {
 public:
  Service(sql::Database* db, audit::Log* audit, const Clock* clock, cases::Service* cases, Options o = {})
      : db_(db), audit_(audit), clock_(clock), cases_(cases), opt_(o) {}

  // 422 invalid_kind / invalid_value, 409 facility_exists.
  Result<Facility> CreateFacility(const auth::Actor& actor, Facility f);
  // 404 unknown_facility, 422 invalid_value (capacity 1-200), 409 room_exists.
  Result<Room> AddRoom(const auth::Actor& actor, const std::string& facility, Room r);
  Result<std::vector<Facility>> Facilities();
  Result<Facility> GetFacility(const std::string& code);

  struct Admission {
    std::string facility_code, room, person, case_no, basis, admitted_at, over_capacity_reason;
    int decision_days = 0;
  };
  // 404 unknown_facility / unknown_room / unknown_case, 422 not_a_suspect,
  // invalid_basis, wrong_facility, invalid_days, invalid_time; 409
  // already_in_custody, over_capacity (without an override reason).
  Result<Detainee> Admit(const auth::Actor& actor, Admission a);
  // 404 unknown_detainee, 409 already_released, 422 approver_required and
  // the limit errors of CheckExtension.
  // at: when it was granted (an import's; empty: now).
  Result<Detainee> Extend(const auth::Actor& actor, int64_t id, const Extension& e, const std::string& approved_by,
                          const std::string& approval_no, const std::string& at = "");
  // 409 already_released, 422 invalid_time (before admission or in the future), reason_required.
  Result<Detainee> Release(const auth::Actor& actor, int64_t id, const std::string& at, const std::string& reason);
  Result<Detainee> GetDetainee(int64_t id);
  // Current detainees of a facility (all when empty); with released ones when all.
  Result<std::vector<Detainee>> Detainees(const std::string& facility, bool all);

  // 404 unknown_facility / unknown_room / unknown_detainee, 422 invalid_kind,
  // invalid_value (a negative count; a roll call without one), invalid_time.
  Result<Event> Record(const auth::Actor& actor, Event e);
  Result<std::vector<Event>> Events(const std::string& facility, int64_t detainee, size_t limit);

  // Every alert as of now, the gravest first.
  Result<std::vector<Alert>> Alerts(const std::string& facility);

  // Loads the files `jingwu gen` writes (custody_facilities.csv,
  // custody_rooms.csv, custody_detainees.csv, custody_extensions.csv,
  // custody_events.csv; import.cpp) through the same checks as the API, in
  // the order of their times, with every time moved by shift_us (the demo
  // moves the generated data's end to now). Rows stored before count as
  // already; refused rows are counted per error code, and a detainee row is
  // refused whole (a release before the admission admits nobody). refs gets
  // each file ref's detainee id.
  // The shift of the folder whose data ends at as_of: the one its first
  // import stored, else proposed (whole seconds), stored now.
  Result<int64_t> ImportShift(const std::string& as_of, int64_t proposed);
  Result<std::vector<ImportFile>> Import(const auth::Actor& actor, const std::string& dir, int64_t shift_us,
                                         std::map<std::string, int64_t>* refs = nullptr);

  Timestamp Now() const { return clock_->Now(); }
  const Options& options() const { return opt_; }

 private:
  Result<Detainee> Load(int64_t id);
  void Audit(const auth::Actor& a, std::string action, std::string target, std::string outcome, std::string detail = "");
  sql::Database* db_;
  audit::Log* audit_;
  const Clock* clock_;
  cases::Service* cases_;
  Options opt_;
};

}  // namespace jingwu::custody

namespace jingwu::custody {

// The demo's officers on their rounds: a patrol check in every occupied room
// whose last one is 10 minutes old, except late_rooms ("FACILITY/ROOM", the
// planted missed patrols of custody_truth.json).
Result<int> DemoPatrolRound(Service& svc, const auth::Actor& actor, const std::set<std::string>& late_rooms);

}  // namespace jingwu::custody

// Force management and online inspection (docs/force.md): units, personnel,
// rosters that drive dispatch, training, discipline, the inspection rules
// over the audit log with four-eyes review of their findings, and the
// citizen's view of who read their data.
//
// State lives in the database; the roster of call signs is cached in memory
// (rebuilt after each roster change) because dispatch asks for it on every
// recommendation. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/model.h"
#include "core/status.h"
#include "core/time.h"
#include "dispatch/service.h"
#include "force/inspection.h"
#include "force/model.h"
#include "registry/service.h"
#include "sql/database.h"

namespace jingwu::force {

std::vector<sql::Migration> Migrations();

struct Options {
  double min_rest_hours = 8;        // between two shifts of one officer
  double max_shift_hours = 24;
  double required_training_hours = 40;  // per officer and year (公安夜校 and drills)
  int tracker_delay_days = 30;      // reads show in the citizen tracker after this many days
  bool tracker_show_officer = false;  // the tracker names the unit, not the officer
  RuleConfig rules;
};
// The "force" object of config.json: {"min_rest_hours": 8, "max_shift_hours": 24,
// "required_training_hours": 40, "tracker_delay_days": 30, "tracker_show_officer": false,
// "rules": {...RuleConfig}}; errors: invalid_config.
Result<Options> ParseOptions(const std::string& json_text);

struct PersonnelFilter {
  std::string unit;    // this unit and everything below it
  std::string q;       // name or police number (prefix)
  std::string status, kind;
  int page = 1, page_size = 50;
};

struct ImportCount {
  std::string file;
  int64_t rows = 0, already = 0, rejected = 0;
  std::map<std::string, int64_t> reasons;
};

struct FindingFilter {
  std::string state;  // "" all, open, proposed, confirmed, dismissed
  std::string rule, actor, police_no;
  int page = 1, page_size = 50;
};

// One read of a citizen's data as the tracker shows it.
struct TrackedRead {
  std::string at, unit, unit_name, officer, purpose_category, action, case_no;
};
struct TrackerView {
  std::vector<TrackedRead> reads;
  int64_t withheld_open_case = 0;  // reads for cases still open
  int64_t withheld_recent = 0;     // reads newer than the delay
  int delay_days = 0;
};

struct TrainingRow {
  std::string police_no, name, unit_code, kind;
  double hours = 0;
  int64_t sessions = 0;
  int64_t failed = 0;
  bool behind = false;
};

class Service : public dispatch::CrewSource {
 public:
  Service(sql::Database* db, audit::Log* audit, const Clock* clock, registry::Service* registry, Options opt = {});

  // Call signs of shifts are checked against dispatch's units (when set).
  void SetDispatch(const dispatch::Service* d) { dispatch_ = d; }
  // Loads the roster cache. Call once before use.
  Status Load();
  const Options& options() const { return opt_; }

  // ---- units
  Result<std::vector<Unit>> Units();
  Result<Unit> CreateUnit(const auth::Actor& a, Unit u);
  // Units at and below code (codes of the subtree).
  Result<std::set<std::string>> Subtree(const std::string& code);

  // ---- personnel
  Result<std::pair<std::vector<Officer>, int64_t>> Personnel(const PersonnelFilter& f);
  Result<Officer> GetOfficer(const std::string& police_no);
  Result<std::optional<Officer>> OfficerOfUser(const std::string& username);
  Result<Officer> CreateOfficer(const auth::Actor& a, Officer o);
  // Fields present in patch (a JSON object) are changed. Leaving the force
  // (status "left") disables the linked account and ends its sessions in the
  // same transaction.
  Result<Officer> UpdateOfficer(const auth::Actor& a, const std::string& police_no, const nlohmann::json& patch);

  // ---- rosters
  Result<std::vector<Shift>> Shifts(const std::string& unit, const std::string& from_date, const std::string& to_date,
                                    const std::string& police_no = "");
  // Refused: unknown_unit, unknown_officer, unknown_call_sign, invalid_shift
  // (ends before it starts, too long), double_shift, rest_too_short,
  // officer_unavailable (on leave, suspended, left).
  Result<Shift> CreateShift(const auth::Actor& a, Shift s);
  Result<Shift> AddMember(const auth::Actor& a, int64_t shift_id, ShiftMember m);
  Result<Shift> RemoveMember(const auth::Actor& a, int64_t shift_id, const std::string& police_no);
  Status DeleteShift(const auth::Actor& a, int64_t shift_id);
  dispatch::Crew CrewOf(const std::string& call_sign, const std::string& station, Timestamp at) const override;

  // ---- training
  Result<std::vector<Course>> Courses();
  Result<Course> CreateCourse(const auth::Actor& a, Course c);
  Result<std::vector<Session>> Sessions(int year, const std::string& kind);
  Result<Session> CreateSession(const auth::Actor& a, Session s);
  Result<std::pair<Session, std::vector<Attendance>>> GetSession(int64_t id);
  // All or nothing; a second record for the same officer replaces the first.
  // Refused: unknown_officer, invalid_score (outside 0..100), invalid_hours.
  Result<int64_t> RecordAttendance(const auth::Actor& a, int64_t session_id, const std::vector<Attendance>& rows);
  // Each officer's hours in the year (under unit), behind = below the required minimum.
  Result<std::vector<TrainingRow>> Hours(int year, const std::string& unit);
  Result<nlohmann::json> TrainingSummary(int year_from, int year_to);

  // ---- discipline and commendations
  Result<std::vector<Discipline>> DisciplineOf(const std::string& police_no);
  // From a confirmed finding (finding_id) or on its own. Refused:
  // finding_not_confirmed, finding_has_record, unknown_officer, invalid_kind.
  Result<Discipline> AddDiscipline(const auth::Actor& a, Discipline d);

  // ---- inspection
  RuleConfig Rules() const;
  Result<RuleConfig> SetRules(const auth::Actor& a, const nlohmann::json& patch);
  // full: from the first entry (findings already raised are kept); otherwise
  // from the last entry the previous run saw.
  Result<RunStats> RunInspection(bool full);
  Result<std::pair<std::vector<Finding>, int64_t>> Findings(const FindingFilter& f);
  Result<Finding> GetFinding(int64_t id);
  // The first reviewer proposes confirm or dismiss (with a reason); a second,
  // different inspector approves it (four eyes) or sends it back. Nobody
  // reviews a finding about themselves. Refused: own_finding,
  // four_eyes_required, finding_not_open, finding_not_proposed, reason_required.
  Result<Finding> ProposeDecision(const auth::Actor& a, int64_t id, const std::string& decision,
                                  const std::string& reason);
  Result<Finding> ApproveDecision(const auth::Actor& a, int64_t id);
  Result<Finding> ReturnDecision(const auth::Actor& a, int64_t id, const std::string& reason);

  // Demo: day (08-20) and night (20-08) shifts at each dispatch demo station
  // from yesterday for `days` days, crewed by the station's patrol officers by
  // their call signs (two per car, alternate days), so that the board shows
  // who is in each car. Returns the shifts made.
  Result<int> SeedRoster(const auth::Actor& a, Timestamp now, int days);

  // ---- citizen tracker
  Result<TrackerView> ReadsOf(const std::string& id_number);
  // A citizen account's identity as the population register knows it: the ID
  // number with that name (403 identity_not_verified otherwise), so that nobody
  // sees the reads of someone else's data by registering their ID number.
  Status VerifyIdentity(const std::string& id_number, const std::string& name);

  // ---- import of the generator's files (units.csv, personnel.csv, shifts.csv,
  // courses.csv, training_sessions.csv, attendance.csv, discipline.csv,
  // protected_persons.csv), those present; audit_history.csv goes into the
  // audit log with its own times.
  Result<std::vector<ImportCount>> Import(const auth::Actor& a, const std::string& dir, bool with_history = true);
  // Reads audit_history.csv (at, actor, role, client, action, target, purpose,
  // case_no, outcome, detail); rows with a bad time are counted as rejected.
  // Streams the rows to `each` (millions of rows: never all in memory).
  static Status ReadHistory(const std::string& path, ImportCount* count,
                            const std::function<Status(audit::Entry&&)>& each);
  // Appends the rows of an audit_history.csv that `keep` accepts, in batches.
  Status ImportHistoryFile(const auth::Actor& a, const std::string& path,
                           const std::function<bool(const audit::Entry&)>& keep, ImportCount* count);
  // Appends access history to the audit log with its own times (audit::Log::Import).
  Status ImportHistory(const auth::Actor& a, std::vector<audit::Entry> entries, const std::string& source);

 private:
  Status ReloadRoster();
  Status InSubtree(const std::string& code, const std::string& column, std::string* where, sql::Params* p);
  Result<RuleContext> BuildContext(std::map<std::string, Reader>* readers, std::map<std::string, CaseInfo>* cases,
                                   std::map<std::string, bool>* case_seen);
  Status StoreFindings(const std::vector<Finding>& findings, int64_t* raised);
  void Audit(const auth::Actor& a, const std::string& action, const std::string& target, const std::string& outcome,
             const std::string& detail);

  sql::Database* db_;
  audit::Log* audit_;
  const Clock* clock_;
  registry::Service* registry_;
  const dispatch::Service* dispatch_ = nullptr;
  Options opt_;

  mutable std::mutex mu_;
  RuleConfig rules_;  // guarded by mu_
  struct RosterSlot {
    int64_t start_us = 0, end_us = 0;
    std::string police_no, name;
  };
  std::map<std::string, std::vector<RosterSlot>> roster_by_call_sign_;  // guarded by mu_
  std::set<std::string> rostered_stations_;                               // unit names, guarded by mu_
  std::mutex run_mu_;  // one inspection run at a time
};

}  // namespace jingwu::force

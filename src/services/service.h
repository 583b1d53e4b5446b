// The service hall's logic: citizen accounts, applications and their
// workflow, legal clocks on the business calendar, uploads, ratings,
// verification sampling and metrics. No HTTP here.
//
// Citizens are not staff users: they have their own table, password hashes
// and session tokens (prefix "cz_"), and hold no staff permission, so a
// citizen token opens no staff endpoint and a staff token no citizen one.
//
// Ownership: borrows the database, audit log and clock, which must outlive
// it. Thread-safe: one mutex serialises every change (read, check, write).
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <set>

#include "audit/audit.h"
#include "services/calendar.h"
#include "services/model.h"
#include "services/store.h"

namespace jingwu::services {

using Actor = audit::Actor;

struct Options {
  BusinessCalendar calendar = BusinessCalendar::China();
  std::string uploads_dir;                 // DATA/uploads
  int64_t upload_max_bytes = 5 * 1024 * 1024;
  std::set<std::string> upload_types = {"application/pdf", "image/jpeg", "image/png"};
  double verification_share = 0.1;         // share of approved commitment cases drawn for checking
  int follow_up_days = 5;                  // working days to follow up a bad rating
  int64_t session_seconds = 24 * 3600;
  // Citizen sign-in: this many failures for one phone within lockout_seconds
  // lock it for that long; an address is limited per minute.
  int lockout_failures = 5;
  int64_t lockout_seconds = 15 * 60;
  int login_rate_per_minute = 30;
  int register_per_hour = 20;  // registrations per address
};

// {"calendar": {...}, "upload_max_bytes": N, "verification_share": 0.1, "follow_up_days": 5}
Result<Options> ParseOptions(const std::string& json_text, const std::string& data_dir);

struct RegisterInput {
  std::string phone, password, id_number, name;
  std::string client;  // remote address (registrations are limited per address)
};

struct ApplyInput {
  std::string item_code, channel = "online";
  json form = json::object();
  bool commitment = false;
};

struct UploadInput {
  std::string material, content_type, filename;
  std::string bytes;
};

// Figures of one item (or of all, item_code "*").
struct ItemMetrics {
  std::string item_code;
  int64_t total = 0;
  std::map<std::string, int64_t> by_channel;
  int64_t online = 0, decided = 0, approved = 0, rejected = 0, terminated = 0, open = 0;
  double digital_take_up = 0;   // online ÷ total
  double completion_rate = 0;   // decided ÷ total
  double median_days = 0, p90_days = 0;  // working days to decision (pauses excluded)
  int promised_days = 0, statutory_days = 0;
  double within_promised = 0;   // share of decided cases within the promised limit
  double within_statutory = 0;
  int64_t ratings = 0, bad_ratings = 0;
  double bad_rating_rate = 0;   // bad ÷ rated
  int64_t commitments = 0, verification_drawn = 0, verification_revoked = 0;
};

struct MetricsReport {
  std::string from, to;  // days, inclusive
  ItemMetrics all;
  std::vector<ItemMetrics> items;
};

class Service {
 public:
  Service(sql::Database* db, audit::Log* audit, const Clock* clock, Options opt = {});

  // ---- citizens
  Result<Citizen> Register(const RegisterInput& in);
  // Returns a session token.
  // client: the remote address (failures are limited per phone and per address).
  Result<std::string> Login(const std::string& phone, const std::string& password, const std::string& client);
  Result<Citizen> Authenticate(const std::string& token);

  // ---- citizen actions (refused with 403 not_your_application for another's)
  Result<Application> Apply(const Citizen& c, const ApplyInput& in);
  Result<Application> GetForCitizen(const Citizen& c, int64_t id);
  Result<std::vector<Application>> ListForCitizen(const Citizen& c);
  // Checks size and type before anything is written; stores under
  // uploads_dir/<sha256[0:2]>/<sha256>. An owed material clears its debt; when
  // nothing is owed any more the case returns to received (material_requested)
  // or accepted, with its clock resumed (accepted_pending).
  Result<Application> Upload(const Citizen& c, int64_t id, const UploadInput& in);
  Result<Application> Rate(const Citizen& c, int64_t id, int level, const std::string& comment);

  // ---- staff actions
  // owed: non-key materials accepted to follow within follow_days working days
  // (<= the promised limit); empty: plain acceptance.
  Result<Application> Accept(const Actor& a, int64_t id, const std::vector<std::string>& owed, int follow_days,
                             const std::string& commissioner);
  Result<Application> RequestMaterial(const Actor& a, int64_t id, const std::vector<std::string>& materials,
                                      const std::string& note);
  Result<Application> StartReview(const Actor& a, int64_t id);
  // Single-department items; a commitment application may be approved straight from accepted.
  Result<Application> Approve(const Actor& a, int64_t id, const std::string& note);
  Result<Application> Reject(const Actor& a, int64_t id, const std::string& reason);
  // One department's step of a parallel approval; the rule decides the case.
  Result<Application> DepartmentDecision(const Actor& a, int64_t id, const std::string& department,
                                         const std::string& decision, const std::string& reason);
  Result<Application> Issue(const Actor& a, int64_t id, const std::string& certificate_no);
  Result<Application> CloseFollowUp(const Actor& a, int64_t id, const std::string& note);
  Result<Application> Verify(const Actor& a, int64_t id, const std::string& result);  // confirmed / revoked
  // Draws the configured share of approved commitment cases not yet drawn; returns the ids.
  Result<std::vector<int64_t>> DrawVerification(const Actor& a);

  Result<Application> Get(int64_t id) { return store_.Get(id); }
  // commissioner: only the cases of this approval commissioner (审批专员), "" = all.
  Result<std::vector<Application>> Queue(const std::string& department, const std::string& states, int limit,
                                         const std::string& commissioner = "") {
    return store_.List(0, department, states, limit, commissioner);
  }
  Status SetStaffDepartment(const std::string& username, const std::string& department);
  Result<std::string> StaffDepartment(const std::string& username) { return store_.StaffDepartment(username); }

  // Escalates at 80% and 100% of the promised limit and terminates cases
  // whose documents-to-follow deadline has passed. Returns the number of changes.
  Result<int> CheckClocks();

  // Working days used so far (pauses excluded) and the escalation level.
  int ElapsedWorkingDays(const Application& a, int64_t today) const;

  Result<MetricsReport> Metrics(int64_t from_day, int64_t to_day);

  // Runs CheckClocks every interval on a thread of its own until StopClockChecks.
  void StartClockChecks(int interval_ms = 60000);
  void StopClockChecks();
  ~Service() { StopClockChecks(); }

  Store& store() { return store_; }
  const Options& options() const { return opt_; }
  const Clock& clock() const { return *clock_; }
  int64_t Today() const;

 private:
  using Mutator = std::function<Status(Application&, const Item&)>;
  // Loads, applies fn, bumps the version and stores; under mu_.
  Result<Application> Change(int64_t id, const std::string& actor, const std::string& action, const Mutator& fn,
                             const std::string& note = "");
  void Decide(Application& app, std::string_view state, int64_t today);

  sql::Database* db_;
  audit::Log* audit_;
  const Clock* clock_;
  Options opt_;
  Store store_;
  using AttemptMap = std::map<std::string, std::deque<int64_t>>;
  // True when key has `limit` attempts within the window (old ones dropped).
  bool Throttled(AttemptMap* m, const std::string& key, int64_t window_us, int limit);
  void NoteAttempt(AttemptMap* m, const std::string& key);
  std::mutex attempts_mu_;
  AttemptMap failures_by_phone_;     // guarded by attempts_mu_
  AttemptMap failures_by_address_;   // guarded by attempts_mu_
  AttemptMap register_by_address_;   // guarded by attempts_mu_
  std::mutex mu_;  // serialises changes
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool timer_stop_ = false;  // guarded by timer_mu_
  std::thread timer_thread_;
};

// Demo data: a year of applications across the catalogue and channels,
// including a talent-settlement stream of `talent` settlements in
// January–October, with commitments, documents to follow, late cases and
// ratings. Added only when there are no applications. Returns how many.
Result<int64_t> SeedDemo(Service& s, int year, uint64_t seed, int64_t total = 138000, int64_t talent = 23492);
// The same records without a database (jingwu gen), and as CSV (one row per application).
std::vector<Application> GenerateDemo(const BusinessCalendar& cal, int follow_up_days, int year, uint64_t seed,
                                      int64_t total = 138000, int64_t talent = 23492);
Status WriteDemoCsv(const std::vector<Application>& apps, const std::string& path);

}  // namespace jingwu::services

// The dispatch service: validates every change, appends it to the timeline
// (Store) as events and applies them to the in-memory State, which is rebuilt
// from the timeline at start (Load). No HTTP here.
//
// Ownership: borrows the database, audit log and clock, which must outlive it.
// Thread-safe: one mutex serialises changes and guards the State; listeners
// are called after each committed change, outside the mutex, in seq order.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "audit/audit.h"
#include "dispatch/kpi.h"
#include "dispatch/model.h"
#include "dispatch/recommend.h"
#include "dispatch/store.h"

namespace jingwu::dispatch {

// Who makes a change (username, roles, client), as the audit log records it.
using Actor = audit::Actor;

struct UnitInput {
  std::string call_sign, type, station;
  std::vector<std::string> capabilities;
  std::string availability = std::string(kOnDuty);
  double lat = 0, lon = 0;
};

struct IncidentInput {
  std::string caller_phone;  // optional; mobile or landline
  double lat = 0, lon = 0;
  std::string address, district_code, category, narrative;
  int priority = 2;
  std::optional<Timestamp> rang_at;  // when the call started ringing (answer time KPI)
};

struct Options {
  TargetTable targets = TargetTable::Defaults();
  int64_t stale_after_s = 300;  // positions older than this are flagged
};

// A timer of one incident step.
struct Timer {
  std::string step;  // acknowledge, arrival, feedback
  Timestamp started, due;
  std::optional<Timestamp> met;
  bool overdue = false;  // not met and past due, or met late
};

struct IncidentFilter {
  std::string status;  // "open" (default), "closed", "all"
};

// {"targets": {...TargetTable::FromJson...}, "stale_after_s": 300}
Result<Options> ParseOptions(const std::string& json_text);

// Who crews a unit at a time, from the force roster (force/service.h). A
// unit whose station keeps a roster is recommended only while a crew is on
// shift; units of stations without one are judged by availability alone.
struct Crew {
  bool rostered = false;  // the unit's station keeps a roster
  std::vector<std::pair<std::string, std::string>> members;  // police number, name
};
class CrewSource {
 public:
  virtual ~CrewSource() = default;
  virtual Crew CrewOf(const std::string& call_sign, const std::string& station, Timestamp at) const = 0;
};

class Service {
 public:
  Service(sql::Database* db, audit::Log* audit, const Clock* clock, Options opt = {});
  ~Service();

  // Replays the stored timeline into the State. Call once before use.
  [[nodiscard]] Status Load();

  Result<Unit> CreateUnit(const Actor& a, const UnitInput& in);
  Result<Unit> SetAvailability(const Actor& a, int64_t unit_id, const std::string& availability);
  Result<Unit> ReportPosition(const Actor& a, int64_t unit_id, double lat, double lon);

  Result<Incident> CreateIncident(const Actor& a, const IncidentInput& in);
  // Moves a unit's assignment on an incident ("assigned" dispatches it,
  // "reserved" holds it for planned work). 409 codes: invalid_transition,
  // unit_busy, unit_unavailable, incident_closed, already_assigned.
  Result<Incident> SetAssignment(const Actor& a, int64_t incident_id, int64_t unit_id, const std::string& state);
  Result<Incident> Feedback(const Actor& a, int64_t incident_id, const std::string& text);
  // Closes with a disposition and clears every active unit, atomically.
  Result<Incident> Close(const Actor& a, int64_t incident_id, const std::string& disposition);

  Result<Incident> GetIncident(int64_t id) const;
  Result<Unit> GetUnit(int64_t id) const;
  std::vector<Incident> ListIncidents(const IncidentFilter& f) const;
  std::vector<Unit> ListUnits() const;
  Result<std::vector<Recommendation>> Recommend(int64_t incident_id, size_t limit) const;
  Result<std::vector<Event>> Timeline(int64_t incident_id);
  Result<std::vector<Event>> Since(int64_t after, int limit) { return store_.Since(after, limit); }
  Result<KpiReport> Kpis(const KpiQuery& q);

  std::vector<Timer> Timers(const Incident& inc, Timestamp now) const;
  // Raises an escalation event for each step that became overdue; returns how many.
  int CheckTimers();
  // Runs CheckTimers every interval on a thread of its own until StopTimers.
  void StartTimers(int interval_ms = 500);
  void StopTimers();

  using Listener = std::function<void(const Event&)>;
  void AddListener(Listener l);

  // Set before serving (may stay null: no roster).
  void SetCrewSource(const CrewSource* crews) { crews_ = crews; }
  const CrewSource* crews() const { return crews_; }
  const Options& options() const { return opt_; }
  const Clock& clock() const { return *clock_; }
  int64_t LastSeq() const;

 private:
  // Gives the events seq and time, stores them atomically, applies them and
  // notifies listeners. Called with mu_ held; releases it before notifying.
  Status Commit(std::unique_lock<std::mutex>& lock, std::vector<Event> events);
  void AuditPersonal(const Actor& a, const std::string& action, const std::string& target, const std::string& detail);

  sql::Database* db_;
  audit::Log* audit_;
  const Clock* clock_;
  Options opt_;
  Store store_;
  StraightLineEta eta_;
  const CrewSource* crews_ = nullptr;

  mutable std::mutex mu_;
  State state_;  // guarded by mu_
  std::mutex notify_mu_;  // keeps listener calls in seq order
  std::vector<Listener> listeners_;  // set before serving

  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool timer_stop_ = false;  // guarded by timer_mu_
  std::thread timer_thread_;
};

// The demo's police stations (派出所): two units each, call signs 琼A-<code>01/02.
struct DemoStation {
  const char* name;
  const char* code;      // for call signs
  const char* district;  // GB/T 2260
  double lat, lon;
};
const std::vector<DemoStation>& DemoStations();
std::string DemoCallSign(const DemoStation& st, int k);

// Demo data: about forty units at Haikou's police stations and a few incidents,
// added only when the timeline is empty. Returns the number of units added.
Result<int> SeedDemo(Service& s);

}  // namespace jingwu::dispatch

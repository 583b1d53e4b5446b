// Smart security communities (智慧安防小区, docs/communities.md): the
// communities with their gates, device alarms with their clearing targets,
// gate activity from the `access` and `barrier` sources (defined as data,
// sources/*.json), and the rules that turn them into findings and registry
// tasks: unregistered regular visitors, elderly residents living alone not
// seen at a gate, cloned cards, alarms not cleared in time. Plates on a
// watchlist at a barrier are raised by the watchlist listener like at any
// checkpoint.
//
// Identification is by access card, QR pass or plate only; there is no face
// recognition anywhere. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/model.h"
#include "core/csv.h"
#include "core/status.h"
#include "core/time.h"
#include "events/store.h"
#include "fusion/source_def.h"
#include "registry/service.h"
#include "sql/database.h"

namespace jingwu::community {

std::vector<sql::Migration> Migrations();

struct Community {
  std::string code;        // the registry's 12-digit community code
  std::string place_code;  // the event store's place (SQ…), where gate passes are recorded
  std::string name, district_code;
  std::vector<std::string> gates, car_gates;
  double lat = 0, lon = 0;
  // Figures (Communities(), Get()).
  int64_t open_alarms = 0, overdue_alarms = 0, open_findings = 0;
  std::map<std::string, int64_t> findings_by_rule;  // open ones
};

struct Alarm {
  int64_t id = 0;
  std::string community_code, place_code, device, kind, raised_at;
  std::optional<std::string> cleared_at;
  std::string cleared_by, note;
  int64_t target_minutes = 0;
  int64_t minutes = 0;  // to clearing, or to now while open
  bool overdue = false;
};

struct Finding {
  int64_t id = 0;
  std::string rule, community_code, subject, status;
  std::string detail;  // JSON: the evidence
  std::string first_found_at, last_found_at;
  int64_t task_id = 0;  // the registry task it created (0: none)
  std::string closed_by, note;
};

struct Options {
  int regular_nights = 8;  // entries at night (20:00-04:00) on this many nights…
  int regular_days = 30;   // …within this many days, by someone living in no room of the community
  int elderly_age = 70;    // living alone at this age or older…
  int unseen_days = 7;     // …and not seen at a gate for this many days (seen in the window before)
  int window_days = 60;    // how far back the gate rules read
  double clone_km = 2.0;   // the same card at places this far apart…
  double clone_kmh = 60.0; // …faster than this
  std::map<std::string, int> alarm_targets = {{"perimeter", 15},           {"fire_lane_blocked", 30}, {"smoke", 10},
                                              {"elevator_entrapment", 30}, {"help_button", 10}};
};

using ImportFile = jingwu::ImportFile;  // core/csv.h

struct RunReport {
  std::map<std::string, int64_t> found;  // rule -> findings this run (new or still true)
  std::map<std::string, int64_t> raised; // rule -> new findings
  int64_t tasks = 0;                     // registry tasks created
  int64_t events_read = 0;
  double seconds = 0;
  std::string as_of;
};

struct FindingFilter {
  std::string rule, community, status;
  int page = 1, page_size = 50;
};

struct Activity {
  std::string day;  // YYYY-MM-DD (local)
  // Per hour 0-23: people in/out (access), vehicles in/out (barrier), denied.
  std::vector<int64_t> people_in, people_out, vehicles_in, vehicles_out, denied;
};

class Service {
 public:
  Service(sql::Database* db, audit::Log* audit, registry::Service* registry, events::Store* events,
          fusion::SourceRegistry* sources, Options options = {})
      : db_(db), audit_(audit), registry_(registry), events_(events), sources_(sources), opt_(std::move(options)) {}

  // smart_communities.csv and alarm.csv from dir (those present), one
  // transaction per file, rows already stored counted as `already`, bad rows
  // rejected per reason.
  Result<std::vector<ImportFile>> Import(const auth::Actor& actor, const std::string& dir);

  Result<std::vector<Community>> Communities();
  Result<Community> Get(const std::string& code);  // by 12-digit code or place code
  // Gate activity per hour on one local day (YYYY-MM-DD).
  Result<Activity> GateActivity(const std::string& code, const std::string& day);

  // Alarms of a community (all when empty); open ones only unless all.
  Result<std::vector<Alarm>> Alarms(const std::string& community, bool all, size_t limit = 500);
  // 422 invalid_kind / invalid_time, 404 unknown_community, 409 already_raised.
  Result<Alarm> RaiseAlarm(const auth::Actor& actor, Alarm a);
  // 404 unknown_alarm, 409 already_cleared, 422 invalid_time (before it was raised).
  Result<Alarm> ClearAlarm(const auth::Actor& actor, int64_t id, const std::string& cleared_at, const std::string& note);

  // Runs every rule as of the registry's clock (the data clock in the demo).
  Result<RunReport> RunRules(const auth::Actor& actor);
  Result<std::pair<std::vector<Finding>, int64_t>> Findings(const FindingFilter& f);
  // 404 unknown_finding, 409 finding_closed, 422 note_required.
  Result<Finding> CloseFinding(const auth::Actor& actor, int64_t id, const std::string& note);

  const Options& options() const { return opt_; }
  Timestamp Now() const { return registry_->Now(); }

 private:
  Result<Community> Resolve(const std::string& code);
  Alarm AlarmFromRow(const sql::Row& r, Timestamp now) const;
  void Audit(const auth::Actor& a, std::string action, std::string target, std::string outcome, std::string detail = "");

  sql::Database* db_;
  audit::Log* audit_;
  registry::Service* registry_;
  events::Store* events_;
  fusion::SourceRegistry* sources_;
  Options opt_;
  std::mutex run_mu_;  // one rule run at a time
};

}  // namespace jingwu::community

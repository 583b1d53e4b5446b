// Grassroots policing (基层基础, docs/grassroots.md): public-safety
// supervision of controlled items (sites, licences, stock, inspections with
// checklists, hazards and their rectification, alerts, a district
// dashboard), Fengqiao-style dispute resolution (disputes with parties,
// mediation, follow-ups, escalation, repeat detection, station figures),
// community partners and their tips (triaged into incidents, registry tasks
// or disputes, reporters protected), and the mobile app's officer view and
// offline sync.
//
// Reads answer the API's JSON shapes directly (docs/grassroots.md lists
// them); writes check everything before the first row is written, so a
// refusal stores nothing. Alerts are computed from the records on every
// read, as of the service clock. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/model.h"
#include "core/csv.h"
#include "core/status.h"
#include "core/time.h"
#include "sql/database.h"

namespace jingwu::registry {
class Service;
}
namespace jingwu::force {
class Service;
}
namespace jingwu::dispatch {
class Service;
}
namespace jingwu::cases {
class Service;
}
namespace jingwu::events {
class Store;
}

namespace jingwu::grassroots {

using json = nlohmann::json;

std::vector<sql::Migration> Migrations();

inline constexpr const char* kSiteKinds[] = {"explosives_user",     "explosives_store", "firearms_unit",
                                             "shooting_range",      "fireworks_wholesale", "fireworks_retail"};
inline constexpr const char* kLicenceItems[] = {"explosives", "detonators", "firearms", "ammunition", "fireworks"};
inline constexpr const char* kDisputeKinds[] = {"neighbour", "family", "labour", "property", "traffic", "land", "other"};
inline constexpr const char* kTipCategories[] = {"suspicious_person", "suspicious_vehicle", "hazard", "dispute",
                                                 "drugs",             "gambling",           "fraud",  "other"};
inline constexpr const char* kPartnerKinds[] = {"security_company", "school_alliance", "sanitation_team", "other"};

// The inspection interval and checklist of each site kind.
int InspectEveryDays(const std::string& kind);
const std::vector<std::string>& ChecklistOf(const std::string& kind);
std::string UnitOfItem(const std::string& item);  // kg, pcs, guns, rounds, boxes

// The model stations of the bureau's account (枫桥式公安派出所): name -> national | provincial.
const std::vector<std::pair<std::string, std::string>>& ModelStations();

struct Options {
  int repeat_months = 6;            // a dispute repeats one within this many months
  int expiring_days = 30;           // licence_expiring: ends within
  int64_t photo_max_bytes = 5 * 1024 * 1024;
  int max_photos = 3;
  std::string uploads_dir;          // DATA/uploads (tip photos, by SHA-256)
  // The phone's session limits (auth's mobile_session_*), shown on the phone.
  int64_t mobile_idle_seconds = 600, mobile_absolute_seconds = 8 * 3600;
};

// A citizen of the portal sending a tip (services::Citizen's fields).
struct Reporter {
  int64_t citizen_id = 0;
  std::string phone, name, id_number;
};

class Service {
 public:
  Service(sql::Database* db, audit::Log* audit, const Clock* clock, Options o = {}) : db_(db), audit_(audit), clock_(clock), opt_(std::move(o)) {}
  // Optional collaborators (each check that needs one is skipped without it).
  void SetRegistry(registry::Service* r) { registry_ = r; }
  void SetForce(force::Service* f) { force_ = f; }
  void SetDispatch(dispatch::Service* d) { dispatch_ = d; }
  void SetCases(cases::Service* c) { cases_ = c; }
  void SetEvents(const events::Store* e) { events_ = e; }

  Timestamp Now() const { return clock_->Now(); }
  const Options& options() const { return opt_; }

  // ---- supervision
  json Checklists() const;
  Result<json> CreateSite(const auth::Actor& a, const json& body);
  Result<json> CreateLicence(const auth::Actor& a, const json& body);
  Result<json> Sites(const std::string& district, const std::string& kind, const std::string& q);
  Result<json> Site(const std::string& code);
  // at: empty for now. 404 unknown_licence, 409 licence_expired / over_licence_limit, 422 insufficient_stock / invalid_time.
  Result<json> Move(const auth::Actor& a, const std::string& site, const json& body);
  Result<json> Inspect(const auth::Actor& a, const json& body);
  Result<json> Inspections(const std::string& site, size_t limit);
  Result<json> Hazards(const std::string& status, const std::string& district, const std::string& site);
  Result<json> Reinspect(const auth::Actor& a, int64_t hazard, const json& body);
  Result<json> Alerts(const std::string& district);
  Result<json> Dashboard();

  // ---- disputes
  Result<json> CreateDispute(const auth::Actor& a, const json& body);
  Result<json> Disputes(const std::string& station, const std::string& status, const std::string& kind, bool repeats,
                        int page, int page_size);
  Result<json> Dispute(int64_t id);
  Result<json> Mediate(const auth::Actor& a, int64_t id, const json& body);
  Result<json> ScheduleFollowup(const auth::Actor& a, int64_t id, const json& body);
  // 409 followup_done (done already), 409 dispute_closed.
  Result<json> FollowupDone(const auth::Actor& a, int64_t followup, const json& body);
  Result<json> Escalate(const auth::Actor& a, int64_t id, const json& body);
  Result<json> CloseDispute(const auth::Actor& a, int64_t id, const json& body);
  Result<json> Stations();

  // ---- partners and tips
  Result<json> CreatePartner(const auth::Actor& a, const json& body);
  Result<json> Partners();
  Result<json> Partner(int64_t id);
  Result<json> AddMember(const auth::Actor& a, int64_t partner, const json& body);
  Result<json> PartnerFigures();
  // at: when it was sent (an import's; empty: now).
  Result<json> SubmitTip(const Reporter& r, const json& body, Timestamp at = {});
  Result<json> CitizenTips(int64_t citizen_id);
  Result<json> Tips(const std::string& status, const std::string& district, int64_t partner);
  // The photo's bytes and content type. 404 unknown_tip / unknown_photo.
  Result<std::pair<std::string, std::string>> TipPhoto(int64_t tip, int n);
  // Only the handling officer, or an inspector (audit_reader): 403 not_handler.
  Result<json> TipReporter(const auth::Actor& a, int64_t tip, bool audit_reader);
  Result<json> Triage(const auth::Actor& a, int64_t tip, const json& body);

  // ---- mobile (the officer of an account)
  Result<json> MobileMe(const auth::Actor& a);
  Result<json> MobileAssignments(const auth::Actor& a);
  Result<json> MobileAssignmentState(const auth::Actor& a, int64_t incident, const std::string& state);
  Result<json> MobileFeedback(const auth::Actor& a, int64_t incident, const std::string& text);
  Result<json> MobileTasks(const auth::Actor& a);
  Result<json> MobileNotes(const auth::Actor& a);
  // One result per op: stored, duplicate, conflict or error; never throws an op away.
  Result<json> Sync(const auth::Actor& a, const json& body);

  // ---- generated data (grassroots_*.csv; import.cpp)
  Result<int64_t> ImportShiftDays(const std::string& as_of, int64_t proposed_days);
  // shift_days moves every date and time; refs maps file refs to stored ids (hazards "H…", disputes "D…").
  Result<std::vector<ImportFile>> Import(const auth::Actor& a, const std::string& dir, int64_t shift_days,
                                         std::map<std::string, int64_t>* refs = nullptr);

 private:
  struct Officer {
    std::string police_no, name, post, unit_code, unit_name, station_code, district_code, call_sign;
  };
  Result<Officer> OfficerOf(const auth::Actor& a);
  Result<int64_t> CarOf(const Officer& o);  // the dispatch unit id of the officer's car now (0: none)
  Result<json> DisputeSummaries(const std::string& where, const sql::Params& params);
  Result<json> TipJson(const sql::Row& r);
  Result<json> LoadTip(int64_t id);
  std::string Today() const;  // YYYY-MM-DD, Shanghai
  void Audit(const auth::Actor& a, std::string action, std::string target, std::string outcome, std::string detail = "");

  sql::Database* db_;
  audit::Log* audit_;
  const Clock* clock_;
  Options opt_;
  registry::Service* registry_ = nullptr;
  force::Service* force_ = nullptr;
  dispatch::Service* dispatch_ = nullptr;
  cases::Service* cases_ = nullptr;
  const events::Store* events_ = nullptr;
};

}  // namespace jingwu::grassroots

// Online police-citizen services (警民通): the types of the module.
//
// The catalogue (Item) is static data compiled in (catalogue.cpp). An
// Application moves through the states below; every move is a Step in its
// history, and the transition table (AllowedTransition) is the one place
// that says which moves exist. Plain values; not thread-safe by themselves.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace jingwu::services {

using nlohmann::json;

// ---- Catalogue -----------------------------------------------------------

struct Material {
  std::string code, name_zh, name_en;
  bool required = true;
  bool key = true;  // a key material cannot be left to follow (容缺 only for non-key ones)
};

struct Field {
  std::string name, label_zh, label_en;
  std::string type = "text";  // text, id_number, phone, date, number, select
  bool required = true;
  std::string pattern;                 // regex the value must match (text)
  std::vector<std::string> options;    // for select
};

// Parallel approval by several departments (the foreigners' one-stop window).
struct ApprovalRule {
  std::string mode;  // "all": every department must approve; "any": one approval suffices
  std::vector<std::string> departments;
};

struct Item {
  std::string code, name_zh, name_en;
  std::string category;    // household, exit_entry, traffic, public_order, foreigners
  std::string department;  // the accepting department
  std::vector<std::string> channels;  // online, post, appointment, fast_track
  std::vector<Material> materials;
  std::vector<Field> fields;
  int statutory_days = 20;  // 法定时限, working days
  int promised_days = 10;   // 承诺时限, working days (<= statutory)
  int64_t fee_fen = 0;      // fee in fen (0.01 CNY)
  bool commitment = false;  // may be approved on the applicant's written commitment (承诺办)
  std::optional<ApprovalRule> approval;  // absent: the accepting department decides alone

  const Material* FindMaterial(std::string_view code) const;
};

const std::vector<Item>& Catalogue();
const Item* FindItem(std::string_view code);
// Department codes and names.
const std::vector<std::pair<std::string, std::string>>& Departments();
bool IsDepartment(std::string_view code);
bool IsChannel(std::string_view c);

// ---- Applications --------------------------------------------------------

// States. received → accepted | accepted_pending (documents to follow) →
// under_review → approved | rejected | terminated → issued.
inline constexpr std::string_view kReceived = "received", kMaterialRequested = "material_requested",
                                  kAccepted = "accepted", kAcceptedPending = "accepted_pending",
                                  kUnderReview = "under_review", kApproved = "approved", kRejected = "rejected",
                                  kTerminated = "terminated", kIssued = "issued";
bool IsState(std::string_view s);
bool AllowedTransition(std::string_view from, std::string_view to);
// A decision has been taken (the clock stopped for good).
bool IsDecided(std::string_view s);

struct Upload {
  std::string material, sha256, content_type, filename;
  int64_t size = 0;
  Timestamp at;
};

struct DeptDecision {
  std::string department;
  std::string decision;  // "", approved, rejected
  std::string by, reason;
  std::optional<Timestamp> at;
};

struct Step {
  Timestamp at;
  std::string actor;  // citizen:<id>, a staff username, or "system"
  std::string action; // submit, accept, accept_pending, request_material, supplement, review, dept_decision,
                      // approve, reject, terminate, issue, escalate, verify_draw, verify, rate, follow_up_close
  std::string state;  // the state after the step
  std::string note;
};

struct Rating {
  int level = 0;  // 1..5 (非常不满意 .. 非常满意)
  std::string comment;
  Timestamp at;
  // A bad rating (1 or 2) opens a follow-up with its own deadline.
  bool follow_up = false;
  int64_t follow_up_due_day = 0;
  std::optional<Timestamp> follow_up_closed_at;
  std::string follow_up_note;
};

struct Application {
  int64_t id = 0;
  std::string item_code, department, channel;
  int64_t citizen_id = 0;
  std::string state = std::string(kReceived);
  json form = json::object();
  bool commitment = false;        // applied on a written commitment
  std::vector<Upload> uploads;
  std::vector<std::string> owed;  // materials to follow (accepted_pending) or requested (material_requested)
  std::string request_note;       // what staff asked for
  std::vector<DeptDecision> decisions;
  std::string commissioner;       // 审批专员, a staff username
  std::string reason;             // of a rejection or termination
  std::string certificate_no;
  Timestamp submitted_at;
  std::optional<Timestamp> accepted_at, decided_at, issued_at;
  // Legal clock (days as in calendar.h).
  int64_t accept_day = -1;
  int64_t due_day = -1;             // promised limit, extended by paused working days
  int64_t statutory_due_day = -1;
  int64_t follow_deadline_day = -1; // documents-to-follow deadline (accepted_pending)
  int64_t pause_start_day = -1;     // while accepted_pending
  int paused_days = 0;              // working days paused so far
  int decided_working_days = -1;    // clock time to decision, pauses excluded
  std::vector<std::string> escalations;  // "80", "100"
  // Commitment verification sample.
  std::string verification;  // "", pending, confirmed, revoked
  std::optional<Rating> rating;
  std::vector<Step> steps;
  int64_t version = 0;

  bool HasUpload(std::string_view material) const;
};

json ApplicationJson(const Application& a);
Result<Application> ApplicationFromJson(const json& j);

}  // namespace jingwu::services

#include "services/model.h"

#include <algorithm>
#include <map>
#include <set>

#include "services/calendar.h"

namespace jingwu::services {

const Material* Item::FindMaterial(std::string_view c) const {
  for (const auto& m : materials)
    if (m.code == c) return &m;
  return nullptr;
}

bool IsState(std::string_view s) {
  for (auto k : {kReceived, kMaterialRequested, kAccepted, kAcceptedPending, kUnderReview, kApproved, kRejected,
                 kTerminated, kIssued})
    if (s == k) return true;
  return false;
}

bool AllowedTransition(std::string_view from, std::string_view to) {
  static const std::map<std::string_view, std::set<std::string_view>> kNext = {
      {kReceived, {kAccepted, kAcceptedPending, kMaterialRequested, kRejected}},
      {kMaterialRequested, {kReceived, kTerminated}},
      {kAcceptedPending, {kAccepted, kTerminated}},
      {kAccepted, {kUnderReview, kApproved, kRejected, kTerminated}},
      {kUnderReview, {kApproved, kRejected, kTerminated}},
      {kApproved, {kIssued}},
  };
  auto it = kNext.find(from);
  return it != kNext.end() && it->second.count(to) > 0;
}

bool IsDecided(std::string_view s) {
  return s == kApproved || s == kRejected || s == kTerminated || s == kIssued;
}

bool Application::HasUpload(std::string_view material) const {
  return std::any_of(uploads.begin(), uploads.end(), [&](const Upload& u) { return u.material == material; });
}

namespace {
json OptTime(const std::optional<Timestamp>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }
json Day(int64_t d) { return d < 0 ? json(nullptr) : json(DayString(d)); }
std::optional<Timestamp> ReadOptTime(const json& j, const char* k) {
  if (!j.contains(k) || !j[k].is_string()) return std::nullopt;
  auto t = ParseTime(j[k].get<std::string>());
  if (!t.ok()) return std::nullopt;
  return *t;
}
Timestamp ReadTime(const json& j, const char* k) { return ReadOptTime(j, k).value_or(Timestamp{}); }
int64_t ReadDay(const json& j, const char* k) {
  if (!j.contains(k) || !j[k].is_string()) return -1;
  auto d = ParseDay(j[k].get<std::string>());
  return d.ok() ? *d : -1;
}
}  // namespace

json ApplicationJson(const Application& a) {
  json uploads = json::array();
  for (const auto& u : a.uploads)
    uploads.push_back({{"material", u.material}, {"sha256", u.sha256}, {"content_type", u.content_type},
                       {"filename", u.filename}, {"size", u.size}, {"at", FormatTime(u.at)}});
  json decisions = json::array();
  for (const auto& d : a.decisions)
    decisions.push_back({{"department", d.department}, {"decision", d.decision}, {"by", d.by}, {"reason", d.reason},
                         {"at", OptTime(d.at)}});
  json steps = json::array();
  for (const auto& s : a.steps)
    steps.push_back({{"at", FormatTime(s.at)}, {"actor", s.actor}, {"action", s.action}, {"state", s.state},
                     {"note", s.note}});
  json rating = nullptr;
  if (a.rating)
    rating = {{"level", a.rating->level},
              {"comment", a.rating->comment},
              {"at", FormatTime(a.rating->at)},
              {"follow_up", a.rating->follow_up},
              {"follow_up_due", Day(a.rating->follow_up ? a.rating->follow_up_due_day : -1)},
              {"follow_up_closed_at", OptTime(a.rating->follow_up_closed_at)},
              {"follow_up_note", a.rating->follow_up_note}};
  const Item* item = FindItem(a.item_code);
  return {{"id", a.id},
          {"item_code", a.item_code},
          {"item_name", item ? item->name_zh : ""},
          {"item_name_en", item ? item->name_en : ""},
          {"department", a.department},
          {"channel", a.channel},
          {"citizen_id", a.citizen_id},
          {"state", a.state},
          {"form", a.form},
          {"commitment", a.commitment},
          {"uploads", uploads},
          {"owed", a.owed},
          {"request_note", a.request_note},
          {"decisions", decisions},
          {"commissioner", a.commissioner},
          {"reason", a.reason},
          {"certificate_no", a.certificate_no},
          {"submitted_at", FormatTime(a.submitted_at)},
          {"accepted_at", OptTime(a.accepted_at)},
          {"decided_at", OptTime(a.decided_at)},
          {"issued_at", OptTime(a.issued_at)},
          {"accept_day", Day(a.accept_day)},
          {"due_day", Day(a.due_day)},
          {"statutory_due_day", Day(a.statutory_due_day)},
          {"follow_deadline_day", Day(a.follow_deadline_day)},
          {"pause_start_day", Day(a.pause_start_day)},
          {"paused_days", a.paused_days},
          {"decided_working_days", a.decided_working_days},
          {"escalations", a.escalations},
          {"verification", a.verification},
          {"rating", rating},
          {"steps", steps},
          {"version", a.version}};
}

Result<Application> ApplicationFromJson(const json& j) {
  if (!j.is_object()) return Internal("application record is not an object");
  Application a;
  a.id = j.value("id", int64_t{0});
  a.item_code = j.value("item_code", "");
  a.department = j.value("department", "");
  a.channel = j.value("channel", "");
  a.citizen_id = j.value("citizen_id", int64_t{0});
  a.state = j.value("state", "");
  a.form = j.value("form", json::object());
  a.commitment = j.value("commitment", false);
  for (const auto& u : j.value("uploads", json::array()))
    a.uploads.push_back({u.value("material", ""), u.value("sha256", ""), u.value("content_type", ""),
                         u.value("filename", ""), u.value("size", int64_t{0}), ReadTime(u, "at")});
  a.owed = j.value("owed", std::vector<std::string>{});
  a.request_note = j.value("request_note", "");
  for (const auto& d : j.value("decisions", json::array()))
    a.decisions.push_back({d.value("department", ""), d.value("decision", ""), d.value("by", ""),
                           d.value("reason", ""), ReadOptTime(d, "at")});
  a.commissioner = j.value("commissioner", "");
  a.reason = j.value("reason", "");
  a.certificate_no = j.value("certificate_no", "");
  a.submitted_at = ReadTime(j, "submitted_at");
  a.accepted_at = ReadOptTime(j, "accepted_at");
  a.decided_at = ReadOptTime(j, "decided_at");
  a.issued_at = ReadOptTime(j, "issued_at");
  a.accept_day = ReadDay(j, "accept_day");
  a.due_day = ReadDay(j, "due_day");
  a.statutory_due_day = ReadDay(j, "statutory_due_day");
  a.follow_deadline_day = ReadDay(j, "follow_deadline_day");
  a.pause_start_day = ReadDay(j, "pause_start_day");
  a.paused_days = j.value("paused_days", 0);
  a.decided_working_days = j.value("decided_working_days", -1);
  a.escalations = j.value("escalations", std::vector<std::string>{});
  a.verification = j.value("verification", "");
  if (j.contains("rating") && j["rating"].is_object()) {
    const json& r = j["rating"];
    Rating rt;
    rt.level = r.value("level", 0);
    rt.comment = r.value("comment", "");
    rt.at = ReadTime(r, "at");
    rt.follow_up = r.value("follow_up", false);
    rt.follow_up_due_day = ReadDay(r, "follow_up_due");
    rt.follow_up_closed_at = ReadOptTime(r, "follow_up_closed_at");
    rt.follow_up_note = r.value("follow_up_note", "");
    a.rating = rt;
  }
  for (const auto& s : j.value("steps", json::array()))
    a.steps.push_back({ReadTime(s, "at"), s.value("actor", ""), s.value("action", ""), s.value("state", ""),
                       s.value("note", "")});
  a.version = j.value("version", int64_t{0});
  return a;
}

}  // namespace jingwu::services

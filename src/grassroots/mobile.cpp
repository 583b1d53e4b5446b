// The officer's phone (移动警务, docs/grassroots.md §4): the officer behind
// an account, today's shift and car, the car's assignments, the day's tasks,
// field notes and the offline queue's sync.
#include <set>

#include "dispatch/service.h"
#include "force/service.h"
#include "grassroots/service.h"
#include "grassroots/state.h"
#include "grassroots/util.h"
#include "registry/service.h"

namespace jingwu::grassroots {

using namespace util;

Result<Service::Officer> Service::OfficerOf(const auth::Actor& a) {
  if (!force_) return Unavailable("force_unavailable", "force management is not running");
  JW_ASSIGN_OR_RETURN(std::optional<force::Officer> o, force_->OfficerOfUser(a.username));
  if (!o) return NotFound("no_officer", "the account " + a.username + " belongs to no officer of the force");
  Officer out{o->police_no, o->name, o->post, o->unit_code, "", "", "", o->call_sign};
  JW_ASSIGN_OR_RETURN(std::vector<force::Unit> units, force_->Units());
  std::map<std::string, const force::Unit*> by_code;
  for (const auto& u : units) by_code[u.code] = &u;
  // The officer's station: the unit itself, or the nearest station above it (a community post's).
  for (auto it = by_code.find(o->unit_code); it != by_code.end(); it = by_code.find(it->second->parent_code)) {
    if (out.unit_name.empty()) out.unit_name = it->second->name, out.district_code = it->second->district_code;
    if (it->second->kind == "station") {
      out.station_code = it->second->code;
      break;
    }
  }
  return out;
}

Result<int64_t> Service::CarOf(const Officer& o) {
  if (!dispatch_) return int64_t{0};
  std::string call_sign = o.call_sign;
  // Today's shift may put the officer in another car.
  if (force_) {
    std::string today = Today(), yesterday = DayText(LocalDay(Now()) - 1);
    JW_ASSIGN_OR_RETURN(std::vector<force::Shift> shifts, force_->Shifts("", yesterday, today, o.police_no));
    int64_t now = Now().micros;
    for (const auto& s : shifts) {
      auto from = ParseTime(s.starts_at), to = ParseTime(s.ends_at);
      if (!from.ok() || !to.ok() || now < from->micros || now >= to->micros) continue;
      for (const auto& m : s.members)
        if (m.police_no == o.police_no && !m.call_sign.empty()) call_sign = m.call_sign;
    }
  }
  if (call_sign.empty()) return int64_t{0};
  for (const auto& u : dispatch_->ListUnits())
    if (u.call_sign == call_sign) return u.id;
  return int64_t{0};
}

Result<json> Service::MobileMe(const auth::Actor& a) {
  JW_ASSIGN_OR_RETURN(Officer o, OfficerOf(a));
  json shift = nullptr;
  if (force_) {
    std::string yesterday = DayText(LocalDay(Now()) - 1), tomorrow = DayText(LocalDay(Now()) + 1);
    JW_ASSIGN_OR_RETURN(std::vector<force::Shift> shifts, force_->Shifts("", yesterday, tomorrow, o.police_no));
    int64_t now = Now().micros;
    // The shift on now, else the next one (today or tomorrow).
    for (int pass = 0; pass < 2 && shift.is_null(); ++pass)
      for (const auto& s : shifts) {
        auto from = ParseTime(s.starts_at), to = ParseTime(s.ends_at);
        if (!from.ok() || !to.ok()) continue;
        bool on = now >= from->micros && now < to->micros;
        bool later = now < from->micros;
        if ((pass == 0 && on) || (pass == 1 && later)) {
          std::string call_sign;
          for (const auto& m : s.members)
            if (m.police_no == o.police_no) call_sign = m.call_sign;
          shift = {{"id", s.id}, {"date", s.date}, {"code", s.code}, {"start", s.starts_at}, {"end", s.ends_at},
                   {"on_now", on}, {"call_sign", call_sign}};
          break;
        }
      }
  }
  JW_ASSIGN_OR_RETURN(int64_t car_id, CarOf(o));
  json car = nullptr;
  if (car_id && dispatch_) {
    JW_ASSIGN_OR_RETURN(dispatch::Unit u, dispatch_->GetUnit(car_id));
    car = {{"unit_id", u.id}, {"call_sign", u.call_sign}, {"type", u.type}, {"availability", u.availability},
           {"station", u.station}, {"current_incident", u.current_incident ? json(u.current_incident) : json(nullptr)}};
  }
  return json{{"officer",
               {{"police_no", o.police_no}, {"name", o.name}, {"post", o.post}, {"call_sign", o.call_sign}, {"unit_code", o.unit_code},
                {"unit_name", o.unit_name}, {"station_code", o.station_code}, {"district_code", o.district_code}}},
              {"shift", shift},
              {"car", car},
              {"session", {{"idle_seconds", opt_.mobile_idle_seconds}, {"absolute_seconds", opt_.mobile_absolute_seconds}}},
              {"as_of", FormatTime(Now())}};
}

namespace {
json AssignmentJson(const dispatch::Incident& inc, const dispatch::Assignment& as,
                    const std::vector<dispatch::Timer>& timers) {
  json t = json::array();
  for (const auto& x : timers)
    t.push_back({{"step", x.step}, {"started", FormatTime(x.started)}, {"due", FormatTime(x.due)},
                 {"met", x.met ? json(FormatTime(*x.met)) : json(nullptr)}, {"overdue", x.overdue}});
  char nav[160];
  std::snprintf(nav, sizeof nav, "geo:%.6f,%.6f?q=%.6f,%.6f", inc.lat, inc.lon, inc.lat, inc.lon);
  char web[200];
  std::snprintf(web, sizeof web, "https://uri.amap.com/marker?position=%.6f,%.6f&coordinate=wgs84", inc.lon, inc.lat);
  return {{"incident_id", inc.id},
          {"unit_id", as.unit_id},
          {"state", as.state},
          {"since", FormatTime(as.since)},
          {"incident",
           {{"id", inc.id}, {"category", inc.category}, {"priority", inc.priority}, {"address", inc.address},
            {"narrative", inc.narrative}, {"lat", inc.lat}, {"lon", inc.lon}, {"status", inc.status},
            {"received_at", FormatTime(inc.received_at)}, {"feedback", inc.feedback}}},
          {"timers", t},
          {"nav_geo", nav},
          {"nav_url", web}};
}
}  // namespace

Result<json> Service::MobileAssignments(const auth::Actor& a) {
  JW_ASSIGN_OR_RETURN(Officer o, OfficerOf(a));
  JW_ASSIGN_OR_RETURN(int64_t car, CarOf(o));
  json items = json::array();
  if (car && dispatch_)
    for (const auto& inc : dispatch_->ListIncidents({"open"}))
      if (const auto* as = inc.FindAssignment(car); as && dispatch::IsActive(as->state))
        items.push_back(AssignmentJson(inc, *as, dispatch_->Timers(inc, Now())));
  return json{{"items", items}, {"total", items.size()}, {"unit_id", car ? json(car) : json(nullptr)}};
}

Result<json> Service::MobileAssignmentState(const auth::Actor& a, int64_t incident, const std::string& state) {
  if (state != "acknowledged" && state != "en_route" && state != "on_scene" && state != "cleared")
    return Validation("invalid_state", "state is acknowledged, en_route, on_scene or cleared");
  JW_ASSIGN_OR_RETURN(Officer o, OfficerOf(a));
  JW_ASSIGN_OR_RETURN(int64_t car, CarOf(o));
  if (!dispatch_) return Unavailable("dispatch_unavailable", "dispatch is not running");
  JW_ASSIGN_OR_RETURN(dispatch::Incident inc, dispatch_->GetIncident(incident));
  const auto* as = car ? inc.FindAssignment(car) : nullptr;
  if (!as) return PermissionDenied("not_your_assignment", "your car is not assigned to incident " + std::to_string(incident));
  JW_ASSIGN_OR_RETURN(dispatch::Incident after, dispatch_->SetAssignment(a, incident, car, state));
  return AssignmentJson(after, *after.FindAssignment(car), dispatch_->Timers(after, Now()));
}

Result<json> Service::MobileFeedback(const auth::Actor& a, int64_t incident, const std::string& text) {
  JW_ASSIGN_OR_RETURN(Officer o, OfficerOf(a));
  JW_ASSIGN_OR_RETURN(int64_t car, CarOf(o));
  if (!dispatch_) return Unavailable("dispatch_unavailable", "dispatch is not running");
  JW_ASSIGN_OR_RETURN(dispatch::Incident inc, dispatch_->GetIncident(incident));
  const auto* as = car ? inc.FindAssignment(car) : nullptr;
  if (!as) return PermissionDenied("not_your_assignment", "your car is not assigned to incident " + std::to_string(incident));
  JW_ASSIGN_OR_RETURN(dispatch::Incident after, dispatch_->Feedback(a, incident, text));
  return AssignmentJson(after, *after.FindAssignment(car), dispatch_->Timers(after, Now()));
}

Result<json> Service::MobileTasks(const auth::Actor& a) {
  JW_ASSIGN_OR_RETURN(Officer o, OfficerOf(a));
  json out = {{"registry_tasks", json::array()}, {"followups", json::array()}, {"inspections_due", json::array()},
              {"hazards", json::array()}, {"tips", json::array()}, {"communities", json::array()}};
  // Verification tasks of the officer's communities (社区民警), else of the station's district.
  if (registry_) {
    auto ix = registry_->index();
    std::vector<std::string> prefixes = registry_->CommunitiesOf(o.police_no);
    out["communities"] = prefixes;
    if (prefixes.empty() && !o.district_code.empty()) prefixes.push_back(o.district_code);
    for (const auto& p : prefixes) {
      JW_ASSIGN_OR_RETURN(auto page, registry_->Tasks(p, "open", "", 1, 30));
      for (const auto& t : page.first)
        out["registry_tasks"].push_back({{"id", t.id}, {"kind", t.kind}, {"address_code", t.address_code},
                                         {"full_address", ix ? ix->FullName(t.address_code) : std::string()},
                                         {"community_code", t.community_code}, {"subject", t.subject},
                                         {"detail", json::parse(t.detail, nullptr, false)}, {"created_at", t.created_at},
                                         {"status", t.status}});
    }
  }
  int64_t today = LocalDay(Now());
  // Dispute follow-ups of the station due within a week (or overdue), not yet done.
  JW_ASSIGN_OR_RETURN(sql::Rows fu, db_->Query("SELECT f.id, f.dispute_id, f.due_on, f.due_day, f.assignee, d.summary, d.kind, "
                                               "d.address, d.risk FROM gr_followups f JOIN gr_disputes d ON d.id = "
                                               "f.dispute_id WHERE f.done_at IS NULL AND d.station_code = ? AND f.due_day <= ? "
                                               "AND d.status NOT IN ('escalated', 'closed_unresolved') ORDER BY f.due_day LIMIT 50",
                                               {o.station_code, today + 7}));
  for (const auto& r : fu)
    out["followups"].push_back({{"id", r.Int("id")}, {"dispute_id", r.Int("dispute_id")}, {"due_on", r.Text("due_on")},
                                {"assignee", r.Text("assignee")}, {"summary", r.Text("summary")}, {"kind", r.Text("kind")},
                                {"address", r.Text("address")}, {"risk", r.Text("risk")},
                                {"overdue", r.Int("due_day") < today}});
  if (!o.district_code.empty()) {
    JW_ASSIGN_OR_RETURN(SupervisionState st, LoadSupervision(db_, today, o.district_code));
    for (const auto& s : st.sites)
      if (s.in_season && s.next_due <= today + 7)
        out["inspections_due"].push_back({{"site_code", s.code}, {"site_name", s.name}, {"kind", s.kind},
                                          {"next_due", DayText(s.next_due)}, {"overdue", s.next_due < today},
                                          {"address", s.row.Text("address")}, {"lat", s.row.Double("lat")},
                                          {"lon", s.row.Double("lon")}, {"checklist", ChecklistOf(s.kind)}});
    JW_ASSIGN_OR_RETURN(json hz, Hazards("open", o.district_code, ""));
    out["hazards"] = hz["items"];
    JW_ASSIGN_OR_RETURN(json tips, Tips("new", o.district_code, 0));
    out["tips"] = tips["items"];
  }
  out["as_of"] = FormatTime(Now());
  return out;
}

Result<json> Service::MobileNotes(const auth::Actor& a) {
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query("SELECT * FROM gr_field_notes WHERE username = ? ORDER BY id DESC LIMIT 500",
                                                 {a.username}));
  json items = json::array();
  for (const auto& r : rows)
    items.push_back({{"id", r.Int("id")}, {"op_id", r.Text("op_id")}, {"at", r.Text("at")}, {"text", r.Text("text")},
                     {"lat", r.IsNull("lat") ? json(nullptr) : json(r.Double("lat"))},
                     {"lon", r.IsNull("lon") ? json(nullptr) : json(r.Double("lon"))}, {"ref", r.Text("ref")},
                     {"created_at", r.Text("created_at")}});
  return json{{"items", items}, {"total", items.size()}};
}

Result<json> Service::Sync(const auth::Actor& a, const json& b) {
  if (!b.is_object() || !b.contains("ops") || !b["ops"].is_array()) return Validation("invalid_value", "ops is a list");
  if (b["ops"].size() > 200) return Validation("too_many_ops", "at most 200 ops per sync");
  json results = json::array();
  for (const auto& op : b["ops"]) {
    json res = {{"op_id", op.is_object() ? op.value("op_id", "") : ""}};
    auto op_id = Str(op, "op_id", true, 64);
    auto kind = Str(op, "kind", true);
    if (!op_id.ok() || op_id->size() < 8) {
      res["status"] = "error";
      res["error"] = {{"code", "invalid_op_id"}, {"message", "each op has an op_id of 8 to 64 characters"}};
      results.push_back(res);
      continue;
    }
    // Exactly once: an op seen before answers what it answered then.
    JW_ASSIGN_OR_RETURN(sql::Rows seen, db_->Query("SELECT result FROM gr_sync_ops WHERE username = ? AND op_id = ?",
                                                   {a.username, *op_id}));
    if (!seen.empty()) {
      json before = json::parse(seen[0].Text("result"), nullptr, false);
      res["status"] = "duplicate";
      res["first"] = before;
      results.push_back(res);
      continue;
    }
    Result<json> done = Validation("invalid_kind", "kind is note, verify_task, followup, inspect or reinspect");
    std::function<Result<json>()> current;  // what the record is now, for a conflict
    if (kind.ok() && *kind == "note") {
      done = [&]() -> Result<json> {
        JW_ASSIGN_OR_RETURN(std::string text, Str(op, "text", true, 2000));
        JW_ASSIGN_OR_RETURN(std::string at_text, Str(op, "at"));
        JW_ASSIGN_OR_RETURN(std::string ref, Str(op, "ref", false, 100));
        JW_ASSIGN_OR_RETURN(Timestamp at, TimeOrNow(at_text, Now(), "at"));
        sql::Value lat = nullptr, lon = nullptr;
        if (op.contains("lat") && op["lat"].is_number() && op.contains("lon") && op["lon"].is_number()) {
          if (!InCity(op["lat"].get<double>(), op["lon"].get<double>()))
            return Validation("invalid_location", "the note's position is not in Haikou");
          lat = op["lat"].get<double>(), lon = op["lon"].get<double>();
        }
        JW_ASSIGN_OR_RETURN(sql::Rows ins, db_->Query("INSERT INTO gr_field_notes (username, op_id, at, text, lat, lon, ref, "
                                                      "created_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (username, op_id) "
                                                      "DO NOTHING RETURNING id",
                                                      {a.username, *op_id, FormatTime(at), text, lat, lon, ref,
                                                       FormatTime(Now())}));
        if (ins.empty()) return Conflict("duplicate_op", "stored before");
        return json{{"id", ins[0].Int("id")}, {"at", FormatTime(at)}, {"text", text}};
      }();
    } else if (kind.ok() && *kind == "verify_task") {
      int64_t task = op.value("task_id", int64_t{0});
      current = [&]() -> Result<json> {
        JW_ASSIGN_OR_RETURN(registry::Task t, registry_->GetTask(task));
        return json{{"id", t.id}, {"status", t.status}, {"result", t.result}, {"verified_by", t.verified_by},
                    {"verified_at", t.verified_at ? json(*t.verified_at) : json(nullptr)}};
      };
      done = [&]() -> Result<json> {
        if (!registry_) return Unavailable("registry_unavailable", "the registry is not loaded");
        JW_ASSIGN_OR_RETURN(std::string result, Str(op, "result", true));
        JW_ASSIGN_OR_RETURN(std::string note, Str(op, "note", false, 500));
        auto t = registry_->VerifyTask(a, task, result, note);
        if (!t.ok() && t.status().code() == "task_closed") {
          // Verified before by this very phone (an answer lost on the way): the same op, stored once.
          auto now = registry_->GetTask(task);
          if (now.ok() && now->verified_by == a.username && now->result == result)
            return Conflict("duplicate_op", "stored before");
        }
        if (!t.ok()) return t.status();
        return json{{"id", t->id}, {"status", t->status}, {"result", t->result}};
      }();
    } else if (kind.ok() && *kind == "followup") {
      int64_t fid = op.value("followup_id", int64_t{0});
      current = [&]() -> Result<json> {
        JW_ASSIGN_OR_RETURN(sql::Rows f, db_->Query("SELECT * FROM gr_followups WHERE id = ?", {fid}));
        if (f.empty()) return NotFound("unknown_followup", "gone");
        return json{{"id", fid}, {"done_at", f[0].Text("done_at")}, {"done_by", f[0].Text("done_by")},
                    {"result", f[0].Text("result")}, {"note", f[0].Text("note")}};
      };
      done = FollowupDone(a, fid, op);
    } else if (kind.ok() && *kind == "inspect") {
      // An inspection done on site with the phone's checklist; op_id makes a resend a duplicate.
      done = Inspect(a, op);
    } else if (kind.ok() && *kind == "reinspect") {
      int64_t hid = op.value("hazard_id", int64_t{0});
      current = [&]() -> Result<json> {
        JW_ASSIGN_OR_RETURN(sql::Rows r, db_->Query("SELECT * FROM gr_hazards WHERE id = ?", {hid}));
        if (r.empty()) return NotFound("unknown_hazard", "gone");
        return json{{"id", hid}, {"status", r[0].Text("status")}, {"rectified_at", r[0].Text("rectified_at")},
                    {"deadline", r[0].Text("deadline")}};
      };
      done = Reinspect(a, hid, op);
    }
    bool record = true;
    if (done.ok()) {
      res["status"] = "stored";
      res["record"] = *done;
    } else if (done.status().code() == "duplicate_op") {
      res["status"] = "duplicate";
    } else if (done.status().kind() == ErrorKind::kConflict) {
      res["status"] = "conflict";
      res["error"] = {{"code", done.status().code()}, {"message", done.status().message()}};
      if (current)
        if (auto c = current(); c.ok()) res["current"] = *c;
    } else {
      res["status"] = "error";
      res["error"] = {{"code", done.status().code()}, {"message", done.status().message()}};
      // A server-side failure may pass on a retry: not recorded, so the phone may send it again.
      record = done.status().kind() != ErrorKind::kInternal && done.status().kind() != ErrorKind::kUnavailable;
    }
    if (record) {
      auto ins = db_->Exec("INSERT INTO gr_sync_ops (username, op_id, kind, result, at) VALUES (?,?,?,?,?) ON CONFLICT "
                           "(username, op_id) DO NOTHING",
                           {a.username, *op_id, kind.ok() ? *kind : "", res.dump(), FormatTime(Now())});
      if (!ins.ok()) return ins.status();
    }
    results.push_back(res);
  }
  int64_t stored = 0;
  for (const auto& r : results) stored += r["status"] == "stored";
  Audit(a, "grassroots.mobile.sync", a.username, "ok",
        std::to_string(results.size()) + " ops, " + std::to_string(stored) + " stored");
  return json{{"results", results}};
}

}  // namespace jingwu::grassroots

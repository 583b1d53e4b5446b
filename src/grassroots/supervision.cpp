// Public-safety supervision (公共安全监管): sites of controlled items, their
// licences and stock, inspections with checklists, hazards and their
// rectification, alerts and the district dashboard (docs/grassroots.md §1).
#include <map>
#include <set>

#include "events/store.h"
#include "grassroots/service.h"
#include "grassroots/state.h"
#include "grassroots/util.h"
#include "registry/service.h"

namespace jingwu::grassroots {

using namespace util;

namespace {

const std::map<std::string, std::vector<std::string>>& Checklists_() {
  static const std::map<std::string, std::vector<std::string>> k = {
      {"explosives_user",
       {"ledger_matches", "storage_separated", "guard_on_duty", "video_working", "fire_equipment", "locks_intact"}},
      {"explosives_store",
       {"ledger_matches", "storage_separated", "guard_on_duty", "video_working", "lightning_protection",
        "fire_equipment", "locks_intact"}},
      {"firearms_unit", {"ledger_matches", "ammo_separate", "guard_on_duty", "video_working", "locks_intact"}},
      {"shooting_range", {"ledger_matches", "ammo_separate", "range_safety", "video_working", "locks_intact"}},
      {"fireworks_wholesale",
       {"ledger_matches", "storage_separated", "lightning_protection", "fire_equipment", "no_open_flame",
        "evacuation_route", "licence_displayed"}},
      {"fireworks_retail", {"fire_equipment", "no_open_flame", "evacuation_route", "licence_displayed"}},
  };
  return k;
}

int Severity(const std::string& kind) {
  if (kind == "over_storage") return 0;
  if (kind == "licence_expired" || kind == "rectification_overdue") return 1;
  return 2;
}
const char* SeverityName(int s) { return s == 0 ? "critical" : s == 1 ? "high" : "medium"; }

}  // namespace

int InspectEveryDays(const std::string& kind) {
  if (kind == "shooting_range") return 90;
  if (kind == "fireworks_retail") return 15;
  return 30;
}

const std::vector<std::string>& ChecklistOf(const std::string& kind) {
  static const std::vector<std::string> none;
  auto it = Checklists_().find(kind);
  return it == Checklists_().end() ? none : it->second;
}

std::string UnitOfItem(const std::string& item) {
  if (item == "explosives") return "kg";
  if (item == "detonators") return "pcs";
  if (item == "firearms") return "guns";
  if (item == "ammunition") return "rounds";
  if (item == "fireworks") return "boxes";
  return "";
}

json Service::Checklists() const {
  json kinds = json::object(), items = json::array(), units = json::object();
  std::set<std::string> all;
  for (const auto& [kind, list] : Checklists_()) {
    kinds[kind] = {{"every_days", InspectEveryDays(kind)}, {"items", list}};
    all.insert(list.begin(), list.end());
  }
  for (const auto& i : all) items.push_back(i);
  for (const char* i : kLicenceItems) units[i] = UnitOfItem(i);
  return {{"kinds", kinds}, {"items", items}, {"licence_items", units}};
}

// ---- the state every listing, alert and figure is computed from

Result<SupervisionState> LoadSupervision(sql::Database* db, int64_t today, const std::string& district) {
  SupervisionState st;
  st.today = today;
  std::string where = district.empty() ? "" : " WHERE district_code = ?";
  sql::Params p;
  if (!district.empty()) p.push_back(district);
  JW_ASSIGN_OR_RETURN(sql::Rows sites, db->Query("SELECT * FROM gr_sites" + where + " ORDER BY code", p));
  for (const auto& r : sites) {
    SiteState s;
    s.code = r.Text("code"), s.name = r.Text("name"), s.kind = r.Text("kind"), s.district = r.Text("district_code");
    s.row = r;
    s.opened_day = r.Int("opened_day");
    st.index[s.code] = st.sites.size();
    st.sites.push_back(std::move(s));
  }
  JW_ASSIGN_OR_RETURN(sql::Rows lic, db->Query("SELECT * FROM gr_licences ORDER BY licence_no"));
  JW_ASSIGN_OR_RETURN(sql::Rows stock, db->Query("SELECT licence_no, SUM(delta) AS n FROM gr_movements GROUP BY licence_no"));
  std::map<std::string, int64_t> stock_of;
  for (const auto& r : stock) stock_of[r.Text("licence_no")] = r.Int("n");
  for (const auto& r : lic) {
    auto it = st.index.find(r.Text("site_code"));
    if (it == st.index.end()) continue;
    LicenceState l;
    l.no = r.Text("licence_no"), l.item = r.Text("item");
    l.limit = r.Int("qty_limit");
    l.from = r.Int("valid_from_day"), l.to = r.Int("valid_to_day");
    l.stock = stock_of[l.no];
    st.sites[it->second].licences.push_back(l);
  }
  // The last inspection of each site, with its counts.
  JW_ASSIGN_OR_RETURN(sql::Rows insp, db->Query("SELECT site_code, at, at_us, counts FROM gr_inspections ORDER BY at_us"));
  for (const auto& r : insp) {
    auto it = st.index.find(r.Text("site_code"));
    if (it == st.index.end()) continue;
    auto& s = st.sites[it->second];
    int64_t day = LocalDay(Timestamp{r.Int("at_us")});
    s.last_inspected_at = r.Text("at");
    s.last_day = day;
    s.inspection_days.push_back(day);
    json counts = json::parse(r.Text("counts"), nullptr, false);
    if (counts.is_object() && !counts.empty()) {
      s.counts = counts;
      s.counted_at = r.Text("at");
    }
  }
  JW_ASSIGN_OR_RETURN(sql::Rows hz, db->Query("SELECT id, site_code, item, level, found_day, deadline_day, deadline "
                                               "FROM gr_hazards WHERE status = 'open' ORDER BY id"));
  for (const auto& r : hz) {
    auto it = st.index.find(r.Text("site_code"));
    if (it == st.index.end()) continue;
    st.sites[it->second].open_hazards.push_back(
        {r.Int("id"), r.Text("item"), r.Text("level"), r.Int("found_day"), r.Int("deadline_day"), r.Text("deadline")});
  }
  for (auto& s : st.sites) {
    s.in_season = true;
    if (s.kind == "fireworks_retail") {
      s.in_season = false;
      for (const auto& l : s.licences) s.in_season |= l.from <= today && today <= l.to;
    }
    int64_t base = s.last_day ? std::max(s.last_day, s.opened_day) : s.opened_day;
    s.next_due = base + InspectEveryDays(s.kind);
    if (s.kind == "fireworks_retail" && s.in_season && !s.last_day) {
      // A retail point is first due a season's interval after its licence starts.
      for (const auto& l : s.licences)
        if (l.from <= today && today <= l.to) s.next_due = std::max(s.opened_day, l.from) + InspectEveryDays(s.kind);
    }
  }
  return st;
}

std::vector<AlertState> SupervisionAlerts(const SupervisionState& st, int expiring_days) {
  std::vector<AlertState> out;
  for (const auto& s : st.sites) {
    for (const auto& l : s.licences) {
      int64_t counted = -1;
      if (s.counts.is_object() && s.counts.contains(l.no) && s.counts[l.no].is_number_integer())
        counted = s.counts[l.no].get<int64_t>();
      if (counted > l.limit || l.stock > l.limit)
        out.push_back({"over_storage", s.code, l.no, 0, counted > l.limit ? s.counted_at : DayText(st.today),
                       {{"limit", l.limit}, {"counted", counted > l.limit ? json(counted) : json(nullptr)},
                        {"stock", l.stock}, {"item", l.item}, {"unit", UnitOfItem(l.item)}}});
      if (l.to < st.today && l.stock > 0)
        out.push_back({"licence_expired", s.code, l.no, 0, DayText(l.to + 1),
                       {{"valid_to", DayText(l.to)}, {"stock", l.stock}, {"item", l.item}, {"unit", UnitOfItem(l.item)}}});
      else if (l.to >= st.today && l.to - st.today <= expiring_days && l.stock > 0 && l.from <= st.today)
        out.push_back({"licence_expiring", s.code, l.no, 0, DayText(st.today),
                       {{"valid_to", DayText(l.to)}, {"days_left", l.to - st.today}, {"stock", l.stock}}});
    }
    for (const auto& h : s.open_hazards)
      if (h.deadline_day < st.today)
        out.push_back({"rectification_overdue", s.code, "", h.id, DayText(h.deadline_day + 1),
                       {{"item", h.item}, {"level", h.level}, {"deadline", h.deadline},
                        {"days_overdue", st.today - h.deadline_day}}});
    if (s.in_season && s.next_due < st.today)
      out.push_back({"inspection_overdue", s.code, "", 0, DayText(s.next_due),
                     {{"next_due", DayText(s.next_due)},
                      {"last_inspected_at", s.last_inspected_at.empty() ? json(nullptr) : json(s.last_inspected_at)},
                      {"every_days", InspectEveryDays(s.kind)}}});
  }
  std::stable_sort(out.begin(), out.end(), [](const AlertState& a, const AlertState& b) {
    if (Severity(a.kind) != Severity(b.kind)) return Severity(a.kind) < Severity(b.kind);
    return a.since < b.since;
  });
  return out;
}

namespace {

json LicenceJson(const std::string& site, const LicenceState& l, int64_t today) {
  return {{"licence_no", l.no},      {"site_code", site},          {"item", l.item},
          {"unit", UnitOfItem(l.item)}, {"limit", l.limit},         {"valid_from", DayText(l.from)},
          {"valid_to", DayText(l.to)}, {"stock", l.stock},          {"expired", l.to < today}};
}

json SiteJson(const SiteState& s, int64_t today, const std::string& holder_name, const std::string& place_name) {
  json lic = json::array();
  for (const auto& l : s.licences) lic.push_back(LicenceJson(s.code, l, today));
  const sql::Row& r = s.row;
  return {{"code", s.code},
          {"name", s.name},
          {"kind", s.kind},
          {"district_code", s.district},
          {"address", r.Text("address")},
          {"address_code", r.Text("address_code")},
          {"lat", r.Double("lat")},
          {"lon", r.Double("lon")},
          {"opened_on", r.Text("opened_on")},
          {"credit_code", r.Text("credit_code")},
          {"holder_name", holder_name},
          {"place_code", r.Text("place_code")},
          {"place_name", place_name},
          {"inspect_every_days", InspectEveryDays(s.kind)},
          {"last_inspected_at", s.last_inspected_at.empty() ? json(nullptr) : json(s.last_inspected_at)},
          {"next_due", s.in_season ? json(DayText(s.next_due)) : json(nullptr)},
          {"in_season", s.in_season},
          {"licences", lic},
          {"open_hazards", s.open_hazards.size()}};
}

json HazardJson(const sql::Row& r, int64_t today) {
  bool open = r.Text("status") == "open";
  return {{"id", r.Int("id")},
          {"site_code", r.Text("site_code")},
          {"site_name", r.Text("site_name")},
          {"district_code", r.Text("district_code")},
          {"inspection_id", r.Int("inspection_id")},
          {"item", r.Text("item")},
          {"level", r.Text("level")},
          {"note", r.Text("note")},
          {"found_at", r.Text("found_at")},
          {"deadline", r.Text("deadline")},
          {"status", r.Text("status")},
          {"rectified_at", r.IsNull("rectified_at") ? json(nullptr) : json(r.Text("rectified_at"))},
          {"overdue", open && r.Int("deadline_day") < today},
          {"days_open", open ? today - r.Int("found_day") : r.Int("rectified_day") - r.Int("found_day")}};
}

constexpr const char* kHazardSelect =
    "SELECT h.*, s.name AS site_name, s.district_code FROM gr_hazards h JOIN gr_sites s ON s.code = h.site_code";

}  // namespace

Result<json> Service::CreateSite(const auth::Actor& a, const json& b) {
  JW_ASSIGN_OR_RETURN(std::string code, Str(b, "code", true, 32));
  JW_ASSIGN_OR_RETURN(std::string name, Str(b, "name", true, 100));
  JW_ASSIGN_OR_RETURN(std::string kind, Str(b, "kind", true));
  JW_ASSIGN_OR_RETURN(std::string district, Str(b, "district_code", true));
  JW_ASSIGN_OR_RETURN(std::string address, Str(b, "address", true, 200));
  JW_ASSIGN_OR_RETURN(std::string address_code, Str(b, "address_code"));
  JW_ASSIGN_OR_RETURN(std::string opened_on, Str(b, "opened_on", true));
  JW_ASSIGN_OR_RETURN(std::string credit_code, Str(b, "credit_code"));
  JW_ASSIGN_OR_RETURN(std::string place_code, Str(b, "place_code"));
  JW_ASSIGN_OR_RETURN(double lat, Num(b, "lat", 0, true));
  JW_ASSIGN_OR_RETURN(double lon, Num(b, "lon", 0, true));
  if (!OneOf(kSiteKinds, kind)) return Validation("invalid_kind", "kind is one of the site kinds (docs/grassroots.md)");
  if (!IsDistrict(district)) return Validation("invalid_district", "district_code is one of 460105-460108");
  if (!InCity(lat, lon)) return Validation("invalid_location", "the site's position is not in Haikou");
  JW_ASSIGN_OR_RETURN(int64_t opened_day, Day(opened_on, "opened_on"));
  if (opened_day > LocalDay(Now())) return Validation("invalid_date", "opened_on is in the future");
  if (!credit_code.empty() && registry_) {
    auto org = registry_->GetOrganisation(credit_code);
    if (!org.ok()) return NotFound("unknown_organisation", "no organisation " + credit_code + " in the registry");
  }
  if (!place_code.empty() && events_ && !events_->FindPlace(place_code))
    return NotFound("unknown_place", "no place " + place_code);
  if (!address_code.empty() && registry_) {
    auto ix = registry_->index();
    if (!ix || !ix->Find(address_code)) return NotFound("unknown_address", "no standard address " + address_code);
  }
  JW_ASSIGN_OR_RETURN(sql::Rows have, db_->Query("SELECT code FROM gr_sites WHERE code = ?", {code}));
  if (!have.empty()) return Conflict("site_exists", "site " + code + " exists");
  JW_RETURN_IF_ERROR(db_->Exec("INSERT INTO gr_sites (code, name, kind, district_code, address, address_code, lat, lon, "
                               "opened_on, opened_day, credit_code, place_code, created_at, created_by) VALUES "
                               "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               {code, name, kind, district, address, address_code, lat, lon, opened_on, opened_day,
                                credit_code, place_code, FormatTime(Now()), a.username})
                         .status());
  Audit(a, "grassroots.site.create", code, "ok", kind);
  return Site(code);
}

Result<json> Service::CreateLicence(const auth::Actor& a, const json& b) {
  JW_ASSIGN_OR_RETURN(std::string no, Str(b, "licence_no", true, 40));
  JW_ASSIGN_OR_RETURN(std::string site, Str(b, "site_code", true));
  JW_ASSIGN_OR_RETURN(std::string item, Str(b, "item", true));
  JW_ASSIGN_OR_RETURN(int64_t limit, Int(b, "limit", 0, true));
  JW_ASSIGN_OR_RETURN(std::string from, Str(b, "valid_from", true));
  JW_ASSIGN_OR_RETURN(std::string to, Str(b, "valid_to", true));
  if (!OneOf(kLicenceItems, item)) return Validation("invalid_item", "item is explosives, detonators, firearms, ammunition or fireworks");
  if (limit <= 0 || limit > 100000000) return Validation("invalid_value", "limit is a positive quantity");
  JW_ASSIGN_OR_RETURN(int64_t from_day, Day(from, "valid_from"));
  JW_ASSIGN_OR_RETURN(int64_t to_day, Day(to, "valid_to"));
  if (to_day < from_day) return Validation("invalid_date", "valid_to is before valid_from");
  JW_ASSIGN_OR_RETURN(sql::Rows s, db_->Query("SELECT code FROM gr_sites WHERE code = ?", {site}));
  if (s.empty()) return NotFound("unknown_site", "no site " + site);
  JW_ASSIGN_OR_RETURN(sql::Rows have, db_->Query("SELECT licence_no FROM gr_licences WHERE licence_no = ?", {no}));
  if (!have.empty()) return Conflict("licence_exists", "licence " + no + " exists");
  JW_RETURN_IF_ERROR(db_->Exec("INSERT INTO gr_licences (licence_no, site_code, item, qty_limit, valid_from, valid_to, "
                               "valid_from_day, valid_to_day, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?)",
                               {no, site, item, limit, from, to, from_day, to_day, FormatTime(Now()), a.username})
                         .status());
  Audit(a, "grassroots.licence.create", no, "ok", site + " " + item);
  LicenceState l{no, item, limit, from_day, to_day, 0};
  return LicenceJson(site, l, LocalDay(Now()));
}

Result<json> Service::Sites(const std::string& district, const std::string& kind, const std::string& q) {
  if (!district.empty() && !IsDistrict(district)) return Validation("invalid_district", "district is one of 460105-460108");
  if (!kind.empty() && !OneOf(kSiteKinds, kind)) return Validation("invalid_kind", "unknown site kind");
  JW_ASSIGN_OR_RETURN(SupervisionState st, LoadSupervision(db_, LocalDay(Now()), district));
  json items = json::array();
  for (const auto& s : st.sites) {
    if (!kind.empty() && s.kind != kind) continue;
    if (!q.empty() && s.name.find(q) == std::string::npos && s.code.find(q) == std::string::npos &&
        s.row.Text("address").find(q) == std::string::npos)
      continue;
    std::string holder, place;
    if (registry_ && !s.row.Text("credit_code").empty())
      if (auto o = registry_->GetOrganisation(s.row.Text("credit_code")); o.ok()) holder = o->name;
    if (events_ && !s.row.Text("place_code").empty())
      if (const auto* p = events_->FindPlace(s.row.Text("place_code"))) place = p->name;
    items.push_back(SiteJson(s, st.today, holder, place));
  }
  return json{{"items", items}, {"total", items.size()}};
}

Result<json> Service::Site(const std::string& code) {
  JW_ASSIGN_OR_RETURN(sql::Rows r, db_->Query("SELECT district_code FROM gr_sites WHERE code = ?", {code}));
  if (r.empty()) return NotFound("unknown_site", "no site " + code);
  JW_ASSIGN_OR_RETURN(SupervisionState st, LoadSupervision(db_, LocalDay(Now()), r[0].Text("district_code")));
  const SiteState& s = st.sites[st.index.at(code)];
  std::string holder, place;
  if (registry_ && !s.row.Text("credit_code").empty())
    if (auto o = registry_->GetOrganisation(s.row.Text("credit_code")); o.ok()) holder = o->name;
  if (events_ && !s.row.Text("place_code").empty())
    if (const auto* p = events_->FindPlace(s.row.Text("place_code"))) place = p->name;
  json out = SiteJson(s, st.today, holder, place);
  JW_ASSIGN_OR_RETURN(json insp, Inspections(code, 200));
  out["inspections"] = insp["items"];
  JW_ASSIGN_OR_RETURN(json hz, Hazards("all", "", code));
  out["hazards"] = hz["items"];
  JW_ASSIGN_OR_RETURN(sql::Rows mv, db_->Query("SELECT * FROM gr_movements WHERE site_code = ? ORDER BY at_us, id", {code}));
  json moves = json::array();
  std::map<std::string, int64_t> running;
  for (const auto& m : mv) {
    running[m.Text("licence_no")] += m.Int("delta");
    moves.push_back({{"id", m.Int("id")}, {"licence_no", m.Text("licence_no")}, {"delta", m.Int("delta")},
                     {"at", m.Text("at")}, {"note", m.Text("note")}, {"stock_after", running[m.Text("licence_no")]},
                     {"recorded_by", m.Text("recorded_by")}});
  }
  std::reverse(moves.begin(), moves.end());
  out["movements"] = moves;
  return out;
}

Result<json> Service::Move(const auth::Actor& a, const std::string& site, const json& b) {
  auto fail = [&](Status s) {
    Audit(a, "grassroots.stock.move", site, "failed", s.code());
    return s;
  };
  auto licence = Str(b, "licence_no", true);
  if (!licence.ok()) return fail(licence.status());
  auto delta = Int(b, "delta", 0, true);
  if (!delta.ok()) return fail(delta.status());
  auto at_text = Str(b, "at");
  if (!at_text.ok()) return fail(at_text.status());
  auto note = Str(b, "note", false, 500);
  if (!note.ok()) return fail(note.status());
  if (*delta == 0 || *delta > 100000000 || *delta < -100000000)
    return fail(Validation("invalid_value", "delta is a non-zero quantity (positive in, negative out)"));
  auto at = TimeOrNow(*at_text, Now(), "at");
  if (!at.ok()) return fail(at.status());
  int64_t day = LocalDay(*at);
  json out;
  Status s = db_->Transaction([&](sql::Connection& c) -> Status {
    JW_ASSIGN_OR_RETURN(sql::Rows srow, c.Query("SELECT opened_day FROM gr_sites WHERE code = ?", {site}));
    if (srow.empty()) return NotFound("unknown_site", "no site " + site);
    if (day < srow[0].Int("opened_day")) return Validation("invalid_time", "the site had not opened then");
    JW_ASSIGN_OR_RETURN(sql::Rows l, c.Query("SELECT * FROM gr_licences WHERE licence_no = ? AND site_code = ?",
                                             {*licence, site}));
    if (l.empty()) return NotFound("unknown_licence", "site " + site + " holds no licence " + *licence);
    JW_ASSIGN_OR_RETURN(sql::Rows st, c.Query("SELECT COALESCE(SUM(delta), 0) AS n FROM gr_movements WHERE licence_no = ?",
                                              {*licence}));
    int64_t stock = st[0].Int("n");
    int64_t limit = l[0].Int("qty_limit");
    if (*delta > 0) {
      if (day < l[0].Int("valid_from_day") || day > l[0].Int("valid_to_day"))
        return Conflict("licence_expired", "licence " + *licence + " is valid " + l[0].Text("valid_from") + " to " +
                                               l[0].Text("valid_to") + "; no delivery outside it");
      if (stock + *delta > limit)
        return Conflict("over_licence_limit", "the stock would be " + std::to_string(stock + *delta) + " " +
                                                  UnitOfItem(l[0].Text("item")) + "; licence " + *licence +
                                                  " allows at most " + std::to_string(limit));
    } else if (stock + *delta < 0) {
      return Validation("insufficient_stock", "only " + std::to_string(stock) + " " + UnitOfItem(l[0].Text("item")) +
                                                  " in stock");
    }
    JW_ASSIGN_OR_RETURN(sql::Rows ins, c.Query("INSERT INTO gr_movements (site_code, licence_no, delta, at, at_us, note, "
                                               "recorded_by) VALUES (?,?,?,?,?,?,?) RETURNING id",
                                               {site, *licence, *delta, FormatTime(*at), at->micros, *note, a.username}));
    out = {{"id", ins[0].Int("id")}, {"licence_no", *licence}, {"delta", *delta}, {"at", FormatTime(*at)},
           {"note", *note}, {"stock_after", stock + *delta}, {"recorded_by", a.username}};
    return Status::Ok();
  });
  if (!s.ok()) return fail(s);
  Audit(a, "grassroots.stock.move", site, "ok", *licence + " " + std::to_string(*delta));
  return out;
}

Result<json> Service::Inspect(const auth::Actor& a, const json& b) {
  JW_ASSIGN_OR_RETURN(std::string site, Str(b, "site_code", true));
  JW_ASSIGN_OR_RETURN(std::string at_text, Str(b, "at"));
  JW_ASSIGN_OR_RETURN(std::string note, Str(b, "note", false, 1000));
  JW_ASSIGN_OR_RETURN(sql::Rows srow, db_->Query("SELECT kind, opened_day FROM gr_sites WHERE code = ?", {site}));
  if (srow.empty()) return NotFound("unknown_site", "no site " + site);
  JW_ASSIGN_OR_RETURN(Timestamp at, TimeOrNow(at_text, Now(), "at"));
  int64_t day = LocalDay(at);
  if (day < srow[0].Int("opened_day")) return Validation("invalid_time", "the site had not opened then");
  if (!b.contains("checklist") || !b["checklist"].is_array())
    return Validation("checklist_incomplete", "checklist is the list of the site kind's items, each ok or not");
  const auto& wanted = ChecklistOf(srow[0].Text("kind"));
  struct Answer {
    std::string item, note, level, deadline;
    bool ok = true;
    int64_t deadline_day = 0;
  };
  std::vector<Answer> answers;
  std::set<std::string> seen;
  for (const auto& it : b["checklist"]) {
    Answer x;
    JW_ASSIGN_OR_RETURN(x.item, Str(it, "item", true));
    if (std::find(wanted.begin(), wanted.end(), x.item) == wanted.end())
      return Validation("unknown_item", "'" + x.item + "' is not on this site kind's checklist");
    if (!seen.insert(x.item).second) return Validation("invalid_value", "'" + x.item + "' is answered twice");
    JW_ASSIGN_OR_RETURN(x.ok, Bool(it, "ok", true, true));
    JW_ASSIGN_OR_RETURN(x.note, Str(it, "note", false, 500));
    JW_ASSIGN_OR_RETURN(x.level, Str(it, "level"));
    JW_ASSIGN_OR_RETURN(x.deadline, Str(it, "deadline"));
    if (!x.ok) {
      if (x.level.empty()) x.level = "general";
      if (x.level != "general" && x.level != "major") return Validation("invalid_value", "level is general or major");
      if (x.deadline.empty())
        return Validation("deadline_required", "a hazard (" + x.item + ") needs a rectification deadline");
      JW_ASSIGN_OR_RETURN(x.deadline_day, Day(x.deadline, "deadline"));
      if (x.deadline_day <= day) return Validation("invalid_date", "the deadline comes after the inspection");
    }
    answers.push_back(x);
  }
  if (answers.size() != wanted.size())
    return Validation("checklist_incomplete", "answer every item of the checklist (" + std::to_string(wanted.size()) + ")");
  json counts = json::object();
  if (b.contains("counts") && !b["counts"].is_null()) {
    if (!b["counts"].is_object()) return Validation("invalid_value", "counts maps licence numbers to quantities");
    for (auto it = b["counts"].begin(); it != b["counts"].end(); ++it) {
      if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0)
        return Validation("invalid_value", "a count is a quantity of zero or more");
      JW_ASSIGN_OR_RETURN(sql::Rows l, db_->Query("SELECT licence_no FROM gr_licences WHERE licence_no = ? AND site_code = ?",
                                                  {it.key(), site}));
      if (l.empty()) return NotFound("unknown_licence", "site " + site + " holds no licence " + it.key());
      counts[it.key()] = it.value();
    }
  }
  json checklist = json::array();
  for (const auto& x : answers) checklist.push_back({{"item", x.item}, {"ok", x.ok}, {"note", x.note}});
  int64_t id = 0;
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
    JW_ASSIGN_OR_RETURN(sql::Rows ins,
                        c.Query("INSERT INTO gr_inspections (site_code, at, at_us, inspector, checklist, counts, note) "
                                "VALUES (?,?,?,?,?,?,?) RETURNING id",
                                {site, FormatTime(at), at.micros, a.username, checklist.dump(), counts.dump(), note}));
    id = ins[0].Int("id");
    for (const auto& x : answers) {
      if (x.ok) continue;
      JW_RETURN_IF_ERROR(c.Exec("INSERT INTO gr_hazards (site_code, inspection_id, item, level, note, found_at, found_day, "
                                "deadline, deadline_day, status) VALUES (?,?,?,?,?,?,?,?,?,'open')",
                                {site, id, x.item, x.level, x.note, FormatTime(at), day, x.deadline, x.deadline_day})
                             .status());
    }
    return Status::Ok();
  }));
  Audit(a, "grassroots.inspect", site, "ok", std::to_string(id));
  JW_ASSIGN_OR_RETURN(json list, Inspections(site, 1000));
  for (const auto& i : list["items"])
    if (i["id"] == id) return i;
  return Internal("inspection " + std::to_string(id) + " not found after insert");
}

Result<json> Service::Inspections(const std::string& site, size_t limit) {
  std::string sql =
      "SELECT i.*, s.name AS site_name FROM gr_inspections i JOIN gr_sites s ON s.code = i.site_code" +
      std::string(site.empty() ? "" : " WHERE i.site_code = ?") + " ORDER BY i.at_us DESC, i.id DESC LIMIT " +
      std::to_string(limit);
  sql::Params p;
  if (!site.empty()) p.push_back(site);
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql, p));
  int64_t today = LocalDay(Now());
  json items = json::array();
  for (const auto& r : rows) {
    JW_ASSIGN_OR_RETURN(sql::Rows hz, db_->Query(std::string(kHazardSelect) + " WHERE h.inspection_id = ? ORDER BY h.id",
                                                 {r.Int("id")}));
    json hazards = json::array();
    for (const auto& h : hz) hazards.push_back(HazardJson(h, today));
    items.push_back({{"id", r.Int("id")},
                     {"site_code", r.Text("site_code")},
                     {"site_name", r.Text("site_name")},
                     {"at", r.Text("at")},
                     {"inspector", r.Text("inspector")},
                     {"checklist", json::parse(r.Text("checklist"), nullptr, false)},
                     {"counts", json::parse(r.Text("counts"), nullptr, false)},
                     {"note", r.Text("note")},
                     {"hazards", hazards}});
  }
  return json{{"items", items}, {"total", items.size()}};
}

Result<json> Service::Hazards(const std::string& status, const std::string& district, const std::string& site) {
  if (!status.empty() && status != "open" && status != "rectified" && status != "all")
    return Validation("invalid_value", "status is open, rectified or all");
  std::string sql = std::string(kHazardSelect) + " WHERE 1 = 1";
  sql::Params p;
  if (status.empty() || status == "open" || status == "rectified") {
    sql += " AND h.status = ?";
    p.push_back(status.empty() ? std::string("open") : status);
  }
  if (!district.empty()) sql += " AND s.district_code = ?", p.push_back(district);
  if (!site.empty()) sql += " AND h.site_code = ?", p.push_back(site);
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db_->Query(sql + " ORDER BY h.deadline_day, h.id", p));
  int64_t today = LocalDay(Now());
  json items = json::array();
  for (const auto& r : rows) items.push_back(HazardJson(r, today));
  return json{{"items", items}, {"total", items.size()}};
}

Result<json> Service::Reinspect(const auth::Actor& a, int64_t hazard, const json& b) {
  JW_ASSIGN_OR_RETURN(std::string at_text, Str(b, "at"));
  JW_ASSIGN_OR_RETURN(bool ok, Bool(b, "ok", false, true));
  JW_ASSIGN_OR_RETURN(std::string note, Str(b, "note", false, 500));
  JW_ASSIGN_OR_RETURN(std::string deadline, Str(b, "deadline"));
  JW_ASSIGN_OR_RETURN(Timestamp at, TimeOrNow(at_text, Now(), "at"));
  int64_t day = LocalDay(at);
  int64_t deadline_day = 0;
  if (!ok) {
    if (deadline.empty()) return Validation("deadline_required", "a hazard not yet fixed needs a new deadline");
    JW_ASSIGN_OR_RETURN(deadline_day, Day(deadline, "deadline"));
    if (deadline_day <= day) return Validation("invalid_date", "the new deadline comes after the re-inspection");
  }
  JW_RETURN_IF_ERROR(db_->Transaction([&](sql::Connection& c) -> Status {
    JW_ASSIGN_OR_RETURN(sql::Rows h, c.Query("SELECT status, found_day FROM gr_hazards WHERE id = ?", {hazard}));
    if (h.empty()) return NotFound("unknown_hazard", "no hazard " + std::to_string(hazard));
    if (h[0].Text("status") != "open") return Conflict("hazard_closed", "the hazard has been rectified already");
    if (day < h[0].Int("found_day")) return Validation("invalid_time", "the re-inspection is before the hazard was found");
    JW_RETURN_IF_ERROR(c.Exec("INSERT INTO gr_reinspections (hazard_id, at, at_us, ok, note, inspector) VALUES (?,?,?,?,?,?)",
                              {hazard, FormatTime(at), at.micros, int64_t{ok}, note, a.username})
                           .status());
    if (ok)
      return c.Exec("UPDATE gr_hazards SET status = 'rectified', rectified_at = ?, rectified_day = ? WHERE id = ?",
                    {FormatTime(at), day, hazard})
          .status();
    return c.Exec("UPDATE gr_hazards SET deadline = ?, deadline_day = ? WHERE id = ?", {deadline, deadline_day, hazard})
        .status();
  }));
  Audit(a, "grassroots.reinspect", std::to_string(hazard), "ok", ok ? "rectified" : "not yet: " + deadline);
  JW_ASSIGN_OR_RETURN(sql::Rows r, db_->Query(std::string(kHazardSelect) + " WHERE h.id = ?", {hazard}));
  return HazardJson(r[0], LocalDay(Now()));
}

Result<json> Service::Alerts(const std::string& district) {
  if (!district.empty() && !IsDistrict(district)) return Validation("invalid_district", "district is one of 460105-460108");
  JW_ASSIGN_OR_RETURN(SupervisionState st, LoadSupervision(db_, LocalDay(Now()), district));
  json items = json::array(), by_kind = json::object();
  for (const auto& al : SupervisionAlerts(st, opt_.expiring_days)) {
    const SiteState& s = st.sites[st.index.at(al.site)];
    by_kind[al.kind] = by_kind.value(al.kind, 0) + 1;
    items.push_back({{"kind", al.kind},
                     {"severity", SeverityName(Severity(al.kind))},
                     {"site_code", s.code},
                     {"site_name", s.name},
                     {"site_kind", s.kind},
                     {"district_code", s.district},
                     {"licence_no", al.licence.empty() ? json(nullptr) : json(al.licence)},
                     {"hazard_id", al.hazard ? json(al.hazard) : json(nullptr)},
                     {"since", al.since},
                     {"detail", al.detail}});
  }
  return json{{"items", items}, {"total", items.size()}, {"by_kind", by_kind}, {"as_of", FormatTime(Now())}};
}

Result<json> Service::Dashboard() {
  int64_t today = LocalDay(Now());
  JW_ASSIGN_OR_RETURN(SupervisionState st, LoadSupervision(db_, today, ""));
  auto alerts = SupervisionAlerts(st, opt_.expiring_days);
  auto empty_row = [](const std::string& d) {
    return json{{"district_code", d}, {"sites_total", 0}, {"sites", json::object()}, {"inspections_30d", 0},
                {"inspections_365d", 0}, {"due", 0},
                {"hazards", {{"open", 0}, {"lt7", 0}, {"d7_30", 0}, {"gt30", 0}, {"overdue", 0}}},
                {"alerts", json::object()}};
  };
  std::map<std::string, json> rows;
  for (const char* d : {"460105", "460106", "460107", "460108"}) rows[d] = empty_row(d);
  json totals = empty_row("");
  auto add = [&](const std::string& d, const std::function<void(json&)>& f) {
    f(rows[d]);
    f(totals);
  };
  for (const auto& s : st.sites) {
    if (!rows.count(s.district)) continue;
    add(s.district, [&](json& r) {
      r["sites_total"] = r["sites_total"].get<int64_t>() + 1;
      r["sites"][s.kind] = r["sites"].value(s.kind, 0) + 1;
      for (int64_t d : s.inspection_days) {
        if (today - d < 30) r["inspections_30d"] = r["inspections_30d"].get<int64_t>() + 1;
        if (today - d < 365) r["inspections_365d"] = r["inspections_365d"].get<int64_t>() + 1;
      }
      for (const auto& h : s.open_hazards) {
        int64_t age = today - h.found_day;
        auto& hz = r["hazards"];
        hz["open"] = hz["open"].get<int64_t>() + 1;
        const char* bucket = age < 7 ? "lt7" : age <= 30 ? "d7_30" : "gt30";
        hz[bucket] = hz[bucket].get<int64_t>() + 1;
        if (h.deadline_day < today) hz["overdue"] = hz["overdue"].get<int64_t>() + 1;
      }
    });
  }
  for (const auto& al : alerts) {
    const SiteState& s = st.sites[st.index.at(al.site)];
    add(s.district, [&](json& r) {
      r["alerts"][al.kind] = r["alerts"].value(al.kind, 0) + 1;
      if (al.kind == "inspection_overdue") r["due"] = r["due"].get<int64_t>() + 1;
    });
  }
  json districts = json::array();
  for (auto& [d, r] : rows) districts.push_back(r);
  return json{{"districts", districts}, {"totals", totals}, {"as_of", FormatTime(Now())}};
}

}  // namespace jingwu::grassroots

// Loads the files `jingwu gen` writes (grassroots_*.csv, docs/grassroots.md)
// through the same checks as the API, in the order of their times, with
// every date and time moved by whole days (the demo moves the data's end to
// today). Sites, licences, partners and members already stored count as
// `already`; the time-ordered records (stock, inspections, disputes, tips)
// are loaded once per folder.
#include <algorithm>
#include <filesystem>

#include "events/store.h"
#include "force/service.h"
#include "grassroots/service.h"
#include "grassroots/util.h"
#include "registry/service.h"

namespace jingwu::grassroots {

using namespace util;

namespace {

constexpr int64_t kDayUs = 86400 * kMicrosPerSecond;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

}  // namespace

Result<int64_t> Service::ImportShiftDays(const std::string& as_of, int64_t proposed) {
  JW_ASSIGN_OR_RETURN(sql::Rows have, db_->Query("SELECT shift_days FROM gr_import_shifts WHERE as_of = ?", {as_of}));
  if (!have.empty()) return have[0].Int("shift_days");
  JW_RETURN_IF_ERROR(db_->Exec("INSERT INTO gr_import_shifts (as_of, shift_days) VALUES (?, ?)", {as_of, proposed}).status());
  return proposed;
}

Result<std::vector<ImportFile>> Service::Import(const auth::Actor& a, const std::string& dir_in, int64_t shift_days,
                                                std::map<std::string, int64_t>* refs_out) {
  const std::string dir = dir_in.empty() || dir_in.back() == '/' ? dir_in : dir_in + "/";
  if (!std::filesystem::exists(dir + "grassroots_sites.csv"))
    return NotFound("no_grassroots_files", dir + " holds no grassroots_*.csv (jingwu gen writes them)");
  std::vector<ImportFile> out;
  std::map<std::string, int64_t> refs;
  auto time = [&](const std::string& t) -> std::string {
    auto p = ParseTime(t);
    return p.ok() ? FormatTime(Timestamp{p->micros + shift_days * kDayUs}) : t;
  };
  auto date = [&](const std::string& d) -> std::string {
    auto p = Day(d, "date");
    return p.ok() ? DayText(*p + shift_days) : d;
  };
  auto load = [&](const char* file, CsvTable* t) -> Result<bool> {
    if (!std::filesystem::exists(dir + file)) return false;
    JW_RETURN_IF_ERROR(ReadCsvTable(dir + file, t).status());
    return true;
  };
  auto count = [](ImportFile& f, const Status& s) {
    const std::string& c = s.code();
    if (c == "site_exists" || c == "licence_exists" || c == "partner_exists" || c == "member_exists") ++f.already;
    else ++f.rejected[c];
  };
  auto result = [&](ImportFile& f, const Status& s) {
    if (s.ok()) ++f.accepted;
    else count(f, s);
  };
  // The time-ordered records go in once per folder.
  JW_ASSIGN_OR_RETURN(sql::Rows done, db_->Query("SELECT as_of FROM gr_import_shifts WHERE as_of = ? AND shift_days = ? AND "
                                                 "EXISTS (SELECT 1 FROM gr_sites)",
                                                 {std::string("loaded:") + dir, shift_days}));
  bool events_loaded = !done.empty();

  // ---- sites and licences
  auto ix = registry_ ? registry_->index() : nullptr;
  {
    CsvTable t;
    ImportFile f{"grassroots_sites.csv"};
    JW_RETURN_IF_ERROR(load("grassroots_sites.csv", &t).status());
    for (const auto& row : t.rows) {
      ++f.rows;
      json b = {{"code", t.Get(row, "code")},       {"name", t.Get(row, "name")},
                {"kind", t.Get(row, "kind")},       {"district_code", t.Get(row, "district_code")},
                {"address", t.Get(row, "address")}, {"opened_on", date(t.Get(row, "opened_on"))}};
      b["lat"] = std::atof(t.Get(row, "lat").c_str());
      b["lon"] = std::atof(t.Get(row, "lon").c_str());
      // Links to what the registries hold; a folder loaded without them keeps the site unlinked.
      std::string credit = t.Get(row, "credit_code"), place = t.Get(row, "place_code");
      if (!credit.empty() && registry_ && registry_->GetOrganisation(credit).ok()) b["credit_code"] = credit;
      if (!place.empty() && events_ && events_->FindPlace(place)) b["place_code"] = place;
      result(f, CreateSite(a, b).status());
    }
    out.push_back(f);
  }
  {
    CsvTable t;
    ImportFile f{"grassroots_licences.csv"};
    JW_RETURN_IF_ERROR(load("grassroots_licences.csv", &t).status());
    for (const auto& row : t.rows) {
      ++f.rows;
      json b = {{"licence_no", t.Get(row, "licence_no")}, {"site_code", t.Get(row, "site_code")},
                {"item", t.Get(row, "item")},             {"limit", std::atoll(t.Get(row, "limit").c_str())},
                {"valid_from", date(t.Get(row, "valid_from"))}, {"valid_to", date(t.Get(row, "valid_to"))}};
      result(f, CreateLicence(a, b).status());
    }
    out.push_back(f);
  }
  // ---- stock, inspections and re-inspections, in time order
  {
    CsvTable mv, in, re;
    JW_RETURN_IF_ERROR(load("grassroots_movements.csv", &mv).status());
    JW_RETURN_IF_ERROR(load("grassroots_inspections.csv", &in).status());
    JW_RETURN_IF_ERROR(load("grassroots_reinspections.csv", &re).status());
    ImportFile fm{"grassroots_movements.csv"}, fi{"grassroots_inspections.csv"}, fr{"grassroots_reinspections.csv"};
    struct Item {
      int64_t at;
      int file;  // 0 movement, 1 inspection, 2 re-inspection
      const std::vector<std::string>* row;
    };
    std::vector<Item> items;
    auto at_of = [](const std::string& t) { auto p = ParseTime(t); return p.ok() ? p->micros : INT64_MAX; };
    for (const auto& row : mv.rows) items.push_back({at_of(mv.Get(row, "at")), 0, &row});
    for (const auto& row : in.rows) items.push_back({at_of(in.Get(row, "at")), 1, &row});
    for (const auto& row : re.rows) items.push_back({at_of(re.Get(row, "at")), 2, &row});
    std::stable_sort(items.begin(), items.end(), [](const Item& x, const Item& y) { return x.at < y.at; });
    std::map<std::string, std::string> kind_of;
    JW_ASSIGN_OR_RETURN(sql::Rows ks, db_->Query("SELECT code, kind FROM gr_sites"));
    for (const auto& k : ks) kind_of[k.Text("code")] = k.Text("kind");
    for (const auto& it : items) {
      const auto& row = *it.row;
      if (it.file == 0) {
        ++fm.rows;
        if (events_loaded) { ++fm.already; continue; }
        json b = {{"licence_no", mv.Get(row, "licence_no")}, {"delta", std::atoll(mv.Get(row, "delta").c_str())},
                  {"at", time(mv.Get(row, "at"))}, {"note", mv.Get(row, "note")}};
        result(fm, Move(a, mv.Get(row, "site_code"), b).status());
      } else if (it.file == 1) {
        ++fi.rows;
        if (events_loaded) { ++fi.already; continue; }
        std::string site = in.Get(row, "site_code");
        std::map<std::string, std::pair<std::string, std::string>> failed;  // item -> level, deadline
        for (const auto& f : Split(in.Get(row, "failed"), ';')) {
          auto parts = Split(f, ':');
          if (parts.size() == 3) failed[parts[0]] = {parts[1], parts[2].empty() ? "" : date(parts[2])};
        }
        json checklist = json::array();
        for (const auto& item : ChecklistOf(kind_of[site])) {
          json x = {{"item", item}, {"ok", !failed.count(item)}};
          if (failed.count(item)) {
            x["level"] = failed[item].first;
            if (!failed[item].second.empty()) x["deadline"] = failed[item].second;
            x["note"] = "检查发现";
          }
          checklist.push_back(x);
        }
        json counts = json::object();
        for (const auto& c : Split(in.Get(row, "counts"), ';')) {
          auto eq = c.find('=');
          if (eq != std::string::npos) counts[c.substr(0, eq)] = std::atoll(c.substr(eq + 1).c_str());
        }
        json b = {{"site_code", site}, {"at", time(in.Get(row, "at"))}, {"checklist", checklist}, {"counts", counts},
                  {"note", in.Get(row, "note")}};
        auto made = Inspect(a, b);
        result(fi, made.status());
        if (made.ok())
          for (const auto& h : (*made)["hazards"]) refs[in.Get(row, "ref") + "/" + h["item"].get<std::string>()] = h["id"];
      } else {
        ++fr.rows;
        if (events_loaded) { ++fr.already; continue; }
        auto ref = refs.find(re.Get(row, "hazard_ref"));
        if (ref == refs.end()) {
          ++fr.rejected["unknown_hazard"];
          continue;
        }
        json b = {{"at", time(re.Get(row, "at"))}, {"ok", re.Get(row, "ok") == "1"}, {"note", re.Get(row, "note")}};
        if (!re.Get(row, "deadline").empty()) b["deadline"] = date(re.Get(row, "deadline"));
        result(fr, Reinspect(a, ref->second, b).status());
      }
    }
    out.push_back(fm);
    out.push_back(fi);
    out.push_back(fr);
  }
  // ---- disputes, then their sessions, follow-ups and escalations in time order
  {
    std::map<std::string, std::string> station_code;
    if (force_) {
      JW_ASSIGN_OR_RETURN(std::vector<force::Unit> units, force_->Units());
      for (const auto& u : units)
        if (u.kind == "station") station_code[u.name] = u.code;
    }
    CsvTable t, m, fu, es;
    JW_RETURN_IF_ERROR(load("grassroots_disputes.csv", &t).status());
    JW_RETURN_IF_ERROR(load("grassroots_mediations.csv", &m).status());
    JW_RETURN_IF_ERROR(load("grassroots_followups.csv", &fu).status());
    JW_RETURN_IF_ERROR(load("grassroots_escalations.csv", &es).status());
    ImportFile fd{"grassroots_disputes.csv"}, fmed{"grassroots_mediations.csv"}, ff{"grassroots_followups.csv"},
        fe{"grassroots_escalations.csv"};
    std::vector<const std::vector<std::string>*> rows;
    for (const auto& row : t.rows) rows.push_back(&row);
    auto reported = [&](const std::vector<std::string>* r) {
      auto p = ParseTime(t.Get(*r, "reported_at"));
      return p.ok() ? p->micros : INT64_MAX;
    };
    std::stable_sort(rows.begin(), rows.end(), [&](auto* x, auto* y) { return reported(x) < reported(y); });
    for (const auto* rp : rows) {
      const auto& row = *rp;
      ++fd.rows;
      if (events_loaded) { ++fd.already; continue; }
      std::string station = t.Get(row, "station");
      json parties = json::array();
      for (const auto& p : Split(t.Get(row, "parties"), ';')) {
        auto f = Split(p, '|');
        if (f.size() != 4) continue;
        json x = {{"name", f[0]}, {"role", f[3]}};
        if (!f[1].empty()) x["id_number"] = f[1];
        if (!f[2].empty()) x["phone"] = f[2];
        parties.push_back(x);
      }
      json b = {{"station_code", station_code.count(station) ? station_code[station] : station},
                {"source", t.Get(row, "source")},
                {"kind", t.Get(row, "kind")},
                {"risk", t.Get(row, "risk")},
                {"address", t.Get(row, "address")},
                {"reported_at", time(t.Get(row, "reported_at"))},
                {"summary", t.Get(row, "summary")},
                {"parties", parties}};
      std::string code = t.Get(row, "address_code");
      if (!code.empty() && ix && ix->Find(code)) b["address_code"] = code;
      auto made = CreateDispute(a, b);
      result(fd, made.status());
      if (made.ok()) refs[t.Get(row, "ref")] = (*made)["id"].get<int64_t>();
    }
    struct Step {
      int64_t at;
      int kind;  // 0 mediation, 1 follow-up, 2 escalation
      const std::vector<std::string>* row;
    };
    std::vector<Step> steps;
    auto at_of = [](const std::string& s) { auto p = ParseTime(s); return p.ok() ? p->micros : INT64_MAX; };
    for (const auto& row : m.rows) steps.push_back({at_of(m.Get(row, "at")), 0, &row});
    for (const auto& row : fu.rows) steps.push_back({at_of(fu.Get(row, "due_on")), 1, &row});
    for (const auto& row : es.rows) steps.push_back({INT64_MAX, 2, &row});
    std::stable_sort(steps.begin(), steps.end(), [](const Step& x, const Step& y) { return x.at < y.at; });
    for (const auto& s : steps) {
      const auto& row = *s.row;
      ImportFile& f = s.kind == 0 ? fmed : s.kind == 1 ? ff : fe;
      ++f.rows;
      if (events_loaded) { ++f.already; continue; }
      const CsvTable& tab = s.kind == 0 ? m : s.kind == 1 ? fu : es;
      auto ref = refs.find(tab.Get(row, "dispute_ref"));
      if (ref == refs.end()) {
        ++f.rejected["unknown_dispute"];
        continue;
      }
      if (s.kind == 0) {
        json b = {{"at", time(m.Get(row, "at"))}, {"mediator", m.Get(row, "mediator")}, {"outcome", m.Get(row, "outcome")},
                  {"agreement", m.Get(row, "agreement")}};
        result(f, Mediate(a, ref->second, b).status());
      } else if (s.kind == 1) {
        auto made = ScheduleFollowup(a, ref->second, {{"due_on", date(fu.Get(row, "due_on"))}});
        if (made.ok() && !fu.Get(row, "done_at").empty()) {
          int64_t fid = 0;
          for (const auto& x : (*made)["followups"]) fid = std::max(fid, x["id"].get<int64_t>());
          made = FollowupDone(a, fid, {{"at", time(fu.Get(row, "done_at"))}, {"result", fu.Get(row, "result")},
                                       {"note", fu.Get(row, "note")}});
        }
        result(f, made.status());
      } else {
        result(f, Escalate(a, ref->second, {{"case_no", es.Get(row, "case_no")}, {"note", es.Get(row, "note")}}).status());
      }
    }
    out.push_back(fd);
    out.push_back(fmed);
    out.push_back(ff);
    out.push_back(fe);
  }
  // ---- partners, members and their tips
  {
    CsvTable p, mem, tips;
    JW_RETURN_IF_ERROR(load("grassroots_partners.csv", &p).status());
    JW_RETURN_IF_ERROR(load("grassroots_members.csv", &mem).status());
    JW_RETURN_IF_ERROR(load("grassroots_tips.csv", &tips).status());
    ImportFile fp{"grassroots_partners.csv"}, fm{"grassroots_members.csv"}, ft{"grassroots_tips.csv"};
    for (const auto& row : p.rows) {
      ++fp.rows;
      json b = {{"name", p.Get(row, "name")}, {"kind", p.Get(row, "kind")}, {"district_code", p.Get(row, "district_code")},
                {"area", p.Get(row, "area")}, {"contact", p.Get(row, "contact")}};
      result(fp, CreatePartner(a, b).status());
    }
    JW_ASSIGN_OR_RETURN(sql::Rows ps, db_->Query("SELECT id, name FROM gr_partners"));
    std::map<std::string, int64_t> partner_id;
    for (const auto& r : ps) partner_id[r.Text("name")] = r.Int("id");
    for (const auto& row : mem.rows) {
      ++fm.rows;
      auto it = partner_id.find(mem.Get(row, "partner"));
      if (it == partner_id.end()) {
        ++fm.rejected["unknown_partner"];
        continue;
      }
      result(fm, AddMember(a, it->second, {{"name", mem.Get(row, "name")}, {"phone", mem.Get(row, "phone")}}).status());
    }
    for (const auto& row : tips.rows) {
      ++ft.rows;
      if (events_loaded) { ++ft.already; continue; }
      json b = {{"category", tips.Get(row, "category")}, {"text", tips.Get(row, "text")}, {"address", tips.Get(row, "address")},
                {"lat", std::atof(tips.Get(row, "lat").c_str())}, {"lon", std::atof(tips.Get(row, "lon").c_str())}};
      auto at = ParseTime(time(tips.Get(row, "created_at")));
      result(ft, SubmitTip({0, tips.Get(row, "reporter_phone"), tips.Get(row, "reporter_name"), ""}, b,
                           at.ok() ? *at : Timestamp{}).status());
    }
    out.push_back(fp);
    out.push_back(fm);
    out.push_back(ft);
  }
  if (!events_loaded)
    JW_RETURN_IF_ERROR(db_->Exec("INSERT INTO gr_import_shifts (as_of, shift_days) VALUES (?, ?) ON CONFLICT (as_of) DO NOTHING",
                                 {std::string("loaded:") + dir, shift_days})
                           .status());
  if (refs_out) *refs_out = std::move(refs);
  return out;
}

}  // namespace jingwu::grassroots

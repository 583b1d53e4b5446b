// Service::Import: the generated custody files, replayed in time order
// through the same checks as the API (docs/custody.md, "Import").
#include <algorithm>
#include <set>
#include <tuple>

#include "custody/service.h"
#include "identity/identity.h"

namespace jingwu::custody {

namespace {

// A file time moved by shift; unparseable text is passed on as it is (the
// service refuses it with invalid_time).
struct Shifted {
  std::string text;
  int64_t micros = INT64_MAX;  // sorting key; unparseable last
};
Shifted Shift(const std::string& text, int64_t shift_us) {
  if (text.empty()) return {"", INT64_MAX};
  auto t = ParseTime(text);
  if (!t.ok()) return {text, INT64_MAX};
  Timestamp s{t->micros + shift_us};
  return {FormatTime(s), s.micros};
}

}  // namespace

Result<int64_t> Service::ImportShift(const std::string& as_of, int64_t proposed) {
  proposed = proposed / kMicrosPerSecond * kMicrosPerSecond;
  JW_ASSIGN_OR_RETURN(sql::Rows have, db_->Query("SELECT shift_us FROM cust_import_shifts WHERE as_of = ?", {as_of}));
  if (!have.empty()) return have[0].Int("shift_us");
  JW_RETURN_IF_ERROR(db_->Exec("INSERT INTO cust_import_shifts (as_of, shift_us) VALUES (?, ?)", {as_of, proposed}).status());
  return proposed;
}

Result<std::vector<ImportFile>> Service::Import(const auth::Actor& actor, const std::string& dir_in, int64_t shift_us,
                                                std::map<std::string, int64_t>* refs_out) {
  const std::string dir = dir_in.empty() || dir_in.back() == '/' ? dir_in : dir_in + "/";
  shift_us = shift_us / kMicrosPerSecond * kMicrosPerSecond;  // the files' times are whole seconds
  std::vector<ImportFile> out;
  auto need = [&](const CsvTable& t, const char* file, std::initializer_list<const char*> cols) -> Status {
    for (const char* c : cols)
      if (t.Column(c) < 0) return Validation("missing_columns", std::string(file) + " lacks the column " + c);
    return Status::Ok();
  };
  auto count = [](ImportFile& f, const Status& s) {
    if (s.code() == "facility_exists" || s.code() == "room_exists") ++f.already;
    else ++f.rejected[s.code()];
  };

  // Facilities and rooms.
  CsvTable facilities, rooms, detainees, extensions, events;
  JW_ASSIGN_OR_RETURN(bool have_facilities, ReadCsvTable(dir + "custody_facilities.csv", &facilities));
  if (!have_facilities) return NotFound("file_not_found", "no custody_facilities.csv in " + dir_in);
  JW_RETURN_IF_ERROR(need(facilities, "custody_facilities.csv", {"facility_code", "name", "kind", "district_code"}));
  JW_ASSIGN_OR_RETURN(bool have_rooms, ReadCsvTable(dir + "custody_rooms.csv", &rooms));
  if (have_rooms) JW_RETURN_IF_ERROR(need(rooms, "custody_rooms.csv", {"facility_code", "room", "capacity"}));
  JW_ASSIGN_OR_RETURN(bool have_detainees, ReadCsvTable(dir + "custody_detainees.csv", &detainees));
  if (have_detainees)
    JW_RETURN_IF_ERROR(need(detainees, "custody_detainees.csv",
                            {"ref", "facility_code", "room", "id_number", "case_no", "basis", "decision_days",
                             "admitted_at", "released_at", "release_reason", "over_capacity_reason"}));
  JW_ASSIGN_OR_RETURN(bool have_extensions, ReadCsvTable(dir + "custody_extensions.csv", &extensions));
  if (have_extensions)
    JW_RETURN_IF_ERROR(need(extensions, "custody_extensions.csv", {"ref", "days", "reason", "approved_by", "approval_no", "at"}));
  JW_ASSIGN_OR_RETURN(bool have_events, ReadCsvTable(dir + "custody_events.csv", &events));
  if (have_events)
    JW_RETURN_IF_ERROR(need(events, "custody_events.csv", {"facility_code", "room", "detainee_ref", "kind", "at", "count", "note"}));

  {
    ImportFile f{"custody_facilities.csv"};
    const CsvTable& t = facilities;
    for (const auto& row : t.rows) {
      ++f.rows;
      auto r = CreateFacility(actor, {t.Get(row, "facility_code"), t.Get(row, "name"),
                                      t.Get(row, "kind"), t.Get(row, "district_code"), {}, 0, 0});
      if (r.ok()) ++f.accepted;
      else count(f, r.status());
    }
    out.push_back(f);
  }
  if (have_rooms) {
    ImportFile f{"custody_rooms.csv"};
    const CsvTable& t = rooms;
    for (const auto& row : t.rows) {
      ++f.rows;
      char* end = nullptr;
      std::string cap = t.Get(row, "capacity");
      long n = std::strtol(cap.c_str(), &end, 10);
      if (cap.empty() || *end) {
        ++f.rejected["invalid_value"];
        continue;
      }
      auto r = AddRoom(actor, t.Get(row, "facility_code"), {t.Get(row, "room"), n, 0});
      if (r.ok()) ++f.accepted;
      else count(f, r.status());
    }
    out.push_back(f);
  }

  // Detainees, extensions and events as one timeline: admissions, then
  // extensions and events, then releases at the same instant.
  struct Action {
    int64_t at;
    int order;  // 0 admission, 1 extension, 2 event, 3 release
    size_t row;
  };
  std::vector<Action> timeline;
  ImportFile fd{"custody_detainees.csv"}, fx{"custody_extensions.csv"}, fe{"custody_events.csv"};
  std::map<std::string, int64_t> refs;  // file ref -> detainee id
  std::set<std::string> refused;        // refs whose admission was refused
  // What an earlier import stored: detainees by person and admission, extensions by approval, events by their key.
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, bool>> stored;  // -> id, released
  JW_ASSIGN_OR_RETURN(sql::Rows have, db_->Query("SELECT id, person, admitted_at, released_us FROM cust_detainees"));
  for (const auto& r : have)
    stored[{r.Text("person"), r.Text("admitted_at")}] = {r.Int("id"), !r.IsNull("released_us")};
  std::set<std::pair<int64_t, std::string>> stored_ext;
  JW_ASSIGN_OR_RETURN(sql::Rows have_ext, db_->Query("SELECT detainee_id, approval_no FROM cust_extensions"));
  for (const auto& r : have_ext) stored_ext.insert({r.Int("detainee_id"), r.Text("approval_no")});
  std::set<std::tuple<std::string, std::string, std::string, int64_t, int64_t>> stored_ev;
  JW_ASSIGN_OR_RETURN(sql::Rows have_ev, db_->Query("SELECT facility_code, room, kind, at_us, detainee_id FROM cust_events"));
  for (const auto& r : have_ev)
    stored_ev.insert({r.Text("facility_code"), r.Text("room"), r.Text("kind"), r.Int("at_us"), r.Int("detainee_id")});

  const CsvTable& td = detainees;
  std::vector<Shifted> adm(td.rows.size()), rel(td.rows.size());
  std::vector<bool> skip_release(td.rows.size());
  for (size_t i = 0; i < td.rows.size(); ++i) {
    const auto& row = td.rows[i];
    ++fd.rows;
    adm[i] = Shift(td.Get(row, "admitted_at"), shift_us);
    rel[i] = Shift(td.Get(row, "released_at"), shift_us);
    const std::string ref = td.Get(row, "ref");
    // A release before the admission admits nobody (the row is refused whole).
    if (!rel[i].text.empty() && (rel[i].micros == INT64_MAX || adm[i].micros == INT64_MAX || rel[i].micros < adm[i].micros)) {
      ++fd.rejected["invalid_time"];
      refused.insert(ref);
      continue;
    }
    auto id = identity::ParseIdNumber(td.Get(row, "id_number"));
    if (id.ok()) {
      auto it = stored.find({"ID:" + id->number, adm[i].text});
      if (it != stored.end()) {
        ++fd.already;
        refs[ref] = it->second.first;
        skip_release[i] = it->second.second;
        if (!rel[i].text.empty() && !skip_release[i]) timeline.push_back({rel[i].micros, 3, i});
        continue;
      }
    }
    timeline.push_back({adm[i].micros, 0, i});
    if (!rel[i].text.empty()) timeline.push_back({rel[i].micros, 3, i});
  }
  const CsvTable& tx = extensions;
  std::vector<Shifted> ext_at(tx.rows.size());
  for (size_t i = 0; i < tx.rows.size(); ++i) {
    ++fx.rows;
    ext_at[i] = Shift(tx.Get(tx.rows[i], "at"), shift_us);
    timeline.push_back({ext_at[i].micros, 1, i});
  }
  const CsvTable& te = events;
  std::vector<Shifted> ev_at(te.rows.size());
  for (size_t i = 0; i < te.rows.size(); ++i) {
    ++fe.rows;
    ev_at[i] = Shift(te.Get(te.rows[i], "at"), shift_us);
    timeline.push_back({ev_at[i].micros, 2, i});
  }
  std::stable_sort(timeline.begin(), timeline.end(), [](const Action& a, const Action& b) {
    return std::tie(a.at, a.order) < std::tie(b.at, b.order);
  });
  // The detainee a row refers to: 0 with the reason when there is none.
  auto detainee_of = [&](const std::string& ref, std::string* reason) -> int64_t {
    auto it = refs.find(ref);
    if (it != refs.end()) return it->second;
    *reason = refused.count(ref) ? "detainee_refused" : "unknown_detainee";
    return 0;
  };
  for (const auto& a : timeline) {
    if (a.order == 0) {
      const auto& row = td.rows[a.row];
      std::string days = td.Get(row, "decision_days");
      Admission ad{td.Get(row, "facility_code"), td.Get(row, "room"),
                   td.Get(row, "id_number"),     td.Get(row, "case_no"),
                   td.Get(row, "basis"),         adm[a.row].text,
                   td.Get(row, "over_capacity_reason"),
                   days.empty() ? 0 : std::atoi(days.c_str())};
      auto d = Admit(actor, ad);
      const std::string ref = td.Get(row, "ref");
      if (d.ok()) {
        ++fd.accepted;
        refs[ref] = d->id;
      } else {
        ++fd.rejected[d.status().code()];
        refused.insert(ref);
      }
    } else if (a.order == 3) {
      const auto& row = td.rows[a.row];
      std::string reason;
      int64_t id = detainee_of(td.Get(row, "ref"), &reason);
      if (!id) continue;  // its admission was refused and counted
      std::string why = td.Get(row, "release_reason");
      auto d = Release(actor, id, rel[a.row].text, why.empty() ? "释放" : why);
      // The admission is stored; a release refused later is counted on its own.
      if (!d.ok()) ++fd.rejected["release_" + d.status().code()];
    } else if (a.order == 1) {
      const auto& row = tx.rows[a.row];
      std::string reason;
      int64_t id = detainee_of(tx.Get(row, "ref"), &reason);
      if (!id) {
        ++fx.rejected[reason];
        continue;
      }
      std::string no = tx.Get(row, "approval_no");
      if (!no.empty() && stored_ext.count({id, no})) {
        ++fx.already;
        continue;
      }
      std::string days = tx.Get(row, "days");
      char* end = nullptr;
      long n = std::strtol(days.c_str(), &end, 10);
      if (days.empty() || *end) {
        ++fx.rejected["invalid_days"];
        continue;
      }
      auto d = Extend(actor, id, {static_cast<int>(n), tx.Get(row, "reason")}, tx.Get(row, "approved_by"),
                      no, ext_at[a.row].text);
      if (d.ok()) ++fx.accepted;
      else ++fx.rejected[d.status().code()];
    } else {
      const auto& row = te.rows[a.row];
      Event e;
      e.facility_code = te.Get(row, "facility_code");
      e.room = te.Get(row, "room");
      e.kind = te.Get(row, "kind");
      e.at = ev_at[a.row].text;
      e.note = te.Get(row, "note");
      std::string ref = te.Get(row, "detainee_ref");
      if (!ref.empty()) {
        std::string reason;
        e.detainee_id = detainee_of(ref, &reason);
        if (!e.detainee_id) {
          ++fe.rejected[reason];
          continue;
        }
      }
      std::string n = te.Get(row, "count");
      if (!n.empty()) {
        char* end = nullptr;
        long v = std::strtol(n.c_str(), &end, 10);
        if (*end) {
          ++fe.rejected["invalid_value"];
          continue;
        }
        e.count = v;
      }
      if (ev_at[a.row].micros != INT64_MAX && (e.detainee_id || !e.facility_code.empty())) {
        // Stored before: the same kind, room, instant and detainee.
        std::string fac = e.facility_code, room = e.room;
        if (e.detainee_id && (fac.empty() || room.empty())) {
          auto d = Load(e.detainee_id);
          if (d.ok()) fac = d->facility_code, room = room.empty() ? d->room : room;
        }
        if (stored_ev.count({fac, room, e.kind, ev_at[a.row].micros, e.detainee_id})) {
          ++fe.already;
          continue;
        }
      }
      auto r = Record(actor, e);
      if (r.ok()) ++fe.accepted;
      else ++fe.rejected[r.status().code()];
    }
  }
  if (have_detainees) out.push_back(fd);
  if (have_extensions) out.push_back(fx);
  if (have_events) out.push_back(fe);
  if (refs_out) *refs_out = std::move(refs);
  return out;
}

}  // namespace jingwu::custody

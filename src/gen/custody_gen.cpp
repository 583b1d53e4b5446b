#include "gen/custody_gen.h"

#include <algorithm>
#include <climits>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/time.h"
#include "gen/csv_file.h"
#include "gen/random.h"

namespace jingwu::gen {

namespace {

using json = nlohmann::json;
constexpr int64_t kMin = 60 * kMicrosPerSecond;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kHeld = INT64_MAX;

struct Facility {
  const char *code, *name, *kind, *district;
  std::vector<std::pair<std::string, int>> rooms;  // room, capacity
};

struct Ext {
  int days;
  std::string reason, approved_by, approval_no;
  int64_t at;
};

struct Stay {
  std::string ref, fac, room, id, case_no, basis;
  int decision_days = 0;
  int64_t adm = 0, rel = kHeld;
  std::string release_reason, over_reason;
  std::vector<Ext> exts;
  bool no_medical = false;
};

int BaseDays(const Stay& s) {
  if (s.basis == "criminal_detention") return 3;
  if (s.basis == "arrest") return 60;
  if (s.basis == "compulsory_isolation") return 730;
  return s.decision_days;
}

int64_t Due(const Stay& s) {
  int64_t days = BaseDays(s);
  for (const auto& e : s.exts) days += e.days;
  return s.adm + days * kDay;
}

struct Person {
  std::string id, case_no;
};

// The stays and, per room, their [admitted, released) intervals.
class Model {
 public:
  std::vector<Stay> stays;
  Model() { stays.reserve(4096); }
  Stay& Add(Stay s) {
    rooms_[s.fac + "/" + s.room].push_back({s.adm, s.rel});
    stays.push_back(std::move(s));
    return stays.back();
  }
  int64_t Occupancy(const std::string& fac, const std::string& room, int64_t t) const {
    auto it = rooms_.find(fac + "/" + room);
    if (it == rooms_.end()) return 0;
    int64_t n = 0;
    for (const auto& [adm, rel] : it->second) n += adm <= t && rel > t;
    return n;
  }
  // Whether one more stay [a, r) fits the room's capacity at every admission in it.
  bool Fits(const std::string& fac, const std::string& room, int cap, int64_t a, int64_t r) const {
    if (Occupancy(fac, room, a) >= cap) return false;
    auto it = rooms_.find(fac + "/" + room);
    if (it == rooms_.end()) return true;
    for (const auto& [adm, rel] : it->second)
      if (adm > a && adm < r && Occupancy(fac, room, adm) >= cap) return false;
    return true;
  }

 private:
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> rooms_;
};

std::string Time(int64_t us) { return FormatTime(Timestamp{us}); }

}  // namespace

Status WriteCustody(const CustodyOptions& o, const cases::Dataset& data, std::map<std::string, int64_t>* rows_out) {
  Random r(o.seed * 7919 + 31);
  // as_of: 00:00 (Shanghai) of the day after the last case was filed.
  int64_t last = 0;
  for (const auto& c : data.cases)
    if (c.filed_at) last = std::max(last, c.filed_at->micros);
  if (last == 0) return Internal("no filed cases to admit suspects from");
  const int64_t as_of = ((LocalDay(Timestamp{last}) + 1) * 86400 - kShanghaiOffsetMinutes * 60) * kMicrosPerSecond;
  const int64_t start = as_of - int64_t{o.days} * kDay;

  // Suspects of cases filed in the window (and the month before), each person once.
  std::vector<Person> criminal, order, drugs;
  std::set<std::string> seen;
  std::map<std::string, std::set<std::string>> suspects_of;
  for (const auto& c : data.cases) {
    if (!c.filed_at || c.filed_at->micros < start - 30 * kDay) continue;
    for (const auto& s : c.suspects) {
      suspects_of[c.case_no].insert(s.id_number);
      if (!seen.insert(s.id_number).second) continue;
      // (The generated public-order cases name no suspects: the detention house holds those of minor offences.)
      Person p{s.id_number, c.case_no};
      if (c.category == "drugs") drugs.push_back(p);
      else if (c.kind != "criminal" || c.category == "vice" || c.category == "traffic" || c.category == "other")
        order.push_back(p);
      else criminal.push_back(p);
    }
  }
  size_t next_c = 0, next_o = 0, next_d = 0;
  auto take = [&](const std::string& basis) -> std::optional<Person> {
    auto& pool = basis == "administrative_detention" ? order : basis == "compulsory_isolation" ? drugs : criminal;
    size_t& next = basis == "administrative_detention" ? next_o : basis == "compulsory_isolation" ? next_d : next_c;
    if (next >= pool.size()) return std::nullopt;
    return pool[next++];
  };

  const std::vector<Facility> facs = {
      {"KSS-HK01", "海口市看守所", "detention_center", "460106",
       {{"101", 12}, {"102", 12}, {"103", 12}, {"104", 12}, {"105", 12}, {"106", 12}, {"107", 12}, {"108", 12}, {"109", 2}}},
      {"JLS-HK01", "海口市拘留所", "detention_house", "460107", {{"201", 10}, {"202", 10}, {"203", 10}, {"204", 10}}},
      {"JDS-HK01", "海口市强制隔离戒毒所", "rehab_center", "460108", {{"301", 20}, {"302", 20}, {"303", 20}}}};
  Model m;
  int next_ref = 1;
  auto ref = [&] {
    char b[16];
    std::snprintf(b, sizeof b, "D%05d", next_ref++);
    return std::string(b);
  };
  json truth = {{"as_of", Time(as_of)}, {"alerts", json::object()}, {"rejects", json::object()}};
  auto plant = [&](const char* kind, const json& what) { truth["alerts"][kind].push_back(what); };
  auto approver = [&](int64_t at) {
    static constexpr const char* kChiefs[] = {"分局局长 陈志明", "分局局长 王海涛", "副局长 李建国"};
    char no[64];
    std::snprintf(no, sizeof no, "琼公（%s）延字〔%s〕%03d号", r.Chance(0.5) ? "龙" : "琼", Time(at).substr(0, 4).c_str(),
                  static_cast<int>(r.Between(1, 400)));
    return std::make_pair(std::string(kChiefs[r.Below(3)]), std::string(no));
  };

  // ---- planted first, in named rooms (everything else fits around them) ----
  auto planted = [&](const char* fac, const char* room, const char* basis, int64_t adm, int decision_days = 0) -> Stay& {
    auto p = take(basis);
    return m.Add({ref(), fac, room, p ? p->id : "", p ? p->case_no : "", basis, decision_days, adm, kHeld, "", "", {}, false});
  };
  // Custody past its legal limit: a criminal detention of 3 days 5 hours; an administrative detention of 10 days 3 hours.
  plant("overdue", planted("KSS-HK01", "102", "criminal_detention", as_of - 3 * kDay - 5 * kHour).ref);
  plant("overdue", planted("JLS-HK01", "201", "administrative_detention", as_of - 10 * kDay - 3 * kHour, 10).ref);
  // Releases due within 24 hours.
  plant("due_soon", planted("KSS-HK01", "105", "criminal_detention", as_of - 3 * kDay + 6 * kHour).ref);
  plant("due_soon", planted("KSS-HK01", "101", "arrest", as_of - 60 * kDay + 14 * kHour).ref);
  plant("due_soon", planted("JLS-HK01", "202", "administrative_detention", as_of - 5 * kDay + 20 * kHour, 5).ref);
  // Not due: extended for a complex case (due in 3 days); extended for a roving crime (due in 10); due in 30 hours.
  {
    Stay& s = planted("KSS-HK01", "101", "criminal_detention", as_of - 4 * kDay);
    auto [by, no] = approver(s.adm + 60 * kHour);
    s.exts.push_back({4, "complex", by, no, s.adm + 60 * kHour});
    truth["extended_complex"] = s.ref;
  }
  {
    Stay& s = planted("KSS-HK01", "106", "criminal_detention", as_of - 20 * kDay);
    auto [by, no] = approver(s.adm + 70 * kHour);
    s.exts.push_back({27, "roving", by, no, s.adm + 70 * kHour});
  }
  planted("KSS-HK01", "107", "criminal_detention", as_of - 42 * kHour);
  // Lawyer requests: two not arranged in 48 hours; one met within a day; one made 20 hours ago.
  std::vector<std::pair<std::string, int64_t>> lawyer_requests, lawyer_meetings;
  {
    Stay& a = planted("KSS-HK01", "104", "arrest", as_of - 20 * kDay);
    lawyer_requests.push_back({a.ref, as_of - 3 * kDay});
    plant("lawyer_not_arranged", a.ref);
    Stay& b = planted("KSS-HK01", "108", "arrest", as_of - 30 * kDay);
    lawyer_requests.push_back({b.ref, as_of - 60 * kHour});
    plant("lawyer_not_arranged", b.ref);
    Stay& c = planted("KSS-HK01", "105", "arrest", as_of - 25 * kDay);
    lawyer_requests.push_back({c.ref, as_of - 2 * kDay});
    lawyer_meetings.push_back({c.ref, as_of - 1 * kDay});
    Stay& d = planted("KSS-HK01", "106", "arrest", as_of - 15 * kDay);
    lawyer_requests.push_back({d.ref, as_of - 20 * kHour});
  }
  // No admission medical check: admitted 30 hours and 4 days ago; one admitted 10 hours ago (not due yet).
  {
    Stay& a = planted("KSS-HK01", "103", "criminal_detention", as_of - 30 * kHour);
    a.no_medical = true;
    plant("no_admission_medical", a.ref);
    Stay& b = planted("JDS-HK01", "301", "compulsory_isolation", as_of - 4 * kDay);
    b.no_medical = true;
    plant("no_admission_medical", b.ref);
    planted("KSS-HK01", "103", "criminal_detention", as_of - 10 * kHour).no_medical = true;
  }
  // The transitional room 109 (capacity 2) full.
  planted("KSS-HK01", "109", "arrest", as_of - 12 * kDay);
  planted("KSS-HK01", "109", "arrest", as_of - 9 * kDay);
  for (const auto& s : m.stays)
    if (s.id.empty()) return Internal("not enough case suspects for the custody generator");

  // ---- ninety days of ordinary admissions and releases ----
  struct Flow {
    const char* fac;
    const char* basis;
    double per_day;
  };
  const Flow flows[] = {{"KSS-HK01", "criminal_detention", 2.2},
                        {"KSS-HK01", "arrest", 0.9},
                        {"JLS-HK01", "administrative_detention", 2.0},
                        {"JDS-HK01", "compulsory_isolation", 0.3}};
  std::vector<Stay> ordinary;
  for (int64_t day = 0; day < o.days; ++day)
    for (const auto& f : flows) {
      int n = static_cast<int>(f.per_day) + (r.Chance(f.per_day - static_cast<int>(f.per_day)) ? 1 : 0);
      for (int i = 0; i < n; ++i) {
        Stay s;
        s.fac = f.fac, s.basis = f.basis;
        s.adm = start + day * kDay + r.Between(0, kDay / kMin - 1) * kMin;
        if (s.basis == "criminal_detention") {
          double x = r.Unit();
          if (x < 0.05) {  // a roving crime: extended to 30 days
            s.exts.push_back({27, "roving", "", "", s.adm + r.Between(50, 70) * kHour});
            s.rel = s.adm + r.Between(4 * 24, 28 * 24) * kHour;
            s.release_reason = "转逮捕";
          } else if (x < 0.25) {  // complex: extended to 7 days
            s.exts.push_back({4, "complex", "", "", s.adm + r.Between(50, 70) * kHour});
            s.rel = s.adm + r.Between(80, 160) * kHour;
            s.release_reason = r.Chance(0.5) ? "取保候审" : "转逮捕";
          } else {
            s.rel = s.adm + r.Between(20, 66) * kHour;
            s.release_reason = r.Chance(0.6) ? "取保候审" : r.Chance(0.5) ? "监视居住" : "不予立案，释放";
          }
        } else if (s.basis == "arrest") {
          s.rel = s.adm + r.Between(20, 55) * kDay;
          s.release_reason = "移送起诉";
        } else if (s.basis == "administrative_detention") {
          s.decision_days = static_cast<int>(r.Between(3, 15));
          s.rel = Due(s) - r.Between(20, 90) * kMin;
          s.release_reason = "拘留期满";
        } else {
          s.rel = kHeld;
        }
        // Extensions happen before the release (or not at all).
        std::erase_if(s.exts, [&](const Ext& e) { return e.at >= s.rel || e.at >= as_of; });
        for (auto& e : s.exts) std::tie(e.approved_by, e.approval_no) = approver(e.at);
        if (s.rel != kHeld) s.rel = std::min(s.rel, Due(s) - 30 * kMin);
        if (s.rel >= as_of) s.rel = kHeld;
        // Nobody ordinary is overdue or due within 36 hours at as_of: released a few hours before as_of instead.
        if (s.rel == kHeld && Due(s) - as_of < 36 * kHour) {
          s.rel = as_of - r.Between(60, 300) * kMin;
          s.release_reason = "期满释放";
          if (s.rel <= s.adm + kHour) continue;
        }
        ordinary.push_back(std::move(s));
      }
    }
  std::stable_sort(ordinary.begin(), ordinary.end(), [](const Stay& a, const Stay& b) { return a.adm < b.adm; });
  for (auto& s : ordinary) {
    const Facility* fac = nullptr;
    for (const auto& f : facs)
      if (f.code == s.fac) fac = &f;
    std::string best;
    int64_t best_occ = INT64_MAX;
    for (const auto& [room, cap] : fac->rooms) {
      if (room == "109") continue;
      int64_t occ = m.Occupancy(s.fac, room, s.adm);
      if (occ < best_occ && m.Fits(s.fac, room, cap, s.adm, s.rel)) best = room, best_occ = occ;
    }
    if (best.empty()) continue;
    auto p = take(s.basis);
    if (!p) continue;
    s.ref = ref(), s.room = best, s.id = p->id, s.case_no = p->case_no;
    m.Add(std::move(s));
  }

  // ---- events ----
  struct Event {
    std::string fac, room, ref, kind;
    int64_t at;
    std::string count, note;
  };
  std::vector<Event> evs;
  const int64_t recent = as_of - 2 * kDay;
  for (const auto& s : m.stays) {
    int64_t med = s.adm + r.Between(30, 360) * kMin;
    if (!s.no_medical && med < as_of && med < s.rel) evs.push_back({"", "", s.ref, "medical", med, "", "入所体检"});
    // Daily medical rounds and family visits over the last two days.
    // (From the second day: the admission check covers the first.)
    for (int64_t t = std::max(recent, s.adm + kDay) + r.Between(60, 600) * kMin; t < std::min(as_of, s.rel); t += kDay) {
      evs.push_back({"", "", s.ref, "medical", t, "", "每日巡诊"});
      if (s.basis != "criminal_detention" && r.Chance(0.1) && t + 3 * kHour < std::min(as_of, s.rel))
        evs.push_back({"", "", s.ref, "visit", t + 3 * kHour, "", "家属会见"});
    }
    // Lawyer requests of ordinary arrests, met within 4-40 hours.
    if (s.basis == "arrest" && !s.ref.empty() && r.Chance(0.15)) {
      int64_t req = s.adm + r.Between(1, 10) * kDay;
      int64_t met = req + r.Between(4, 40) * kHour;
      bool planted_ref = false;
      for (const auto& [ref_, at] : lawyer_requests) planted_ref |= ref_ == s.ref;
      if (!planted_ref && met < std::min(as_of, s.rel)) {
        evs.push_back({"", "", s.ref, "lawyer_request", req, "", "委托律师会见"});
        evs.push_back({"", "", s.ref, "lawyer_meeting", met, "", "律师会见"});
      }
    }
  }
  for (const auto& [ref_, at] : lawyer_requests) evs.push_back({"", "", ref_, "lawyer_request", at, "", "家属委托律师会见"});
  for (const auto& [ref_, at] : lawyer_meetings) evs.push_back({"", "", ref_, "lawyer_meeting", at, "", "律师会见 40 分钟"});
  // Roll calls at 07:00, 12:00 and 21:00 and patrol checks every 15 minutes, over the last two days.
  const std::set<std::string> missed = {"KSS-HK01/103", "JLS-HK01/202"};
  for (const auto& f : facs)
    for (const auto& [room, cap] : f.rooms) {
      const std::string key = std::string(f.code) + "/" + room;
      for (int64_t day = LocalDay(Timestamp{recent}); day < LocalDay(Timestamp{as_of}); ++day)
        for (int h : {7, 12, 21}) {
          int64_t t = (day * 86400 + h * 3600 - kShanghaiOffsetMinutes * 60) * kMicrosPerSecond;
          if (t >= as_of) continue;
          int64_t n = m.Occupancy(f.code, room, t);
          if (key == "KSS-HK01/104" && day == LocalDay(Timestamp{as_of}) - 1 && h == 21) {
            --n;  // one short at the last roll call
            truth["alerts"]["headcount_mismatch"].push_back(key);
          }
          evs.push_back({f.code, room, "", "roll_call", t, std::to_string(n), ""});
        }
      int64_t t = as_of - r.Between(60, 240) * kMicrosPerSecond;
      if (missed.count(key)) {
        t = as_of - (key == "KSS-HK01/103" ? 50 : 35) * kMin;
        truth["alerts"]["missed_patrol"].push_back(key);
      }
      for (; t > recent; t -= 15 * kMin - r.Between(0, 120) * kMicrosPerSecond)
        evs.push_back({f.code, room, "", "patrol", t, "", ""});
    }

  // ---- the files ----
  const std::string dir = o.out_dir + "/";
  std::map<std::string, int64_t> rows;
  {
    CsvFileWriter w;
    if (!w.Open(dir + "custody_facilities.csv", {"facility_code", "name", "kind", "district_code"}))
      return Internal("cannot write custody_facilities.csv");
    for (const auto& f : facs) w.Row({f.code, f.name, f.kind, f.district});
    rows["custody_facilities.csv"] = w.rows();
    if (!w.Close()) return Internal("cannot write custody_facilities.csv");
  }
  {
    CsvFileWriter w;
    if (!w.Open(dir + "custody_rooms.csv", {"facility_code", "room", "capacity"})) return Internal("cannot write custody_rooms.csv");
    for (const auto& f : facs)
      for (const auto& [room, cap] : f.rooms) w.Row({f.code, room, std::to_string(cap)});
    rows["custody_rooms.csv"] = w.rows();
    if (!w.Close()) return Internal("cannot write custody_rooms.csv");
  }
  std::stable_sort(m.stays.begin(), m.stays.end(), [](const Stay& a, const Stay& b) { return a.adm < b.adm; });
  {
    CsvFileWriter w;
    if (!w.Open(dir + "custody_detainees.csv", {"ref", "facility_code", "room", "id_number", "case_no", "basis", "decision_days",
                                                "admitted_at", "released_at", "release_reason", "over_capacity_reason"}))
      return Internal("cannot write custody_detainees.csv");
    auto row = [&](const Stay& s) {
      w.Row({s.ref, s.fac, s.room, s.id, s.case_no, s.basis, s.decision_days ? std::to_string(s.decision_days) : "",
             Time(s.adm), s.rel == kHeld ? "" : Time(s.rel), s.release_reason, s.over_reason});
    };
    for (const auto& s : m.stays) row(s);
    // Bad rows, one fault each, and one admission beyond capacity with its recorded override.
    std::map<std::string, int> rejects;
    auto bad = [&](const char* reason, Stay s) {
      if (s.ref.empty()) s.ref = ref();
      if (s.id.empty()) {
        auto p = take(s.basis == "administrative_detention" ? "administrative_detention" : "criminal_detention");
        if (!p) return;
        s.id = p->id;
        if (s.case_no.empty()) s.case_no = p->case_no;
      }
      row(s);
      if (reason) ++rejects[reason];
    };
    const int64_t t = as_of - 6 * kHour;
    bad("unknown_room", {"", "KSS-HK01", "199", "", "", "criminal_detention", 0, t, kHeld, "", "", {}, false});
    bad("invalid_time", {"", "KSS-HK01", "106", "", "", "criminal_detention", 0, t, t - kHour, "释放", "", {}, false});
    bad("invalid_time", {"", "KSS-HK01", "106", "", "", "criminal_detention", 0, as_of + 2 * kDay, kHeld, "", "", {}, false});
    {
      // A real suspect under another case's number.
      auto p = take("criminal_detention");
      std::string other;
      for (const auto& [c, ids] : suspects_of)
        if (p && !ids.count(p->id)) {
          other = c;
          break;
        }
      if (p) bad("not_a_suspect", {"", "KSS-HK01", "106", p->id, other, "criminal_detention", 0, t, kHeld, "", "", {}, false});
    }
    bad("invalid_days", {"", "JLS-HK01", "203", "", "", "administrative_detention", 16, t, kHeld, "", "", {}, false});
    bad("over_capacity", {"", "KSS-HK01", "109", "", "", "arrest", 0, as_of - 2 * kHour, kHeld, "", "", {}, false});
    {
      Stay s{ref(), "KSS-HK01", "109", "", "", "arrest", 0, as_of - kHour, kHeld, "", "临时收押，监室调整中", {}, false};
      truth["over_capacity_admitted"] = s.ref;
      bad(nullptr, s);
    }
    bad("unknown_case", {"", "KSS-HK01", "106", "", "A4601069999999999", "criminal_detention", 0, t, kHeld, "", "", {}, false});
    bad("invalid_basis", {"", "KSS-HK01", "106", "", "", "house_arrest", 0, t, kHeld, "", "", {}, false});
    bad("wrong_facility", {"", "KSS-HK01", "106", "", "", "administrative_detention", 5, t, kHeld, "", "", {}, false});
    {
      auto p = take("criminal_detention");
      if (p) {
        std::string id = p->id;
        id.back() = id.back() == '1' ? '2' : '1';
        bad("invalid_id_number", {"", "KSS-HK01", "106", id, p->case_no, "criminal_detention", 0, t, kHeld, "", "", {}, false});
      }
    }
    bad("unknown_facility", {"", "KSS-XX99", "101", "", "", "criminal_detention", 0, t, kHeld, "", "", {}, false});
    truth["rejects"]["custody_detainees.csv"] = rejects;
    rows["custody_detainees.csv"] = w.rows();
    if (!w.Close()) return Internal("cannot write custody_detainees.csv");
  }
  {
    CsvFileWriter w;
    if (!w.Open(dir + "custody_extensions.csv", {"ref", "days", "reason", "approved_by", "approval_no", "at"}))
      return Internal("cannot write custody_extensions.csv");
    for (const auto& s : m.stays)
      for (const auto& e : s.exts) w.Row({s.ref, std::to_string(e.days), e.reason, e.approved_by, e.approval_no, Time(e.at)});
    // Bad rows: beyond the ceiling, without an approver, for no lawful reason.
    std::string ext = truth["extended_complex"], arrest;
    for (const auto& s : m.stays)
      if (s.basis == "arrest" && s.rel == kHeld && s.exts.empty() && s.fac == "KSS-HK01") arrest = s.ref;
    w.Row({ext, "10", "complex", "分局局长 陈志明", "琼公（龙）延字〔2020〕901号", Time(as_of - 3 * kHour)});
    w.Row({arrest, "30", "arrest_extension", "", "", Time(as_of - 3 * kHour)});
    w.Row({truth["alerts"]["overdue"][0].get<std::string>(), "2", "busy", "分局局长 陈志明", "琼公（龙）延字〔2020〕902号",
           Time(as_of - 3 * kHour)});
    truth["rejects"]["custody_extensions.csv"] = {{"extension_exceeds_limit", 1}, {"approver_required", 1}, {"invalid_reason", 1}};
    rows["custody_extensions.csv"] = w.rows();
    if (!w.Close()) return Internal("cannot write custody_extensions.csv");
  }
  {
    std::stable_sort(evs.begin(), evs.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
    CsvFileWriter w;
    if (!w.Open(dir + "custody_events.csv", {"facility_code", "room", "detainee_ref", "kind", "at", "count", "note"}))
      return Internal("cannot write custody_events.csv");
    for (const auto& e : evs) w.Row({e.fac, e.room, e.ref, e.kind, Time(e.at), e.count, e.note});
    const std::string t = Time(as_of - 4 * kHour);
    w.Row({"KSS-HK01", "101", "", "roll_call", t, "-1", ""});
    w.Row({"KSS-HK01", "999", "", "patrol", t, "", ""});
    w.Row({"KSS-HK01", "101", "", "nap", t, "", ""});
    w.Row({"KSS-HK01", "101", "", "patrol", Time(as_of + kDay), "", ""});
    w.Row({"KSS-HK01", "101", "", "patrol", "yesterday", "", ""});
    w.Row({"KSS-HK01", "101", "", "medical", t, "", ""});
    w.Row({"", "", "D99999", "visit", t, "", ""});
    truth["rejects"]["custody_events.csv"] = {{"invalid_value", 1}, {"unknown_room", 1},      {"invalid_kind", 1},
                                              {"invalid_time", 2},  {"detainee_required", 1}, {"unknown_detainee", 1}};
    rows["custody_events.csv"] = w.rows();
    if (!w.Close()) return Internal("cannot write custody_events.csv");
  }
  int64_t held = 0;
  for (const auto& s : m.stays) held += s.rel == kHeld;
  truth["held"] = held + 1;  // and the admission over capacity
  truth["admitted"] = static_cast<int64_t>(m.stays.size()) + 1;
  std::ofstream tf(dir + "custody_truth.json", std::ios::trunc);
  tf << truth.dump(2) << "\n";
  if (!tf) return Internal("cannot write custody_truth.json");
  if (rows_out)
    for (const auto& [k, v] : rows) (*rows_out)[k] = v;
  return Status::Ok();
}

}  // namespace jingwu::gen

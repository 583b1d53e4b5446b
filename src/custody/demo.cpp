#include <algorithm>
#include <set>

#include "custody/service.h"

namespace jingwu::custody {

namespace {
constexpr int64_t kMin = 60 * kMicrosPerSecond;
constexpr int64_t kHourUs = 60 * kMin;
constexpr int64_t kDayUs = 24 * kHourUs;
}  // namespace

Result<int> SeedDemo(Service& svc, sql::Database* db, const auth::Actor& actor) {
  JW_ASSIGN_OR_RETURN(std::vector<Facility> have, svc.Facilities());
  if (!have.empty()) return 0;
  struct Fac {
    const char *code, *name, *kind, *district;
    std::vector<const char*> rooms;
    int capacity;
  };
  const Fac facs[] = {{"KSS-HK01", "海口市看守所", "detention_center", "460106", {"101", "102", "103", "104"}, 12},
                      {"JLS-HK01", "海口市拘留所", "detention_house", "460107", {"201", "202"}, 10},
                      {"JDS-HK01", "海口市强制隔离戒毒所", "rehab_center", "460108", {"301", "302"}, 20}};
  for (const auto& f : facs) {
    JW_RETURN_IF_ERROR(svc.CreateFacility(actor, {f.code, f.name, f.kind, f.district, {}, 0, 0}).status());
    for (const char* r : f.rooms) JW_RETURN_IF_ERROR(svc.AddRoom(actor, f.code, {r, f.capacity, 0}).status());
  }
  // Suspects of the loaded cases, each person once.
  JW_ASSIGN_OR_RETURN(sql::Rows rows, db->Query("SELECT c.case_no AS case_no, s.id_number AS id_number FROM case_suspects s "
                                                "JOIN cases c ON c.id = s.case_id ORDER BY c.id DESC LIMIT 400"));
  std::vector<std::pair<std::string, std::string>> people;
  std::set<std::string> seen;
  for (const auto& r : rows)
    if (seen.insert(r.Text("id_number")).second) people.emplace_back(r.Text("case_no"), r.Text("id_number"));
  const int64_t now = svc.Now().micros;
  size_t next = 0;
  int admitted = 0;
  auto admit = [&](const char* fac, const char* room, const char* basis, int64_t ago_us, int decision_days = 0) -> Result<Detainee> {
    while (next < people.size()) {
      auto [case_no, id] = people[next++];
      auto d = svc.Admit(actor, {fac, room, id, case_no, basis, FormatTime(Timestamp{now - ago_us}), "", decision_days});
      if (d.ok()) {
        ++admitted;
        // The admission medical check an hour later (when that hour has passed).
        if (ago_us > kHourUs)
          JW_RETURN_IF_ERROR(svc.Record(actor, {0, "", "", "medical", FormatTime(Timestamp{now - ago_us + kHourUs}), "入所体检",
                                                "", d->id, std::nullopt})
                                 .status());
        return d;
      }
      if (d.status().code() != "already_in_custody" && d.status().code() != "invalid_id_number") return d.status();
    }
    return NotFound("no_suspects", "not enough case suspects for the custody demo");
  };
  // 看守所: criminal detentions of one to two and a half days, arrests of weeks.
  for (int i = 0; i < 20; ++i) {
    const char* room = facs[0].rooms[static_cast<size_t>(i % 4)];
    if (i % 3 == 0) JW_RETURN_IF_ERROR(admit("KSS-HK01", room, "arrest", (10 + i * 2) * kDayUs).status());
    else JW_RETURN_IF_ERROR(admit("KSS-HK01", room, "criminal_detention", (12 + i * 3) * kHourUs).status());
  }
  // Custody past its legal limit: a criminal detention of three days and five hours, never extended.
  JW_ASSIGN_OR_RETURN(Detainee overdue, admit("KSS-HK01", "102", "criminal_detention", 3 * kDayUs + 5 * kHourUs));
  (void)overdue;
  // Extended for a complex case: due in three days.
  JW_ASSIGN_OR_RETURN(Detainee extended, admit("KSS-HK01", "101", "criminal_detention", 4 * kDayUs));
  JW_RETURN_IF_ERROR(svc.Extend(actor, extended.id, {4, "complex"}, "分局局长 陈志明", "琼公（龙）延字〔2026〕031号").status());
  // No admission medical check: admitted 30 hours ago, the check never recorded.
  {
    while (next < people.size()) {
      auto [case_no, id] = people[next++];
      auto d = svc.Admit(actor, {"KSS-HK01", "103", id, case_no, "criminal_detention",
                                 FormatTime(Timestamp{now - 30 * kHourUs}), "", 0});
      if (d.ok()) {
        ++admitted;
        break;
      }
    }
  }
  // A lawyer requested three days ago and not arranged; another met within a day.
  JW_ASSIGN_OR_RETURN(Detainee waiting, admit("KSS-HK01", "104", "arrest", 20 * kDayUs));
  JW_RETURN_IF_ERROR(svc.Record(actor, {0, "", "", "lawyer_request", FormatTime(Timestamp{now - 3 * kDayUs}), "家属委托律师会见", "",
                                        waiting.id, std::nullopt})
                         .status());
  JW_ASSIGN_OR_RETURN(Detainee met, admit("KSS-HK01", "104", "arrest", 25 * kDayUs));
  JW_RETURN_IF_ERROR(svc.Record(actor, {0, "", "", "lawyer_request", FormatTime(Timestamp{now - 2 * kDayUs}), "", "", met.id,
                                        std::nullopt})
                         .status());
  JW_RETURN_IF_ERROR(svc.Record(actor, {0, "", "", "lawyer_meeting", FormatTime(Timestamp{now - 1 * kDayUs}), "律师会见 40 分钟",
                                        "", met.id, std::nullopt})
                         .status());
  // 拘留所 and 戒毒所.
  for (int i = 0; i < 8; ++i)
    JW_RETURN_IF_ERROR(admit("JLS-HK01", facs[1].rooms[static_cast<size_t>(i % 2)], "administrative_detention",
                             (1 + i % 5) * kDayUs + i * kHourUs, 5 + i % 10)
                           .status());
  for (int i = 0; i < 6; ++i)
    JW_RETURN_IF_ERROR(admit("JDS-HK01", facs[2].rooms[static_cast<size_t>(i % 2)], "compulsory_isolation", (40 + i * 30) * kDayUs).status());
  // The last two hours of patrol checks every 15 minutes, except room 103 (its last check 50 minutes ago);
  // roll calls half an hour ago that match, except room 104 (one short).
  JW_ASSIGN_OR_RETURN(std::vector<Facility> fs, svc.Facilities());
  for (const auto& f : fs)
    for (const auto& r : f.rooms) {
      for (int64_t t = now - 2 * kHourUs; t <= now - 5 * kMin; t += 15 * kMin) {
        if (r.room == "103" && t > now - 50 * kMin) break;
        JW_RETURN_IF_ERROR(svc.Record(actor, {0, f.code, r.room, "patrol", FormatTime(Timestamp{t}), "", "", 0, std::nullopt}).status());
      }
      int64_t count = r.occupants - (r.room == "104" ? 1 : 0);
      JW_RETURN_IF_ERROR(
          svc.Record(actor, {0, f.code, r.room, "roll_call", FormatTime(Timestamp{now - 30 * kMin}), "", "", 0, count}).status());
    }
  return admitted;
}

}  // namespace jingwu::custody

namespace jingwu::custody {

Result<int> DemoPatrolRound(Service& svc, const auth::Actor& actor) {
  const int64_t now = svc.Now().micros;
  int recorded = 0;
  JW_ASSIGN_OR_RETURN(std::vector<Facility> fs, svc.Facilities());
  for (const auto& f : fs) {
    JW_ASSIGN_OR_RETURN(std::vector<Event> evs, svc.Events(f.code, 0, 500));
    for (const auto& r : f.rooms) {
      if (r.occupants == 0 || r.room == "103") continue;  // 103 stays late: the demo's missed patrol
      int64_t last = 0;
      for (const auto& e : evs)
        if (e.room == r.room && e.kind == "patrol") last = std::max(last, ParseTime(e.at)->micros);
      if (now - last < 10 * kMin) continue;
      JW_RETURN_IF_ERROR(svc.Record(actor, {0, f.code, r.room, "patrol", "", "巡查", "", 0, std::nullopt}).status());
      ++recorded;
    }
  }
  return recorded;
}

}  // namespace jingwu::custody

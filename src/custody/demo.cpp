#include <algorithm>

#include "custody/service.h"

namespace jingwu::custody {

Result<int> DemoPatrolRound(Service& svc, const auth::Actor& actor, const std::set<std::string>& late_rooms) {
  constexpr int64_t kMin = 60 * kMicrosPerSecond;
  const int64_t now = svc.Now().micros;
  int recorded = 0;
  JW_ASSIGN_OR_RETURN(std::vector<Facility> fs, svc.Facilities());
  for (const auto& f : fs) {
    JW_ASSIGN_OR_RETURN(std::vector<Event> evs, svc.Events(f.code, 0, 500));
    for (const auto& r : f.rooms) {
      if (r.occupants == 0 || late_rooms.count(f.code + "/" + r.room)) continue;
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

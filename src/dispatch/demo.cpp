// Demo data for `jingwu demo`: units at Haikou's police stations and a few
// incidents in different steps, so that the board and the map are not empty.
#include "dispatch/service.h"

namespace jingwu::dispatch {

namespace {
// Approximate positions of police stations (派出所) across the four districts and the airport.
const std::vector<DemoStation> kStations = {
    {"秀英派出所", "XY", "460105", 20.0080, 110.2830},   {"西秀派出所", "XX", "460105", 20.0280, 110.2440},
    {"长流派出所", "CL", "460105", 19.9850, 110.1900},   {"石山派出所", "SS", "460105", 19.9400, 110.2200},
    {"海秀派出所", "HX", "460106", 20.0170, 110.3000},   {"中山派出所", "ZS", "460106", 20.0440, 110.3430},
    {"大同派出所", "DT", "460106", 20.0320, 110.3340},   {"滨海派出所", "BH", "460106", 20.0350, 110.3180},
    {"金宇派出所", "JY", "460106", 20.0200, 110.3250},   {"城西派出所", "CX", "460106", 19.9960, 110.3300},
    {"遵谭派出所", "ZT", "460106", 19.8800, 110.3100},   {"府城派出所", "FC", "460107", 20.0000, 110.3530},
    {"国兴派出所", "GX", "460107", 20.0100, 110.3700},   {"凤翔派出所", "FX", "460107", 19.9800, 110.3800},
    {"云龙派出所", "YL", "460107", 19.8300, 110.4700},   {"红旗派出所", "HQ", "460107", 19.8800, 110.5600},
    {"海甸派出所", "HD", "460108", 20.0550, 110.3350},   {"白沙派出所", "BS", "460108", 20.0450, 110.3580},
    {"和平南派出所", "HP", "460108", 20.0300, 110.3550}, {"新埠派出所", "XB", "460108", 20.0650, 110.3650},
    {"美兰机场派出所", "JC", "460108", 19.9420, 110.4590}, {"演丰派出所", "YF", "460108", 19.9900, 110.5700},
    {"红岛派出所", "HR", "460108", 20.0150, 110.4950},
};
}  // namespace

const std::vector<DemoStation>& DemoStations() { return kStations; }

std::string DemoCallSign(const DemoStation& st, int k) { return std::string("琼A-") + st.code + (k == 0 ? "01" : "02"); }

Result<int> SeedDemo(Service& s) {
  if (s.LastSeq() != 0) return 0;
  const Actor actor{"demo", "", "cli"};
  int n = 0, i = 0;
  std::vector<int64_t> ids;
  for (const auto& st : kStations) {
    const char* second = i % 3 == 0 ? "motorcycle" : i % 3 == 1 ? "foot" : "patrol_car";
    if (i % 7 == 3) second = "traffic";
    if (i % 7 == 5) second = "special";
    for (int k = 0; k < 2; ++k) {
      UnitInput u;
      u.type = k == 0 ? "patrol_car" : second;
      u.call_sign = DemoCallSign(st, k);
      u.station = st.name;
      // Spread around the station (about 300 m).
      u.lat = st.lat + 0.003 * ((i * 7 + k * 3) % 5 - 2) / 2.0;
      u.lon = st.lon + 0.003 * ((i * 5 + k * 11) % 5 - 2) / 2.0;
      if (i % 11 == 4 && k == 1) u.availability = std::string(kOffDuty);
      JW_ASSIGN_OR_RETURN(Unit created, s.CreateUnit(actor, u));
      ids.push_back(created.id);
      ++n;
    }
    ++i;
  }
  struct Demo {
    const char* category;
    int priority;
    const char* district;
    double lat, lon;
    const char* address;
    const char* narrative;
    const char* phone;
  };
  const Demo incidents[] = {
      {"traffic", 2, "460106", 20.0280, 110.3290, "龙华区国贸路与玉沙路交叉口", "两车追尾，无人员受伤，堵塞一条车道", "13976001234"},
      {"dispute", 3, "460108", 20.0530, 110.3400, "美兰区海甸二西路某小区", "邻里噪音纠纷", "13800138000"},
      {"criminal", 1, "460107", 20.0020, 110.3560, "琼山区府城中山路", "报警人称手机被抢，嫌疑人向东逃跑", "18907561111"},
      {"assistance", 4, "460105", 20.0120, 110.2700, "秀英区滨海大道假日海滩", "游客走失儿童求助", "0898-66668888"},
  };
  std::vector<int64_t> inc_ids;
  for (const auto& d : incidents) {
    IncidentInput in;
    in.category = d.category;
    in.priority = d.priority;
    in.district_code = d.district;
    in.lat = d.lat;
    in.lon = d.lon;
    in.address = d.address;
    in.narrative = d.narrative;
    in.caller_phone = d.phone;
    JW_ASSIGN_OR_RETURN(Incident inc, s.CreateIncident(actor, in));
    inc_ids.push_back(inc.id);
  }
  // The first incident has its nearest unit on scene, the second one dispatched.
  for (size_t k = 0; k < 2; ++k) {
    JW_ASSIGN_OR_RETURN(auto recs, s.Recommend(inc_ids[k], 1));
    if (recs.empty()) continue;
    JW_RETURN_IF_ERROR(s.SetAssignment(actor, inc_ids[k], recs[0].unit_id, std::string(kAssigned)).status());
    if (k == 0) {
      for (auto st : {kAcknowledged, kEnRoute, kOnScene})
        JW_RETURN_IF_ERROR(s.SetAssignment(actor, inc_ids[k], recs[0].unit_id, std::string(st)).status());
    }
  }
  return n;
}

}  // namespace jingwu::dispatch

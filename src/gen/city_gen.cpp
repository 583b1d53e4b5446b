#include "gen/city_gen.h"
#include "gen/health_gen.h"
#include "gen/registry_gen.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>
#include <vector>

#include "core/time.h"
#include "gen/cases_gen.h"
#include "gen/random.h"
#include "identity/identity.h"

namespace jingwu::gen {
namespace {

// ---- Static tables ------------------------------------------------------

constexpr const char* kDistrictCodes[] = {"460105", "460106", "460107", "460108"};
constexpr double kDistrictWeights[] = {0.15, 0.30, 0.25, 0.30};
// lat_lo, lat_hi, lon_lo, lon_hi: 秀英 west, 龙华 centre, 琼山 south, 美兰 east.
constexpr double kDistrictBox[4][4] = {
    {19.90, 20.06, 110.15, 110.29}, {19.88, 20.04, 110.29, 110.36}, {19.75, 19.95, 110.36, 110.55}, {19.96, 20.08, 110.36, 110.70}};
constexpr const char* kOtherRegions[] = {"110105", "310115", "440106", "440305", "510107", "420106", "430104", "230102",
                                         "220104", "210102", "410105", "370102", "320106", "330106", "350203", "450103",
                                         "460200", "469005", "360102", "610113", "500103", "130102"};

constexpr const char* kPrefixes[] = {"海甸", "滨海", "椰城", "金盘", "国兴", "龙昆", "海秀", "万绿园", "白沙门", "西海岸",
                                     "府城", "美舍河", "南渡江", "假日海滩", "上邦", "金贸", "大同", "长流", "演丰", "灵山",
                                     "新埠", "红城湖", "五公祠", "骑楼", "钟楼", "东湖", "西湖", "琼州", "椰海", "秀英",
                                     "丘海", "海垦", "滨江", "桂林洋", "江东", "云龙", "三门坡", "石山", "永兴", "东山"};
constexpr const char* kHotelBrands[] = {"大酒店", "宾馆", "快捷酒店", "国际酒店", "商务酒店", "公寓酒店", "度假酒店", "客栈"};
constexpr const char* kRoads[] = {"龙昆南路", "滨海大道", "国兴大道", "海秀快速路", "南海大道", "椰海大道", "琼州大道",
                                  "白龙南路", "丘海大道", "长滨路", "美兰机场高速", "绕城高速", "海榆中线", "新大洲大道",
                                  "海府路", "凤翔路", "秀英大道", "粤海大道", "江东大道", "灵桂大道"};
constexpr const char* kCafeKinds[] = {"网吧", "网咖", "电竞馆"};

struct FixedPlace {
  const char* name;
  int district;
  double lat, lon;
  const char* mode;  // stations only
};
constexpr FixedPlace kStations[] = {
    {"美兰国际机场", 3, 19.9349, 110.4590, "AIR"}, {"秀英港", 0, 20.0195, 110.2850, "SEA"},
    {"新海港", 0, 20.0560, 110.1520, "SEA"},       {"南港", 0, 20.0420, 110.1700, "SEA"},
    {"海口站", 0, 20.0280, 110.1660, "RAIL"},      {"海口东站", 1, 19.9900, 110.3450, "RAIL"},
    {"美兰站", 3, 19.9380, 110.4610, "RAIL"}};
constexpr FixedPlace kStores[] = {
    {"海口国际免税城", 0, 20.0180, 110.2450, ""}, {"日月广场免税店", 2, 19.9980, 110.3700, ""},
    {"美兰机场免税店", 3, 19.9360, 110.4580, ""}, {"新海港免税店", 0, 20.0550, 110.1540, ""},
    {"海旅免税城", 1, 20.0150, 110.3200, ""},     {"友谊阳光城免税店", 1, 20.0300, 110.3300, ""}};

struct Nationality {
  const char* code;
  double weight;
};
constexpr Nationality kNationalities[] = {{"RUS", 0.35}, {"KOR", 0.12}, {"USA", 0.08}, {"GBR", 0.05}, {"DEU", 0.05},
                                          {"JPN", 0.06}, {"KAZ", 0.08}, {"UKR", 0.05}, {"FRA", 0.04}, {"ITA", 0.03},
                                          {"AUS", 0.03}, {"CAN", 0.03}, {"MYS", 0.03}};
// Four surnames then four given names per nationality, in kNationalities order.
constexpr const char* kLatinNames[][8] = {
    {"IVANOV", "PETROV", "SMIRNOV", "VOLKOV", "ALEXEI", "DMITRY", "OLGA", "NATALIA"},
    {"KIM", "LEE", "PARK", "CHOI", "MINJUN", "JIWOO", "SEOYEON", "HYUNWOO"},
    {"SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JOHN", "EMMA", "MICHAEL", "SARAH"},
    {"JONES", "TAYLOR", "WILSON", "EVANS", "JAMES", "OLIVER", "AMELIA", "GEORGE"},
    {"MULLER", "SCHMIDT", "SCHNEIDER", "FISCHER", "LUKAS", "HANNA", "FELIX", "LEA"},
    {"TANAKA", "SATO", "SUZUKI", "TAKAHASHI", "HIROSHI", "YUKI", "HARUTO", "AOI"},
    {"NURLANOV", "ABENOV", "SERIKOV", "ZHUMABEKOV", "AIDAR", "ALIYA", "ERLAN", "DANA"},
    {"SHEVCHENKO", "KOVALENKO", "BONDARENKO", "TKACHENKO", "OLEKSANDR", "IRYNA", "ANDRIY", "OKSANA"},
    {"MARTIN", "BERNARD", "DUBOIS", "PETIT", "PIERRE", "SOPHIE", "LUCAS", "CAMILLE"},
    {"ROSSI", "RUSSO", "FERRARI", "ESPOSITO", "MARCO", "GIULIA", "LUCA", "FRANCESCA"},
    {"SMITH", "TAYLOR", "WILLIAMS", "BROWN", "JACK", "CHARLOTTE", "NOAH", "MIA"},
    {"TREMBLAY", "MARTIN", "ROY", "WILSON", "LIAM", "OLIVIA", "ETHAN", "EMMA"},
    {"TAN", "LIM", "ABDULLAH", "WONG", "AHMAD", "SITI", "WEI", "NURUL"}};
static_assert(std::size(kLatinNames) == std::size(kNationalities));
constexpr const char* kColorNames[] = {"蓝", "绿", "黄"};
constexpr const char* kVehicleTypes[] = {"小型轿车", "SUV", "出租车", "货车", "客车", "MPV"};
constexpr const char* kBrands[] = {"比亚迪", "丰田", "大众", "本田", "吉利", "长安", "日产", "别克", "特斯拉", "五菱", "哈弗",
                                   "奔驰", "宝马", "奥迪", "蔚来", "小鹏", "理想", "东风", "解放"};
constexpr const char* kBodyColors[] = {"白", "黑", "银", "灰", "红", "蓝"};
constexpr const char* kGoods[] = {"香水", "口红", "护肤品", "手表", "箱包", "首饰", "酒类", "电子产品", "太阳镜", "服饰"};
constexpr const char* kSerialChars = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";  // no I, O
constexpr const char* kAirlines[] = {"HU", "CZ", "MU", "CA", "3U", "GS", "JD", "MF"};

// Hourly rhythm per event type.
constexpr double kHourVehicle[24] = {0.3, 0.2, 0.15, 0.1, 0.15, 0.4, 1.2, 2.8, 3.0, 2.0, 1.6, 1.6,
                                     1.7, 1.6, 1.6, 1.7, 2.0, 2.9, 3.0, 2.2, 1.6, 1.2, 0.8, 0.5};
constexpr double kHourHotel[24] = {0.6, 0.4, 0.2, 0.1, 0.1, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0,
                                   1.4, 1.8, 2.2, 2.2, 2.0, 1.9, 1.9, 2.0, 2.0, 1.8, 1.4, 1.0};
constexpr double kHourTravel[24] = {0.1, 0.05, 0.0, 0.0, 0.0, 0.1, 0.8, 1.5, 1.8, 1.8, 1.6, 1.5,
                                    1.4, 1.5, 1.6, 1.7, 1.7, 1.6, 1.5, 1.4, 1.2, 1.0, 0.6, 0.3};
constexpr double kHourDutyfree[24] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.3, 0.8, 1.5, 1.8,
                                      1.6, 1.6, 1.8, 2.0, 2.0, 1.9, 1.8, 1.8, 1.6, 1.2, 0.4, 0.0};
constexpr double kHourNetcafe[24] = {1.4, 1.0, 0.7, 0.4, 0.2, 0.1, 0.1, 0.2, 0.4, 0.6, 0.9, 1.1,
                                     1.4, 1.6, 1.7, 1.8, 1.9, 2.0, 2.2, 2.4, 2.5, 2.4, 2.1, 1.8};
constexpr double kMonthFactor[12] = {1.25, 1.3, 1.1, 1.0, 0.9, 0.9, 1.0, 1.05, 0.85, 1.05, 1.0, 1.1};

enum PlaceKind { kHotel, kCheckpoint, kStation, kStore, kNetcafe, kPolice, kCommunity, kPlaceKinds };
constexpr const char* kPlaceKindNames[] = {"hotel", "checkpoint", "station", "store", "netcafe", "police_station", "community"};
constexpr const char* kPlacePrefix[] = {"HT", "KK", "ST", "DF", "WB", "PS", "SQ"};
constexpr int kPlaceDigits[] = {5, 5, 3, 3, 5, 3, 5};

enum EventType { kEvHotel, kEvVehicle, kEvTravel, kEvDutyfree, kEvNetcafe, kEventTypes };
constexpr const char* kEventFiles[] = {"hotel.csv", "vehicle_pass.csv", "travel.csv", "dutyfree.csv", "netcafe.csv"};
constexpr const char* kEventNames[] = {"hotel", "vehicle_pass", "travel", "dutyfree", "netcafe"};
constexpr PlaceKind kEventPlace[] = {kHotel, kCheckpoint, kStation, kStore, kNetcafe};
constexpr double kEventShare[] = {0.12, 0.60, 0.10, 0.08, 0.10};
constexpr const double* kEventHours[] = {kHourHotel, kHourVehicle, kHourTravel, kHourDutyfree, kHourNetcafe};
constexpr const char* kHeaders[] = {
    "id_type,id_number,name,nationality,phone,hotel_code,room,checkin_at,checkout_at,birth_date",
    "plate,plate_color,checkpoint_code,passed_at,direction,speed_kmh",
    "id_type,id_number,name,nationality,mode,station_code,direction,departs_at,trip_no,seat",
    "id_type,id_number,name,phone,store_code,purchased_at,amount_cny,items,pickup_place,birth_date",
    "id_number,name,cafe_code,login_at,logout_at,seat"};

enum Bad : uint8_t { kGood = 0, kBadId = 1, kBadPlace = 2, kBadTime = 3, kBadMalformed = 4 };
constexpr const char* kBadNames[] = {"", "invalid_id_number", "unknown_place", "invalid_time", "malformed_row"};
constexpr double kBadRate = 0.005;

// ---- Population -----------------------------------------------------------

struct Citizen {
  char id[18];
  int8_t district;  // 0-3 for Haikou numbers, -1 otherwise
  char gender;
  int32_t birth_day;  // days since epoch
  uint64_t phone;
  uint32_t community;  // index among community places
  bool resident;
};
struct Foreigner {
  uint8_t nat;
  uint8_t digits;
  uint32_t number;
  uint64_t phone;
  uint8_t surname, given;
};
struct Vehicle {
  char plate[12];
  uint8_t plen;
  uint8_t color;
  uint8_t type;
  uint8_t brand;
  uint8_t body;
  uint32_t owner;
  int32_t reg_day;
};
struct Place {
  std::string code, name;
  int district;
  double lat, lon;
  std::string mode;
};

// A sighting before formatting. t is local (Asia/Shanghai) seconds since the epoch.
struct Ev {
  int64_t t;
  uint64_t aux;
  uint32_t who;
  uint16_t place;
  uint8_t bad;
  uint8_t flags;
  uint32_t extra;
};
constexpr uint8_t kForeign = 1, kRing = 2, kPlanted = 4, kNoId = 8, kVisit = 16;

// A row of a visa-free visitor's stay (kVisit; Ev::extra indexes these): the
// direction and class of a trip, the check-out of a hotel stay.
struct VisitEv {
  int64_t checkout = 0;
  bool in = false;
  bool international = false;
};

// A person written without a valid ID number (name, birth date, phone only).
struct NoIdSpec {
  std::string name;
  int64_t birth_day;
  uint64_t phone;
  bool garbled;  // a wrong ID number rather than none
};

// Power-law (Zipf-like) index in [0, n): most draws land on low indices.
struct PowerLaw {
  double a = 0, inv = 1;
  uint64_t n = 1;
  PowerLaw() = default;
  PowerLaw(uint64_t n_, double s) : n(n_) {
    inv = 1.0 / (1.0 - s);
    a = std::pow(static_cast<double>(n) + 1.0, 1.0 - s) - 1.0;
  }
  uint32_t Draw(Random& r) const {
    double x = std::pow(a * r.Unit() + 1.0, inv) - 1.0;
    uint64_t i = static_cast<uint64_t>(x);
    return static_cast<uint32_t>(i >= n ? n - 1 : i);
  }
};

struct Cumulative {
  std::vector<double> c;
  explicit Cumulative(const std::vector<double>& w = {}) {
    double s = 0;
    for (double x : w) c.push_back(s += x);
  }
  size_t Draw(Random& r) const {
    double x = r.Unit() * c.back();
    size_t i = std::upper_bound(c.begin(), c.end(), x) - c.begin();
    return std::min(i, c.size() - 1);
  }
};

// ---- Formatting -----------------------------------------------------------

inline void Put2(std::string& s, int v) {
  s.push_back(static_cast<char>('0' + v / 10));
  s.push_back(static_cast<char>('0' + v % 10));
}
inline void PutInt(std::string& s, int64_t v) {
  char buf[24];
  int n = 0;
  if (v < 0) {
    s.push_back('-');
    v = -v;
  }
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) s.push_back(buf[--n]);
}
inline void PutPadded(std::string& s, uint64_t v, int width) {
  char buf[24];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  s.append(buf, static_cast<size_t>(width));
}
void PutDate(std::string& s, int64_t days) {
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  PutPadded(s, static_cast<uint64_t>(y), 4);
  s.push_back('-');
  Put2(s, m);
  s.push_back('-');
  Put2(s, d);
}
struct TimeFormatter {
  int64_t day = INT64_MIN;
  char prefix[11];
  void Put(std::string& s, int64_t t) {
    int64_t dd = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t sod = t - dd * 86400;
    if (dd != day) {
      std::string p;
      PutDate(p, dd);
      p.push_back('T');
      std::memcpy(prefix, p.data(), 11);
      day = dd;
    }
    s.append(prefix, 11);
    Put2(s, static_cast<int>(sod / 3600));
    s.push_back(':');
    Put2(s, static_cast<int>(sod / 60 % 60));
    s.push_back(':');
    Put2(s, static_cast<int>(sod % 60));
  }
  // An impossible time near t: the 30th of February or hour 25.
  void PutInvalid(std::string& s, int64_t t, uint64_t aux) {
    std::string ok;
    Put(ok, t);
    if (aux % 2) {
      ok.replace(5, 5, "02-30");
    } else {
      ok.replace(11, 2, "25");
    }
    s += ok;
  }
};

struct Out {
  FILE* f = nullptr;
  std::string buf;
  int64_t rows = 0;
  bool Open(const std::string& path, const char* header) {
    f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    buf.reserve(1 << 23);
    buf += header;
    buf += '\n';
    return true;
  }
  void MaybeFlush() {
    if (buf.size() > (1u << 22)) Flush();
  }
  void Flush() {
    if (!buf.empty()) std::fwrite(buf.data(), 1, buf.size(), f);
    buf.clear();
  }
  bool Close() {
    Flush();
    bool ok = std::ferror(f) == 0;
    return std::fclose(f) == 0 && ok;
  }
};

// ---- The generator --------------------------------------------------------

struct ScaleDefaults {
  int64_t events, citizens, foreigners, vehicles;
  int place_factor, scenarios, groups, rings;
};

ScaleDefaults Defaults(const std::string& scale) {
  if (scale == "large") return {100'000'000, 2'000'000, 150'000, 800'000, 10, 5, 5, 3};
  if (scale == "city") return {10'000'000, 400'000, 30'000, 150'000, 10, 5, 5, 3};
  return {150'000, 8'000, 600, 3'000, 1, 3, 3, 2};
}

class City {
 public:
  City(const CityOptions& o) : o_(o), r_(o.seed * 0x2545F4914F6CDD1Dull + 11) {}

  Status Run(std::map<std::string, int64_t>* rows_out);
  const std::vector<GuestStay>& guests() const { return guests_; }

 private:
  void PlanVisits();
  void MakePlaces();
  void MakePopulation();
  void Plant();
  Status WriteStatic();
  void GenerateDay(int day, Random& r, std::vector<Ev>* evs);
  void FormatRow(int type, const Ev& e, Out& out);
  std::string RefOfCitizen(uint32_t i) const { return "ID:" + std::string(citizens_[i].id, 18); }
  std::string RefOfVehicle(uint32_t i) const { return "PLATE:" + std::string(vehicles_[i].plate, vehicles_[i].plen); }
  std::string Passport(uint32_t i) const {
    const Foreigner& f = foreigners_[i];
    std::string s = kNationalities[f.nat].code;
    s += '/';
    PutPadded(s, f.number, f.digits);
    return s;
  }
  std::string CitizenName(uint32_t i) const { return SyntheticName(name_base_ + i); }
  uint32_t Reserve(int pool);  // an unused low-activity entity (0 citizens, 1 vehicles, 2 foreigners)
  uint16_t QuietPlace(PlaceKind k);
  int64_t DayStart(int day) const { return (jan1_ + day) * 86400; }
  uint64_t NewPhone();

  CityOptions o_;
  Random r_;
  ScaleDefaults def_;
  int64_t events_ = 0;
  int64_t jan1_ = 0;
  int days_ = 365;
  uint64_t name_base_ = 0;

  std::vector<Place> places_[kPlaceKinds];
  Cumulative place_pick_[kPlaceKinds];
  std::vector<Citizen> citizens_;
  std::vector<Foreigner> foreigners_;
  std::vector<Vehicle> vehicles_;
  std::unordered_set<uint64_t> phones_;
  std::set<uint32_t> reserved_[3];
  PowerLaw pl_citizen_, pl_citizen_cafe_, pl_foreigner_, pl_vehicle_;
  std::vector<Cumulative> hours_;
  std::vector<double> day_weight_;
  double day_weight_sum_ = 0;

  std::vector<std::vector<Ev>> planted_[kEventTypes];  // by day
  std::vector<uint64_t> ring_phones_;
  std::vector<NoIdSpec> noid_;
  std::vector<VisitEv> visit_ev_;
  std::vector<GuestStay> guests_;

  int64_t bad_counts_[kEventTypes][5] = {};
  int64_t rows_[kEventTypes] = {};
  std::vector<uint32_t> vehicle_passes_;
  std::vector<std::vector<uint32_t>> top_vehicle_places_;  // for vehicles 0..15

  nlohmann::ordered_json truth_;
};

uint64_t City::NewPhone() {
  static constexpr int kPrefix[] = {130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156,
                                    157, 158, 159, 166, 173, 175, 176, 177, 180, 181, 183, 186, 187, 188,
                                    189, 191, 198, 199};
  for (;;) {
    uint64_t p = static_cast<uint64_t>(kPrefix[r_.Below(std::size(kPrefix))]) * 100'000'000ull + r_.Below(100'000'000);
    if (phones_.insert(p).second) return p;
  }
}

uint32_t City::Reserve(int pool) {
  size_t n = pool == 0 ? citizens_.size() : pool == 1 ? vehicles_.size() : foreigners_.size();
  for (int tries = 0;; ++tries) {
    // The quiet half of the power law; the whole range if that is used up.
    uint32_t i = static_cast<uint32_t>(tries < 10000 ? n / 2 + r_.Below(n - n / 2) : r_.Below(n));
    if (pool == 0 && citizens_[i].district < 0) continue;  // planted citizens live in Haikou
    if (reserved_[pool].insert(i).second) return i;
  }
}

uint16_t City::QuietPlace(PlaceKind k) {
  size_t n = places_[k].size();
  if (n < 10) return static_cast<uint16_t>(r_.Below(n));
  return static_cast<uint16_t>(n / 3 + r_.Below(n - n / 3));
}

void City::MakePlaces() {
  int f = def_.place_factor;
  int counts[kPlaceKinds] = {40 * f, 30 * f, 0, 0, 30 * f, 12 * f, 60 * f};
  auto box = [&](int d, double* lat, double* lon) {
    *lat = kDistrictBox[d][0] + r_.Unit() * (kDistrictBox[d][1] - kDistrictBox[d][0]);
    *lon = kDistrictBox[d][2] + r_.Unit() * (kDistrictBox[d][3] - kDistrictBox[d][2]);
  };
  std::vector<double> dw(std::begin(kDistrictWeights), std::end(kDistrictWeights));
  for (int k = 0; k < kPlaceKinds; ++k) {
    auto code = [&](size_t i) {
      std::string c = kPlacePrefix[k];
      PutPadded(c, i + 1, kPlaceDigits[k]);
      return c;
    };
    if (k == kStation || k == kStore) {
      const FixedPlace* fp = k == kStation ? kStations : kStores;
      size_t n = k == kStation ? std::size(kStations) : std::size(kStores);
      for (size_t i = 0; i < n; ++i)
        places_[k].push_back({code(i), fp[i].name, fp[i].district, fp[i].lat, fp[i].lon, fp[i].mode});
      continue;
    }
    for (int i = 0; i < counts[k]; ++i) {
      Place p;
      p.code = code(static_cast<size_t>(i));
      p.district = static_cast<int>(r_.Pick(dw));
      box(p.district, &p.lat, &p.lon);
      std::string pre = kPrefixes[r_.Below(std::size(kPrefixes))];
      std::string suffix = i >= static_cast<int>(std::size(kPrefixes)) ? std::to_string(i / std::size(kPrefixes) + 1) : "";
      switch (k) {
        case kHotel: p.name = pre + kHotelBrands[r_.Below(std::size(kHotelBrands))] + (suffix.empty() ? "" : suffix + "号店"); break;
        case kCheckpoint: {
          const char* a = kRoads[r_.Below(std::size(kRoads))];
          const char* b = kRoads[r_.Below(std::size(kRoads))];
          p.name = a == b ? std::string(a) + "K" + std::to_string(r_.Between(1, 40)) + "卡口"
                          : std::string(a) + "与" + b + "交叉口卡口";
          break;
        }
        case kNetcafe: p.name = pre + kCafeKinds[r_.Below(std::size(kCafeKinds))] + suffix; break;
        case kPolice: p.name = std::string(kPrefixes[i % std::size(kPrefixes)]) + (suffix.empty() ? "" : suffix) + "派出所"; break;
        case kCommunity: p.name = std::string(kPrefixes[i % std::size(kPrefixes)]) + (suffix.empty() ? "" : suffix) + "社区"; break;
      }
      places_[k].push_back(std::move(p));
    }
  }
  for (int k = 0; k < kPlaceKinds; ++k) {
    std::vector<double> w;
    for (size_t i = 0; i < places_[k].size(); ++i) w.push_back(1.0 / std::pow(static_cast<double>(i + 1), 0.8));
    place_pick_[k] = Cumulative(w);
  }
}

void City::MakePopulation() {
  double f = static_cast<double>(events_) / static_cast<double>(def_.events);
  // Floors leave enough quiet entities to plant the truth in (Reserve) even for tiny --events.
  auto n_of = [&](int64_t n, int64_t floor) { return static_cast<size_t>(std::max<int64_t>(floor, std::llround(n * f))); };
  size_t nc = n_of(def_.citizens, 2000), nf = n_of(def_.foreigners, 100), nv = n_of(def_.vehicles, 300);
  std::vector<double> dw(std::begin(kDistrictWeights), std::end(kDistrictWeights));
  std::unordered_set<uint64_t> ids;
  std::vector<std::vector<uint32_t>> communities_by_district(4);
  for (uint32_t i = 0; i < places_[kCommunity].size(); ++i) communities_by_district[places_[kCommunity][i].district].push_back(i);
  int64_t today = jan1_;
  citizens_.resize(nc);
  for (size_t i = 0; i < nc; ++i) {
    Citizen& c = citizens_[i];
    int region_idx;
    std::string region;
    if (r_.Chance(0.75)) {
      c.district = static_cast<int8_t>(r_.Pick(dw));
      region = kDistrictCodes[c.district];
      region_idx = c.district;
    } else {
      c.district = -1;
      region_idx = 4 + static_cast<int>(r_.Below(std::size(kOtherRegions)));
      region = kOtherRegions[region_idx - 4];
    }
    for (;;) {
      int64_t birth = today - r_.Between(18 * 365, 75 * 365);
      int seq = static_cast<int>(r_.Below(1000));
      uint64_t key = (static_cast<uint64_t>(region_idx) << 40) | (static_cast<uint64_t>(birth + 100000) << 10) |
                     static_cast<uint64_t>(seq);
      if (!ids.insert(key).second) continue;
      int y, m, d;
      CivilFromDays(birth, &y, &m, &d);
      auto id = identity::MakeIdNumber(region, y, m, d, seq);
      if (!id.ok()) continue;
      std::memcpy(c.id, id->data(), 18);
      c.birth_day = static_cast<int32_t>(birth);
      c.gender = seq % 2 ? 'M' : 'F';
      break;
    }
    c.phone = NewPhone();
    int home = c.district >= 0 ? c.district : static_cast<int>(r_.Pick(dw));
    const auto& cs = communities_by_district[home].empty() ? communities_by_district[1] : communities_by_district[home];
    c.community = cs.empty() ? 0 : cs[r_.Below(cs.size())];
    c.resident = c.district >= 0 || r_.Chance(0.3);
  }
  std::vector<double> nw;
  for (const auto& n : kNationalities) nw.push_back(n.weight);
  std::unordered_set<uint64_t> passports;
  foreigners_.resize(nf);
  for (size_t i = 0; i < nf; ++i) {
    Foreigner& fo = foreigners_[i];
    fo.nat = static_cast<uint8_t>(r_.Pick(nw));
    fo.digits = fo.nat < 8 ? 9 : 8;
    for (;;) {
      fo.number = static_cast<uint32_t>(fo.digits == 9 ? r_.Between(100'000'000, 999'999'999) : r_.Between(10'000'000, 99'999'999));
      if (passports.insert((static_cast<uint64_t>(fo.nat) << 32) | fo.number).second) break;
    }
    fo.phone = NewPhone();
    fo.surname = static_cast<uint8_t>(r_.Below(4));
    fo.given = static_cast<uint8_t>(4 + r_.Below(4));
  }
  std::unordered_set<std::string> plates;
  vehicles_.resize(nv);
  for (size_t i = 0; i < nv; ++i) {
    Vehicle& v = vehicles_[i];
    for (;;) {
      std::string p = "琼";
      double u = r_.Unit();
      p += u < 0.88 ? 'A' : u < 0.93 ? 'B' : u < 0.96 ? 'C' : u < 0.98 ? 'D' : 'E';
      bool ev = i >= 20 && r_.Chance(0.25);
      if (ev) {
        p += r_.Chance(0.7) ? 'D' : 'F';
        p += kSerialChars[r_.Below(r_.Chance(0.5) ? 10 : 34)];
        for (int k = 0; k < 4; ++k) p += static_cast<char>('0' + r_.Below(10));
      } else {
        int letters = r_.Chance(0.5) ? 0 : static_cast<int>(r_.Between(1, 2));
        for (int k = 0; k < 5; ++k) {
          bool letter = k < letters && r_.Chance(0.8);
          p += letter ? kSerialChars[10 + r_.Below(24)] : static_cast<char>('0' + r_.Below(10));
        }
      }
      if (!plates.insert(p).second) continue;
      std::memcpy(v.plate, p.data(), p.size());
      v.plen = static_cast<uint8_t>(p.size());
      v.color = ev ? 1 : 0;
      break;
    }
    if (i < 20) {
      v.type = 2;  // the busiest vehicles are taxis
    } else {
      double u = r_.Unit();
      v.type = u < 0.55 ? 0 : u < 0.8 ? 1 : u < 0.88 ? 3 : u < 0.93 ? 4 : u < 0.97 ? 5 : 2;
    }
    if (v.type == 3 && v.color == 0) v.color = 2;
    v.brand = static_cast<uint8_t>(v.color == 1 ? std::array<int, 6>{0, 8, 14, 15, 16, 4}[r_.Below(6)]
                                                : r_.Below(std::size(kBrands)));
    v.body = static_cast<uint8_t>(r_.Below(std::size(kBodyColors)));
    v.owner = static_cast<uint32_t>(r_.Below(nc));
    v.reg_day = static_cast<int32_t>(jan1_ - r_.Between(30, 15 * 365));
  }
  pl_citizen_ = PowerLaw(nc, 0.6);
  pl_citizen_cafe_ = PowerLaw(nc, 0.85);
  pl_foreigner_ = PowerLaw(nf, 0.6);
  pl_vehicle_ = PowerLaw(nv, 0.8);
}

void City::Plant() {
  for (auto& v : planted_) v.assign(static_cast<size_t>(days_), {});
  auto distinct_days = [&](int n) {
    std::set<int> s;
    while (static_cast<int>(s.size()) < n) s.insert(static_cast<int>(r_.Below(static_cast<uint64_t>(days_))));
    std::vector<int> v(s.begin(), s.end());
    return v;
  };
  auto add = [&](int type, int day, Ev e) {
    e.flags |= kPlanted;
    planted_[type][static_cast<size_t>(day)].push_back(e);
  };
  TimeFormatter tf;
  auto iso = [&](int64_t t) {
    std::string s;
    tf.Put(s, t);
    return s;
  };

  // Collision scenarios: suspects seen inside every one of 3-5 one-hour windows.
  nlohmann::ordered_json collisions = nlohmann::ordered_json::array();
  for (int s = 0; s < def_.scenarios; ++s) {
    // 0 hotels; 1 mixed; 2 plates at checkpoints; 3 netcafes; 4 a passport holder (hotel/travel/dutyfree).
    int nw = static_cast<int>(r_.Between(3, 5));
    int pool = s == 2 ? 1 : s == 4 ? 2 : 0;
    int ns = static_cast<int>(r_.Between(1, s == 4 ? 1 : 3));
    std::vector<uint32_t> suspects;
    for (int i = 0; i < ns; ++i) suspects.push_back(Reserve(pool));
    nlohmann::ordered_json windows = nlohmann::ordered_json::array();
    std::vector<int> days = distinct_days(nw);
    std::set<std::pair<int, uint16_t>> used;  // every window at a different place
    for (int w = 0; w < nw; ++w) {
      int type;
      if (s == 0) type = kEvHotel;
      else if (s == 1) type = std::array<int, 4>{kEvHotel, kEvNetcafe, kEvDutyfree, kEvTravel}[w % 4];
      else if (s == 2) type = kEvVehicle;
      else if (s == 3) type = kEvNetcafe;
      else type = std::array<int, 3>{kEvHotel, kEvTravel, kEvDutyfree}[w % 3];
      uint16_t place = QuietPlace(kEventPlace[type]);
      while (!used.insert({type, place}).second) place = QuietPlace(kEventPlace[type]);
      int hour = static_cast<int>(r_.Between(10, 21));
      int64_t from = DayStart(days[w]) + hour * 3600;
      windows.push_back({{"place", places_[kEventPlace[type]][place].code}, {"from", iso(from)}, {"to", iso(from + 3600)}});
      for (uint32_t who : suspects) {
        Ev e{from + r_.Between(60, 3540), r_.Next(), who, place, kGood, static_cast<uint8_t>(pool == 2 ? kForeign : 0), 0};
        add(type, days[w], e);
      }
    }
    nlohmann::ordered_json refs = nlohmann::ordered_json::array();
    for (uint32_t who : suspects)
      refs.push_back(pool == 0 ? RefOfCitizen(who) : pool == 1 ? RefOfVehicle(who) : "PASSPORT:" + Passport(who));
    collisions.push_back({{"windows", windows}, {"suspects", refs}});
  }
  truth_["collisions"] = collisions;

  // Co-travel groups: the same place within 90 s on 10+ occasions.
  nlohmann::ordered_json groups = nlohmann::ordered_json::array();
  for (int g = 0; g <= def_.groups; ++g) {
    bool plates = g == def_.groups;
    int n = static_cast<int>(r_.Between(2, plates ? 3 : 4));
    std::vector<uint32_t> members;
    for (int i = 0; i < n; ++i) members.push_back(Reserve(plates ? 1 : 0));
    int occasions = static_cast<int>(r_.Between(10, 13));
    std::vector<int> days = distinct_days(occasions);
    std::set<std::pair<int, uint16_t>> used;  // every occasion at a different place
    for (int k = 0; k < occasions; ++k) {
      int type;
      uint16_t place;
      do {
        type = plates ? kEvVehicle : std::array<int, 4>{kEvHotel, kEvTravel, kEvNetcafe, kEvDutyfree}[r_.Below(4)];
        place = QuietPlace(kEventPlace[type]);
      } while (!used.insert({type, place}).second);
      int64_t base = DayStart(days[k]) + r_.Between(10 * 3600, 21 * 3600);
      for (uint32_t who : members) {
        Ev e{base + r_.Between(0, plates ? 50 : 90), r_.Next(), who, place, kGood, 0, 0};
        add(type, days[k], e);
      }
    }
    nlohmann::ordered_json refs = nlohmann::ordered_json::array();
    for (uint32_t who : members) refs.push_back(plates ? RefOfVehicle(who) : RefOfCitizen(who));
    groups.push_back({{"members", refs}, {"within", plates ? 60 : 120}, {"occasions", occasions}});
  }
  truth_["cotravel_groups"] = groups;

  // Duty-free rings: 6-12 buyers giving the collector's phone, near-quota amounts, one store, a few hours.
  nlohmann::ordered_json rings = nlohmann::ordered_json::array();
  for (int g = 0; g < def_.rings; ++g) {
    uint64_t phone = NewPhone();
    ring_phones_.push_back(phone);
    uint16_t store = static_cast<uint16_t>(r_.Below(places_[kStore].size()));
    int day = static_cast<int>(r_.Below(static_cast<uint64_t>(days_)));
    int64_t base = DayStart(day) + r_.Between(10 * 3600, 15 * 3600);
    int n = static_cast<int>(r_.Between(6, 12));
    nlohmann::ordered_json refs = nlohmann::ordered_json::array();
    for (int i = 0; i < n; ++i) {
      uint32_t who = Reserve(0);
      Ev e{base + r_.Between(0, 3 * 3600), r_.Next(), who, store, kGood, kRing, static_cast<uint32_t>(g)};
      add(kEvDutyfree, day, e);
      refs.push_back(RefOfCitizen(who));
    }
    rings.push_back({{"collector_phone", std::to_string(phone)}, {"members", refs}, {"store", places_[kStore][store].code}});
  }
  truth_["dutyfree_rings"] = rings;

  // Look-alikes: families sharing one phone with ordinary purchases.
  nlohmann::ordered_json looks = nlohmann::ordered_json::array();
  for (int g = 0; g < def_.rings + 1; ++g) {
    int n = static_cast<int>(r_.Between(2, 4));
    uint64_t phone = 0;
    nlohmann::ordered_json refs = nlohmann::ordered_json::array();
    for (int i = 0; i < n; ++i) {
      uint32_t who = Reserve(0);
      if (i == 0) phone = citizens_[who].phone;
      citizens_[who].phone = phone;
      refs.push_back(RefOfCitizen(who));
      int k = static_cast<int>(r_.Between(1, 3));
      for (int j = 0; j < k; ++j) {
        int day = static_cast<int>(r_.Below(static_cast<uint64_t>(days_)));
        Ev e{DayStart(day) + r_.Between(10 * 3600, 20 * 3600), r_.Next(), who,
             static_cast<uint16_t>(r_.Below(places_[kStore].size())), kGood, 0, 0};
        add(kEvDutyfree, day, e);
      }
    }
    looks.push_back({{"phone", std::to_string(phone)}, {"members", refs}});
  }
  truth_["dutyfree_lookalikes"] = looks;

  // Records without a valid ID number (identity resolution): people who checked
  // in or bought duty-free with their name, birth date and phone only.
  //   merge      all three agree with one person (a resident, or one member of
  //              a family sharing a phone): merged automatically
  //   candidate  two of three agree (a different name character, or a new
  //              phone): shown to a user with the evidence, not merged
  //   none       nobody the city knows
  nlohmann::ordered_json noid = nlohmann::ordered_json::array();
  auto resident = [&]() {
    for (;;) {
      uint32_t who = Reserve(0);
      if (citizens_[who].resident) return who;
    }
  };
  auto plant_noid = [&](NoIdSpec spec, nlohmann::ordered_json truth) {
    uint32_t index = static_cast<uint32_t>(noid_.size());
    noid_.push_back(spec);
    int rows = static_cast<int>(r_.Between(1, 3));
    std::set<int> days;
    while (static_cast<int>(days.size()) < rows) days.insert(static_cast<int>(r_.Below(static_cast<uint64_t>(days_))));
    for (int day : days) {
      int type = r_.Chance(0.5) ? kEvHotel : kEvDutyfree;
      uint16_t place = static_cast<uint16_t>(r_.Below(places_[kEventPlace[type]].size()));
      add(type, day, Ev{DayStart(day) + r_.Between(10 * 3600, 21 * 3600), r_.Next(), 0, place, kGood, kNoId, index});
    }
    std::string key = spec.name + "/";
    int y, m, d;
    CivilFromDays(spec.birth_day, &y, &m, &d);
    char date[16];
    std::snprintf(date, sizeof date, "%04d%02d%02d", y, m, d);
    key += std::string(date) + "/" + std::to_string(spec.phone);
    nlohmann::ordered_json j = {{"ref", "PERSON:" + key}, {"rows", rows}};
    for (auto& [k, v] : truth.items()) j[k] = v;
    noid.push_back(j);
  };
  static constexpr const char* kOtherGiven[] = {"明", "华", "军", "芳"};
  auto other_name = [&](const std::string& name) {
    // The last character (3 UTF-8 bytes) replaced by another.
    std::string base = name.substr(0, name.size() - 3);
    for (const char* c : kOtherGiven)
      if (name.compare(name.size() - 3, 3, c) != 0) return base + c;
    return base + "强";
  };
  int n = def_.rings;  // 2 at small scale, 3 above
  for (int i = 0; i < n; ++i) {
    uint32_t who = resident();
    const Citizen& c = citizens_[who];
    plant_noid({CitizenName(who), c.birth_day, c.phone, i % 2 == 1}, {{"expect", "merge"}, {"person", RefOfCitizen(who)}});
  }
  // One member (not the first) of a family that shares a phone.
  {
    const auto& fam = looks[0]["members"];
    std::string member = fam[1].get<std::string>();
    uint32_t who = 0;
    for (uint32_t i : reserved_[0])
      if (RefOfCitizen(i) == member) who = i;
    const Citizen& c = citizens_[who];
    plant_noid({CitizenName(who), c.birth_day, c.phone, false}, {{"expect", "merge"}, {"person", member}});
  }
  for (int i = 0; i < n; ++i) {
    uint32_t who = resident();
    const Citizen& c = citizens_[who];
    plant_noid({other_name(CitizenName(who)), c.birth_day, c.phone, false},
               {{"expect", "candidate"}, {"person", RefOfCitizen(who)}, {"differs", "name"}});
  }
  for (int i = 0; i < n; ++i) {
    uint32_t who = resident();
    const Citizen& c = citizens_[who];
    plant_noid({CitizenName(who), c.birth_day, NewPhone(), i % 2 == 0},
               {{"expect", "candidate"}, {"person", RefOfCitizen(who)}, {"differs", "phone"}});
  }
  for (int i = 0; i < n; ++i) {
    int64_t birth = jan1_ - r_.Between(20 * 365, 70 * 365);
    plant_noid({SyntheticName(name_base_ + 900'000'000ull + static_cast<uint64_t>(i)), birth, NewPhone(), false},
               {{"expect", "none"}});
  }
  truth_["noid_records"] = noid;
}

// Visa-free visitors' stays (docs/stays.md): every foreigner's hotel and
// travel rows come from visits planned here. An ordinary visit enters on an
// international flight, is registered at a hotel (or by a private host)
// within hours and at every move, and leaves on an international flight well
// within the 30 days the default policy allows, so it raises nothing. The
// planted visits break one rule each; truth.json "stays" lists them with the
// alerts they must raise, as of the end of the year.
void City::PlanVisits() {
  Random vr(o_.seed * 0xD1B54A32D192ED03ull + 0x5151);
  const int64_t as_of = DayStart(days_);  // local midnight after the last day
  constexpr int64_t kH = 3600, kD = 86400;
  auto add = [&](int type, int64_t t, uint32_t who, uint16_t place, VisitEv v) {
    int64_t day = t / kD - jan1_;
    if (day < 0 || day >= days_) return;  // outside the generated year
    uint32_t index = static_cast<uint32_t>(visit_ev_.size());
    visit_ev_.push_back(v);
    planted_[type][static_cast<size_t>(day)].push_back(Ev{t, vr.Next(), who, place, kGood, kForeign | kVisit, index});
  };
  auto travel = [&](uint32_t who, int64_t t, uint16_t station, bool in, bool international) {
    add(kEvTravel, t, who, station, VisitEv{0, in, international});
  };
  // Hotel stays one after another from `from` until `until` (the departure):
  // each 1-4 nights, the next check-in a few hours after the check-out.
  auto lodge = [&](uint32_t who, int64_t from, int64_t until) {
    int64_t t = from;
    while (t < until - 4 * kH) {
      int64_t nights = vr.Between(1, 4);
      int64_t out = (t / kD + nights) * kD + vr.Between(8 * kH, 12 * kH);
      if (out > until - 2 * kH) out = std::max(t + 2 * kH, until - vr.Between(2 * kH, 4 * kH));
      add(kEvHotel, t, who, static_cast<uint16_t>(place_pick_[kHotel].Draw(vr)), VisitEv{out, false, false});
      t = out + vr.Between(kH, 5 * kH);
    }
  };
  auto iso = [](int64_t t) {
    std::string s;
    TimeFormatter tf;
    tf.Put(s, t);
    return s;
  };
  auto entry_time = [&](int64_t day) { return DayStart(static_cast<int>(day)) + vr.Between(8 * kH, 22 * kH); };
  auto deadline = [&](int64_t entry) { return (entry / kD + 30) * kD; };  // the entry day is the stay's first day
  auto host = [&]() {
    for (;;) {
      const Citizen& c = citizens_[vr.Below(citizens_.size())];
      if (c.resident && c.district >= 0) return &c;
    }
  };
  auto private_stay = [&](uint32_t who, int64_t arrived, int64_t departs, int64_t registered) {
    const Foreigner& f = foreigners_[who];
    const Citizen* h = host();
    uint32_t hi = static_cast<uint32_t>(h - citizens_.data());
    guests_.push_back({Passport(who), std::string(kLatinNames[f.nat][f.surname]) + " " + kLatinNames[f.nat][f.given],
                       kNationalities[f.nat].code, std::to_string(f.phone), std::string(h->id, 18), CitizenName(hi),
                       std::to_string(h->phone), places_[kCommunity][h->community].code, iso(arrived),
                       departs ? iso(departs) : "", iso(registered)});
  };
  auto reserve = [&]() {
    size_t n = foreigners_.size();
    for (int tries = 0;; ++tries) {
      uint32_t i = static_cast<uint32_t>(tries < 10000 ? n / 2 + vr.Below(n - n / 2) : vr.Below(n));
      if (reserved_[2].insert(i).second) return i;
    }
  };

  // The planted cases: a few of each.
  int per = o_.scale == "small" ? 2 : 5;
  nlohmann::ordered_json cases = nlohmann::ordered_json::array();
  auto plant = [&](const char* kind, uint32_t who, int64_t entry, std::vector<std::string> expect,
                   nlohmann::ordered_json extra = nlohmann::ordered_json::object()) {
    nlohmann::ordered_json j = {{"passport", "PASSPORT:" + Passport(who)}, {"case", kind}, {"entry", iso(entry)},
                                {"deadline", iso(deadline(entry))}, {"expect", expect}};
    for (auto& [k, v] : extra.items()) j[k] = v;
    cases.push_back(j);
  };
  auto early_day = [&]() { return vr.Between(10, days_ - 80); };
  for (int i = 0; i < per; ++i) {
    // Registered at a hotel only 26-40 hours after entry.
    uint32_t who = reserve();
    int64_t t0 = entry_time(early_day()), exit = t0 + vr.Between(3, 8) * kD;
    travel(who, t0, 0, true, true);
    lodge(who, t0 + vr.Between(26 * kH, 40 * kH), exit);
    travel(who, exit, 0, false, true);
    plant("late_registration", who, t0, {"no_registration"});
  }
  for (int i = 0; i < per; ++i) {
    // A gap of 30-45 hours between two hotels.
    uint32_t who = reserve();
    int64_t t0 = entry_time(early_day()), exit = t0 + vr.Between(6, 10) * kD;
    travel(who, t0, 0, true, true);
    int64_t out = (t0 / kD + 2) * kD + 10 * kH;
    add(kEvHotel, t0 + 2 * kH, who, static_cast<uint16_t>(place_pick_[kHotel].Draw(vr)), VisitEv{out, false, false});
    lodge(who, out + vr.Between(30 * kH, 45 * kH), exit);
    travel(who, exit, 0, false, true);
    plant("registration_gap", who, t0, {"no_registration"}, {{"left_at", iso(out)}});
  }
  for (int i = 0; i < per; ++i) {
    // Never registered anywhere; left after 2-4 days.
    uint32_t who = reserve();
    int64_t t0 = entry_time(early_day());
    travel(who, t0, 0, true, true);
    travel(who, t0 + vr.Between(2, 4) * kD, 0, false, true);
    plant("never_registered", who, t0, {"no_registration"});
  }
  for (int i = 0; i < per; ++i) {
    // Left 1-15 days after the limit (reminded 3 days before it).
    uint32_t who = reserve();
    int64_t t0 = entry_time(early_day());
    int64_t k = vr.Between(0, 14);
    int64_t exit = deadline(t0) + k * kD + vr.Between(2 * kH, 20 * kH);
    travel(who, t0, 0, true, true);
    lodge(who, t0 + vr.Between(kH, 6 * kH), exit);
    travel(who, exit, 0, false, true);
    plant("overstay_left", who, t0, {"limit_approaching", "overstay"}, {{"days_over", k + 1}});
  }
  for (int i = 0; i < per; ++i) {
    // Still here at the end of the year, 1-10 days over the limit.
    uint32_t who = reserve();
    int64_t k = vr.Between(0, 9);
    int64_t t0 = entry_time(days_ - (k + 1) - 30);
    travel(who, t0, 0, true, true);
    lodge(who, t0 + vr.Between(kH, 6 * kH), as_of + 5 * kD);
    // The year ends exactly k+1 days past the limit: the (k+2)th day has begun.
    plant("overstay_open", who, t0, {"limit_approaching", "overstay"}, {{"days_over", k + 2}});
  }
  for (int i = 0; i < per; ++i) {
    // Leaves for the mainland: a ferry (秀英港, 新海港, 南港), the train
    // from 海口站, or a domestic flight.
    uint32_t who = reserve();
    int64_t t0 = entry_time(early_day()), exit = t0 + vr.Between(2, 10) * kD;
    travel(who, t0, 0, true, true);
    lodge(who, t0 + vr.Between(kH, 6 * kH), exit);
    uint16_t station = static_cast<uint16_t>(vr.Below(5));  // 0 the airport (domestic), 1-3 ports, 4 the station
    travel(who, exit, station, false, false);
    plant("mainland_departure", who, t0, {"mainland_departure"}, {{"station", places_[kStation][station].code}});
  }
  for (int i = 0; i < per; ++i) {
    // The limit ends 1-2 days after the end of the year: a reminder is due.
    uint32_t who = reserve();
    int64_t t0 = entry_time(days_ + vr.Between(1, 2) - 30);
    travel(who, t0, 0, true, true);
    lodge(who, t0 + vr.Between(kH, 6 * kH), as_of + 5 * kD);
    plant("reminder_due", who, t0, {"limit_approaching"});
  }
  for (int i = 0; i < per; ++i) {
    // Private housing, registered by the host within hours.
    uint32_t who = reserve();
    int64_t t0 = entry_time(early_day()), exit = t0 + vr.Between(3, 12) * kD;
    int64_t arrived = t0 + vr.Between(kH, 3 * kH);
    travel(who, t0, 0, true, true);
    private_stay(who, arrived, exit - vr.Between(2 * kH, 4 * kH), arrived + vr.Between(kH, 8 * kH));
    travel(who, exit, 0, false, true);
    plant("private_on_time", who, t0, {});
  }
  for (int i = 0; i < per; ++i) {
    // Private housing registered 30-40 hours after the guest arrived.
    uint32_t who = reserve();
    int64_t t0 = entry_time(early_day()), exit = t0 + vr.Between(4, 12) * kD;
    int64_t arrived = t0 + vr.Between(kH, 3 * kH);
    travel(who, t0, 0, true, true);
    private_stay(who, arrived, exit - vr.Between(2 * kH, 4 * kH), arrived + vr.Between(30 * kH, 40 * kH));
    travel(who, exit, 0, false, true);
    plant("private_late", who, t0, {"no_registration"});
  }
  for (int i = 0; i < per; ++i) {
    // Arrived 26-40 hours before the end of the year, not registered yet.
    uint32_t who = reserve();
    int64_t t0 = as_of - vr.Between(26 * kH, 40 * kH);
    travel(who, t0, 0, true, true);
    plant("unregistered_open", who, t0, {"no_registration"});
  }

  // Ordinary visits, about as many foreign travel rows as the share of
  // foreigners among travellers (15%) gives; frequent visitors come more often.
  double travel_rows = static_cast<double>(events_) * kEventShare[kEvTravel] * 0.15;
  size_t visits = std::max<size_t>(foreigners_.size(), static_cast<size_t>(travel_rows / 2));
  std::vector<int> count(foreigners_.size(), 0);
  for (size_t v = 0; v < visits; ++v) {
    uint32_t who = pl_foreigner_.Draw(vr);
    if (reserved_[2].count(who) || count[who] >= 15) continue;
    ++count[who];
  }
  int64_t ordinary = 0;
  for (uint32_t who = 0; who < foreigners_.size(); ++who) {
    int k = count[who];
    if (k == 0) continue;
    int64_t slot = days_ / k;  // one visit in each slot of the year
    for (int j = 0; j < k; ++j) {
      int64_t len = vr.Between(2, std::min<int64_t>(14, slot - 3));
      // The last visit may run past the end of the year (still here then).
      int64_t room = j == k - 1 ? days_ - j * slot : slot - len - 1;
      int64_t day = j * slot + static_cast<int64_t>(vr.Below(static_cast<uint64_t>(room)));
      int64_t t0 = entry_time(day), exit = DayStart(static_cast<int>(day + len)) + vr.Between(13 * kH, 22 * kH);
      travel(who, t0, 0, true, true);
      if (vr.Chance(0.1)) {
        int64_t arrived = t0 + vr.Between(kH, 3 * kH);
        private_stay(who, arrived, exit - vr.Between(2 * kH, 4 * kH), arrived + vr.Between(kH, 8 * kH));
      } else {
        lodge(who, t0 + vr.Between(kH, 6 * kH), exit);
      }
      // Some travel on the island ring's trains and come back.
      if (len >= 4 && vr.Chance(0.2)) {
        int64_t t = t0 + 2 * kD + vr.Between(8 * kH, 12 * kH);
        uint16_t st = static_cast<uint16_t>(5 + vr.Below(2));
        travel(who, t, st, false, false);
        travel(who, t + kD + vr.Between(0, 6 * kH), st, true, false);
      }
      travel(who, exit, 0, false, true);
      ++ordinary;
    }
  }
  truth_["stays"] = {{"as_of", iso(as_of)},
                     {"policy", "default (docs/stays.md): 30 days, registration within 24 h, reminder 3 days before"},
                     {"ordinary_visits", ordinary},
                     {"private_registrations", guests_.size()},
                     {"cases", cases}};
}

Status City::WriteStatic() {
  Out out;
  std::string dir = o_.out_dir + "/";
  if (!out.Open(dir + "places.csv", "code,kind,name,district_code,lat,lon")) return Internal("cannot write places.csv");
  char num[32];
  for (int k = 0; k < kPlaceKinds; ++k)
    for (const Place& p : places_[k]) {
      out.buf += p.code + "," + kPlaceKindNames[k] + "," + p.name + "," + kDistrictCodes[p.district] + ",";
      std::snprintf(num, sizeof num, "%.5f,%.5f\n", p.lat, p.lon);
      out.buf += num;
      ++out.rows;
    }
  // The epidemic's joint road checkpoints (gen/health_gen.h), after the others.
  for (const HealthPlace& p : HealthCheckpointPlaces()) {
    out.buf += p.code + ",health_checkpoint," + p.name + "," + p.district + ",";
    std::snprintf(num, sizeof num, "%.5f,%.5f\n", p.lat, p.lon);
    out.buf += num;
    ++out.rows;
  }
  truth_["rows"]["places.csv"] = out.rows;
  if (!out.Close()) return Internal("write failed: places.csv");

  Out res;
  if (!res.Open(dir + "residents.csv", "id_type,id_number,name,gender,birth_date,phone,address_code,address,moved_in_at"))
    return Internal("cannot write residents.csv");
  Random rr(o_.seed * 31 + 5);
  TimeFormatter tf;
  for (uint32_t i = 0; i < citizens_.size(); ++i) {
    const Citizen& c = citizens_[i];
    if (!c.resident) continue;
    const Place& p = places_[kCommunity][c.community];
    res.buf += "ID,";
    res.buf.append(c.id, 18);
    res.buf += ',';
    res.buf += CitizenName(i);
    res.buf += c.gender == 'M' ? ",M," : ",F,";
    PutDate(res.buf, c.birth_day);
    res.buf += ',';
    PutInt(res.buf, static_cast<int64_t>(c.phone));
    res.buf += ',' + p.code + ',' + p.name + std::to_string(rr.Between(1, 60)) + "栋" + std::to_string(rr.Between(1, 30)) +
               "0" + std::to_string(rr.Between(1, 8)) + "室,";
    int64_t adult = c.birth_day + 18 * 365;
    int64_t moved = std::max<int64_t>(adult, jan1_ - 30 * 365) + static_cast<int64_t>(rr.Below(
                        static_cast<uint64_t>(std::max<int64_t>(1, jan1_ - std::max<int64_t>(adult, jan1_ - 30 * 365)))));
    tf.Put(res.buf, moved * 86400 + rr.Between(8 * 3600, 18 * 3600));
    res.buf += '\n';
    ++res.rows;
    res.MaybeFlush();
  }
  for (uint32_t i = 0; i < foreigners_.size(); i += 20) {  // a few long-stay foreigners
    const Foreigner& f = foreigners_[i];
    const Place& p = places_[kCommunity][rr.Below(places_[kCommunity].size())];
    res.buf += "PASSPORT," + Passport(i) + ",";  // no nationality column, so NAT/NUMBER as in dutyfree.csv
    res.buf += std::string(kLatinNames[f.nat][f.surname]) + " " + kLatinNames[f.nat][f.given] + (rr.Chance(0.5) ? ",M," : ",F,");
    PutDate(res.buf, jan1_ - rr.Between(20 * 365, 70 * 365));
    res.buf += ',';
    PutInt(res.buf, static_cast<int64_t>(f.phone));
    res.buf += ',' + p.code + ',' + p.name + std::to_string(rr.Between(1, 60)) + "栋,";
    tf.Put(res.buf, (jan1_ - rr.Between(30, 3 * 365)) * 86400 + rr.Between(8 * 3600, 18 * 3600));
    res.buf += '\n';
    ++res.rows;
  }
  truth_["rows"]["residents.csv"] = res.rows;
  if (!res.Close()) return Internal("write failed: residents.csv");

  Out veh;
  if (!veh.Open(dir + "vehicles.csv",
                "plate,plate_color,owner_id_type,owner_id_number,owner_name,vehicle_type,brand,color,registered_at"))
    return Internal("cannot write vehicles.csv");
  for (const Vehicle& v : vehicles_) {
    veh.buf.append(v.plate, v.plen);
    veh.buf += ',';
    veh.buf += kColorNames[v.color];
    veh.buf += ",ID,";
    veh.buf.append(citizens_[v.owner].id, 18);
    veh.buf += ',' + CitizenName(v.owner) + ',' + kVehicleTypes[v.type] + ',' + kBrands[v.brand] + ',' + kBodyColors[v.body] + ',';
    tf.Put(veh.buf, static_cast<int64_t>(v.reg_day) * 86400 + rr.Between(9 * 3600, 17 * 3600));
    veh.buf += '\n';
    ++veh.rows;
    veh.MaybeFlush();
  }
  truth_["rows"]["vehicles.csv"] = veh.rows;
  if (!veh.Close()) return Internal("write failed: vehicles.csv");
  return Status::Ok();
}

void City::GenerateDay(int day, Random& r, std::vector<Ev>* evs) {
  double share = day_weight_[static_cast<size_t>(day)] / day_weight_sum_;
  for (int type = 0; type < kEventTypes; ++type) {
    std::vector<Ev>& v = evs[type];
    v.clear();
    double want = static_cast<double>(events_) * kEventShare[type] * share;
    int64_t n = static_cast<int64_t>(want);
    if (r.Unit() < want - static_cast<double>(n)) ++n;
    v.reserve(static_cast<size_t>(n) + planted_[type][static_cast<size_t>(day)].size());
    int64_t start = DayStart(day);
    PlaceKind pk = kEventPlace[type];
    for (int64_t i = 0; i < n; ++i) {
      Ev e{};
      e.aux = r.Next();
      e.t = start + static_cast<int64_t>(hours_[static_cast<size_t>(type)].Draw(r)) * 3600 + static_cast<int64_t>(e.aux % 3600);
      switch (type) {
        case kEvVehicle: {
          e.who = pl_vehicle_.Draw(r);
          if (r.Chance(0.7)) {  // one of the vehicle's three usual checkpoints
            Random fr(o_.seed * 1000003 + e.who * 3 + r.Below(3));
            e.place = static_cast<uint16_t>(place_pick_[pk].Draw(fr));
          } else {
            e.place = static_cast<uint16_t>(place_pick_[pk].Draw(r));
          }
          break;
        }
        case kEvNetcafe:
          e.who = pl_citizen_cafe_.Draw(r);
          e.place = static_cast<uint16_t>(place_pick_[pk].Draw(r));
          break;
        default: {
          double fshare = type == kEvHotel ? 0.12 : type == kEvTravel ? 0.15 : 0.10;
          if (r.Chance(fshare)) {
            // Foreigners' hotel and travel rows come from their planned
            // visits (PlanVisits), so that every stay is coherent.
            if (type != kEvDutyfree) continue;
            e.flags = kForeign;
            e.who = pl_foreigner_.Draw(r);
          } else {
            e.who = pl_citizen_.Draw(r);
          }
          e.place = static_cast<uint16_t>(place_pick_[pk].Draw(r));
        }
      }
      if (r.Chance(kBadRate)) e.bad = static_cast<uint8_t>(1 + r.Below(4));
      v.push_back(e);
    }
    for (const Ev& e : planted_[type][static_cast<size_t>(day)]) v.push_back(e);
    std::sort(v.begin(), v.end(), [](const Ev& a, const Ev& b) { return a.t != b.t ? a.t < b.t : a.aux < b.aux; });
  }
}

void City::FormatRow(int type, const Ev& e, Out& out) {
  static thread_local TimeFormatter tf;
  std::string& s = out.buf;
  size_t row_start = s.size();
  const Place& pl = places_[kEventPlace[type]][e.place];
  auto place_code = [&]() {
    if (e.bad != kBadPlace) {
      s += pl.code;
      return;
    }
    s += kPlacePrefix[kEventPlace[type]];
    int digits = kPlaceDigits[kEventPlace[type]];
    s += '9';
    PutPadded(s, e.aux % (digits == 5 ? 10000 : 100), digits - 1);
  };
  auto time = [&](int64_t t) {
    if (e.bad == kBadTime) tf.PutInvalid(s, t, e.aux >> 20);
    else tf.Put(s, t);
  };
  bool foreign = e.flags & kForeign;
  // Person columns: id_type,id_number,name[,nationality]
  auto person = [&](bool with_nat, bool with_type, bool passport_slash) {
    if (e.flags & kNoId) {
      const NoIdSpec& n = noid_[e.extra];
      if (with_type) s += "ID,";
      if (n.garbled) s.append(citizens_[e.aux % citizens_.size()].id, 17);  // a digit short: never valid
      s += ',';
      s += n.name;
      if (with_nat) s += ",CHN";
      return;
    }
    if (e.bad == kBadId) {
      // A real-looking citizen number with a wrong check character.
      const Citizen& c = citizens_[e.aux % citizens_.size()];
      std::string id(c.id, 18);
      static constexpr char kChecks[] = "0123456789X";
      char bad = kChecks[(e.aux >> 8) % 11];
      if (bad == id[17]) bad = kChecks[((e.aux >> 8) + 1) % 11];
      id[17] = bad;
      if (with_type) s += "ID,";
      s += id;
      s += ',';
      s += CitizenName(static_cast<uint32_t>(e.aux % citizens_.size()));
      if (with_nat) s += ",CHN";
      return;
    }
    if (foreign) {
      const Foreigner& f = foreigners_[e.who];
      if (with_type) s += "PASSPORT,";
      if (passport_slash) {
        s += kNationalities[f.nat].code;
        s += '/';
      }
      PutPadded(s, f.number, f.digits);
      s += ',';
      s += kLatinNames[f.nat][f.surname];
      s += ' ';
      s += kLatinNames[f.nat][f.given];
      if (with_nat) {
        s += ',';
        s += kNationalities[f.nat].code;
      }
    } else {
      const Citizen& c = citizens_[e.who];
      if (with_type) s += "ID,";
      s.append(c.id, 18);
      s += ',';
      s += CitizenName(e.who);
      if (with_nat) s += ",CHN";
    }
  };
  auto phone = [&]() {
    uint64_t p = foreign ? foreigners_[e.who].phone : citizens_[e.who].phone;
    if (e.flags & kRing) p = ring_phones_[e.extra];
    if (e.flags & kNoId) p = noid_[e.extra].phone;
    PutInt(s, static_cast<int64_t>(p));
  };
  uint64_t a = e.aux;
  switch (type) {
    case kEvVehicle: {
      if (e.bad == kBadId) {
        s += (a >> 7) % 2 ? "琼AI" : "琼A";
        PutPadded(s, (a >> 9) % 1000, (a >> 7) % 2 ? 4 : 3);
        s += ",蓝,";
      } else {
        const Vehicle& v = vehicles_[e.who];
        s.append(v.plate, v.plen);
        s += ',';
        s += kColorNames[v.color];
        s += ',';
        if (e.who < top_vehicle_places_.size() && e.bad == kGood) ++top_vehicle_places_[e.who][e.place];
        if (e.bad == kGood) ++vehicle_passes_[e.who];
      }
      place_code();
      s += ',';
      time(e.t);
      s += (a >> 40) % 2 ? ",IN," : ",OUT,";
      PutInt(s, static_cast<int64_t>(20 + (a >> 42) % 70));
      break;
    }
    case kEvHotel: {
      person(true, true, false);
      s += ',';
      phone();
      s += ',';
      place_code();
      s += ',';
      PutInt(s, static_cast<int64_t>(2 + (a >> 30) % 18));
      PutPadded(s, 1 + (a >> 35) % 40, 2);
      s += ',';
      time(e.t);
      s += ',';
      if (e.flags & kVisit) {
        tf.Put(s, visit_ev_[e.extra].checkout);
      } else {
        int64_t nights = 1 + static_cast<int64_t>((a >> 41) % 4);
        int64_t out_day = (e.t / 86400) + nights;
        tf.Put(s, out_day * 86400 + 7 * 3600 + static_cast<int64_t>((a >> 44) % (6 * 3600)));
      }
      s += ',';
      if (e.flags & kNoId) PutDate(s, noid_[e.extra].birth_day);
      break;
    }
    case kEvTravel: {
      person(true, true, false);
      s += ',';
      s += pl.mode;
      s += ',';
      place_code();
      const VisitEv* visit = e.flags & kVisit ? &visit_ev_[e.extra] : nullptr;
      s += (visit ? visit->in : (a >> 30) % 2) ? ",IN," : ",OUT,";
      time(e.t);
      s += ',';
      uint64_t h = (static_cast<uint64_t>(e.place) * 1000003 + static_cast<uint64_t>(e.t / 3600)) * 0x9E3779B97F4A7C15ull;
      if (pl.mode == "AIR") {
        s += kAirlines[(h >> 20) % std::size(kAirlines)];
        // International flights have three digits, domestic ones four (the
        // default stay policy's international_trip pattern).
        if (visit && visit->international) PutPadded(s, 100 + (h >> 30) % 900, 3);
        else PutPadded(s, 1000 + (h >> 30) % 9000, 4);
        s += ',';
        PutInt(s, static_cast<int64_t>(1 + (a >> 33) % 40));
        s += static_cast<char>('A' + (a >> 40) % 6);
      } else if (pl.mode == "RAIL") {
        s += (h >> 20) % 3 ? "D7" : "C7";
        PutPadded(s, (h >> 30) % 1000, 3);
        s += ',';
        PutPadded(s, 1 + (a >> 33) % 16, 2);
        s += "车";
        PutPadded(s, 1 + (a >> 38) % 20, 2);
        s += "ABCDF"[(a >> 45) % 5];
      } else {
        s += "HK";
        PutPadded(s, (h >> 30) % 1000, 3);
        s += ',';
        s += static_cast<char>('A' + (a >> 33) % 3);
        PutPadded(s, 1 + (a >> 36) % 300, 3);
      }
      break;
    }
    case kEvDutyfree: {
      person(false, true, true);
      s += ',';
      phone();
      s += ',';
      place_code();
      s += ',';
      time(e.t);
      s += ',';
      int64_t fen;
      if (e.flags & kRing) {
        fen = 9'000'000 + static_cast<int64_t>((a >> 30) % 1'000'000);
      } else {
        double u = static_cast<double>((a >> 20) % 1000000) / 1e6;
        fen = static_cast<int64_t>(std::exp(std::log(200.0) + u * (std::log(30000.0) - std::log(200.0))) * 100);
      }
      PutInt(s, fen / 100);
      s += '.';
      Put2(s, static_cast<int>(fen % 100));
      s += ',';
      int k = 1 + static_cast<int>((a >> 45) % 3);
      for (int i = 0; i < k; ++i) {
        if (i) s += ';';
        s += kGoods[(a >> (48 + 4 * i)) % std::size(kGoods)];
      }
      s += ',';
      uint64_t p = (a >> 52) % 10;
      s += places_[kStation][p < 6 ? 0 : p < 8 ? 4 : 1].code;
      s += ',';
      if (e.flags & kNoId) PutDate(s, noid_[e.extra].birth_day);
      break;
    }
    case kEvNetcafe: {
      person(false, false, false);
      s += ',';
      place_code();
      s += ',';
      time(e.t);
      s += ',';
      tf.Put(s, e.t + 1800 + static_cast<int64_t>((a >> 30) % (5 * 3600)));
      s += ',';
      s += static_cast<char>('A' + (a >> 50) % 4);
      PutPadded(s, 1 + (a >> 53) % 120, 3);
      break;
    }
  }
  if (e.bad == kBadMalformed) {
    size_t comma = s.rfind(',');
    if (comma != std::string::npos && comma > row_start) s.resize(comma);
  }
  s += '\n';
  ++out.rows;
  ++rows_[type];
  ++bad_counts_[type][e.bad];
}

Status City::Run(std::map<std::string, int64_t>* rows_out) {
  if (o_.scale != "small" && o_.scale != "city" && o_.scale != "large")
    return InvalidArgument("bad_scale", "scale must be small, city or large");
  def_ = Defaults(o_.scale);
  events_ = o_.events > 0 ? o_.events : def_.events;
  jan1_ = DaysFromCivil(o_.year, 1, 1);
  days_ = static_cast<int>(DaysFromCivil(o_.year + 1, 1, 1) - jan1_);
  name_base_ = o_.seed * 1'000'003;
  truth_["seed"] = o_.seed;
  truth_["scale"] = o_.scale;
  truth_["year"] = o_.year;
  for (const char* k : {"rows", "valid_events", "rejects"}) truth_[k] = nlohmann::ordered_json::object();
  std::error_code ec;
  std::filesystem::create_directories(o_.out_dir, ec);
  if (ec) return Internal("cannot create " + o_.out_dir + ": " + ec.message());

  MakePlaces();
  MakePopulation();
  for (int t = 0; t < kEventTypes; ++t) hours_.emplace_back(std::vector<double>(kEventHours[t], kEventHours[t] + 24));
  for (int d = 0; d < days_; ++d) {
    int y, m, dd;
    CivilFromDays(jan1_ + d, &y, &m, &dd);
    int64_t wd = (jan1_ + d + 4) % 7;  // 0 = Sunday
    double w = kMonthFactor[m - 1] * (wd == 0 || wd == 6 ? 1.1 : 1.0);
    day_weight_.push_back(w);
    day_weight_sum_ += w;
  }
  Plant();
  PlanVisits();
  std::unordered_set<uint64_t>().swap(phones_);  // only needed while making phones
  Status st = WriteStatic();
  if (!st.ok()) return st;

  vehicle_passes_.assign(vehicles_.size(), 0);
  top_vehicle_places_.assign(std::min<size_t>(16, vehicles_.size()), std::vector<uint32_t>(places_[kCheckpoint].size(), 0));
  Out outs[kEventTypes];
  for (int t = 0; t < kEventTypes; ++t)
    if (!outs[t].Open(o_.out_dir + "/" + kEventFiles[t], kHeaders[t])) return Internal(std::string("cannot write ") + kEventFiles[t]);
  std::vector<Ev> evs[kEventTypes];
  for (int d = 0; d < days_; ++d) {
    Random r(o_.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(d) * 7919 + 3);
    GenerateDay(d, r, evs);
    for (int t = 0; t < kEventTypes; ++t) {
      for (const Ev& e : evs[t]) {
        FormatRow(t, e, outs[t]);
        outs[t].MaybeFlush();
      }
    }
  }
  for (int t = 0; t < kEventTypes; ++t)
    if (!outs[t].Close()) return Internal(std::string("write failed: ") + kEventFiles[t]);

  for (int t = 0; t < kEventTypes; ++t) {
    truth_["rows"][kEventFiles[t]] = rows_[t];
    truth_["valid_events"][kEventNames[t]] = bad_counts_[t][kGood];
    nlohmann::ordered_json rej;
    for (int b = 1; b <= 4; ++b)
      rej[t == kEvVehicle && b == kBadId ? "invalid_plate" : kBadNames[b]] = bad_counts_[t][b];
    truth_["rejects"][kEventFiles[t]] = rej;
  }
  size_t best = static_cast<size_t>(std::max_element(vehicle_passes_.begin(), vehicle_passes_.end()) - vehicle_passes_.begin());
  nlohmann::ordered_json busiest = {{"entity", RefOfVehicle(static_cast<uint32_t>(best))}, {"events", vehicle_passes_[best]}};
  if (best < top_vehicle_places_.size()) {
    const auto& pc = top_vehicle_places_[best];
    size_t p = static_cast<size_t>(std::max_element(pc.begin(), pc.end()) - pc.begin());
    busiest["place"] = places_[kCheckpoint][p].code;
    busiest["place_events"] = pc[p];
  }
  truth_["busiest"] = busiest;
  {
    std::ofstream f(o_.out_dir + "/truth.json", std::ios::binary);
    f << truth_.dump(2) << "\n";
    if (!f) return Internal("write failed: truth.json");
  }
  if (rows_out) {
    rows_out->clear();
    for (auto& [k, v] : truth_["rows"].items()) (*rows_out)[k] = v.get<int64_t>();
  }
  return Status::Ok();
}

}  // namespace

Status WriteCity(const CityOptions& o, std::map<std::string, int64_t>* rows) {
  City city(o);
  JW_RETURN_IF_ERROR(city.Run(rows));
  return WriteRegistry(o.out_dir, o.seed, rows, &city.guests());
}

}  // namespace jingwu::gen

#include "identity/identity.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <initializer_list>
#include <string>

namespace jingwu::identity {
namespace {

constexpr std::string_view kCodeId = "invalid_id_number";
constexpr std::string_view kCodePassport = "invalid_passport";
constexpr std::string_view kCodePlate = "invalid_plate";
constexpr std::string_view kCodePhone = "invalid_phone";
constexpr std::string_view kCodeReference = "invalid_reference";
constexpr std::string_view kCodePerson = "invalid_person";
constexpr std::string_view kCodeBirth = "invalid_birth_date";

Status Invalid(std::string_view code, std::string_view what, std::string_view why) {
  return Validation(std::string(code), std::string(what) + ": " + std::string(why));
}
Status IdError(std::string_view why) { return Invalid(kCodeId, "invalid ID number", why); }
Status PassportError(std::string_view why) { return Invalid(kCodePassport, "invalid passport", why); }
Status PlateError(std::string_view why) { return Invalid(kCodePlate, "invalid plate", why); }
Status PhoneError(std::string_view why) { return Invalid(kCodePhone, "invalid phone number", why); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
char ToUpper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string UpperAscii(std::string s) {
  for (char& c : s) c = ToUpper(c);
  return s;
}

// Drops ASCII whitespace and each of the given UTF-8 sequences.
std::string RemoveSeparators(std::string_view s, std::initializer_list<std::string_view> drop = {}) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (IsSpace(s[i])) {
      ++i;
      continue;
    }
    bool dropped = false;
    for (std::string_view d : drop) {
      if (s.substr(i).starts_with(d)) {
        i += d.size();
        dropped = true;
        break;
      }
    }
    if (!dropped) out += s[i++];
  }
  return out;
}

bool IsContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

size_t CountCodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return !IsContinuation(static_cast<unsigned char>(c)); }));
}

// Hinnant's civil_from_days, the inverse of DaysFromCivil.

// ---- ID numbers ----

struct Region {
  std::string_view code;
  std::string_view name;
};

// Province-level divisions plus Haikou; not the full GB/T 2260 table.
constexpr Region kRegions[] = {
    {"110000", "北京市"},     {"120000", "天津市"},         {"130000", "河北省"},
    {"140000", "山西省"},     {"150000", "内蒙古自治区"},   {"210000", "辽宁省"},
    {"220000", "吉林省"},     {"230000", "黑龙江省"},       {"310000", "上海市"},
    {"320000", "江苏省"},     {"330000", "浙江省"},         {"340000", "安徽省"},
    {"350000", "福建省"},     {"360000", "江西省"},         {"370000", "山东省"},
    {"410000", "河南省"},     {"420000", "湖北省"},         {"430000", "湖南省"},
    {"440000", "广东省"},     {"450000", "广西壮族自治区"}, {"460000", "海南省"},
    {"460100", "海口市"},     {"460105", "秀英区"},         {"460106", "龙华区"},
    {"460107", "琼山区"},     {"460108", "美兰区"},         {"500000", "重庆市"},
    {"510000", "四川省"},     {"520000", "贵州省"},         {"530000", "云南省"},
    {"540000", "西藏自治区"}, {"610000", "陕西省"},         {"620000", "甘肃省"},
    {"630000", "青海省"},     {"640000", "宁夏回族自治区"}, {"650000", "新疆维吾尔自治区"},
    {"710000", "台湾省"},     {"810000", "香港特别行政区"}, {"820000", "澳门特别行政区"},
};

bool IsProvincePrefix(std::string_view two_digits) {
  // 83 is not in GB/T 2260 but starts the residence-permit numbers of Taiwan
  // residents, which share the GB 11643 format.
  if (two_digits == "83") return true;
  std::string code = std::string(two_digits) + "0000";
  return !RegionName(code).empty();
}

constexpr int kIdWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kIdCheckChars = "10X98765432";

// ISO 7064 MOD 11-2 over 17 ASCII digits.
char IdCheckChar(std::string_view first17) {
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kIdWeights[i];
  return kIdCheckChars[sum % 11];
}

int ParseDigits(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// Checks the parts shared by parsing and building: region and birth date.
Status CheckRegionAndBirth(std::string_view region, const Date& birth, const std::optional<Date>& today) {
  if (!IsProvincePrefix(region.substr(0, 2)))
    return IdError("region code starts with " + std::string(region.substr(0, 2)) +
                   ", which is not a province-level code");
  if (!IsValidDate(birth.year, birth.month, birth.day)) return IdError("birth date is not a real date");
  if (birth.year < 1900) return IdError("birth date is before 1900");
  if (today && birth > *today) return IdError("birth date is in the future");
  return Status::Ok();
}

// ---- Passports ----

// ISO 3166-1 alpha-3, officially assigned codes (Debian iso-codes 4.15), sorted for binary search.
constexpr std::array<std::string_view, 249> kCountryCodes = {
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF", "ATG", "AUS",
    "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS", "BIH", "BLM", "BLR", "BLZ",
    "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF", "CAN", "CCK", "CHE", "CHL", "CHN", "CIV",
    "CMR", "COD", "COG", "COK", "COL", "COM", "CPV", "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU",
    "DJI", "DMA", "DNK", "DOM", "DZA", "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK",
    "FRA", "FRO", "FSM", "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC",
    "GRD", "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN", "IND",
    "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ", "KEN", "KGZ", "KHM",
    "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE", "LKA", "LSO", "LTU", "LUX", "LVA",
    "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX", "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG",
    "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS", "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC",
    "NIU", "NLD", "NOR", "NPL", "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL",
    "PRI", "PRK", "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR", "SVK", "SVN",
    "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL", "TKM", "TLS", "TON", "TTO",
    "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY", "USA", "UZB", "VAT", "VCT", "VEN", "VGB",
    "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF", "ZMB", "ZWE",
};
static_assert(std::is_sorted(kCountryCodes.begin(), kCountryCodes.end()));

constexpr size_t kPassportMinLen = 5;
constexpr size_t kPassportMaxLen = 17;

// ---- Plates ----

constexpr std::string_view kPlateProvinces[] = {
    "京", "津", "沪", "渝", "冀", "豫", "云", "辽", "黑", "湘", "皖", "鲁", "新", "苏", "浙", "赣",
    "鄂", "桂", "甘", "晋", "蒙", "陕", "吉", "闽", "贵", "粤", "青", "藏", "川", "宁", "琼",
};

struct PlateSuffix {
  std::string_view text;
  PlateKind kind;
};
constexpr PlateSuffix kPlateSuffixes[] = {
    {"挂", PlateKind::kTrailer}, {"学", PlateKind::kLearner}, {"警", PlateKind::kPolice}};

// I and O are left out of plate serials: they read as 1 and 0.
bool IsSerialChar(char c) { return IsDigit(c) || (IsUpper(c) && c != 'I' && c != 'O'); }
bool AllSerial(std::string_view s) { return std::all_of(s.begin(), s.end(), IsSerialChar); }
bool AllDigits(std::string_view s) { return std::all_of(s.begin(), s.end(), IsDigit); }
bool IsEnergyMark(char c) { return c == 'D' || c == 'F'; }  // D: battery electric, F: other

// ---- Phones ----

constexpr size_t kPhoneLen = 11;

}  // namespace

// ---- Cards ----

Result<std::string> ParseCard(std::string_view text) {
  const std::string s = UpperAscii(std::string(Trim(NormalizeWidth(text))));
  const bool ok = s.size() >= 4 && s.size() <= 40 &&
                  std::all_of(s.begin(), s.end(), [](char c) { return IsDigit(c) || IsUpper(c) || c == '-'; });
  if (!ok) return Invalid("invalid_card", "invalid card", "a card or pass number is 4-40 letters, digits and '-'");
  return s;
}


Date LocalDate(Timestamp t, int offset_minutes) {
  Date d;
  CivilFromDays(LocalDay(t, offset_minutes), &d.year, &d.month, &d.day);
  return d;
}

std::string NormalizeWidth(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    const auto b0 = static_cast<unsigned char>(utf8[i]);
    // Both ranges are three-byte sequences (lead 0xE3 or 0xEF); anything else is copied byte by byte.
    if ((b0 == 0xE3 || b0 == 0xEF) && i + 2 < utf8.size()) {
      const auto b1 = static_cast<unsigned char>(utf8[i + 1]);
      const auto b2 = static_cast<unsigned char>(utf8[i + 2]);
      if (IsContinuation(b1) && IsContinuation(b2)) {
        const unsigned cp = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
          out += static_cast<char>(cp - 0xFEE0);
          i += 3;
          continue;
        }
        if (cp == 0x3000) {
          out += ' ';
          i += 3;
          continue;
        }
      }
    }
    out += utf8[i++];
  }
  return out;
}

// ---- ID numbers ----

Result<IdNumber> ParseIdNumber(std::string_view text, std::optional<Date> today) {
  const std::string normal = NormalizeWidth(text);
  std::string s(Trim(normal));
  const size_t n = CountCodePoints(s);
  if (n != 18 && n != 15)
    return IdError("expected 18 characters (or 15 for a legacy number), got " + std::to_string(n));
  if (s.size() != n) return IdError("contains a character that is not a digit or X");
  for (size_t i = 0; i < n; ++i) {
    if (n == 18 && i == 17 && (s[i] == 'X' || s[i] == 'x')) {
      s[i] = 'X';
    } else if (!IsDigit(s[i])) {
      if (s[i] == 'X' || s[i] == 'x')
        return IdError("X may only be the last character of an 18-character number");
      return IdError("character " + std::to_string(i + 1) + " is not a digit");
    }
  }
  const bool legacy = n == 15;
  if (legacy) s = s.substr(0, 6) + "19" + s.substr(6);  // legacy numbers were issued to people born in 19xx

  IdNumber id;
  id.region_code = s.substr(0, 6);
  id.birth_date = {ParseDigits(s.substr(6, 4)), ParseDigits(s.substr(10, 2)), ParseDigits(s.substr(12, 2))};
  JW_RETURN_IF_ERROR(CheckRegionAndBirth(id.region_code, id.birth_date, today));

  const char expected = IdCheckChar(s);
  if (legacy) {
    s += expected;
  } else if (s[17] != expected) {
    return IdError(std::string("check character should be '") + expected + "', not '" + s[17] +
                   "'; a digit may be mistyped");
  }
  id.sex = (s[16] - '0') % 2 == 1 ? 'M' : 'F';
  id.number = std::move(s);
  return id;
}

Result<std::string> MakeIdNumber(std::string_view region_code, int year, int month, int day, int sequence) {
  if (region_code.size() != 6 || !AllDigits(region_code)) return IdError("region code must be six digits");
  if (sequence < 0 || sequence > 999) return IdError("sequence must be 0-999");
  JW_RETURN_IF_ERROR(CheckRegionAndBirth(region_code, Date{year, month, day}, std::nullopt));
  char body[18];
  std::snprintf(body, sizeof body, "%04d%02d%02d%03d", year, month, day, sequence);
  std::string s = std::string(region_code) + body;
  s += IdCheckChar(s);
  return s;
}

std::string_view RegionName(std::string_view code) {
  for (const Region& r : kRegions)
    if (r.code == code) return r.name;
  return {};
}

// ---- Passports ----

bool IsCountryCode(std::string_view alpha3) {
  return std::binary_search(kCountryCodes.begin(), kCountryCodes.end(), alpha3);
}

Result<Passport> ParsePassport(std::string_view text) {
  const std::string s = UpperAscii(RemoveSeparators(NormalizeWidth(text)));
  const size_t slash = s.find('/');
  if (slash == std::string::npos) return PassportError("expected NATIONALITY/NUMBER, e.g. RUS/751234567");
  Passport p{s.substr(0, slash), s.substr(slash + 1)};
  if (p.nationality.size() != 3 || !std::all_of(p.nationality.begin(), p.nationality.end(), IsUpper))
    return PassportError("nationality must be a three-letter ISO 3166-1 code");
  if (!IsCountryCode(p.nationality))
    return PassportError("'" + p.nationality + "' is not an ISO 3166-1 alpha-3 country code");
  const bool alnum =
      std::all_of(p.number.begin(), p.number.end(), [](char c) { return IsDigit(c) || IsUpper(c); });
  if (p.number.size() < kPassportMinLen || p.number.size() > kPassportMaxLen || !alnum)
    return PassportError("number must be 5-17 letters and digits");
  return p;
}

// ---- Plates ----

std::string_view PlateKindName(PlateKind kind) {
  switch (kind) {
    case PlateKind::kOrdinary:
      return "ordinary";
    case PlateKind::kNewEnergy:
      return "new_energy";
    case PlateKind::kTrailer:
      return "trailer";
    case PlateKind::kLearner:
      return "learner";
    case PlateKind::kPolice:
      return "police";
  }
  return "ordinary";
}

Result<Plate> ParsePlate(std::string_view text) {
  // U+00B7 is the usual separator (琼A·12345); U+30FB is what some input methods produce instead.
  const std::string s = UpperAscii(RemoveSeparators(NormalizeWidth(text), {"\u00B7", "\u30FB"}));
  std::string_view rest = s;
  std::string_view province;
  for (std::string_view p : kPlateProvinces) {
    if (rest.starts_with(p)) {
      province = p;
      rest.remove_prefix(p.size());
      break;
    }
  }
  if (province.empty()) return PlateError("must start with a province abbreviation such as 琼");
  if (rest.empty() || !IsUpper(rest.front())) return PlateError("issuing authority must be a letter A-Z");
  std::string_view serial = rest.substr(1);

  Plate plate{s, PlateKind::kOrdinary};
  for (const PlateSuffix& suffix : kPlateSuffixes) {
    if (serial.ends_with(suffix.text)) {
      serial.remove_suffix(suffix.text.size());
      plate.kind = suffix.kind;
      break;
    }
  }
  if (std::any_of(serial.begin(), serial.end(), [](char c) { return !IsDigit(c) && !IsUpper(c); }))
    return PlateError("serial may contain only letters and digits (and a final 挂, 学 or 警)");
  if (serial.find_first_of("IO") != std::string_view::npos)
    return PlateError("letters I and O are not used in plate serials");

  if (plate.kind != PlateKind::kOrdinary) {
    if (serial.size() != 4) return PlateError("expected 4 letters or digits before 挂, 学 or 警");
    return plate;
  }
  if (serial.size() == 5) return plate;
  if (serial.size() == 6) {
    // GA 36-2018: small vehicles D/F, a letter or digit, 4 digits; large vehicles 5 digits, D/F.
    const bool small =
        IsEnergyMark(serial[0]) && AllSerial(serial.substr(1, 1)) && AllDigits(serial.substr(2));
    const bool large = AllDigits(serial.substr(0, 5)) && IsEnergyMark(serial[5]);
    if (!small && !large)
      return PlateError(
          "new-energy serials are D or F, a letter or digit and 4 digits (琼AD12345), "
          "or 5 digits and D or F (琼A12345D)");
    plate.kind = PlateKind::kNewEnergy;
    return plate;
  }
  return PlateError("expected 5 letters or digits after the authority letter (6 for new-energy), got " +
                    std::to_string(CountCodePoints(serial)));
}

// ---- Phones ----

// ---- Unified social credit codes -------------------------------------------

namespace {
constexpr std::string_view kCreditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";  // 31, no I O Z S V

int CreditValue(char c) {
  size_t i = kCreditAlphabet.find(c);
  return i == std::string_view::npos ? -1 : static_cast<int>(i);
}

// GB 11714 check character of the 8-character organisation code body.
char OrgCodeCheck(std::string_view body8) {
  static constexpr int kW[8] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 8; ++i) {
    char c = body8[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;  // letters count 10..35
    sum += v * kW[i];
  }
  int c9 = 11 - sum % 11;
  return c9 == 10 ? 'X' : c9 == 11 ? '0' : static_cast<char>('0' + c9);
}

// GB 32100 check character of the first 17 characters.
char CreditCheck(std::string_view first17) {
  int sum = 0, w = 1;
  for (int i = 0; i < 17; ++i) {
    sum += CreditValue(first17[i]) * w;
    w = w * 3 % 31;
  }
  int c = 31 - sum % 31;
  return kCreditAlphabet[c == 31 ? 0 : c];
}
}  // namespace

Result<std::string> ParseCreditCode(std::string_view text) {
  std::string s = NormalizeWidth(text);
  size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  auto bad = [](const char* why) { return Validation("invalid_credit_code", why); };
  if (s.size() != 18) return bad("a unified social credit code has 18 characters");
  for (char c : s)
    if (CreditValue(c) < 0) return bad("a unified social credit code uses 0-9 and A-Y without I, O, Z, S and V");
  for (int i = 2; i < 8; ++i)
    if (s[i] < '0' || s[i] > '9') return bad("characters 3-8 are the division code (digits)");
  if (OrgCodeCheck(std::string_view(s).substr(8, 8)) != s[16])
    return bad("the organisation code's check character (17th) is wrong");
  if (CreditCheck(s) != s[17]) return bad("the check character (18th) is wrong");
  return s;
}

std::string MakeCreditCode(std::string_view first16) {
  std::string s(first16.substr(0, 16));
  s += OrgCodeCheck(std::string_view(s).substr(8, 8));
  s += CreditCheck(s);
  return s;
}

Result<std::string> ParsePhone(std::string_view text) {
  std::string s = RemoveSeparators(NormalizeWidth(text), {"-"});
  if (s.starts_with("+")) {
    if (!s.starts_with("+86")) return PhoneError("only mainland numbers (+86) are accepted");
    s.erase(0, 3);
  } else if (s.size() == kPhoneLen + 4 && s.starts_with("0086")) {
    s.erase(0, 4);
  } else if (s.size() == kPhoneLen + 2 && s.starts_with("86")) {
    s.erase(0, 2);
  }
  if (!AllDigits(s)) return PhoneError("contains a character that is not a digit");
  if (s.size() != kPhoneLen) return PhoneError("expected 11 digits, got " + std::to_string(s.size()));
  if (s[0] != '1' || s[1] < '3') return PhoneError("mainland mobile numbers start with 13-19");
  return s;
}

// ---- People known only by name, birth date and phone ----

std::string PersonKey::ToString() const {
  char date[16];
  std::snprintf(date, sizeof date, "%04d%02d%02d", birth_date.year, birth_date.month, birth_date.day);
  return name + "/" + date + "/" + phone;
}

Result<Date> ParseBirthDate(std::string_view text) {
  std::string s(Trim(NormalizeWidth(text)));
  std::string digits;
  for (char c : s) {
    if (IsDigit(c)) digits += c;
    else if (c != '-' && c != '/') return Invalid(kCodeBirth, "invalid birth date", "expected YYYY-MM-DD");
  }
  if (digits.size() != 8 || (s.size() != 8 && s.size() != 10))
    return Invalid(kCodeBirth, "invalid birth date", "expected YYYY-MM-DD");
  Date d{std::stoi(digits.substr(0, 4)), std::stoi(digits.substr(4, 2)), std::stoi(digits.substr(6, 2))};
  if (!IsValidDate(d.year, d.month, d.day) || d.year < 1900)
    return Invalid(kCodeBirth, "invalid birth date", "not a real date after 1900");
  return d;
}

Result<PersonKey> MakePersonKey(std::string_view name, std::string_view birth_date, std::string_view phone) {
  PersonKey k;
  // Width-normalised, inner runs of spaces collapsed to one. The normalised
  // string is named: a view into a temporary would dangle inside the loop.
  const std::string normal = NormalizeWidth(name);
  for (char c : Trim(normal)) {
    if (IsSpace(c)) {
      if (!k.name.empty() && k.name.back() != ' ') k.name += ' ';
      continue;
    }
    k.name += c;
  }
  if (k.name.empty()) return Invalid(kCodePerson, "invalid person", "the name is empty");
  if (k.name.find('/') != std::string::npos) return Invalid(kCodePerson, "invalid person", "a name cannot hold '/'");
  JW_ASSIGN_OR_RETURN(k.birth_date, ParseBirthDate(birth_date));
  JW_ASSIGN_OR_RETURN(k.phone, ParsePhone(phone));
  return k;
}

Result<PersonKey> ParsePersonKey(std::string_view value) {
  size_t b = value.rfind('/');
  size_t a = b == std::string_view::npos || b == 0 ? std::string_view::npos : value.rfind('/', b - 1);
  if (a == std::string_view::npos)
    return Invalid(kCodePerson, "invalid person", "expected NAME/YYYYMMDD/PHONE");
  return MakePersonKey(value.substr(0, a), value.substr(a + 1, b - a - 1), value.substr(b + 1));
}

// ---- Entity references ----

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kId:
      return "ID";
    case Kind::kPassport:
      return "PASSPORT";
    case Kind::kPlate:
      return "PLATE";
    case Kind::kPhone:
      return "PHONE";
    case Kind::kPerson:
      return "PERSON";
    case Kind::kCard:
      return "CARD";
  }
  return "ID";
}

namespace {

constexpr Kind kKinds[] = {Kind::kId, Kind::kPassport, Kind::kPlate, Kind::kPhone};

Result<std::string> ParseValue(Kind kind, std::string_view value, const std::optional<Date>& today) {
  switch (kind) {
    case Kind::kId: {
      JW_ASSIGN_OR_RETURN(IdNumber id, ParseIdNumber(value, today));
      return std::move(id.number);
    }
    case Kind::kPassport: {
      JW_ASSIGN_OR_RETURN(Passport p, ParsePassport(value));
      return p.ToString();
    }
    case Kind::kPlate: {
      JW_ASSIGN_OR_RETURN(Plate p, ParsePlate(value));
      return std::move(p.plate);
    }
    case Kind::kPhone:
      return ParsePhone(value);
    case Kind::kPerson: {
      JW_ASSIGN_OR_RETURN(PersonKey k, ParsePersonKey(value));
      return k.ToString();
    }
    case Kind::kCard:
      return ParseCard(value);
  }
  return Internal("unhandled entity kind");
}

}  // namespace

Result<EntityRef> ParseEntityRef(std::string_view text, std::optional<Date> today) {
  const std::string s = NormalizeWidth(text);  // also turns "：" into ':'
  const size_t colon = s.find(':');
  if (colon == std::string::npos)
    return Invalid(kCodeReference, "invalid entity reference", "expected KIND:VALUE, e.g. PLATE:琼A12345");
  const std::string kind_name = UpperAscii(std::string(Trim(std::string_view(s).substr(0, colon))));
  for (Kind kind : {Kind::kId, Kind::kPassport, Kind::kPlate, Kind::kPhone, Kind::kPerson, Kind::kCard}) {
    if (KindName(kind) != kind_name) continue;
    JW_ASSIGN_OR_RETURN(std::string value, ParseValue(kind, std::string_view(s).substr(colon + 1), today));
    return EntityRef{kind, std::move(value)};
  }
  return Invalid(kCodeReference, "invalid entity reference",
                 "kind must be ID, PASSPORT, PLATE, PHONE, PERSON or CARD");
}

bool DetectKind(std::string_view q, EntityRef* out, std::optional<Date> today) {
  // Formats do not overlap: IDs are 15 or 18 characters (a 15-digit 0086 phone has region 00, which
  // fails the ID check), phones 11 digits after a prefix, plates start with a Chinese character and
  // passports need a '/'.
  for (Kind kind : kKinds) {
    Result<std::string> value = ParseValue(kind, q, today);
    if (!value.ok()) continue;
    if (out != nullptr) *out = EntityRef{kind, std::move(value).value()};
    return true;
  }
  return false;
}

}  // namespace jingwu::identity

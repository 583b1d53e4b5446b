// libFuzzer target: every parser of src/identity/identity.h on the same bytes,
// with the invariants the header promises: a parsed value is normalised (it
// parses again to itself), has the documented shape, and a reference's
// KIND:VALUE form parses back to the same reference.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/time.h"
#include "core/utf8.h"
#include "fuzz_check.h"
#include "identity/identity.h"

namespace jingwu::identity {
namespace {

constexpr Date kToday{2024, 6, 1};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool AllDigits(std::string_view s) {
  for (char c : s)
    if (!IsDigit(c)) return false;
  return true;
}

std::string DateDigits(const Date& d, const char* sep) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%s%02d%s%02d", d.year, sep, d.month, sep, d.day);
  return buf;
}

bool SameId(const IdNumber& a, const IdNumber& b) {
  return a.number == b.number && a.region_code == b.region_code && a.birth_date == b.birth_date && a.sex == b.sex;
}

void CheckNormalizeWidth(std::string_view in) {
  const std::string once = NormalizeWidth(in);
  FUZZ_CHECK(once.size() <= in.size(), in);
  FUZZ_CHECK(NormalizeWidth(once) == once, in);  // idempotent
  if (IsValidUtf8(in)) FUZZ_CHECK(IsValidUtf8(once), in);
}

void CheckId(std::string_view in) {
  Result<IdNumber> r = ParseIdNumber(in);
  Result<IdNumber> with_today = ParseIdNumber(in, kToday);
  if (with_today.ok()) FUZZ_CHECK(r.ok() && SameId(*r, *with_today), in);  // today only narrows
  if (!r.ok()) {
    FUZZ_CHECK(r.status().code() == "invalid_id_number", in);
    return;
  }
  const IdNumber& id = *r;
  FUZZ_CHECK(id.number.size() == 18, in);
  FUZZ_CHECK(AllDigits(std::string_view(id.number).substr(0, 17)), in);
  FUZZ_CHECK(IsDigit(id.number[17]) || id.number[17] == 'X', in);
  FUZZ_CHECK(id.region_code == id.number.substr(0, 6), in);
  FUZZ_CHECK(IsValidDate(id.birth_date.year, id.birth_date.month, id.birth_date.day), in);
  FUZZ_CHECK(id.birth_date.year >= 1900, in);
  FUZZ_CHECK(id.number.substr(6, 8) == DateDigits(id.birth_date, ""), in);
  FUZZ_CHECK(id.sex == ((id.number[16] - '0') % 2 == 1 ? 'M' : 'F'), in);
  Result<IdNumber> again = ParseIdNumber(id.number);
  FUZZ_CHECK(again.ok() && SameId(*again, id), in);
}

void CheckMakeId(std::string_view in) {
  // Region, date and sequence taken from the bytes; a built number must parse to the same parts.
  if (in.size() < 11) return;
  const auto u = [&](size_t i) { return static_cast<unsigned char>(in[i]); };
  const std::string_view region = in.substr(0, 6);
  const int year = 1850 + (u(6) | (u(7) << 8)) % 250;
  const int month = u(8) % 14;
  const int day = u(9) % 33;
  const int seq = (u(10) * 7) % 1100;
  Result<std::string> made = MakeIdNumber(region, year, month, day, seq);
  if (!made.ok()) return;
  Result<IdNumber> parsed = ParseIdNumber(*made);
  FUZZ_CHECK(parsed.ok(), in);
  FUZZ_CHECK(parsed->number == *made && parsed->region_code == region, in);
  FUZZ_CHECK((parsed->birth_date == Date{year, month, day}), in);
  FUZZ_CHECK(parsed->sex == (seq % 2 == 1 ? 'M' : 'F'), in);
}

void CheckPassport(std::string_view in) {
  Result<Passport> r = ParsePassport(in);
  if (!r.ok()) {
    FUZZ_CHECK(r.status().code() == "invalid_passport", in);
    return;
  }
  FUZZ_CHECK(IsCountryCode(r->nationality), in);
  FUZZ_CHECK(r->number.size() >= 5 && r->number.size() <= 17, in);
  for (char c : r->number) FUZZ_CHECK(IsDigit(c) || IsUpper(c), in);
  Result<Passport> again = ParsePassport(r->ToString());
  FUZZ_CHECK(again.ok() && again->nationality == r->nationality && again->number == r->number, in);
}

void CheckPlate(std::string_view in) {
  Result<Plate> r = ParsePlate(in);
  if (!r.ok()) {
    FUZZ_CHECK(r.status().code() == "invalid_plate", in);
    return;
  }
  FUZZ_CHECK(IsValidUtf8(r->plate), in);
  Result<Plate> again = ParsePlate(r->plate);
  FUZZ_CHECK(again.ok() && again->plate == r->plate && again->kind == r->kind, in);
  FUZZ_CHECK(!PlateKindName(r->kind).empty(), in);
}

void CheckPhone(std::string_view in) {
  Result<std::string> r = ParsePhone(in);
  if (!r.ok()) {
    FUZZ_CHECK(r.status().code() == "invalid_phone", in);
    return;
  }
  FUZZ_CHECK(r->size() == 11 && AllDigits(*r), in);
  FUZZ_CHECK((*r)[0] == '1' && (*r)[1] >= '3', in);
  Result<std::string> again = ParsePhone(*r);
  FUZZ_CHECK(again.ok() && *again == *r, in);
}

void CheckBirthDate(std::string_view in) {
  Result<Date> r = ParseBirthDate(in);
  if (!r.ok()) {
    FUZZ_CHECK(r.status().code() == "invalid_birth_date", in);
    return;
  }
  FUZZ_CHECK(IsValidDate(r->year, r->month, r->day) && r->year >= 1900, in);
  for (const char* sep : {"", "-", "/"}) {
    Result<Date> again = ParseBirthDate(DateDigits(*r, sep));
    FUZZ_CHECK(again.ok() && *again == *r, in);
  }
}

void CheckPersonKey(std::string_view in) {
  Result<PersonKey> r = ParsePersonKey(in);
  if (!r.ok()) {
    const std::string& code = r.status().code();
    FUZZ_CHECK(code == "invalid_person" || code == "invalid_birth_date" || code == "invalid_phone", in);
    return;
  }
  FUZZ_CHECK(!r->name.empty() && r->name.find('/') == std::string::npos, in);
  FUZZ_CHECK(ParsePhone(r->phone).ok(), in);
  Result<PersonKey> again = ParsePersonKey(r->ToString());
  FUZZ_CHECK(again.ok(), in);
  FUZZ_CHECK(again->name == r->name && again->birth_date == r->birth_date && again->phone == r->phone, in);
}

void CheckEntityRef(std::string_view in) {
  for (const std::optional<Date>& today : {std::optional<Date>{}, std::optional<Date>{kToday}}) {
    Result<EntityRef> r = ParseEntityRef(in, today);
    if (!r.ok()) continue;
    const std::string text = r->ToString();
    FUZZ_CHECK(text.starts_with(std::string(KindName(r->kind)) + ":"), in);
    Result<EntityRef> again = ParseEntityRef(text, today);  // the normalised form parses to itself
    FUZZ_CHECK(again.ok() && *again == *r, in);
  }
}

void CheckDetectKind(std::string_view in) {
  EntityRef ref;
  const bool found = DetectKind(in, &ref);
  FUZZ_CHECK(found == DetectKind(in, nullptr), in);
  if (!found) return;
  FUZZ_CHECK(ref.kind != Kind::kPerson, in);
  // A detected bare value is what the explicit KIND:VALUE reference would give.
  Result<EntityRef> explicit_ref = ParseEntityRef(std::string(KindName(ref.kind)) + ":" + std::string(in));
  FUZZ_CHECK(explicit_ref.ok() && *explicit_ref == ref, in);
  Result<EntityRef> again = ParseEntityRef(ref.ToString());
  FUZZ_CHECK(again.ok() && *again == ref, in);
}

}  // namespace
}  // namespace jingwu::identity

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jingwu::identity;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckNormalizeWidth(in);
  CheckId(in);
  CheckMakeId(in);
  CheckPassport(in);
  CheckPlate(in);
  CheckPhone(in);
  CheckBirthDate(in);
  CheckPersonKey(in);
  CheckEntityRef(in);
  CheckDetectKind(in);
  return 0;
}

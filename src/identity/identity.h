// Identifiers of people and vehicles: parse, validate and normalise.
//
// Covers GB 11643 citizen ID numbers (including 15-digit legacy numbers),
// passports as NATIONALITY/NUMBER (ISO 3166-1 alpha-3), Chinese motor vehicle
// plates (GA 36), mainland mobile numbers, and the entity references
// KIND:VALUE that the rest of jingwu passes around (DESIGN.md "Entity
// references"). Every parser normalises first (full-width to half-width, case,
// spaces, +86), so the value it returns is the one to store and look up.
//
// Input is UTF-8. Failures are Validation statuses with a stable code per
// parser ("invalid_id_number", "invalid_passport", "invalid_plate",
// "invalid_phone", "invalid_reference"); messages say why but never echo the
// number, since they may reach logs.
//
// All functions are pure (no clock, no I/O) and thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"

namespace jingwu::identity {

// A civil date. Used for birth dates and for "today", which callers pass in so
// that tests control it (STYLE.md habit 8).
struct Date {
  int year = 0;
  int month = 0;
  int day = 0;

  auto operator<=>(const Date&) const = default;
};

// The local calendar date of t (Asia/Shanghai unless told otherwise); pass
// LocalDate(clock.Now()) as "today".
Date LocalDate(Timestamp t, int offset_minutes = kShanghaiOffsetMinutes);

// Full-width ASCII (U+FF01–U+FF5E) to half-width and U+3000 ideographic space
// to ' '. Everything else, including invalid UTF-8, passes through unchanged.
std::string NormalizeWidth(std::string_view utf8);

// ---- GB 11643 citizen ID numbers ----------------------------------------

struct IdNumber {
  std::string number;       // 18 characters; a check character X is upper-case
  std::string region_code;  // first six digits (GB/T 2260 division code)
  Date birth_date;
  char sex = 'M';  // 'M' for an odd sequence number, 'F' for even
};

// Parses an 18-character number, or a 15-digit legacy one (upgraded to 18 with
// century 19 and a computed check character). Accepts full-width characters,
// a lower-case x and surrounding spaces. Checks the province-level region
// code, that the birth date exists, is not before 1900 and, when today is
// given, not after today; and the ISO 7064 MOD 11-2 check character.
Result<IdNumber> ParseIdNumber(std::string_view text, std::optional<Date> today = std::nullopt);

// Builds a valid 18-character ID number from a six-digit region code, a birth
// date and a sequence number 0–999 (odd = male). For synthetic data.
Result<std::string> MakeIdNumber(std::string_view region_code, int year, int month, int day, int sequence);

// Name of a GB/T 2260 code: province-level codes (460000 海南省) and Haikou's
// divisions (460100 海口市, 460105 秀英区, 460106 龙华区, 460107 琼山区,
// 460108 美兰区). Empty for any other code; this is not the full table.
std::string_view RegionName(std::string_view code);

// ---- Passports ----------------------------------------------------------

struct Passport {
  std::string nationality;  // ISO 3166-1 alpha-3, upper-case
  std::string number;       // 5–17 letters and digits, upper-case

  std::string ToString() const { return nationality + "/" + number; }  // RUS/751234567
};

// Parses NATIONALITY/NUMBER, e.g. "rus / 751234567" -> RUS/751234567.
Result<Passport> ParsePassport(std::string_view text);

// True for an officially assigned ISO 3166-1 alpha-3 code (upper-case).
bool IsCountryCode(std::string_view alpha3);

// ---- Vehicle plates -----------------------------------------------------

enum class PlateKind { kOrdinary, kNewEnergy, kTrailer, kLearner, kPolice };

// "ordinary", "new_energy", "trailer", "learner", "police".
std::string_view PlateKindName(PlateKind kind);

struct Plate {
  std::string plate;  // normalised, e.g. 琼A12345
  PlateKind kind = PlateKind::kOrdinary;
};

// Parses a plate: province character, issuing-authority letter, then
//   ordinary    5 letters/digits                      琼A12345
//   new-energy  D or F, a letter/digit, 4 digits      琼AD12345 (small)
//               5 digits, D or F                      琼A12345D (large)
//   trailer, learner, police: 4 letters/digits and 挂, 学 or 警   琼A1234学
// Serial letters never include I or O. Normalises width, case, spaces and a
// middle dot (琼A·12345).
Result<Plate> ParsePlate(std::string_view text);

// ---- Mobile phones ------------------------------------------------------

// ---- GB 32100 unified social credit codes (统一社会信用代码) --------------

// Parses an 18-character code: registration authority and type, a 6-digit
// division code, the 9-character GB 11714 organisation code (8 + its MOD 11
// check character) and the final check character (weights 3^i mod 31 over
// the alphabet 0-9A-HJ-NPQRTUWXY). Accepts full-width characters, lower case
// and surrounding spaces; returns the 18 upper-case characters. Fails with
// invalid_credit_code.
Result<std::string> ParseCreditCode(std::string_view text);

// Completes a code from its first 16 characters (authority, type, division
// code, the organisation code's 8 body characters): appends both check
// characters. For the generator and tests; the body must use the alphabet.
std::string MakeCreditCode(std::string_view first16);

// Parses a mainland mobile number (11 digits, 1[3-9]...), dropping spaces,
// dashes and a +86 / 0086 / 86 prefix. Returns the 11 digits.
Result<std::string> ParsePhone(std::string_view text);

// ---- People known only by name, birth date and phone -------------------

// A record without a valid ID number but with a name, a birth date and a
// phone is kept under a PERSON reference whose value is NAME/YYYYMMDD/PHONE
// (PERSON:张伟/19850312/13800138000) until it is merged into a person.
struct PersonKey {
  std::string name;   // width-normalised, spaces collapsed, no '/'
  Date birth_date;
  std::string phone;  // 11 digits
  std::string ToString() const;  // NAME/YYYYMMDD/PHONE
};
// Parses a birth date given as YYYY-MM-DD, YYYYMMDD or YYYY/MM/DD (code "invalid_birth_date").
Result<Date> ParseBirthDate(std::string_view text);
// Builds the key from its three parts; "invalid_person" when the name is empty
// or holds '/', the date's and phone's own codes otherwise.
Result<PersonKey> MakePersonKey(std::string_view name, std::string_view birth_date, std::string_view phone);
// Parses NAME/YYYYMMDD/PHONE.
Result<PersonKey> ParsePersonKey(std::string_view value);

// ---- Entity references --------------------------------------------------

// ---- Access cards and passes -------------------------------------------

// An access card or QR pass of a smart community or a facility (CARD:SQ00001-A3F9).
// 4-40 upper-case letters, digits and '-' (full width and lower case
// accepted); fails with invalid_card. Cards are identifiers like phones: a
// source links a card to its registered holder.
Result<std::string> ParseCard(std::string_view text);

enum class Kind { kId, kPassport, kPlate, kPhone, kPerson, kCard };

// "ID", "PASSPORT", "PLATE", "PHONE", "PERSON", "CARD".
std::string_view KindName(Kind kind);

struct EntityRef {
  Kind kind = Kind::kId;
  std::string value;  // normalised by the kind's parser

  std::string ToString() const { return std::string(KindName(kind)) + ":" + value; }
  bool operator==(const EntityRef&) const = default;
};

// Parses KIND:VALUE (kind case-insensitive; a full-width colon is accepted).
// A missing colon or unknown kind is "invalid_reference"; a bad value fails
// with the code of the kind's parser.
Result<EntityRef> ParseEntityRef(std::string_view text, std::optional<Date> today = std::nullopt);

// Recognises a bare query (no KIND: prefix) as an ID number, phone, plate or
// passport (NAT/NUMBER), for one-box search (never as PERSON). Sets *out (if non-null) on success.
bool DetectKind(std::string_view q, EntityRef* out, std::optional<Date> today = std::nullopt);

}  // namespace jingwu::identity

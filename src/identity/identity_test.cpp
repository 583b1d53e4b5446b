#include "identity/identity.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace jingwu::identity {
namespace {

// Check characters in these tables were computed independently (Python, ISO 7064 MOD 11-2).
constexpr Date kToday{2024, 6, 1};

// ---- NormalizeWidth ----

struct WidthCase {
  std::string in;
  std::string want;
};
void PrintTo(const WidthCase& c, std::ostream* os) { *os << '"' << c.in << '"'; }

class NormalizeWidthTest : public testing::TestWithParam<WidthCase> {};

TEST_P(NormalizeWidthTest, Converts) { EXPECT_EQ(NormalizeWidth(GetParam().in), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(
    Table, NormalizeWidthTest,
    testing::Values(WidthCase{"", ""}, WidthCase{"abc 123", "abc 123"},
                    WidthCase{"０１２３４５６７８９", "0123456789"},
                    WidthCase{"！～", "!~"},  // U+FF01 and U+FF5E, the range ends
                    WidthCase{"ＡＺａｚＸｘ", "AZazXx"},
                    WidthCase{"\u3000琼Ａ１２３４５\u3000", " 琼A12345 "},  // ideographic space
                    WidthCase{"ＰＨＯＮＥ：１３８", "PHONE:138"},
                    WidthCase{"\uFF5F\uFF00", "\uFF5F\uFF00"},  // just outside the range
                    WidthCase{"海口·美兰", "海口·美兰"},
                    WidthCase{"\xEF\xBC", "\xEF\xBC"},  // truncated sequence passes through
                    WidthCase{"a\xFF"
                              "b",
                              "a\xFF"
                              "b"}));  // invalid byte passes through

// ---- LocalDate ----

TEST(LocalDateTest, UsesShanghaiOffset) {
  // 2024-05-31T16:00:00Z is midnight 2024-06-01 in Shanghai.
  const Timestamp t = Timestamp::FromSeconds(DaysFromCivil(2024, 5, 31) * 86400 + 16 * 3600);
  EXPECT_EQ(LocalDate(t), (Date{2024, 6, 1}));
  EXPECT_EQ(LocalDate(t, 0), (Date{2024, 5, 31}));
  EXPECT_EQ(LocalDate(t + (-1), 8 * 60), (Date{2024, 5, 31}));
}

TEST(LocalDateTest, BeforeEpochAndLeapDay) {
  EXPECT_EQ(LocalDate(Timestamp{-1}, 0), (Date{1969, 12, 31}));
  EXPECT_EQ(LocalDate(Timestamp::FromSeconds(DaysFromCivil(2000, 2, 29) * 86400), 0), (Date{2000, 2, 29}));
  EXPECT_EQ(LocalDate(Timestamp::FromSeconds(DaysFromCivil(1900, 1, 1) * 86400), 0), (Date{1900, 1, 1}));
}

// ---- ParseIdNumber ----

struct IdCase {
  std::string in;
  std::string number;
  std::string region;
  Date birth;
  char sex;
};
void PrintTo(const IdCase& c, std::ostream* os) { *os << '"' << c.in << '"'; }

class ParseIdValidTest : public testing::TestWithParam<IdCase> {};

TEST_P(ParseIdValidTest, Parses) {
  const IdCase& c = GetParam();
  Result<IdNumber> id = ParseIdNumber(c.in, kToday);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->number, c.number);
  EXPECT_EQ(id->region_code, c.region);
  EXPECT_EQ(id->birth_date, c.birth);
  EXPECT_EQ(id->sex, c.sex);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseIdValidTest,
    testing::Values(
        IdCase{"460100199001011230", "460100199001011230", "460100", {1990, 1, 1}, 'M'},
        IdCase{"11010519491231002X", "11010519491231002X", "110105", {1949, 12, 31}, 'F'},
        IdCase{"11010519491231002x", "11010519491231002X", "110105", {1949, 12, 31}, 'F'},  // lower-case x
        IdCase{"１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", "110105", {1949, 12, 31}, 'F'},
        IdCase{"１１０１０５１９４９１２３１００２ｘ", "11010519491231002X", "110105", {1949, 12, 31}, 'F'},
        IdCase{"  460105198506150022 \t", "460105198506150022", "460105", {1985, 6, 15}, 'F'},
        IdCase{"\u3000460105198506150022\u3000", "460105198506150022", "460105", {1985, 6, 15}, 'F'},
        IdCase{"460108200002290012", "460108200002290012", "460108", {2000, 2, 29}, 'M'},  // leap day
        IdCase{"460106190001010016", "460106190001010016", "460106", {1900, 1, 1}, 'M'},   // earliest
        IdCase{"460107199912319994", "460107199912319994", "460107", {1999, 12, 31}, 'M'},
        IdCase{"460107202406010091", "460107202406010091", "460107", {2024, 6, 1}, 'M'},    // born today
        IdCase{"810000199510100063", "810000199510100063", "810000", {1995, 10, 10}, 'F'},  // Hong Kong
        IdCase{"460100900101123", "460100199001011230", "460100", {1990, 1, 1}, 'M'},       // legacy 15
        IdCase{"110105491231002", "11010519491231002X", "110105", {1949, 12, 31}, 'F'}));

struct ErrorCase {
  std::string in;
  std::string why;  // substring of the message
};
void PrintTo(const ErrorCase& c, std::ostream* os) { *os << '"' << c.in << '"'; }

class ParseIdInvalidTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParseIdInvalidTest, Rejects) {
  Result<IdNumber> id = ParseIdNumber(GetParam().in, kToday);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().kind(), ErrorKind::kValidation);
  EXPECT_EQ(id.status().code(), "invalid_id_number");
  EXPECT_NE(id.status().message().find(GetParam().why), std::string::npos) << id.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseIdInvalidTest,
    testing::Values(ErrorCase{"", "got 0"}, ErrorCase{"46010019900101123", "got 17"},
                    ErrorCase{"4601001990010112300", "got 19"}, ErrorCase{"4601001990010", "got 13"},
                    ErrorCase{"460100 199001011230", "got 19"},  // inner space
                    ErrorCase{"46010019900101123A", "character 18 is not a digit"},
                    ErrorCase{"4601001990-1011230", "character 11 is not a digit"},
                    ErrorCase{"46010019900101X230", "X may only be the last"},
                    ErrorCase{"46010090010112X", "X may only be the last"},  // no X in legacy
                    ErrorCase{"46010019900101123号", "not a digit or X"},
                    ErrorCase{"460100199001011234", "should be '0', not '4'"},  // the DESIGN example
                    ErrorCase{"110105194912310021", "should be 'X', not '1'"},
                    ErrorCase{"990100199001011230", "starts with 99"},
                    ErrorCase{"000000199001011230", "starts with 00"},
                    ErrorCase{"160100199001011230", "province-level"},
                    ErrorCase{"460100199002301230", "not a real date"},  // 30 February
                    ErrorCase{"460100190002291230", "not a real date"},  // 1900 not a leap year
                    ErrorCase{"460100199013011230", "not a real date"},
                    ErrorCase{"460100199001001230", "not a real date"},
                    ErrorCase{"440524188001010014", "before 1900"},
                    ErrorCase{"460107202406020097", "in the future"},  // the day after today
                    ErrorCase{"460107202412010098", "in the future"},
                    ErrorCase{"460100900230123", "not a real date"}));  // legacy, bad date

TEST(ParseIdTest, FutureCheckUsesToday) {
  const std::string born_2024_03_01 = "460107202403010096";
  EXPECT_FALSE(ParseIdNumber(born_2024_03_01, Date{2024, 2, 29}).ok());
  EXPECT_TRUE(ParseIdNumber(born_2024_03_01, Date{2024, 3, 1}).ok());  // born today
  EXPECT_TRUE(ParseIdNumber(born_2024_03_01).ok());                    // no today: not checked
}

TEST(ParseIdTest, MessageDoesNotEchoTheNumber) {
  Result<IdNumber> id = ParseIdNumber("460100199001011234");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().message().find("46010019900101"), std::string::npos);
}

// ---- MakeIdNumber ----

struct MakeCase {
  std::string region;
  Date birth;
  int seq;
};
void PrintTo(const MakeCase& c, std::ostream* os) { *os << '"' << c.region << '"'; }

class MakeIdRoundTripTest : public testing::TestWithParam<MakeCase> {};

TEST_P(MakeIdRoundTripTest, ParsesBack) {
  const MakeCase& c = GetParam();
  Result<std::string> made = MakeIdNumber(c.region, c.birth.year, c.birth.month, c.birth.day, c.seq);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  ASSERT_EQ(made->size(), 18u);
  Result<IdNumber> id = ParseIdNumber(*made, kToday);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->number, *made);
  EXPECT_EQ(id->region_code, c.region);
  EXPECT_EQ(id->birth_date, c.birth);
  EXPECT_EQ(id->sex, c.seq % 2 == 1 ? 'M' : 'F');
}

INSTANTIATE_TEST_SUITE_P(
    Table, MakeIdRoundTripTest,
    testing::Values(MakeCase{"460100", {1990, 1, 1}, 123}, MakeCase{"460105", {1985, 6, 15}, 2},
                    MakeCase{"460106", {1900, 1, 1}, 1}, MakeCase{"460107", {2000, 2, 29}, 0},
                    MakeCase{"460108", {2024, 5, 31}, 999}, MakeCase{"830000", {1970, 7, 7}, 55}));

TEST(MakeIdTest, KnownValues) {
  EXPECT_EQ(MakeIdNumber("110105", 1949, 12, 31, 2).value(), "11010519491231002X");
  EXPECT_EQ(MakeIdNumber("460100", 1990, 1, 1, 123).value(), "460100199001011230");
}

TEST(MakeIdTest, EveryCheckCharacterRoundTrips) {
  // Sequences 0-999 for one person cover all 11 check characters, including X.
  std::string seen;
  for (int seq = 0; seq <= 999; ++seq) {
    Result<std::string> made = MakeIdNumber("460108", 1988, 8, 8, seq);
    ASSERT_TRUE(made.ok());
    ASSERT_TRUE(ParseIdNumber(*made).ok()) << *made;
    if (seen.find(made->back()) == std::string::npos) seen += made->back();
  }
  EXPECT_EQ(seen.size(), 11u);
}

TEST(MakeIdTest, RejectsBadInput) {
  EXPECT_EQ(MakeIdNumber("46010", 1990, 1, 1, 1).status().code(), "invalid_id_number");
  EXPECT_FALSE(MakeIdNumber("46010A", 1990, 1, 1, 1).ok());
  EXPECT_FALSE(MakeIdNumber("990100", 1990, 1, 1, 1).ok());
  EXPECT_FALSE(MakeIdNumber("460100", 1990, 2, 30, 1).ok());
  EXPECT_FALSE(MakeIdNumber("460100", 1899, 12, 31, 1).ok());
  EXPECT_FALSE(MakeIdNumber("460100", 1990, 1, 1, -1).ok());
  EXPECT_FALSE(MakeIdNumber("460100", 1990, 1, 1, 1000).ok());
}

// ---- RegionName ----

struct RegionCase {
  std::string code;
  std::string name;
};
void PrintTo(const RegionCase& c, std::ostream* os) { *os << '"' << c.code << '"'; }

class RegionNameTest : public testing::TestWithParam<RegionCase> {};

TEST_P(RegionNameTest, Names) { EXPECT_EQ(RegionName(GetParam().code), GetParam().name); }

INSTANTIATE_TEST_SUITE_P(
    Table, RegionNameTest,
    testing::Values(RegionCase{"460000", "海南省"}, RegionCase{"460100", "海口市"},
                    RegionCase{"460105", "秀英区"}, RegionCase{"460106", "龙华区"},
                    RegionCase{"460107", "琼山区"}, RegionCase{"460108", "美兰区"},
                    RegionCase{"110000", "北京市"}, RegionCase{"820000", "澳门特别行政区"},
                    RegionCase{"460200", ""},  // 三亚市: real, but not in the small table
                    RegionCase{"460109", ""}, RegionCase{"830000", ""}, RegionCase{"", ""},
                    RegionCase{"4601", ""}));

// ---- Passports ----

struct InOutCase {
  std::string in;
  std::string want;
};
void PrintTo(const InOutCase& c, std::ostream* os) { *os << '"' << c.in << '"'; }

class ParsePassportValidTest : public testing::TestWithParam<InOutCase> {};

TEST_P(ParsePassportValidTest, Parses) {
  Result<Passport> p = ParsePassport(GetParam().in);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->ToString(), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(Table, ParsePassportValidTest,
                         testing::Values(InOutCase{"RUS/751234567", "RUS/751234567"},
                                         InOutCase{"rus/751234567", "RUS/751234567"},
                                         InOutCase{" RUS / 75 1234567 ", "RUS/751234567"},
                                         InOutCase{"ＲＵＳ／７５１２３４５６７", "RUS/751234567"},
                                         InOutCase{"CHN/E12345678", "CHN/E12345678"},
                                         InOutCase{"usa/a1234", "USA/A1234"},  // 5: shortest
                                         InOutCase{"DEU/C01X00T478ABCDEF", "DEU/C01X00T478ABCDEF"},  // 17
                                         InOutCase{"ZWE/AB123456", "ZWE/AB123456"},
                                         InOutCase{"ABW/12345", "ABW/12345"}));

class ParsePassportInvalidTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParsePassportInvalidTest, Rejects) {
  Result<Passport> p = ParsePassport(GetParam().in);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), "invalid_passport");
  EXPECT_NE(p.status().message().find(GetParam().why), std::string::npos) << p.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParsePassportInvalidTest,
    testing::Values(ErrorCase{"751234567", "NATIONALITY/NUMBER"}, ErrorCase{"", "NATIONALITY/NUMBER"},
                    ErrorCase{"RU/751234567", "three-letter"}, ErrorCase{"RUSS/751234567", "three-letter"},
                    ErrorCase{"R1S/751234567", "three-letter"}, ErrorCase{"XXX/751234567", "'XXX' is not"},
                    ErrorCase{"SUN/751234567", "'SUN' is not"},  // USSR, withdrawn
                    ErrorCase{"RUS/1234", "5-17"}, ErrorCase{"RUS/123456789012345678", "5-17"},
                    ErrorCase{"RUS/7512-34567", "5-17"}, ErrorCase{"RUS/751234567/1", "5-17"},
                    ErrorCase{"RUS/", "5-17"}));

TEST(CountryCodeTest, Membership) {
  for (const char* code : {"ABW", "CHN", "HKG", "MAC", "TWN", "RUS", "USA", "ZWE", "GBR", "KOR", "PRK"})
    EXPECT_TRUE(IsCountryCode(code)) << code;
  for (const char* code : {"", "AAA", "ZZZ", "UK", "chn", "CHNA", "XKX", "D"})
    EXPECT_FALSE(IsCountryCode(code)) << code;
}

// ---- Plates ----

struct PlateCase {
  std::string in;
  std::string plate;
  PlateKind kind;
};
void PrintTo(const PlateCase& c, std::ostream* os) { *os << '"' << c.in << '"'; }

class ParsePlateValidTest : public testing::TestWithParam<PlateCase> {};

TEST_P(ParsePlateValidTest, Parses) {
  Result<Plate> p = ParsePlate(GetParam().in);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->plate, GetParam().plate);
  EXPECT_EQ(p->kind, GetParam().kind) << PlateKindName(p->kind);
}

INSTANTIATE_TEST_SUITE_P(Table, ParsePlateValidTest,
                         testing::Values(PlateCase{"琼A12345", "琼A12345", PlateKind::kOrdinary},
                                         PlateCase{"琼a12345", "琼A12345", PlateKind::kOrdinary},
                                         PlateCase{"琼A·12345", "琼A12345", PlateKind::kOrdinary},
                                         PlateCase{" 琼 A ·1234 5 ", "琼A12345", PlateKind::kOrdinary},
                                         PlateCase{"琼Ａ１２３４５", "琼A12345", PlateKind::kOrdinary},
                                         PlateCase{"京BZ9X8y", "京BZ9X8Y", PlateKind::kOrdinary},
                                         PlateCase{"粤OABCDE", "粤OABCDE",
                                                   PlateKind::kOrdinary},  // O allowed as the authority
                                         PlateCase{"琼AD12345", "琼AD12345", PlateKind::kNewEnergy},
                                         PlateCase{"琼AF12345", "琼AF12345", PlateKind::kNewEnergy},
                                         PlateCase{"琼ADA1234", "琼ADA1234", PlateKind::kNewEnergy},
                                         PlateCase{"琼A12345D", "琼A12345D", PlateKind::kNewEnergy},
                                         PlateCase{"沪a·12345f", "沪A12345F", PlateKind::kNewEnergy},
                                         PlateCase{"琼A1234挂", "琼A1234挂", PlateKind::kTrailer},
                                         PlateCase{"琼A1234学", "琼A1234学", PlateKind::kLearner},
                                         PlateCase{"琼A·0012警", "琼A0012警", PlateKind::kPolice},
                                         PlateCase{"新A1234学", "新A1234学", PlateKind::kLearner}));

class ParsePlateInvalidTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParsePlateInvalidTest, Rejects) {
  Result<Plate> p = ParsePlate(GetParam().in);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), "invalid_plate");
  EXPECT_NE(p.status().message().find(GetParam().why), std::string::npos) << p.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParsePlateInvalidTest,
    testing::Values(ErrorCase{"", "province"}, ErrorCase{"A12345", "province"},
                    ErrorCase{"港A12345", "province"}, ErrorCase{"琼", "authority"},
                    ErrorCase{"琼112345", "authority"}, ErrorCase{"琼琼12345", "authority"},
                    ErrorCase{"琼A1234", "got 4"}, ErrorCase{"琼A1234567", "got 7"},
                    ErrorCase{"琼A12I45", "I and O"}, ErrorCase{"琼A12O45", "I and O"},
                    ErrorCase{"琼A12-45", "only letters and digits"},
                    ErrorCase{"琼A12345挂", "4 letters or digits before"},
                    ErrorCase{"琼A123学", "4 letters or digits before"},
                    ErrorCase{"琼A12学45", "only letters and digits"}, ErrorCase{"琼A123456", "new-energy"},
                    ErrorCase{"琼AD1234A", "new-energy"}, ErrorCase{"琼A1234DD", "new-energy"},
                    ErrorCase{"琼AX12345", "new-energy"}));

TEST(PlateKindTest, Names) {
  EXPECT_EQ(PlateKindName(PlateKind::kOrdinary), "ordinary");
  EXPECT_EQ(PlateKindName(PlateKind::kNewEnergy), "new_energy");
  EXPECT_EQ(PlateKindName(PlateKind::kTrailer), "trailer");
  EXPECT_EQ(PlateKindName(PlateKind::kLearner), "learner");
  EXPECT_EQ(PlateKindName(PlateKind::kPolice), "police");
}

TEST(PlateTest, EveryProvinceAbbreviation) {
  const std::string provinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
  int count = 0;
  for (size_t i = 0; i < provinces.size(); i += 3, ++count) {
    const std::string plate = provinces.substr(i, 3) + "B12345";
    EXPECT_TRUE(ParsePlate(plate).ok()) << plate;
  }
  EXPECT_EQ(count, 31);
}

// ---- Phones ----

class ParsePhoneValidTest : public testing::TestWithParam<InOutCase> {};

TEST_P(ParsePhoneValidTest, Parses) {
  Result<std::string> p = ParsePhone(GetParam().in);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p, GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(Table, ParsePhoneValidTest,
                         testing::Values(InOutCase{"13800138000", "13800138000"},
                                         InOutCase{"+8613800138000", "13800138000"},
                                         InOutCase{"+86 138-0013-8000", "13800138000"},
                                         InOutCase{"008613800138000", "13800138000"},
                                         InOutCase{"8613800138000", "13800138000"},
                                         InOutCase{"１３８００１３８０００", "13800138000"},
                                         InOutCase{"＋８６　１３８００１３８０００", "13800138000"},
                                         InOutCase{" 199 8888 0000 ", "19988880000"},
                                         InOutCase{"18612345678", "18612345678"},  // 86 not a prefix here
                                         InOutCase{"8618612345678", "18612345678"}));

class ParsePhoneInvalidTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParsePhoneInvalidTest, Rejects) {
  Result<std::string> p = ParsePhone(GetParam().in);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), "invalid_phone");
  EXPECT_NE(p.status().message().find(GetParam().why), std::string::npos) << p.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParsePhoneInvalidTest,
    testing::Values(ErrorCase{"", "got 0"}, ErrorCase{"1380013800", "got 10"},
                    ErrorCase{"138001380001", "got 12"}, ErrorCase{"12800138000", "start with 13-19"},
                    ErrorCase{"23800138000", "start with 13-19"}, ErrorCase{"+1 2025550123", "mainland"},
                    ErrorCase{"+86 1380013800", "got 10"},
                    ErrorCase{"861380013800", "got 12"},  // 86 kept: remainder is 10
                    ErrorCase{"0086138001380", "got 13"}, ErrorCase{"138.0013.8000", "not a digit"},
                    ErrorCase{"(0898)66668888", "not a digit"}));

// ---- Entity references ----

struct RefCase {
  std::string in;
  Kind kind;
  std::string value;
};
void PrintTo(const RefCase& c, std::ostream* os) { *os << '"' << c.in << '"'; }

class ParseEntityRefValidTest : public testing::TestWithParam<RefCase> {};

TEST_P(ParseEntityRefValidTest, Parses) {
  Result<EntityRef> r = ParseEntityRef(GetParam().in, kToday);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, GetParam().kind);
  EXPECT_EQ(r->value, GetParam().value);
  EXPECT_EQ(r->ToString(), std::string(KindName(GetParam().kind)) + ":" + GetParam().value);
  // The canonical form parses to itself.
  Result<EntityRef> again = ParseEntityRef(r->ToString(), kToday);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *r);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseEntityRefValidTest,
    testing::Values(RefCase{"ID:460100199001011230", Kind::kId, "460100199001011230"},
                    RefCase{"id:11010519491231002x", Kind::kId, "11010519491231002X"},
                    RefCase{"Id：110105491231002", Kind::kId,
                            "11010519491231002X"},  // full-width colon, legacy
                    RefCase{" ID : 460100199001011230 ", Kind::kId, "460100199001011230"},
                    RefCase{"PASSPORT:RUS/751234567", Kind::kPassport, "RUS/751234567"},
                    RefCase{"passport:chn/e12345678", Kind::kPassport, "CHN/E12345678"},
                    RefCase{"PLATE:琼A12345", Kind::kPlate, "琼A12345"},
                    RefCase{"plate：琼a·d12345", Kind::kPlate, "琼AD12345"},
                    RefCase{"PHONE:13800138000", Kind::kPhone, "13800138000"},
                    RefCase{"ＰＨＯＮＥ：＋８６１３８００１３８０００", Kind::kPhone, "13800138000"}));

struct RefErrorCase {
  std::string in;
  std::string code;
};
void PrintTo(const RefErrorCase& c, std::ostream* os) { *os << '"' << c.in << '"'; }

class ParseEntityRefInvalidTest : public testing::TestWithParam<RefErrorCase> {};

TEST_P(ParseEntityRefInvalidTest, Rejects) {
  Result<EntityRef> r = ParseEntityRef(GetParam().in, kToday);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kValidation);
  EXPECT_EQ(r.status().code(), GetParam().code) << r.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Table, ParseEntityRefInvalidTest,
                         testing::Values(RefErrorCase{"", "invalid_reference"},
                                         RefErrorCase{"460100199001011230", "invalid_reference"},
                                         RefErrorCase{"EMAIL:a@b.cn", "invalid_reference"},
                                         RefErrorCase{":13800138000", "invalid_reference"},
                                         RefErrorCase{"IDCARD:460100199001011230", "invalid_reference"},
                                         RefErrorCase{"ID:460100199001011234", "invalid_id_number"},
                                         RefErrorCase{"ID:460107202403010096:", "invalid_id_number"},
                                         RefErrorCase{"PASSPORT:751234567", "invalid_passport"},
                                         RefErrorCase{"PLATE:琼A1234", "invalid_plate"},
                                         RefErrorCase{"PHONE:12345", "invalid_phone"},
                                         RefErrorCase{"PHONE:", "invalid_phone"}));

TEST(EntityRefTest, FutureBirthRejectedOnlyWithToday) {
  EXPECT_EQ(ParseEntityRef("ID:460107202403010096", Date{2024, 1, 1}).status().code(), "invalid_id_number");
  EXPECT_TRUE(ParseEntityRef("ID:460107202403010096").ok());
}

TEST(EntityRefTest, KindNames) {
  EXPECT_EQ(KindName(Kind::kId), "ID");
  EXPECT_EQ(KindName(Kind::kPassport), "PASSPORT");
  EXPECT_EQ(KindName(Kind::kPlate), "PLATE");
  EXPECT_EQ(KindName(Kind::kPhone), "PHONE");
  EXPECT_EQ((EntityRef{Kind::kPlate, "琼A12345"}).ToString(), "PLATE:琼A12345");
}

// ---- People known by name, birth date and phone ----

// Found by fuzz/fuzz_identity: the name was read through a view into a
// destroyed temporary (ASan: stack-use-after-scope); these fail under ASan
// without the fix and check the name normalisation itself.
TEST(PersonKeyTest, NameNormalisedFromItsOwnCopy) {
  EXPECT_EQ(ParsePersonKey("1985/03/12").status().code(), "invalid_birth_date");  // the fuzzer's input
  Result<PersonKey> k = MakePersonKey("\u3000 张\t\u3000伟  ", "1985-03-12", "13800138000");
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->name, "张 伟");
  EXPECT_EQ(k->ToString(), "张 伟/19850312/13800138000");
  // Longer than the small-string buffer, so the normalised copy lives on the heap.
  Result<PersonKey> long_name = ParsePersonKey("ＡＢＣＤＥＦＧＨ　 ＩＪＫＬＭＮＯＰＱＲＳＴ/19850312/13800138000");
  ASSERT_TRUE(long_name.ok()) << long_name.status().ToString();
  EXPECT_EQ(long_name->name, "ABCDEFGH IJKLMNOPQRST");
  EXPECT_EQ(ParsePersonKey(long_name->ToString())->name, long_name->name);
}

// ---- DetectKind ----

struct DetectCase {
  std::string in;
  bool found;
  Kind kind;
  std::string value;
};
void PrintTo(const DetectCase& c, std::ostream* os) { *os << '"' << c.in << '"'; }

class DetectKindTest : public testing::TestWithParam<DetectCase> {};

TEST_P(DetectKindTest, Detects) {
  const DetectCase& c = GetParam();
  EntityRef ref;
  ASSERT_EQ(DetectKind(c.in, &ref, kToday), c.found);
  EXPECT_EQ(DetectKind(c.in, nullptr, kToday), c.found);
  if (!c.found) return;
  EXPECT_EQ(ref.kind, c.kind);
  EXPECT_EQ(ref.value, c.value);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DetectKindTest,
    testing::Values(DetectCase{"460100199001011230", true, Kind::kId, "460100199001011230"},
                    DetectCase{" 11010519491231002x ", true, Kind::kId, "11010519491231002X"},
                    DetectCase{"460100900101123", true, Kind::kId, "460100199001011230"},
                    DetectCase{"13800138000", true, Kind::kPhone, "13800138000"},
                    DetectCase{"+86 138 0013 8000", true, Kind::kPhone, "13800138000"},
                    DetectCase{"008613800138000", true, Kind::kPhone, "13800138000"},  // 15 digits, not an ID
                    DetectCase{"琼A·12345", true, Kind::kPlate, "琼A12345"},
                    DetectCase{"琼AD12345", true, Kind::kPlate, "琼AD12345"},
                    DetectCase{"rus/751234567", true, Kind::kPassport, "RUS/751234567"},
                    DetectCase{"460100199001011234", false, Kind::kId, ""},  // bad check character
                    DetectCase{"460107202412010098", false, Kind::kId, ""},  // born after today
                    DetectCase{"751234567", false, Kind::kId, ""},           // passport without nationality
                    DetectCase{"张三", false, Kind::kId, ""}, DetectCase{"", false, Kind::kId, ""},
                    DetectCase{"PLATE:琼A12345", false, Kind::kId, ""}));  // prefixed: use ParseEntityRef

}  // namespace
}  // namespace jingwu::identity

#include "auth/totp.h"

#include <gtest/gtest.h>

namespace jingwu::auth {
namespace {

const std::vector<uint8_t> kRfcKey = [] {
  std::string s = "12345678901234567890";  // RFC 6238 appendix B, SHA-1 seed
  return std::vector<uint8_t>(s.begin(), s.end());
}();

// RFC 6238 appendix B (SHA-1), 8 digits.
TEST(Totp, Rfc6238Vectors) {
  struct V {
    int64_t t;
    const char* code;
  };
  for (V v : {V{59, "94287082"}, V{1111111109, "07081804"}, V{1111111111, "14050471"}, V{1234567890, "89005924"},
              V{2000000000, "69279037"}, V{20000000000, "65353130"}})
    EXPECT_EQ(TotpCode(kRfcKey, v.t / kTotpStepSeconds, 8), v.code) << v.t;
}

TEST(Totp, SixDigitCodesAndWindow) {
  EXPECT_EQ(TotpCode(kRfcKey, 59 / 30), "287082");
  int64_t now = 1111111111;
  std::string code = TotpCode(kRfcKey, now / 30);
  EXPECT_EQ(TotpMatch(kRfcKey, code, now).value(), now / 30);
  // The previous step's code is still accepted (clock drift), two back is not.
  EXPECT_EQ(TotpMatch(kRfcKey, TotpCode(kRfcKey, now / 30 - 1), now).value(), now / 30 - 1);
  EXPECT_FALSE(TotpMatch(kRfcKey, TotpCode(kRfcKey, now / 30 - 2), now).has_value());
  EXPECT_FALSE(TotpMatch(kRfcKey, "12345", now).has_value());
  EXPECT_FALSE(TotpMatch(kRfcKey, "abcdef", now).has_value());
}

TEST(Totp, UriCarriesSecretAndIssuer) {
  EXPECT_EQ(TotpUri("wang.li", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/jingwu:wang.li?secret=JBSWY3DPEHPK3PXP&issuer=jingwu&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace jingwu::auth

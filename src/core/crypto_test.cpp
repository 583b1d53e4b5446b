#include "core/crypto.h"

#include <gtest/gtest.h>

#include <set>

namespace jingwu {
namespace {

TEST(Crypto, Sha256KnownAnswer) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Crypto, TokensAreLongAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = RandomToken(32);
    EXPECT_EQ(t.size(), 43u);  // 256 bits in base64url without padding
    EXPECT_EQ(t.find_first_of("+/="), std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(RandomHex(8).size(), 16u);
}

TEST(Crypto, Base32Rfc4648Vectors) {
  auto enc = [](std::string s) { return Base32Encode(std::vector<uint8_t>(s.begin(), s.end())); };
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("f"), "MY");
  EXPECT_EQ(enc("fo"), "MZXQ");
  EXPECT_EQ(enc("foo"), "MZXW6");
  EXPECT_EQ(enc("foob"), "MZXW6YQ");
  EXPECT_EQ(enc("fooba"), "MZXW6YTB");
  EXPECT_EQ(enc("foobar"), "MZXW6YTBOI");
  std::vector<uint8_t> out;
  ASSERT_TRUE(Base32Decode("mzxw6ytboi======", &out));
  EXPECT_EQ(std::string(out.begin(), out.end()), "foobar");
  EXPECT_FALSE(Base32Decode("MZXW1", &out));  // '1' is not base32
}

TEST(Crypto, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("123456", "123456"));
  EXPECT_FALSE(ConstantTimeEquals("123456", "123457"));
  EXPECT_FALSE(ConstantTimeEquals("12345", "123456"));
}

}  // namespace
}  // namespace jingwu

#include "core/utf8.h"

#include <gtest/gtest.h>

namespace jingwu {
namespace {

TEST(Utf8, Validity) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("案件核查 ok"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x9A\x93"));  // U+1F693 police car
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE6\xA1"));          // cut short
}

TEST(Utf8, SanitizeReplacesOnlyBadBytes) {
  EXPECT_EQ(SanitizeUtf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(SanitizeUtf8("案件"), "案件");
  EXPECT_TRUE(IsValidUtf8(SanitizeUtf8("\xE6\xA1\xFF\xC0")));
}

TEST(Utf8, TruncateKeepsWholeCharacters) {
  EXPECT_EQ(TruncateUtf8("案件核查", 7), "案件");  // 3 bytes each: 6 fit, the 7th would split
  EXPECT_EQ(TruncateUtf8("案件核查", 6), "案件");
  EXPECT_EQ(TruncateUtf8("abc", 10), "abc");
  EXPECT_EQ(TruncateUtf8("案", 2), "");
}

TEST(Utf8, TrimUnicodeRemovesBlanksControlsAndInvisibles) {
  EXPECT_EQ(TrimUnicode("\u3000\u00A0 案件核查\t\u200B\uFEFF"), "案件核查");
  EXPECT_EQ(TrimUnicode("\n\r\u3000"), "");
  EXPECT_EQ(TrimUnicode("a b"), "a b");  // inside stays
  EXPECT_EQ(TrimUnicode(""), "");
}

TEST(Utf8, CheckTextRefusesControlsAndLength) {
  EXPECT_TRUE(CheckText("王五", "name", 10).ok());
  EXPECT_EQ(CheckText(std::string("王\0五", 7), "name", 10).code(), "invalid_text");
  EXPECT_EQ(CheckText("a\nb", "name", 10).code(), "invalid_text");
  EXPECT_TRUE(CheckText("a\nb", "note", 10, true).ok());
  EXPECT_EQ(CheckText("\xFF", "name", 10).code(), "invalid_text");
  EXPECT_EQ(CheckText("案件核查", "name", 3).code(), "text_too_long");  // characters, not bytes
  EXPECT_TRUE(CheckText("案件核", "name", 3).ok());
  EXPECT_EQ(CheckText("a\u0085b", "name", 10).code(), "invalid_text");  // a C1 control
}

}  // namespace
}  // namespace jingwu

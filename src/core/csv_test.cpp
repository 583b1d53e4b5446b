#include "core/csv.h"

#include <gtest/gtest.h>

#include <sstream>

namespace jingwu {
namespace {

TEST(Csv, RoundTripsAwkwardFields) {
  std::vector<std::vector<std::string>> rows = {
      {"a", "b,c", "say \"hi\""}, {"", "多行\n文本", "x"}, {"trailing", "", ""}};
  std::string text;
  for (const auto& r : rows) AppendCsvRow(&text, r);
  std::istringstream in(text);
  CsvReader reader(&in);
  std::vector<std::string> got;
  for (const auto& r : rows) {
    ASSERT_TRUE(reader.Next(&got));
    EXPECT_EQ(got, r);
  }
  EXPECT_FALSE(reader.Next(&got));
  EXPECT_TRUE(reader.error().empty());
}

TEST(Csv, CrLfAndLineNumbers) {
  std::istringstream in("h1,h2\r\n\"a\nb\",c\r\nd,e\r\n");
  CsvReader reader(&in);
  std::vector<std::string> f;
  ASSERT_TRUE(reader.Next(&f));
  EXPECT_EQ(f, (std::vector<std::string>{"h1", "h2"}));
  ASSERT_TRUE(reader.Next(&f));
  EXPECT_EQ(f[0], "a\nb");
  EXPECT_EQ(f[1], "c");
  ASSERT_TRUE(reader.Next(&f));
  EXPECT_EQ(reader.line(), 4);
  EXPECT_EQ(f, (std::vector<std::string>{"d", "e"}));
}

TEST(Csv, UnterminatedQuoteIsAnError) {
  std::istringstream in("a,\"open\n");
  CsvReader reader(&in);
  std::vector<std::string> f;
  EXPECT_FALSE(reader.Next(&f));
  EXPECT_EQ(reader.error(), "unterminated quote");
}

}  // namespace
TEST(Csv, ExportRowsCannotRunFormulas) {
  std::string out;
  AppendCsvExportRow(&out, {"=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "-12.5", "+86", "王五", ""});
  EXPECT_EQ(out, "'=cmd|' /C calc'!A0,'+1+1,'-2+3,'@SUM(A1),'\tx,-12.5,+86,王五,\n");
}

TEST(Csv, SplitterRecoversFromAnUnterminatedQuoteAtTheNextLine) {
  std::string buf = "a,b\n\"c,d\ne,f\ng,h\n";
  CsvSplitter split;
  std::vector<std::string_view> f;
  size_t pos = 0;
  ASSERT_EQ(split.Next(buf, &pos, true, &f), CsvSplitter::Result::kRecord);
  EXPECT_EQ(split.Next(buf, &pos, true, &f), CsvSplitter::Result::kError);
  EXPECT_STREQ(split.error(), "unterminated quote");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], "\"c,d");  // the bad line as it was
  ASSERT_EQ(split.Next(buf, &pos, true, &f), CsvSplitter::Result::kRecord);
  EXPECT_EQ(f[0], "e");
  ASSERT_EQ(split.Next(buf, &pos, true, &f), CsvSplitter::Result::kRecord);
  EXPECT_EQ(f[1], "h");
  EXPECT_EQ(split.Next(buf, &pos, true, &f), CsvSplitter::Result::kEnd);
}

}  // namespace jingwu

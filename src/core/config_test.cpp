#include "core/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/crypto.h"

namespace jingwu {
namespace {

std::string WriteTemp(const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / ("jw_cfg_" + RandomHex(6) + ".json");
  std::ofstream(p) << text;
  return p.string();
}

TEST(Config, MissingFileKeepsDefaults) {
  Config c;
  ASSERT_TRUE(LoadConfigFile("/nonexistent/config.json", &c).ok());
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.session_idle_seconds, 30 * 60);
  EXPECT_EQ(c.session_absolute_seconds, 12 * 3600);
  EXPECT_EQ(c.lockout_failures, 5);
  EXPECT_EQ(c.min_password_length, 12u);
}

TEST(Config, FileOverridesDefaults) {
  auto path = WriteTemp(R"({"listen": "0.0.0.0:9000", "totp_required_roles": ["admin", "inspector"],
                            "session_idle_seconds": 600})");
  Config c;
  ASSERT_TRUE(LoadConfigFile(path, &c).ok());
  EXPECT_EQ(c.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.session_idle_seconds, 600);
  EXPECT_EQ(c.totp_required_roles, (std::set<std::string>{"admin", "inspector"}));
  std::filesystem::remove(path);
}

TEST(Config, UnknownKeyAndWrongTypeAreErrors) {
  auto typo = WriteTemp(R"({"lisen": "x"})");
  Config c;
  Status s = LoadConfigFile(typo, &c);
  EXPECT_EQ(s.code(), "bad_config");
  EXPECT_NE(s.message().find("lisen"), std::string::npos);
  auto wrong = WriteTemp(R"({"http_threads": "many"})");
  EXPECT_EQ(LoadConfigFile(wrong, &c).code(), "bad_config");
  auto junk = WriteTemp("{not json");
  EXPECT_EQ(LoadConfigFile(junk, &c).code(), "bad_config");
  EXPECT_EQ(c.http_threads, 8);  // untouched by the failed loads
  for (auto& p : {typo, wrong, junk}) std::filesystem::remove(p);
}

TEST(Config, SplitHostPort) {
  std::string host;
  int port = -1;
  ASSERT_TRUE(SplitHostPort("127.0.0.1:8080", &host, &port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
  EXPECT_FALSE(SplitHostPort("8080", &host, &port));
  EXPECT_FALSE(SplitHostPort("host:http", &host, &port));
  EXPECT_FALSE(SplitHostPort("host:70000", &host, &port));
  EXPECT_FALSE(SplitHostPort(":80", &host, &port));
}

}  // namespace
}  // namespace jingwu

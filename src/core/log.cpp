#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

namespace jingwu::log {
namespace {

spdlog::level::level_enum ToSpd(Level l) {
  switch (l) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("jingwu");
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
    // JINGWU_LOG_LEVEL quiets tests and tools without a flag.
    Level level;
    const char* env = std::getenv("JINGWU_LOG_LEVEL");
    if (env && ParseLevel(env, &level)) l->set_level(ToSpd(level));
    return l;
  }();
  return *logger;
}

}  // namespace

void SetLevel(Level level) { Logger().set_level(ToSpd(level)); }

bool ParseLevel(std::string_view name, Level* out) {
  if (name == "debug") *out = Level::kDebug;
  else if (name == "info") *out = Level::kInfo;
  else if (name == "warn") *out = Level::kWarn;
  else if (name == "error") *out = Level::kError;
  else return false;
  return true;
}

void Write(Level level, std::string_view event, const nlohmann::json& fields) {
  auto& l = Logger();
  if (!l.should_log(ToSpd(level))) return;
  l.log(ToSpd(level), "{} {}", event, fields.is_null() ? std::string("{}") : fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Debug(std::string_view e, const nlohmann::json& f) { Write(Level::kDebug, e, f); }
void Info(std::string_view e, const nlohmann::json& f) { Write(Level::kInfo, e, f); }
void Warn(std::string_view e, const nlohmann::json& f) { Write(Level::kWarn, e, f); }
void Error(std::string_view e, const nlohmann::json& f) { Write(Level::kError, e, f); }

}  // namespace jingwu::log

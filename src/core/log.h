// Structured logging: one line per event, an event name and JSON fields.
//   log::Info("http.request", {{"id", rid}, {"status", 200}});
// Lines go to stderr through spdlog. Thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace jingwu::log {

enum class Level { kDebug, kInfo, kWarn, kError };

void SetLevel(Level level);
// Parses "debug", "info", "warn", "error"; false for anything else.
bool ParseLevel(std::string_view name, Level* out);

void Write(Level level, std::string_view event, const nlohmann::json& fields);
void Debug(std::string_view event, const nlohmann::json& fields);
void Info(std::string_view event, const nlohmann::json& fields);
void Warn(std::string_view event, const nlohmann::json& fields);
void Error(std::string_view event, const nlohmann::json& fields);

}  // namespace jingwu::log

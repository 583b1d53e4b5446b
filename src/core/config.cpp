#include "core/config.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace jingwu {

Status LoadConfigFile(const std::string& path, Config* c) {
  if (!std::filesystem::exists(path)) return Status::Ok();
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return InvalidArgument("bad_config", path + ": not a JSON object");
  try {
    for (auto& [k, v] : j.items()) {
      if (k == "listen") c->listen = v.get<std::string>();
      else if (k == "db") c->db_url = v.get<std::string>();
      else if (k == "web_root") c->web_root = v.get<std::string>();
      else if (k == "log_level") c->log_level = v.get<std::string>();
      else if (k == "http_threads") c->http_threads = v.get<int>();
      else if (k == "max_body_bytes") c->max_body_bytes = v.get<size_t>();
      else if (k == "session_idle_seconds") c->session_idle_seconds = v.get<int64_t>();
      else if (k == "session_absolute_seconds") c->session_absolute_seconds = v.get<int64_t>();
      else if (k == "mobile_session_idle_seconds") c->mobile_session_idle_seconds = v.get<int64_t>();
      else if (k == "mobile_session_absolute_seconds") c->mobile_session_absolute_seconds = v.get<int64_t>();
      else if (k == "lockout_failures") c->lockout_failures = v.get<int>();
      else if (k == "lockout_window_seconds") c->lockout_window_seconds = v.get<int64_t>();
      else if (k == "login_rate_per_minute") c->login_rate_per_minute = v.get<int>();
      else if (k == "dispatch") c->dispatch = v.dump();
      else if (k == "services") c->services = v.dump();
      else if (k == "stays") c->stays = v.dump();
      else if (k == "force") c->force = v.dump();
      else if (k == "health") c->health = v.dump();
      else if (k == "audit_checkpoint_interval_s") c->audit_checkpoint_interval_s = v.get<int64_t>();
      else if (k == "map_tile_url") c->map_tile_url = v.get<std::string>();
      else if (k == "tls_cert") c->tls_cert = v.get<std::string>();
      else if (k == "tls_key") c->tls_key = v.get<std::string>();
      else if (k == "totp_required_roles") c->totp_required_roles = v.get<std::set<std::string>>();
      else return InvalidArgument("bad_config", path + ": unknown key '" + k + "'");
    }
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument("bad_config", path + ": " + e.what());
  }
  return Status::Ok();
}

Status SetConfigKeys(const std::string& path, const std::vector<std::pair<std::string, std::string>>& keys) {
  nlohmann::json j = nlohmann::json::object();
  if (std::filesystem::exists(path)) {
    std::ifstream in(path);
    j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return InvalidArgument("bad_config", path + ": not a JSON object");
  }
  for (const auto& [k, v] : keys) j[k] = v;
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out) return Internal("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Internal("cannot replace " + path + ": " + ec.message());
  return Status::Ok();
}

bool SplitHostPort(const std::string& listen, std::string* host, int* port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  try {
    size_t used = 0;
    int p = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || p < 0 || p > 65535) return false;
    *host = listen.substr(0, colon);
    *port = p;
  } catch (...) {
    return false;
  }
  return true;
}

}  // namespace jingwu

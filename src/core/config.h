// Server configuration: defaults, overridden by DATA/config.json, overridden
// by command-line flags (the app applies flags last). Plain value; copy freely.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace jingwu {

struct Config {
  std::string data_dir;                  // the one folder with all state
  std::string listen = "127.0.0.1:8080";
  std::string db_url;                    // empty: SQLite in data_dir; or postgresql://...
  std::string web_root;                  // built web app (web/dist); empty: API only
  std::string log_level = "info";
  int http_threads = 8;
  size_t max_body_bytes = 8u << 20;      // 413 above this

  // auth
  int64_t session_idle_seconds = 30 * 60;
  int64_t session_absolute_seconds = 12 * 3600;
  // Sessions signed in from the officers' phone app (device "mobile") are shorter.
  int64_t mobile_session_idle_seconds = 10 * 60;
  int64_t mobile_session_absolute_seconds = 8 * 3600;
  int lockout_failures = 5;              // failed logins ...
  int64_t lockout_window_seconds = 15 * 60;  // ... within this window lock the account
  int login_rate_per_minute = 30;        // per client address, then 429
  size_t min_password_length = 12;
  std::set<std::string> totp_required_roles;  // roles that must use a second factor

  std::string dispatch = "{}";           // the "dispatch" object of config.json (docs/dispatch.md)
  std::string services = "{}";           // the "services" object of config.json (docs/services.md)
  std::string stays = "{}";              // the "stays" object of config.json (docs/stays.md)
  std::string force = "{}";              // the "force" object of config.json (docs/force.md)
  std::string health = "{}";             // the "health" object of config.json (docs/health.md)
  // Signed checkpoints of the audit head (docs/audit-chain.md); 0: only on demand.
  int64_t audit_checkpoint_interval_s = 3600;
  // Map tiles for the web's maps ({z}/{x}/{y} template, e.g. 天地图 WGS-84);
  // empty: the offline district outline only.
  std::string map_tile_url;

  // HTTPS: PEM certificate (chain) and private key. Both set: the server
  // speaks only TLS on `listen` (plain HTTP is refused) and sends HSTS.
  // `jingwu cert self-signed` makes a pair for a first run.
  std::string tls_cert;
  std::string tls_key;

  bool test_clock = false;               // expose POST /api/v1/_test/clock (tests only)

  // The SQLite file used when db_url is empty.
  std::string SqlitePath() const { return data_dir + "/jingwu.db"; }
};

// Reads DATA/config.json into *config if it exists (unknown keys are an
// error, so a typo is not silently ignored).
Status LoadConfigFile(const std::string& path, Config* config);

// Sets string keys in a config.json (created if missing), keeping the others.
Status SetConfigKeys(const std::string& path, const std::vector<std::pair<std::string, std::string>>& keys);

// Splits "host:port"; false when malformed.
bool SplitHostPort(const std::string& listen, std::string* host, int* port);

}  // namespace jingwu

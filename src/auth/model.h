// Users, sessions and the signed-in principal. Plain values.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "core/time.h"

namespace jingwu::auth {

struct User {
  int64_t id = 0;
  std::string username;
  std::string display_name;
  std::vector<std::string> roles;
  bool disabled = false;
  bool locked = false;
  bool totp_enabled = false;
  std::string created_at;     // ISO 8601
  std::string last_login_at;  // ISO 8601 or empty
};

// Who is acting, for the audit log: a signed-in user or the command line.
using Actor = audit::Actor;

// The user behind a valid session, with what they may do.
struct Principal {
  User user;
  std::set<std::string> permissions;
  std::string token_hash;
  std::string client;
  // The user's role requires a second factor they have not enrolled yet:
  // only the account endpoints are open until they do.
  bool totp_enrollment_required = false;

  bool Can(std::string_view permission) const { return permissions.count(std::string(permission)) > 0; }
  Actor AsActor() const;
};

std::string JoinRoles(const std::vector<std::string>& roles);
std::vector<std::string> SplitRoles(std::string_view text);

}  // namespace jingwu::auth

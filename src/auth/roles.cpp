#include "auth/roles.h"

namespace jingwu::auth {

const std::vector<RoleInfo>& AllRoles() {
  // Keep in step with docs/api.md. The admin runs the system but cannot read
  // the audit log; the inspector reads the log but manages nobody.
  static const std::vector<RoleInfo> kRoles = {
      {"admin", {"users.manage", "stats.read", "force.read", "force.write", "sources.write"}},
      {"commander",
       {"dispatch.read", "dispatch.write", "cases.read", "stats.read", "watchlist.approve", "force.read", "force.write",
        "person.read", "custody.read", "grassroots.read", "grassroots.write"}},
      {"dispatcher", {"dispatch.read", "dispatch.write"}},
      {"investigator",
       {"person.read", "analysis.run", "cases.read", "cases.write", "stats.read", "registry.read", "entity.merge",
        "custody.read", "grassroots.read"}},
      {"analyst", {"person.read", "analysis.run", "cases.read", "stats.read", "entity.merge"}},
      {"service_clerk", {"services.handle", "registry.read", "registry.write"}},
      {"inspector", {"audit.read"}},
      // 监管民警: custody facilities' officers.
      {"custody_officer", {"custody.read", "custody.write", "cases.read"}},
      // 巡逻/社区民警: the officer on the street, on the phone (docs/grassroots.md).
      {"patrol_officer",
       {"mobile.use", "grassroots.read", "grassroots.write", "person.read", "registry.read", "registry.write"}},
  };
  return kRoles;
}

bool IsKnownRole(std::string_view role) {
  for (const auto& r : AllRoles())
    if (r.name == role) return true;
  return false;
}

bool IsSensitiveRole(std::string_view role) {
  for (const auto& r : AllRoles())
    if (r.name == role)
      for (const auto& p : r.permissions)
        // Custody records are personal data as well: granting them needs a second admin too.
        if (p == perm::kUsersManage || p == perm::kAuditRead || p == perm::kPersonRead || p == perm::kCustodyRead)
          return true;
  return false;
}

std::optional<std::pair<std::string, std::string>> IncompatibleRoles(const std::vector<std::string>& roles) {
  std::string manager, auditor;
  for (const auto& r : roles) {
    auto perms = PermissionsOf({r});
    if (perms.count(std::string(perm::kUsersManage))) manager = r;
    if (perms.count(std::string(perm::kAuditRead))) auditor = r;
  }
  if (!manager.empty() && !auditor.empty()) return std::make_pair(manager, auditor);
  return std::nullopt;
}

std::set<std::string> PermissionsOf(const std::vector<std::string>& roles) {
  std::set<std::string> out;
  for (const auto& r : AllRoles())
    for (const auto& want : roles)
      if (r.name == want) out.insert(r.permissions.begin(), r.permissions.end());
  return out;
}

}  // namespace jingwu::auth

// Roles and the permissions they grant. Endpoints check permissions, never
// role names, so that a role can be re-cut without touching the routes.
// The table is static data; thread-safe.
#pragma once

#include <optional>
#include <set>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

namespace jingwu::auth {

// Permission names (one per kind of access; modules add theirs here).
namespace perm {
inline constexpr std::string_view kUsersManage = "users.manage";
inline constexpr std::string_view kAuditRead = "audit.read";
inline constexpr std::string_view kPersonRead = "person.read";
inline constexpr std::string_view kAnalysisRun = "analysis.run";
inline constexpr std::string_view kDispatchRead = "dispatch.read";
inline constexpr std::string_view kDispatchWrite = "dispatch.write";
inline constexpr std::string_view kCasesRead = "cases.read";
inline constexpr std::string_view kCasesWrite = "cases.write";
inline constexpr std::string_view kStatsRead = "stats.read";
inline constexpr std::string_view kServicesHandle = "services.handle";
inline constexpr std::string_view kRegistryRead = "registry.read";
inline constexpr std::string_view kRegistryWrite = "registry.write";
inline constexpr std::string_view kForceRead = "force.read";
inline constexpr std::string_view kForceWrite = "force.write";
inline constexpr std::string_view kWatchlistApprove = "watchlist.approve";
inline constexpr std::string_view kSourcesWrite = "sources.write";
inline constexpr std::string_view kCustodyRead = "custody.read";
inline constexpr std::string_view kCustodyWrite = "custody.write";
// Grassroots policing (docs/grassroots.md) and the officer's phone.
inline constexpr std::string_view kGrassrootsRead = "grassroots.read";
inline constexpr std::string_view kGrassrootsWrite = "grassroots.write";
inline constexpr std::string_view kMobileUse = "mobile.use";
// Merge a record without an ID number into a person, or undo a merge.
inline constexpr std::string_view kEntityMerge = "entity.merge";
}  // namespace perm

struct RoleInfo {
  std::string name;
  std::vector<std::string> permissions;
};

// All roles, in a stable order.
const std::vector<RoleInfo>& AllRoles();
bool IsKnownRole(std::string_view role);
// Roles whose grant needs a second admin: those that manage accounts, read
// the audit log or read personal data.
bool IsSensitiveRole(std::string_view role);
// Roles that may not be held together: account management with audit
// reading (the admin would oversee itself). Returns the pair or empty.
std::optional<std::pair<std::string, std::string>> IncompatibleRoles(const std::vector<std::string>& roles);
// The union of the permissions of the given roles.
std::set<std::string> PermissionsOf(const std::vector<std::string>& roles);

}  // namespace jingwu::auth

// The HTTP face of jingwu: routing with authentication, permissions, stated
// purposes, JSON bodies, audit of personal-data reads and one error shape.
//
// A module registers its routes in its routes.cpp:
//   api.Get("/api/v1/users", {.permission = auth::perm::kUsersManage},
//           [&](Context& c) -> Result<Reply> { ... });
// Handlers return Result<Reply>; a failed Status becomes
// {"error": {"code", "message"}} with the status of its ErrorKind.
//
// Threads: handlers run on the server's pool; Api itself is configured before
// the server starts and read-only afterwards.
#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "auth/service.h"
#include "core/config.h"
#include "core/status.h"

namespace jingwu::http {

using nlohmann::json;

struct Reply {
  int status = 200;
  json body;            // ignored for 204
  std::string content_type = "application/json";
  std::string raw;      // sent instead of body when content_type is not JSON
  bool streaming = false;  // the handler set up a streamed response itself (SSE)

  static Reply Json(json b, int status = 200) { return {status, std::move(b), "application/json", {}}; }
  static Reply NoContent() { return {204, nullptr, "application/json", {}}; }
  static Reply Streaming() { return {200, nullptr, "text/event-stream", {}, true}; }
};

// Per-request state handed to a handler.
class Context {
 public:
  Context(const httplib::Request& req, httplib::Response& res) : req(req), res(res) {}

  const httplib::Request& req;
  httplib::Response& res;
  std::string request_id;
  std::string client;                     // remote address
  std::optional<auth::Principal> principal;  // set on authenticated routes
  std::string purpose;                    // X-Purpose header or "purpose" body field
  std::string case_no;                    // X-Case-No header or "case_no" field/param
  std::string audit_target;               // set by personal-data handlers: whose data
  std::string audit_detail;               // optional: what was done (counts), for audited routes

  // The JSON object body (400 malformed_json otherwise).
  Result<json> Body() const;
  // A path parameter from the route's regex groups (1-based).
  std::string PathArg(size_t i) const { return i < req.matches.size() ? std::string(req.matches[i]) : ""; }
  // A query parameter or "" when absent.
  std::string Param(const std::string& name) const { return req.has_param(name) ? req.get_param_value(name) : ""; }
  // A numeric path parameter as an id; 0 (never a stored id) when it is not a
  // positive integer that fits, so that a lookup answers 404.
  int64_t IdArg(size_t i = 1) const;
  // An integer query parameter within [lo, hi], or def when absent (422 when invalid).
  Result<int64_t> IntParam(const std::string& name, int64_t def, int64_t lo, int64_t hi) const;
  const auth::Principal& user() const { return *principal; }
};

using Handler = std::function<Result<Reply>(Context&)>;

struct RouteOptions {
  // Permission required; empty with auth=true means any signed-in user.
  std::string_view permission;
  bool auth = true;
  // Reads personal data: a stated purpose is required (400 purpose_required)
  // and each call is audited under audit_action with the handler's target.
  bool personal_data = false;
  // An analysis: also requires a case number (400 case_no_required).
  bool analysis = false;
  // Writes personal data (source uploads): every call is audited under
  // audit_action with the handler's target; a stated purpose is recorded when
  // given but not required.
  bool audited_write = false;
  std::string audit_action;
};

// A stated purpose or case number as stored: Unicode whitespace and control
// characters trimmed from both ends. Refused (400 `code`) when it holds NUL or
// another control character, or fewer than `min_chars` characters remain.
Result<std::string> CleanStatement(std::string_view text, const char* code, const char* what, size_t min_chars);

// Serialises JSON for the wire; invalid UTF-8 becomes U+FFFD instead of throwing.
std::string DumpJson(const json& j);

int HttpStatusOf(ErrorKind kind);
json ErrorBody(const Status& s);
// Writes a Status as the JSON error response.
void WriteError(httplib::Response& res, const Status& s);

class Api {
 public:
  Api(httplib::Server* server, auth::Service* auth, audit::Log* audit, const Config* config, const Clock* clock)
      : server_(server), auth_(auth), audit_(audit), config_(config), clock_(clock) {}

  void Get(const std::string& pattern, RouteOptions opt, Handler h,
           std::source_location at = std::source_location::current()) {
    Add("GET", pattern, std::move(opt), std::move(h), at.file_name());
  }
  void Post(const std::string& pattern, RouteOptions opt, Handler h,
           std::source_location at = std::source_location::current()) {
    Add("POST", pattern, std::move(opt), std::move(h), at.file_name());
  }
  void Patch(const std::string& pattern, RouteOptions opt, Handler h,
           std::source_location at = std::source_location::current()) {
    Add("PATCH", pattern, std::move(opt), std::move(h), at.file_name());
  }
  void Put(const std::string& pattern, RouteOptions opt, Handler h,
           std::source_location at = std::source_location::current()) {
    Add("PUT", pattern, std::move(opt), std::move(h), at.file_name());
  }
  void Delete(const std::string& pattern, RouteOptions opt, Handler h,
           std::source_location at = std::source_location::current()) {
    Add("DELETE", pattern, std::move(opt), std::move(h), at.file_name());
  }

  // Methods registered for paths matching `path` (for 405 and Allow).
  std::vector<std::string> MethodsFor(const std::string& path) const;
  // Every route, in registration order (the route fuzz test).
  struct RouteEntry {
    std::string method, pattern, permission, file;  // file: the routes.cpp that registered it
    bool auth = true;
  };
  std::vector<RouteEntry> Routes() const;

  auth::Service& auth() { return *auth_; }
  audit::Log& audit() { return *audit_; }
  const Config& config() const { return *config_; }
  const Clock& clock() const { return *clock_; }

 private:
  void Add(const std::string& method, const std::string& pattern, RouteOptions opt, Handler h, const char* file);
  // Authentication, permission, purpose; fills ctx. Failure is the response.
  Status Admit(Context& ctx, const RouteOptions& opt);
  void AuditDenied(Context& ctx, const Status& s);

  struct RouteInfo {
    RouteEntry entry;
    std::regex re;
  };
  httplib::Server* server_;
  auth::Service* auth_;
  audit::Log* audit_;
  const Config* config_;
  const Clock* clock_;
  std::vector<RouteInfo> routes_;
};

// JSON shapes shared by several modules.
json UserJson(const auth::User& u);
json AuditEntryJson(const audit::Entry& e);

}  // namespace jingwu::http

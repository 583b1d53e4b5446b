#include "http/api.h"

#include "auth/roles.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/utf8.h"

#include <strings.h>

#include <charconv>

namespace jingwu::http {

std::string DumpJson(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

int HttpStatusOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kOk: return 200;
    case ErrorKind::kInvalidArgument: return 400;
    case ErrorKind::kUnauthenticated: return 401;
    case ErrorKind::kPermissionDenied: return 403;
    case ErrorKind::kNotFound: return 404;
    case ErrorKind::kMethodNotAllowed: return 405;
    case ErrorKind::kConflict: return 409;
    case ErrorKind::kTooLarge: return 413;
    case ErrorKind::kValidation: return 422;
    case ErrorKind::kRateLimited: return 429;
    case ErrorKind::kUnavailable: return 503;
    case ErrorKind::kInternal: return 500;
  }
  return 500;
}

json ErrorBody(const Status& s) {
  return {{"error", {{"code", s.code()}, {"message", SanitizeUtf8(s.message())}}}};
}

void WriteError(httplib::Response& res, const Status& s) {
  res.status = HttpStatusOf(s.kind());
  res.set_content(DumpJson(ErrorBody(s)), "application/json");
}

Result<json> Context::Body() const {
  json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("malformed_json", "the request body is not valid JSON");
  if (!j.is_object()) return InvalidArgument("malformed_json", "the request body must be a JSON object");
  return j;
}

int64_t Context::IdArg(size_t i) const {
  std::string v = PathArg(i);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return ec == std::errc() && end == v.data() + v.size() && n > 0 ? n : 0;
}

Result<std::string> CleanStatement(std::string_view text, const char* code, const char* what, size_t min_chars) {
  if (!IsValidUtf8(text)) return InvalidArgument("invalid_encoding", std::string(what) + " must be UTF-8");
  if (text.find('\0') != std::string_view::npos)
    return InvalidArgument(code, std::string(what) + " may not contain NUL characters");
  std::string_view t = TrimUnicode(text);
  if (HasControl(t)) return InvalidArgument(code, std::string(what) + " may not contain control characters or line breaks");
  if (Utf8Chars(t) < min_chars)
    return InvalidArgument(code, std::string(what) + " needs at least " + std::to_string(min_chars) + " characters");
  if (Utf8Chars(t) > kShortText * 2)
    return InvalidArgument(code, std::string(what) + " may have at most " + std::to_string(kShortText * 2) + " characters");
  return std::string(t);
}

Result<int64_t> Context::IntParam(const std::string& name, int64_t def, int64_t lo, int64_t hi) const {
  std::string v = Param(name);
  if (v.empty()) return def;
  try {
    size_t used = 0;
    long long n = std::stoll(v, &used);
    if (used == v.size() && n >= lo && n <= hi) return static_cast<int64_t>(n);
  } catch (...) {
  }
  return Validation("validation_failed",
                    name + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
}

std::vector<std::string> Api::MethodsFor(const std::string& path) const {
  std::vector<std::string> out;
  for (const auto& r : routes_)
    if (std::regex_match(path, r.re) && std::find(out.begin(), out.end(), r.entry.method) == out.end())
      out.push_back(r.entry.method);
  return out;
}

std::vector<Api::RouteEntry> Api::Routes() const {
  std::vector<RouteEntry> out;
  for (const auto& r : routes_) out.push_back(r.entry);
  return out;
}

void Api::AuditDenied(Context& ctx, const Status& s) {
  audit::Actor who = ctx.principal ? ctx.principal->AsActor() : audit::Actor{"-", "", ctx.client};
  audit_->Record(who, "auth.permission_denied", ctx.req.method + " " + ctx.req.path, "denied", s.code());
}

namespace {
// Request text is stored and echoed as JSON: it must be UTF-8.
Status CheckEncoding(const httplib::Request& req) {
  for (const auto& [k, v] : req.params)
    if (!IsValidUtf8(k) || !IsValidUtf8(v))
      return InvalidArgument("invalid_encoding", "query parameter '" + SanitizeUtf8(k) + "' is not valid UTF-8");
  for (const char* h : {"X-Purpose", "X-Case-No"})
    if (auto it = req.headers.find(h); it != req.headers.end() && !IsValidUtf8(it->second))
      return InvalidArgument("invalid_encoding", std::string(h) + " is not valid UTF-8");
  return Status::Ok();
}

// X-Purpose may carry non-ASCII text percent-encoded as an RFC 8187 value
// (UTF-8''%E6%A1%88...), since browsers send header values as Latin-1.
std::string HeaderText(const httplib::Request& req, const char* name) {
  // From the header map: get_header_value() returns a C string, which would
  // silently cut the value at a NUL (cpp-httplib percent-decodes header values).
  auto it = req.headers.find(name);
  std::string v = it == req.headers.end() ? std::string() : it->second;
  static constexpr std::string_view kExt = "UTF-8''";
  if (v.size() >= kExt.size() && strncasecmp(v.c_str(), kExt.data(), kExt.size()) == 0)
    return httplib::detail::decode_url(v.substr(kExt.size()), false);
  return v;
}
}  // namespace

Status Api::Admit(Context& ctx, const RouteOptions& opt) {
  JW_RETURN_IF_ERROR(CheckEncoding(ctx.req));
  if (!opt.auth) return Status::Ok();
  std::string header = ctx.req.get_header_value("Authorization");
  static constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0)
    return Unauthenticated("unauthenticated", "sign in first (Authorization: Bearer <token>)");
  auto p = auth_->Authenticate(std::string_view(header).substr(kBearer.size()), ctx.client);
  if (!p.ok()) return p.status();
  ctx.principal = std::move(p).value();
  if (ctx.principal->totp_enrollment_required && !opt.permission.empty()) {
    Status s = PermissionDenied("totp_enrollment_required",
                                "your role requires a second factor: enrol one under account security first");
    AuditDenied(ctx, s);
    return s;
  }
  if (!opt.permission.empty() && !ctx.principal->Can(opt.permission)) {
    Status s = PermissionDenied("permission_denied",
                                "this needs the permission '" + std::string(opt.permission) + "'");
    AuditDenied(ctx, s);
    return s;
  }
  if (opt.personal_data || opt.analysis) {
    ctx.purpose = HeaderText(ctx.req, "X-Purpose");
    ctx.case_no = HeaderText(ctx.req, "X-Case-No");
    if (!IsValidUtf8(ctx.purpose) || !IsValidUtf8(ctx.case_no))
      return InvalidArgument("invalid_encoding", "X-Purpose and X-Case-No must be UTF-8");
    if (ctx.case_no.empty()) ctx.case_no = ctx.Param("case_no");
    if (ctx.purpose.empty()) ctx.purpose = ctx.Param("purpose");
    if ((ctx.purpose.empty() || ctx.case_no.empty()) && !ctx.req.body.empty()) {
      json j = json::parse(ctx.req.body, nullptr, false);
      if (j.is_object()) {
        if (ctx.purpose.empty() && j.contains("purpose") && j["purpose"].is_string()) ctx.purpose = j["purpose"];
        if (ctx.case_no.empty() && j.contains("case_no") && j["case_no"].is_string()) ctx.case_no = j["case_no"];
      }
    }
    // The minimum is two characters: 核查 is a purpose, a blank or a dot is not.
    auto purpose = CleanStatement(ctx.purpose, "purpose_required", "the stated purpose (X-Purpose)", 2);
    if (!purpose.ok()) {
      if (ctx.purpose.empty())
        return InvalidArgument("purpose_required",
                               "reading personal data needs a stated purpose (X-Purpose header or purpose field)");
      return purpose.status();
    }
    ctx.purpose = *purpose;
    if (opt.analysis || !ctx.case_no.empty()) {
      auto case_no = CleanStatement(ctx.case_no, "case_no_required", "the case number (X-Case-No)", 2);
      if (!case_no.ok()) {
        if (opt.analysis && ctx.case_no.empty())
          return InvalidArgument("case_no_required", "an analysis needs a case number (X-Case-No or case_no)");
        return case_no.status();
      }
      ctx.case_no = *case_no;
    }
  } else if (opt.audited_write) {
    // A purpose is recorded when given; it must still be a real one.
    ctx.purpose = HeaderText(ctx.req, "X-Purpose");
    if (!ctx.purpose.empty()) {
      JW_ASSIGN_OR_RETURN(ctx.purpose, CleanStatement(ctx.purpose, "invalid_purpose", "the stated purpose (X-Purpose)", 2));
    }
  }
  return Status::Ok();
}

void Api::Add(const std::string& method, const std::string& pattern, RouteOptions opt, Handler h, const char* file) {
  std::string where = file;
  if (auto src = where.rfind("/src/"); src != std::string::npos) where = where.substr(src + 5);
  routes_.push_back({{method, pattern, std::string(opt.permission), where, opt.auth}, std::regex(pattern)});
  auto wrapped = [this, opt = std::move(opt), h = std::move(h)](const httplib::Request& req, httplib::Response& res) {
    Context ctx(req, res);
    ctx.request_id = RandomHex(8);
    ctx.client = req.remote_addr;
    res.set_header("X-Request-Id", ctx.request_id);
    res.set_header("Cache-Control", "no-store");
    Status admitted = Admit(ctx, opt);
    auto entry = [&](std::string outcome, std::string detail) {
      audit::Entry e;
      e.actor = ctx.principal->user.username;
      e.role = auth::JoinRoles(ctx.principal->user.roles);
      e.client = ctx.client;
      e.action = opt.audit_action;
      e.target = ctx.audit_target.empty() ? req.path : ctx.audit_target;
      e.purpose = ctx.purpose;
      e.case_no = ctx.case_no;
      e.outcome = std::move(outcome);
      e.detail = std::move(detail);
      return audit_->Append(std::move(e));
    };
    auto unaudited = [](const Status& s, const char* what) -> Status {
      if (s.kind() == ErrorKind::kUnavailable)
        return Status(ErrorKind::kUnavailable, s.code(), "the audit log could not be written (" + s.message() + "); " + what);
      return Internal("the audit log could not be written");
    };
    Result<Reply> reply = Result<Reply>(admitted);
    if (admitted.ok() && opt.audited_write) {
      // A write of personal data is recorded before it is made: if the audit
      // log cannot be written, nothing is.
      auto started = entry("started", "");
      reply = started.ok() ? h(ctx) : Result<Reply>(unaudited(started.status(), "nothing was stored"));
      if (started.ok()) {
        auto done = entry(reply.ok() ? "ok" : "failed", reply.ok() ? ctx.audit_detail : reply.status().code());
        // The write happened and its start is on record; the missing outcome goes to the server log.
        if (!done.ok())
          log::Error("audit.outcome_lost", {{"id", ctx.request_id}, {"action", opt.audit_action}, {"error", done.status().message()}});
      }
    } else if (admitted.ok()) {
      reply = h(ctx);
      if (opt.personal_data) {
        auto logged = entry(reply.ok() ? "ok" : "failed", reply.ok() ? ctx.audit_detail : reply.status().code());
        // No audit, no data: a personal-data read that cannot be recorded is refused.
        if (!logged.ok()) reply = unaudited(logged.status(), "nothing is shown");
      }
    }
    if (!reply.ok()) {
      if (reply.status().kind() == ErrorKind::kInternal) {
        // Details go to the log, not to the client.
        log::Error("http.internal", {{"id", ctx.request_id}, {"path", req.path}, {"error", reply.status().message()}});
        WriteError(res, Internal("internal error; the request id is " + ctx.request_id));
        return;
      }
      WriteError(res, reply.status());
      return;
    }
    res.status = reply->status;
    if (reply->status == 204 || reply->streaming) return;
    if (reply->content_type == "application/json")
      res.set_content(DumpJson(reply->body), "application/json");
    else res.set_content(reply->raw, reply->content_type.c_str());
  };
  if (method == "GET") server_->Get(pattern, wrapped);
  else if (method == "POST") server_->Post(pattern, wrapped);
  else if (method == "PATCH") server_->Patch(pattern, wrapped);
  else if (method == "PUT") server_->Put(pattern, wrapped);
  else if (method == "DELETE") server_->Delete(pattern, wrapped);
}

json UserJson(const auth::User& u) {
  auto perms = auth::PermissionsOf(u.roles);
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name},
          {"roles", u.roles},
          {"permissions", std::vector<std::string>(perms.begin(), perms.end())},
          {"locked", u.locked},
          {"disabled", u.disabled},
          {"totp_enabled", u.totp_enabled},
          {"created_at", u.created_at},
          {"last_login_at", u.last_login_at.empty() ? json(nullptr) : json(u.last_login_at)}};
}

json AuditEntryJson(const audit::Entry& e) {
  return {{"id", e.id},         {"at", FormatTimeUtcMicros(e.at)}, {"actor", e.actor},     {"role", e.role},
          {"client", e.client}, {"action", e.action},              {"target", e.target},   {"purpose", e.purpose},
          {"case_no", e.case_no}, {"outcome", e.outcome},          {"detail", e.detail},   {"hash", e.hash}};
}

}  // namespace jingwu::http

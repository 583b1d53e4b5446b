// HTTP face of auth: sign-in, sessions, own account, user management, roles.
#include "auth/roles.h"
#include "http/api.h"

namespace jingwu::auth {

using http::Context;
using http::json;
using http::Reply;

namespace {

// Reads a required string field (422 when missing or not a string).
Result<std::string> StringField(const json& j, const char* name, bool required = true) {
  if (!j.contains(name) || j[name].is_null()) {
    if (required) return Validation("validation_failed", std::string(name) + " is required");
    return std::string();
  }
  if (!j[name].is_string()) return Validation("validation_failed", std::string(name) + " must be a string");
  return j[name].get<std::string>();
}

Result<std::vector<std::string>> RolesField(const json& j) {
  if (!j.contains("roles") || !j["roles"].is_array())
    return Validation("validation_failed", "roles must be an array of role names");
  std::vector<std::string> roles;
  for (const auto& r : j["roles"]) {
    if (!r.is_string()) return Validation("validation_failed", "roles must be an array of role names");
    roles.push_back(r.get<std::string>());
  }
  return roles;
}

Result<int64_t> IdArg(const Context& c) {
  if (int64_t id = c.IdArg()) return id;
  return NotFound("not_found", "no such user");
}

json GrantJson(const RoleGrant& g) {
  return {{"id", g.id},
          {"user_id", g.user_id},
          {"username", g.username},
          {"roles", g.roles},
          {"requested_by", g.requested_by},
          {"requested_at", g.requested_at},
          {"state", g.state},
          {"decided_by", g.decided_by.empty() ? json(nullptr) : json(g.decided_by)},
          {"decided_at", g.decided_at.empty() ? json(nullptr) : json(g.decided_at)},
          {"note", g.note}};
}

// The user, with the grant that waits for a second admin (202) if any.
Reply ChangeReply(const AdminChange& ch, int created_status) {
  json j = http::UserJson(ch.user);
  j["pending_grant"] = ch.pending ? GrantJson(*ch.pending) : json(nullptr);
  return Reply::Json(j, ch.pending && created_status == 200 ? 202 : created_status);
}

}  // namespace

void RegisterRoutes(http::Api& api) {
  Service& svc = api.auth();

  api.Post("/api/v1/auth/login", {.auth = false}, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    JW_ASSIGN_OR_RETURN(std::string username, StringField(body, "username"));
    JW_ASSIGN_OR_RETURN(std::string password, StringField(body, "password"));
    JW_ASSIGN_OR_RETURN(std::string totp, StringField(body, "totp", false));
    JW_ASSIGN_OR_RETURN(std::string device, StringField(body, "device", false));
    if (!device.empty() && device != "mobile") return Validation("invalid_device", "device is mobile or absent");
    JW_ASSIGN_OR_RETURN(LoginResult r, svc.Login({username, password, totp, c.client, device}));
    json user = http::UserJson(r.user);
    user["totp_enrollment_required"] = r.totp_enrollment_required;
    return Reply::Json({{"token", r.token}, {"expires_at", FormatTime(r.expires_at)}, {"user", user}});
  });

  api.Post("/api/v1/auth/logout", {}, [&svc](Context& c) -> Result<Reply> {
    JW_RETURN_IF_ERROR(svc.Logout(c.user()));
    return Reply::NoContent();
  });

  api.Get("/api/v1/auth/me", {}, [](Context& c) -> Result<Reply> {
    json user = http::UserJson(c.user().user);
    user["totp_enrollment_required"] = c.user().totp_enrollment_required;
    return Reply::Json(user);
  });

  api.Post("/api/v1/auth/password", {}, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    JW_ASSIGN_OR_RETURN(std::string old_pw, StringField(body, "old_password"));
    JW_ASSIGN_OR_RETURN(std::string new_pw, StringField(body, "new_password"));
    JW_RETURN_IF_ERROR(svc.ChangeOwnPassword(c.user(), old_pw, new_pw));
    return Reply::NoContent();
  });

  api.Post("/api/v1/auth/totp/enroll", {}, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(TotpEnrollment e, svc.TotpEnroll(c.user()));
    return Reply::Json({{"secret", e.secret}, {"otpauth_uri", e.otpauth_uri}});
  });

  api.Post("/api/v1/auth/totp/confirm", {}, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    JW_ASSIGN_OR_RETURN(std::string code, StringField(body, "code"));
    JW_RETURN_IF_ERROR(svc.TotpConfirm(c.user(), code));
    return Reply::NoContent();
  });

  api.Get("/api/v1/roles", {}, [](Context&) -> Result<Reply> {
    json items = json::array();
    for (const auto& r : AllRoles()) items.push_back({{"name", r.name}, {"permissions", r.permissions}});
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });

  const http::RouteOptions admin{.permission = perm::kUsersManage};

  api.Get("/api/v1/users", admin, [&svc](Context&) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(std::vector<User> users, svc.ListUsers());
    json items = json::array();
    for (const auto& u : users) items.push_back(http::UserJson(u));
    return Reply::Json({{"items", items}, {"total", users.size()}});
  });

  api.Post("/api/v1/users", admin, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    NewUser nu;
    JW_ASSIGN_OR_RETURN(nu.username, StringField(body, "username"));
    JW_ASSIGN_OR_RETURN(nu.display_name, StringField(body, "display_name", false));
    JW_ASSIGN_OR_RETURN(nu.password, StringField(body, "password"));
    JW_ASSIGN_OR_RETURN(nu.roles, RolesField(body));
    JW_ASSIGN_OR_RETURN(AdminChange ch, svc.CreateUserByAdmin(c.user().AsActor(), nu));
    return ChangeReply(ch, 201);
  });

  api.Patch(R"(/api/v1/users/(\d+))", admin, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t id, IdArg(c));
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    UserPatch patch;
    if (body.contains("display_name")) {
      JW_ASSIGN_OR_RETURN(std::string d, StringField(body, "display_name"));
      patch.display_name = d;
    }
    if (body.contains("roles")) {
      JW_ASSIGN_OR_RETURN(std::vector<std::string> roles, RolesField(body));
      patch.roles = roles;
    }
    if (body.contains("disabled")) {
      if (!body["disabled"].is_boolean()) return Validation("validation_failed", "disabled must be true or false");
      if (body["disabled"].get<bool>() && id == c.user().user.id)
        return Validation("cannot_disable_self", "you cannot disable your own account");
      patch.disabled = body["disabled"].get<bool>();
    }
    JW_ASSIGN_OR_RETURN(AdminChange ch, svc.UpdateUserByAdmin(c.user().AsActor(), id, patch));
    return ChangeReply(ch, 200);
  });

  // Grants of sensitive roles waiting for (or decided by) a second admin.
  api.Get("/api/v1/role-grants", admin, [&svc](Context& c) -> Result<Reply> {
    std::string state = c.Param("state");
    if (!state.empty() && state != "pending" && state != "all")
      return Validation("invalid_value", "state must be pending or all");
    JW_ASSIGN_OR_RETURN(auto list, svc.ListGrants(state != "all"));
    json items = json::array();
    for (const auto& g : list) items.push_back(GrantJson(g));
    return Reply::Json({{"items", items}, {"total", items.size()}});
  });
  for (bool approve : {true, false}) {
    api.Post(std::string(R"(/api/v1/role-grants/(\d+)/)") + (approve ? "approve" : "reject"), admin,
             [&svc, approve](Context& c) -> Result<Reply> {
               json body = json::object();
               if (!c.req.body.empty()) {
                 JW_ASSIGN_OR_RETURN(body, c.Body());
               }
               JW_ASSIGN_OR_RETURN(std::string note, StringField(body, "note", false));
               JW_ASSIGN_OR_RETURN(RoleGrant g, approve ? svc.ApproveGrant(c.user().AsActor(), c.IdArg(), note)
                                                        : svc.RejectGrant(c.user().AsActor(), c.IdArg(), note));
               return Reply::Json(GrantJson(g));
             });
  }

  api.Post(R"(/api/v1/users/(\d+)/unlock)", admin, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t id, IdArg(c));
    JW_ASSIGN_OR_RETURN(User u, svc.Unlock(c.user().AsActor(), id));
    return Reply::Json(http::UserJson(u));
  });

  api.Post(R"(/api/v1/users/(\d+)/password)", admin, [&svc](Context& c) -> Result<Reply> {
    JW_ASSIGN_OR_RETURN(int64_t id, IdArg(c));
    JW_ASSIGN_OR_RETURN(json body, c.Body());
    JW_ASSIGN_OR_RETURN(std::string pw, StringField(body, "password"));
    JW_RETURN_IF_ERROR(svc.SetPassword(c.user().AsActor(), id, pw));
    return Reply::NoContent();
  });
}

}  // namespace jingwu::auth

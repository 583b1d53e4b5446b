#include "services/service.h"

#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include "auth/service.h"
#include "core/crypto.h"
#include "core/files.h"
#include "core/utf8.h"
#include "identity/identity.h"

namespace jingwu::services {

namespace {

std::string CitizenActor(const Citizen& c) { return "citizen:" + std::to_string(c.id); }

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Status CheckField(const Field& f, const json& form) {
  bool present = form.contains(f.name) && !(form[f.name].is_string() && form[f.name].get<std::string>().empty()) &&
                 !form[f.name].is_null();
  if (!present) {
    if (f.required) return Validation("field_required", "the field '" + f.name + "' is required");
    return Status::Ok();
  }
  const json& v = form[f.name];
  auto bad = [&](const std::string& why) { return Validation("invalid_field", "the field '" + f.name + "' " + why); };
  if (f.type == "number") {
    if (!v.is_number()) return bad("must be a number");
    return Status::Ok();
  }
  if (!v.is_string()) return bad("must be text");
  std::string s = v.get<std::string>();
  if (s.size() > 500) return bad("is too long");
  if (f.type == "id_number" && !identity::ParseIdNumber(s).ok()) return bad("is not a valid citizen ID number");
  if (f.type == "phone" && !identity::ParsePhone(s).ok()) return bad("is not a valid phone number");
  if (f.type == "date" && !ParseTime(s).ok()) return bad("is not a date");
  if (f.type == "select" && !Contains(f.options, s)) return bad("must be one of the listed options");
  if (!f.pattern.empty() && !std::regex_search(s, std::regex(f.pattern))) return bad("does not have the right format");
  return Status::Ok();
}

double Quantile(std::vector<int>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // Linear interpolation between closest ranks (the usual definition).
  double pos = q * (static_cast<double>(v.size()) - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

Result<Options> ParseOptions(const std::string& json_text, const std::string& data_dir) {
  Options o;
  if (!data_dir.empty()) o.uploads_dir = data_dir + "/uploads";
  json j = json::parse(json_text.empty() ? "{}" : json_text, nullptr, false);
  if (!j.is_object()) return Validation("invalid_config", "services must be an object");
  if (j.contains("calendar")) {
    JW_ASSIGN_OR_RETURN(o.calendar, BusinessCalendar::FromJson(j["calendar"]));
  }
  if (j.contains("upload_max_bytes")) o.upload_max_bytes = j.value("upload_max_bytes", o.upload_max_bytes);
  if (j.contains("verification_share")) o.verification_share = j.value("verification_share", o.verification_share);
  if (j.contains("follow_up_days")) o.follow_up_days = j.value("follow_up_days", o.follow_up_days);
  if (j.contains("lockout_failures")) o.lockout_failures = j.value("lockout_failures", o.lockout_failures);
  if (j.contains("lockout_seconds")) o.lockout_seconds = j.value("lockout_seconds", o.lockout_seconds);
  if (j.contains("login_rate_per_minute")) o.login_rate_per_minute = j.value("login_rate_per_minute", o.login_rate_per_minute);
  if (j.contains("register_per_hour")) o.register_per_hour = j.value("register_per_hour", o.register_per_hour);
  if (o.verification_share < 0 || o.verification_share > 1)
    return Validation("invalid_config", "verification_share must be between 0 and 1");
  return o;
}

Service::Service(sql::Database* db, audit::Log* audit, const Clock* clock, Options opt)
    : db_(db), audit_(audit), clock_(clock), opt_(std::move(opt)), store_(db) {}

int64_t Service::Today() const { return LocalDay(clock_->Now()); }

// ---- citizens ---------------------------------------------------------------

Result<Citizen> Service::Register(const RegisterInput& in) {
  auto phone = identity::ParsePhone(in.phone);
  if (!phone.ok()) return Validation("invalid_phone", "the phone number is not a valid mainland mobile number");
  auto id = identity::ParseIdNumber(in.id_number, identity::LocalDate(clock_->Now()));
  if (!id.ok()) return Validation("invalid_id_number", "real-name check failed: " + id.status().message());
  if (TrimUnicode(in.name).empty()) return Validation("invalid_name", "the name is required");
  if (Status s = CheckText(in.name, "name", 30); !s.ok()) return Validation("invalid_name", s.message());
  if (Utf8Chars(in.password) < 8) return Validation("weak_password", "the password needs at least 8 characters");
  if (in.password.size() > 1024) return Validation("weak_password", "a password may have at most 1024 bytes");
  JW_RETURN_IF_ERROR(auth::CheckPasswordStrength(in.password, *phone));
  if (Throttled(&register_by_address_, in.client, kMicrosPerHour, opt_.register_per_hour))
    return RateLimited("rate_limited", "too many registrations from this address; try again later");
  NoteAttempt(&register_by_address_, in.client);
  std::lock_guard lock(mu_);
  JW_ASSIGN_OR_RETURN(auto existing, store_.CitizenByPhone(*phone));
  JW_ASSIGN_OR_RETURN(bool taken, store_.IdNumberTaken(id->number));
  // One answer for a taken phone or ID number, so that registration does not
  // tell anyone which people have accounts.
  if (existing || taken)
    return Conflict("registration_refused",
                    "these details cannot be registered; if you already have an account, sign in");
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, in.password.data(), in.password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return Internal("password hashing failed");
  Citizen c{0, *phone, id->number, in.name, hash, clock_->Now()};
  JW_ASSIGN_OR_RETURN(c, store_.InsertCitizen(c));
  audit_->Record({CitizenActor(c), "citizen", ""}, "services.citizen.register", CitizenActor(c), "ok", "");
  return c;
}

bool Service::Throttled(AttemptMap* m, const std::string& key, int64_t window_us, int limit) {
  std::lock_guard lock(attempts_mu_);
  auto& q = (*m)[key];
  int64_t cutoff = clock_->Now().micros - window_us;
  while (!q.empty() && q.front() <= cutoff) q.pop_front();
  if (q.empty()) m->erase(key);
  return static_cast<int>(q.size()) >= limit;
}

void Service::NoteAttempt(AttemptMap* m, const std::string& key) {
  std::lock_guard lock(attempts_mu_);
  (*m)[key].push_back(clock_->Now().micros);
}

Result<std::string> Service::Login(const std::string& phone_text, const std::string& password, const std::string& client) {
  auto phone = identity::ParsePhone(phone_text);
  auto denied = Unauthenticated("invalid_credentials", "wrong phone number or password");
  // A phone with too many failures is locked for the window (known or not, so
  // that the lock says nothing about whether an account exists); an address
  // that fails too often is slowed down.
  std::string key = phone.ok() ? *phone : phone_text;
  if (Throttled(&failures_by_phone_, key, opt_.lockout_seconds * kMicrosPerSecond, opt_.lockout_failures) ||
      Throttled(&failures_by_address_, client, kMicrosPerMinute, opt_.login_rate_per_minute)) {
    audit_->Record({"-", "citizen", client}, "services.citizen.login_failed", phone.ok() ? *phone : "-", "denied",
                   "rate_limited");
    return RateLimited("too_many_attempts", "too many failed sign-ins; wait " +
                                                std::to_string(opt_.lockout_seconds / 60) + " minutes and try again");
  }
  auto fail = [&]() -> Status {
    NoteAttempt(&failures_by_phone_, key);
    NoteAttempt(&failures_by_address_, client);
    audit_->Record({"-", "citizen", client}, "services.citizen.login_failed", phone.ok() ? *phone : "-", "failed",
                   "invalid_credentials");
    return denied;
  };
  if (!phone.ok()) return fail();
  JW_ASSIGN_OR_RETURN(auto c, store_.CitizenByPhone(*phone));
  if (!c) {
    // As long as a real check, so that timing does not tell either.
    static const std::string dummy = [] {
      char h[crypto_pwhash_STRBYTES];
      if (crypto_pwhash_str(h, "dummy", 5, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return std::string();
      return std::string(h);
    }();
    (void)!crypto_pwhash_str_verify(dummy.c_str(), password.data(), password.size());  // for the time it takes
    return fail();
  }
  if (crypto_pwhash_str_verify(c->password_hash.c_str(), password.data(), password.size()) != 0) return fail();
  std::string token = "cz_" + RandomToken();
  JW_RETURN_IF_ERROR(
      store_.InsertSession(Sha256Hex(token), c->id, clock_->Now() + opt_.session_seconds * kMicrosPerSecond));
  return token;
}

Result<Citizen> Service::Authenticate(const std::string& token) {
  auto none = Unauthenticated("unauthenticated", "sign in as a citizen first (Authorization: Bearer <token>)");
  if (token.rfind("cz_", 0) != 0) return none;
  JW_ASSIGN_OR_RETURN(auto id, store_.SessionCitizen(Sha256Hex(token), clock_->Now()));
  if (!id) return none;
  JW_ASSIGN_OR_RETURN(auto c, store_.CitizenById(*id));
  if (!c) return none;
  return *c;
}

// ---- applications -------------------------------------------------------------

Result<Application> Service::Apply(const Citizen& c, const ApplyInput& in) {
  const Item* item = FindItem(in.item_code);
  if (!item) return NotFound("unknown_item", "no service item " + in.item_code);
  if (!Contains(item->channels, in.channel))
    return Validation("channel_not_offered", item->code + " is not offered through " + in.channel);
  if (in.commitment && !item->commitment)
    return Validation("commitment_not_offered", item->code + " is not approved on a written commitment");
  if (!in.form.is_object()) return Validation("invalid_form", "form must be an object");
  for (const auto& f : item->fields) JW_RETURN_IF_ERROR(CheckField(f, in.form));
  Application a;
  a.item_code = item->code;
  a.department = item->department;
  a.channel = in.channel;
  a.citizen_id = c.id;
  a.form = in.form;
  a.commitment = in.commitment;
  a.submitted_at = clock_->Now();
  if (item->approval)
    for (const auto& d : item->approval->departments) a.decisions.push_back({d, "", "", "", std::nullopt});
  a.steps.push_back({a.submitted_at, CitizenActor(c), "submit", a.state, in.commitment ? "commitment" : ""});
  a.version = 1;
  std::lock_guard lock(mu_);
  JW_ASSIGN_OR_RETURN(a.id, store_.Insert(a));
  return a;
}

Result<Application> Service::GetForCitizen(const Citizen& c, int64_t id) {
  auto a = store_.Get(id);
  // Another citizen's application is answered as if it did not exist.
  if (!a.ok() || a->citizen_id != c.id) return NotFound("not_found", "no such application");
  return *a;
}

Result<std::vector<Application>> Service::ListForCitizen(const Citizen& c) { return store_.List(c.id, "", "", 500); }

Result<Application> Service::Change(int64_t id, const std::string& actor, const std::string& action, const Mutator& fn,
                                    const std::string& note) {
  std::lock_guard lock(mu_);
  JW_ASSIGN_OR_RETURN(Application a, store_.Get(id));
  const Item* item = FindItem(a.item_code);
  if (!item) return Internal("application " + std::to_string(id) + " names an unknown item");
  int64_t version = a.version;
  JW_RETURN_IF_ERROR(fn(a, *item));
  a.steps.push_back({clock_->Now(), actor, action, a.state, note});
  a.version = version + 1;
  JW_RETURN_IF_ERROR(store_.Update(a, version));
  return a;
}

namespace {
Status Move(Application& a, std::string_view to) {
  if (!AllowedTransition(a.state, to))
    return Conflict("invalid_transition", "an application cannot go from " + a.state + " to " + std::string(to));
  a.state = std::string(to);
  return Status::Ok();
}
}  // namespace

void Service::Decide(Application& a, std::string_view state, int64_t today) {
  a.state = std::string(state);
  a.decided_at = clock_->Now();
  int64_t from = a.accept_day >= 0 ? a.accept_day : LocalDay(a.submitted_at);
  a.decided_working_days = std::max(0, opt_.calendar.WorkingDaysBetween(from, today) - a.paused_days);
}

int Service::ElapsedWorkingDays(const Application& a, int64_t today) const {
  if (a.accept_day < 0) return 0;
  int paused = a.paused_days;
  if (a.pause_start_day >= 0) paused += opt_.calendar.WorkingDaysBetween(a.pause_start_day, today);
  return std::max(0, opt_.calendar.WorkingDaysBetween(a.accept_day, today) - paused);
}

Result<Application> Service::Upload(const Citizen& c, int64_t id, const UploadInput& in) {
  // Every check comes before the first byte is written: a refusal stores nothing.
  JW_ASSIGN_OR_RETURN(Application current, GetForCitizen(c, id));
  const Item* item = FindItem(current.item_code);
  if (!item || !item->FindMaterial(in.material))
    return Validation("unknown_material", "the item asks for no material '" + in.material + "'");
  if (IsDecided(current.state)) return Conflict("application_closed", "the application is already decided");
  if (in.bytes.empty()) return Validation("upload_empty", "the file is empty");
  if (static_cast<int64_t>(in.bytes.size()) > opt_.upload_max_bytes)
    return Status(ErrorKind::kTooLarge, "upload_too_large",
                  "the file exceeds " + std::to_string(opt_.upload_max_bytes) + " bytes");
  std::string type = in.content_type.substr(0, in.content_type.find(';'));
  if (!opt_.upload_types.count(type))
    return Validation("upload_type_not_allowed", "files of type '" + type + "' are not accepted (PDF, JPEG, PNG)");
  if (!ContentMatches(type, in.bytes))
    return Validation("upload_content_mismatch", "the file's content is not " + type);
  JW_ASSIGN_OR_RETURN(std::string sha, StoreBySha256(opt_.uploads_dir, in.bytes));
  int64_t today = Today();
  return Change(id, CitizenActor(c), "upload", [&](Application& a, const Item&) -> Status {
    if (a.citizen_id != c.id) return NotFound("not_found", "no such application");
    if (IsDecided(a.state)) return Conflict("application_closed", "the application is already decided");
    a.uploads.push_back({in.material, sha, type, in.filename, static_cast<int64_t>(in.bytes.size()), clock_->Now()});
    auto it = std::find(a.owed.begin(), a.owed.end(), in.material);
    if (it != a.owed.end()) {
      a.owed.erase(it);
      if (a.owed.empty() && a.state == kMaterialRequested) {
        a.request_note.clear();
        return Move(a, kReceived);
      }
      if (a.owed.empty() && a.state == kAcceptedPending) {
        // The clock resumes; the paused working days extend both limits.
        a.paused_days += opt_.calendar.WorkingDaysBetween(a.pause_start_day, today);
        a.pause_start_day = -1;
        a.follow_deadline_day = -1;
        a.due_day = opt_.calendar.AddWorkingDays(a.accept_day, item->promised_days + a.paused_days);
        a.statutory_due_day = opt_.calendar.AddWorkingDays(a.accept_day, item->statutory_days + a.paused_days);
        return Move(a, kAccepted);
      }
    }
    return Status::Ok();
  }, in.material);
}

Result<Application> Service::Rate(const Citizen& c, int64_t id, int level, const std::string& comment) {
  if (level < 1 || level > 5) return Validation("invalid_rating", "the rating is 1 (very dissatisfied) to 5 (very satisfied)");
  int64_t today = Today();
  return Change(id, CitizenActor(c), "rate", [&](Application& a, const Item&) -> Status {
    if (a.citizen_id != c.id) return NotFound("not_found", "no such application");
    if (!IsDecided(a.state)) return Conflict("not_decided", "an application is rated once it is decided");
    if (a.rating) return Conflict("already_rated", "the application has been rated");
    Rating r{level, comment, clock_->Now()};
    if (level <= 2) {
      r.follow_up = true;
      r.follow_up_due_day = opt_.calendar.AddWorkingDays(today, opt_.follow_up_days);
    }
    a.rating = r;
    return Status::Ok();
  }, std::to_string(level));
}

// ---- staff ----------------------------------------------------------------------

Result<Application> Service::Accept(const Actor& actor, int64_t id, const std::vector<std::string>& owed,
                                    int follow_days, const std::string& commissioner) {
  int64_t today = Today();
  return Change(id, actor.username, owed.empty() ? "accept" : "accept_pending",
                [&](Application& a, const Item& item) -> Status {
    if (a.state != kReceived)
      return Conflict("invalid_transition", "only a received application can be accepted (it is " + a.state + ")");
    for (const auto& m : owed) {
      const Material* mat = item.FindMaterial(m);
      if (!mat) return Validation("unknown_material", "the item asks for no material '" + m + "'");
      if (a.HasUpload(m)) return Validation("material_present", "'" + m + "' has been uploaded already");
      if (mat->key) return Validation("key_material_cannot_follow", "'" + m + "' is a key material: it cannot follow");
    }
    for (const auto& m : item.materials)
      if (m.required && !a.HasUpload(m.code) && !Contains(owed, m.code))
        return Conflict("materials_missing", "the required material '" + m.code + "' is missing");
    if (!owed.empty() && (follow_days < 1 || follow_days > item.promised_days))
      return Validation("follow_deadline_too_long", "documents may follow within 1 to " +
                                                        std::to_string(item.promised_days) +
                                                        " working days (the promised limit)");
    a.accept_day = today;
    a.accepted_at = clock_->Now();
    a.commissioner = commissioner.empty() ? actor.username : commissioner;
    a.due_day = opt_.calendar.AddWorkingDays(today, item.promised_days);
    a.statutory_due_day = opt_.calendar.AddWorkingDays(today, item.statutory_days);
    if (owed.empty()) return Move(a, kAccepted);
    a.owed = owed;
    a.pause_start_day = today;
    a.follow_deadline_day = opt_.calendar.AddWorkingDays(today, follow_days);
    return Move(a, kAcceptedPending);
  }, owed.empty() ? "" : "to follow by " + DayString(opt_.calendar.AddWorkingDays(today, follow_days)));
}

Result<Application> Service::RequestMaterial(const Actor& actor, int64_t id, const std::vector<std::string>& materials,
                                             const std::string& note) {
  if (materials.empty()) return Validation("materials_required", "name the materials requested");
  return Change(id, actor.username, "request_material", [&](Application& a, const Item& item) -> Status {
    for (const auto& m : materials)
      if (!item.FindMaterial(m)) return Validation("unknown_material", "the item asks for no material '" + m + "'");
    JW_RETURN_IF_ERROR(Move(a, kMaterialRequested));
    a.owed = materials;
    a.request_note = note;
    return Status::Ok();
  }, note);
}

Result<Application> Service::StartReview(const Actor& actor, int64_t id) {
  return Change(id, actor.username, "review", [&](Application& a, const Item&) -> Status { return Move(a, kUnderReview); });
}

Result<Application> Service::Approve(const Actor& actor, int64_t id, const std::string& note) {
  int64_t today = Today();
  return Change(id, actor.username, "approve", [&](Application& a, const Item& item) -> Status {
    if (item.approval)
      return Conflict("department_decisions_required", "this item is decided by the departments' parallel approval");
    if (a.state == kAccepted && !(a.commitment && item.commitment))
      return Conflict("review_required", "start the review first (only commitment cases are approved on acceptance)");
    JW_RETURN_IF_ERROR(Move(a, kApproved));
    Decide(a, kApproved, today);
    return Status::Ok();
  }, note);
}

Result<Application> Service::Reject(const Actor& actor, int64_t id, const std::string& reason) {
  if (TrimUnicode(reason).empty()) return Validation("reason_required", "a rejection states its reason");
  JW_RETURN_IF_ERROR(CheckText(reason, "reason", kLongText, true));
  int64_t today = Today();
  return Change(id, actor.username, "reject", [&](Application& a, const Item&) -> Status {
    JW_RETURN_IF_ERROR(Move(a, kRejected));
    a.reason = reason;
    Decide(a, kRejected, today);
    return Status::Ok();
  }, reason);
}

Result<Application> Service::DepartmentDecision(const Actor& actor, int64_t id, const std::string& department,
                                                const std::string& decision, const std::string& reason) {
  if (decision != "approved" && decision != "rejected")
    return Validation("invalid_decision", "decision is approved or rejected");
  if (decision == "rejected" && reason.empty()) return Validation("reason_required", "a rejection states its reason");
  int64_t today = Today();
  return Change(id, actor.username, "dept_decision", [&](Application& a, const Item& item) -> Status {
    if (!item.approval) return Conflict("no_parallel_approval", "this item is decided by one department");
    if (a.state != kUnderReview) return Conflict("invalid_transition", "departments decide during review");
    DeptDecision* d = nullptr;
    for (auto& x : a.decisions)
      if (x.department == department) d = &x;
    if (!d) return Validation("unknown_department", "'" + department + "' takes no part in this approval");
    if (!d->decision.empty()) return Conflict("already_decided", department + " has decided already");
    d->decision = decision;
    d->by = actor.username;
    d->reason = reason;
    d->at = clock_->Now();
    int yes = 0, no = 0, n = static_cast<int>(a.decisions.size());
    for (const auto& x : a.decisions) yes += x.decision == "approved", no += x.decision == "rejected";
    bool all = item.approval->mode == "all";
    if ((all && yes == n) || (!all && yes >= 1)) {
      Decide(a, kApproved, today);
    } else if ((all && no >= 1) || (!all && no == n)) {
      a.reason = reason.empty() ? "rejected by " + department : reason;
      Decide(a, kRejected, today);
    }
    return Status::Ok();
  }, department + ": " + decision);
}

Result<Application> Service::Issue(const Actor& actor, int64_t id, const std::string& certificate_no) {
  return Change(id, actor.username, "issue", [&](Application& a, const Item&) -> Status {
    JW_RETURN_IF_ERROR(Move(a, kIssued));
    a.issued_at = clock_->Now();
    a.certificate_no = certificate_no.empty() ? a.item_code + "-" + std::to_string(a.id) : certificate_no;
    return Status::Ok();
  }, certificate_no);
}

Result<Application> Service::CloseFollowUp(const Actor& actor, int64_t id, const std::string& note) {
  return Change(id, actor.username, "follow_up_close", [&](Application& a, const Item&) -> Status {
    if (!a.rating || !a.rating->follow_up) return Conflict("no_follow_up", "no bad rating to follow up");
    if (a.rating->follow_up_closed_at) return Conflict("follow_up_closed", "the follow-up is closed already");
    if (note.empty()) return Validation("note_required", "say what was done");
    a.rating->follow_up_closed_at = clock_->Now();
    a.rating->follow_up_note = note;
    return Status::Ok();
  }, note);
}

Result<Application> Service::Verify(const Actor& actor, int64_t id, const std::string& result) {
  if (result != "confirmed" && result != "revoked") return Validation("invalid_result", "result is confirmed or revoked");
  return Change(id, actor.username, "verify", [&](Application& a, const Item&) -> Status {
    if (a.verification != "pending") return Conflict("not_drawn", "the case was not drawn for verification");
    a.verification = result;
    return Status::Ok();
  }, result);
}

Result<std::vector<int64_t>> Service::DrawVerification(const Actor& actor) {
  JW_ASSIGN_OR_RETURN(auto cases, store_.List(0, "", std::string(kApproved) + "," + std::string(kIssued), 1000000));
  std::vector<int64_t> pool, drawn_before;
  for (const auto& a : cases)
    if (a.commitment) (a.verification.empty() ? pool : drawn_before).push_back(a.id);
  // Draw so that drawn ÷ all commitment cases reaches the share, at random.
  size_t total = pool.size() + drawn_before.size();
  size_t want = static_cast<size_t>(std::ceil(opt_.verification_share * static_cast<double>(total)));
  size_t n = want > drawn_before.size() ? std::min(pool.size(), want - drawn_before.size()) : 0;
  for (size_t i = 0; i < n; ++i) {
    size_t j = i + randombytes_uniform(static_cast<uint32_t>(pool.size() - i));
    std::swap(pool[i], pool[j]);
  }
  pool.resize(n);
  std::sort(pool.begin(), pool.end());
  for (int64_t id : pool) {
    auto r = Change(id, actor.username, "verify_draw", [](Application& a, const Item&) -> Status {
      a.verification = "pending";
      return Status::Ok();
    });
    if (!r.ok()) return r.status();
  }
  return pool;
}

Status Service::SetStaffDepartment(const std::string& username, const std::string& department) {
  if (!department.empty() && !IsDepartment(department))
    return Validation("unknown_department", "no department '" + department + "'");
  return store_.SetStaffDepartment(username, department);
}

Result<int> Service::CheckClocks() {
  int64_t today = Today();
  JW_ASSIGN_OR_RETURN(auto open, store_.List(0, "", "accepted,accepted_pending,under_review", 1000000));
  int changes = 0;
  for (const auto& cur : open) {
    const Item* item = FindItem(cur.item_code);
    if (!item) continue;
    if (cur.state == kAcceptedPending) {
      if (cur.follow_deadline_day >= 0 && today > cur.follow_deadline_day) {
        auto r = Change(cur.id, "system", "terminate", [&](Application& a, const Item&) -> Status {
          if (a.state != kAcceptedPending) return Status::Ok();
          a.paused_days += opt_.calendar.WorkingDaysBetween(a.pause_start_day, today);
          a.pause_start_day = -1;
          a.reason = "documents_not_supplied";
          JW_RETURN_IF_ERROR(Move(a, kTerminated));
          Decide(a, kTerminated, today);
          return Status::Ok();
        }, "termination notice: the documents to follow were not supplied by " + DayString(cur.follow_deadline_day));
        if (!r.ok()) return r.status();
        ++changes;
      }
      continue;
    }
    int elapsed = ElapsedWorkingDays(cur, today);
    for (const char* level : {"80", "100"}) {
      bool reached = std::string(level) == "80" ? elapsed * 10 >= item->promised_days * 8 : elapsed >= item->promised_days;
      if (!reached || Contains(cur.escalations, level)) continue;
      auto r = Change(cur.id, "system", "escalate", [&](Application& a, const Item&) -> Status {
        if (!Contains(a.escalations, level)) a.escalations.push_back(level);
        return Status::Ok();
      }, std::string(level) + "% of the promised limit used; commissioner " + cur.commissioner);
      if (!r.ok()) return r.status();
      ++changes;
    }
  }
  return changes;
}

void Service::StartClockChecks(int interval_ms) {
  timer_thread_ = std::thread([this, interval_ms] {
    std::unique_lock lock(timer_mu_);
    while (!timer_cv_.wait_for(lock, std::chrono::milliseconds(interval_ms), [this] { return timer_stop_; })) {
      lock.unlock();
      CheckClocks().status().IgnoreError();
      lock.lock();
    }
  });
}

void Service::StopClockChecks() {
  {
    std::lock_guard lock(timer_mu_);
    timer_stop_ = true;
  }
  timer_cv_.notify_all();
  if (timer_thread_.joinable()) timer_thread_.join();
}

// ---- metrics --------------------------------------------------------------------

Result<MetricsReport> Service::Metrics(int64_t from_day, int64_t to_day) {
  int64_t from_us = (from_day * 86400 - kShanghaiOffsetMinutes * 60) * kMicrosPerSecond;
  int64_t to_us = ((to_day + 1) * 86400 - kShanghaiOffsetMinutes * 60) * kMicrosPerSecond;
  JW_ASSIGN_OR_RETURN(auto rows, store_.MetricRows(from_us, to_us));
  std::map<std::string, std::vector<const MetricRow*>> by_item;
  for (const auto& r : rows) by_item[r.item_code].push_back(&r);
  auto compute = [&](const std::string& code, const std::vector<const MetricRow*>& rs, const Item* item) {
    ItemMetrics m;
    m.item_code = code;
    if (item) m.promised_days = item->promised_days, m.statutory_days = item->statutory_days;
    std::vector<int> days;
    int64_t within_p = 0, within_s = 0;
    for (const MetricRow* r : rs) {
      ++m.total;
      ++m.by_channel[r->channel];
      if (r->channel == "online") ++m.online;
      if (r->commitment) ++m.commitments;
      if (r->verification == "pending" || r->verification == "confirmed" || r->verification == "revoked")
        ++m.verification_drawn;
      if (r->verification == "revoked") ++m.verification_revoked;
      if (r->rating > 0) ++m.ratings, m.bad_ratings += r->rating <= 2;
      if (!IsDecided(r->state)) {
        ++m.open;
        continue;
      }
      ++m.decided;
      if (r->state == kApproved || r->state == kIssued) ++m.approved;
      else if (r->state == kRejected) ++m.rejected;
      else ++m.terminated;
      if (r->decided_wd >= 0) {
        days.push_back(r->decided_wd);
        const Item* it = item ? item : FindItem(r->item_code);
        if (it && r->decided_wd <= it->promised_days) ++within_p;
        if (it && r->decided_wd <= it->statutory_days) ++within_s;
      }
    }
    auto share = [](int64_t a, int64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
    m.digital_take_up = share(m.online, m.total);
    m.completion_rate = share(m.decided, m.total);
    m.within_promised = share(within_p, static_cast<int64_t>(days.size()));
    m.within_statutory = share(within_s, static_cast<int64_t>(days.size()));
    m.bad_rating_rate = share(m.bad_ratings, m.ratings);
    m.median_days = Quantile(days, 0.5);
    m.p90_days = Quantile(days, 0.9);
    return m;
  };
  MetricsReport rep;
  rep.from = DayString(from_day);
  rep.to = DayString(to_day);
  std::vector<const MetricRow*> all;
  for (const auto& r : rows) all.push_back(&r);
  rep.all = compute("*", all, nullptr);
  for (const auto& item : Catalogue()) rep.items.push_back(compute(item.code, by_item[item.code], &item));
  return rep;
}

}  // namespace jingwu::services

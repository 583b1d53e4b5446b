#include "watch/service.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "core/log.h"
#include "core/utf8.h"
#include "identity/identity.h"

namespace jingwu::watch {

namespace {

const audit::Actor kSystem{"system", "system", "watch"};

}  // namespace

Service::Service(sql::Database* db, audit::Log* audit, const Clock* clock, events::Store* events)
    : store_(db), audit_(audit), clock_(clock), events_(events), index_(std::make_shared<Index>()) {}

Service::~Service() {
  {
    std::lock_guard lock(queue_mu_);
    stop_ = true;
  }
  queue_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

Status Service::Attach() {
  JW_RETURN_IF_ERROR(Rebuild());
  worker_ = std::thread([this] { Worker(); });
  if (events_) {
    events_->AddLinkListener(
        [this](const std::vector<std::pair<events::EntityId, events::EntityId>>& links) { OnLinks(links); });
    events_->AddListener([this](const std::vector<events::Event>& batch) { OnEvents(batch); });
    events_->AddMergeListener([this](events::EntityId record, events::EntityId, bool merged) { OnMerge(record, merged); });
  }
  return Status::Ok();
}

std::shared_ptr<const Service::Index> Service::Snapshot() const {
  std::lock_guard lock(index_mu_);
  return index_;
}

size_t Service::ActiveEntries() const { return Snapshot()->entries; }

Status Service::Rebuild() {
  std::lock_guard rebuild(rebuild_mu_);
  uint32_t checked_before = max_checked_.load();
  JW_ASSIGN_OR_RETURN(std::vector<Entry> active, store_.Active());
  auto idx = std::make_shared<Index>();
  int64_t now = clock_->Now().micros;
  for (const Entry& e : active) {
    if (e.expires_at.micros <= now) continue;  // expired: never alerts again
    Target t{e.id, e.expires_at.micros, e.requested_by, e.entity, ""};
    ++idx->entries;
    std::optional<events::EntityId> id;
    auto ref = identity::ParseEntityRef(e.entity);
    if (events_ && ref.ok()) id = events_->FindEntity(*ref);
    if (!id) {
      idx->unresolved[e.entity].push_back(std::move(t));
      continue;
    }
    if (ref->kind == identity::Kind::kPhone) {
      size_t n = 0;
      auto linked_people = events_->LinksOf(*id);
      // A hub phone (more people than kMaxLinked) is not followed to newcomers.
      if (linked_people.size() < kMaxLinked) idx->phones[*id].push_back(t.entry_id);
      for (const auto& l : linked_people) {
        if (n++ >= kMaxLinked) break;
        Target linked = t;
        linked.via = events_->RefString(l.other);
        auto& v = idx->by_id[l.other];
        bool dup = false;
        for (const auto& x : v) dup = dup || x.entry_id == t.entry_id;
        if (!dup) v.push_back(std::move(linked));
      }
    }
    if (ref->kind == identity::Kind::kId || ref->kind == identity::Kind::kPassport) {
      for (const auto& m : events_->MembersOf(*id)) {
        Target merged = t;
        merged.via = events_->RefString(m.absorbed);
        idx->by_id[m.absorbed].push_back(std::move(merged));
      }
    }
    idx->by_id[*id].push_back(std::move(t));
  }
  {
    std::lock_guard lock(index_mu_);
    index_ = std::move(idx);
  }
  // Entities stored while we resolved are looked at again by the next batch.
  uint32_t cur = max_checked_.load();
  while (cur > checked_before && !max_checked_.compare_exchange_weak(cur, checked_before)) {
  }
  return Status::Ok();
}

void Service::OnLinks(const std::vector<std::pair<events::EntityId, events::EntityId>>& links) {
  std::shared_ptr<const Index> idx = Snapshot();
  if (idx->phones.empty()) return;
  for (const auto& [a, b] : links) {
    auto phone = idx->phones.find(b);
    if (phone == idx->phones.end()) continue;
    // Already followed for every entry on this phone?
    auto it = idx->by_id.find(a);
    size_t followed = 0;
    if (it != idx->by_id.end())
      for (int64_t entry : phone->second)
        for (const Target& t : it->second) followed += t.entry_id == entry;
    if (followed >= phone->second.size()) continue;
    Status s = Rebuild();
    if (!s.ok()) log::Error("watch.rebuild", {{"error", s.message()}});
    return;  // the rebuilt index has every link of the batch
  }
}

void Service::OnEvents(const std::vector<events::Event>& batch) {
  std::shared_ptr<const Index> idx = Snapshot();
  if (idx->entries == 0) return;
  if (!idx->unresolved.empty() && events_) {
    // Entities new since the last look may be ones an entry names.
    uint32_t checked = max_checked_.load(), newest = checked;
    std::vector<events::EntityId> fresh;
    for (const auto& e : batch)
      if (e.entity > checked) fresh.push_back(e.entity), newest = std::max(newest, e.entity);
    if (!fresh.empty()) {
      bool found = false;
      std::sort(fresh.begin(), fresh.end());
      fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
      if (fresh.size() < idx->unresolved.size()) {
        for (events::EntityId id : fresh) {
          auto ref = events_->EntityOf(id);
          if (ref.ok() && idx->unresolved.count(ref->ToString())) {
            found = true;
            break;
          }
        }
      } else {
        for (const auto& [entity, targets] : idx->unresolved) {
          auto ref = identity::ParseEntityRef(entity);
          if (ref.ok() && events_->FindEntity(*ref)) {
            found = true;
            break;
          }
        }
      }
      uint32_t cur = checked;
      max_checked_.compare_exchange_strong(cur, newest);
      if (found) {
        Status s = Rebuild();
        if (!s.ok()) log::Error("watch.rebuild", {{"error", s.message()}});
        idx = Snapshot();
      }
    }
  }
  if (idx->by_id.empty()) return;
  int64_t now = clock_->Now().micros;
  std::vector<Match> matches;
  for (const auto& e : batch) {
    auto it = idx->by_id.find(e.entity);
    if (it == idx->by_id.end()) continue;
    for (const Target& t : it->second)
      if (t.expires_us > now) matches.push_back({t, e});
  }
  if (matches.empty()) return;
  {
    std::lock_guard lock(queue_mu_);
    for (auto& m : matches) queue_.push_back(std::move(m));
  }
  queue_cv_.notify_one();
}

void Service::OnMerge(events::EntityId record, bool merged) {
  Status s = Rebuild();
  if (!s.ok()) {
    log::Error("watch.rebuild", {{"error", s.message()}});
    return;
  }
  if (!merged || !events_) return;
  std::shared_ptr<const Index> idx = Snapshot();
  auto it = idx->by_id.find(record);
  if (it == idx->by_id.end()) return;
  int64_t now = clock_->Now().micros;
  std::string via = events_->RefString(record);
  std::vector<Match> matches;
  for (const Target& t : it->second) {
    if (t.via != via || t.expires_us <= now) continue;  // only the entries of the person it joined
    std::vector<events::Event> evs;
    (void)events_->ScanEntity(record, 0, 0xFFFFFFFFu, [&](const events::Event& e) {
      evs.push_back(e);
      return true;
    });
    size_t first = evs.size() > kMaxMergedAlerts ? evs.size() - kMaxMergedAlerts : 0;
    for (size_t i = first; i < evs.size(); ++i) matches.push_back({t, evs[i]});
  }
  if (matches.empty()) return;
  {
    std::lock_guard lock(queue_mu_);
    for (auto& m : matches) queue_.push_back(std::move(m));
  }
  queue_cv_.notify_one();
}

void Service::Worker() {
  std::unique_lock lock(queue_mu_);
  while (true) {
    queue_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) return;
    std::vector<Match> batch(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    busy_ = true;
    lock.unlock();
    Raise(batch);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
}

void Service::WaitIdle() {
  std::unique_lock lock(queue_mu_);
  idle_cv_.wait(lock, [&] { return (queue_.empty() && !busy_) || stop_; });
}

void Service::Raise(const std::vector<Match>& matches) {
  std::vector<events::Event> evs;
  evs.reserve(matches.size());
  for (const auto& m : matches) evs.push_back(m.event);
  std::vector<std::optional<events::Record>> records;
  if (events_) records = events_->Records(evs);
  std::vector<AlertListener> listeners;
  {
    std::lock_guard lock(listeners_mu_);
    listeners = listeners_;
  }
  std::vector<Alert> alerts;
  alerts.reserve(matches.size());
  for (size_t i = 0; i < matches.size(); ++i) {
    const Match& m = matches[i];
    Alert a;
    a.entry_id = m.target.entry_id;
    a.entity = m.target.entity;
    a.via = m.target.via;
    a.officer = m.target.officer;
    a.raised_at = clock_->Now();
    a.event_at = events::ToTimestamp(m.event.time);
    a.source = std::string(events::SourceName(m.event.source));
    if (const events::Place* p = events_ ? events_->PlaceById(m.event.place) : nullptr) {
      a.place_code = p->code;
      a.place_name = p->name;
      a.district_code = p->district_code;
      a.lat = p->lat;
      a.lon = p->lon;
    }
    nlohmann::json rec = nlohmann::json::object();
    if (i < records.size() && records[i])
      for (size_t c = 0; c < records[i]->columns.size() && c < records[i]->values.size(); ++c)
        rec[records[i]->columns[c]] = records[i]->values[c];
    a.record = rec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    alerts.push_back(std::move(a));
  }
  // One transaction for the batch, one audit entry per watchlist entry.
  if (Status s = store_.InsertAlerts(alerts); !s.ok()) {
    log::Error("watch.alert", {{"alerts", alerts.size()}, {"error", s.message()}});
    return;
  }
  raised_ += static_cast<int64_t>(alerts.size());
  std::map<int64_t, std::vector<const Alert*>> by_entry;
  for (const Alert& a : alerts) by_entry[a.entry_id].push_back(&a);
  for (const auto& [entry, list] : by_entry) {
    const Alert& first = *list.front();
    std::string detail = list.size() == 1
                             ? "alert " + std::to_string(first.id)
                             : std::to_string(list.size()) + " alerts " + std::to_string(first.id) + ".." +
                                   std::to_string(list.back()->id);
    detail += " of entry " + std::to_string(entry) + " to " + first.officer + ": " + first.source + " at " +
              first.place_code + " " + FormatTime(first.event_at);
    audit_->Record(kSystem, "watch.alert", first.entity, "ok", detail);
  }
  for (const Alert& a : alerts)
    for (const auto& l : listeners) l(a);
}

void Service::AddAlertListener(AlertListener l) {
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(l));
}

Result<Entry> Service::Request(const audit::Actor& who, const RequestInput& in) {
  JW_ASSIGN_OR_RETURN(identity::EntityRef ref, identity::ParseEntityRef(in.entity));
  std::string reason = std::string(TrimAscii(in.reason)), basis = std::string(TrimAscii(in.legal_basis));
  if (reason.empty()) return Validation(code::kReasonRequired, "a reason is required");
  if (basis.empty()) return Validation(code::kLegalBasisRequired, "a legal basis is required");
  JW_RETURN_IF_ERROR(CheckText(reason, "reason", kLongText, true));
  JW_RETURN_IF_ERROR(CheckText(basis, "legal_basis", kShortText * 3, true));
  Timestamp now = clock_->Now();
  if (in.expires_at <= now) return Validation(code::kInvalidExpiry, "the expiry must be in the future");
  if (in.expires_at.micros - now.micros > kMaxDays * 86400 * kMicrosPerSecond)
    return Validation(code::kInvalidExpiry, "an entry lasts at most " + std::to_string(kMaxDays) + " days");
  Entry e;
  e.entity = ref.ToString();
  e.reason = reason;
  e.legal_basis = basis;
  e.requested_by = who.username;
  e.requested_at = now;
  e.expires_at = in.expires_at;
  e.status = kPending;
  JW_ASSIGN_OR_RETURN(Entry stored, store_.Insert(e));
  audit_->Record(who, "watch.request", stored.entity, "ok",
                 "entry " + std::to_string(stored.id) + " until " + FormatTime(stored.expires_at) + "; " + basis);
  return stored;
}

Result<Entry> Service::Pending(int64_t id) {
  JW_ASSIGN_OR_RETURN(Entry e, store_.Get(id));
  if (e.status != kPending) return Conflict(code::kNotPending, "entry " + std::to_string(id) + " is " + e.status);
  if (e.expires_at <= clock_->Now())
    return Conflict(code::kExpired, "entry " + std::to_string(id) + " expired before a decision");
  return e;
}

Result<Entry> Service::Approve(const audit::Actor& who, int64_t id, const std::string& note) {
  JW_RETURN_IF_ERROR(CheckText(note, "note", kLongText, true));
  JW_ASSIGN_OR_RETURN(Entry e, store_.Get(id));
  if (e.requested_by == who.username) {
    audit_->Record(who, "watch.approve", e.entity, "denied", code::kSelfApproval);
    return PermissionDenied(code::kSelfApproval, "the requesting officer cannot approve their own entry");
  }
  JW_ASSIGN_OR_RETURN(e, Pending(id));
  e.status = kActive;
  e.decided_by = who.username;
  e.decided_at = clock_->Now();
  e.decision_note = std::string(TrimAscii(note));
  JW_RETURN_IF_ERROR(store_.Update(e, kPending));
  JW_RETURN_IF_ERROR(Rebuild());
  audit_->Record(who, "watch.approve", e.entity, "ok", "entry " + std::to_string(id) + " of " + e.requested_by);
  return store_.Get(id);
}

Result<Entry> Service::Reject(const audit::Actor& who, int64_t id, const std::string& note) {
  JW_RETURN_IF_ERROR(CheckText(note, "note", kLongText, true));
  JW_ASSIGN_OR_RETURN(Entry e, store_.Get(id));
  if (e.requested_by == who.username)
    return PermissionDenied(code::kSelfApproval, "the requesting officer cannot decide on their own entry; revoke it");
  JW_ASSIGN_OR_RETURN(e, Pending(id));
  e.status = kRejected;
  e.decided_by = who.username;
  e.decided_at = clock_->Now();
  e.decision_note = std::string(TrimAscii(note));
  JW_RETURN_IF_ERROR(store_.Update(e, kPending));
  audit_->Record(who, "watch.reject", e.entity, "ok", "entry " + std::to_string(id) + " of " + e.requested_by);
  return store_.Get(id);
}

Result<Entry> Service::Revoke(const audit::Actor& who, int64_t id, const std::string& note, bool may_revoke_any) {
  JW_RETURN_IF_ERROR(CheckText(note, "note", kLongText, true));
  JW_ASSIGN_OR_RETURN(Entry e, store_.Get(id));
  if (!may_revoke_any && e.requested_by != who.username)
    return PermissionDenied(code::kNotYours, "only the requesting officer or a commander can revoke this entry");
  if (e.status != kPending && e.status != kActive)
    return Conflict(code::kNotActive, "entry " + std::to_string(id) + " is " + e.status);
  std::string from = e.status;
  e.status = kRevoked;
  e.revoked_by = who.username;
  e.revoked_at = clock_->Now();
  if (!TrimAscii(note).empty()) e.decision_note = std::string(TrimAscii(note));
  JW_RETURN_IF_ERROR(store_.Update(e, from));
  JW_RETURN_IF_ERROR(Rebuild());
  audit_->Record(who, "watch.revoke", e.entity, "ok", "entry " + std::to_string(id));
  return store_.Get(id);
}

Result<std::vector<Entry>> Service::List(const std::string& status, const std::string& requested_by, int limit) {
  bool expired = status == kExpired;
  bool stored_filter = status == kPending || status == kActive;
  JW_ASSIGN_OR_RETURN(std::vector<Entry> all,
                      store_.List(expired ? "" : status, requested_by, expired || stored_filter ? 100000 : limit));
  if (!expired && !stored_filter) return all;
  Timestamp now = clock_->Now();
  std::vector<Entry> out;
  for (auto& e : all)
    if (e.EffectiveStatus(now) == status && static_cast<int>(out.size()) < limit) out.push_back(std::move(e));
  return out;
}

Result<Alert> Service::Acknowledge(const audit::Actor& who, int64_t id, bool may_ack_any) {
  JW_ASSIGN_OR_RETURN(Alert a, store_.GetAlert(id));
  if (!may_ack_any && a.officer != who.username)
    return PermissionDenied(code::kNotYourAlert, "this alert belongs to another officer");
  if (!a.acknowledged_at) {
    JW_RETURN_IF_ERROR(store_.AcknowledgeAlert(id, who.username, clock_->Now()));
    audit_->Record(who, "watch.alert.acknowledge", a.entity, "ok", "alert " + std::to_string(id));
  }
  return store_.GetAlert(id);
}

}  // namespace jingwu::watch

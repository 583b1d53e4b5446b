// Watchlists and alerts: requests, approval by a second user, revocation,
// expiry on the server Clock, and the alerting path.
//
// Alerting: Attach() registers an events::Store listener. For each stored
// batch it looks every event's entity up in an in-memory index of the active
// entries (a hash map, rebuilt whenever the active set changes; O(1) per
// event, nothing at all when no entry is active), and queues the matches. A
// worker thread stores each alert (with the event's time, place, source and
// original row), audits it and hands it to the alert listeners (the SSE
// stream). Entries naming an identifier not yet in the store's dictionary
// are resolved when new entities appear.
//
// Thread-safe. The Service must outlive writes to the event store it is
// attached to (the listener cannot be removed).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "audit/audit.h"
#include "core/status.h"
#include "core/time.h"
#include "events/store.h"
#include "sql/database.h"
#include "watch/model.h"
#include "watch/store.h"

namespace jingwu::watch {

// Error codes (docs/api.md).
namespace code {
inline constexpr const char* kSelfApproval = "self_approval_forbidden";  // 403
inline constexpr const char* kNotPending = "not_pending";                // 409
inline constexpr const char* kNotActive = "not_active";                  // 409
inline constexpr const char* kExpired = "entry_expired";                 // 409
inline constexpr const char* kNotYours = "not_your_entry";               // 403
inline constexpr const char* kNotYourAlert = "not_your_alert";           // 403
inline constexpr const char* kInvalidExpiry = "invalid_expiry";          // 422
inline constexpr const char* kReasonRequired = "reason_required";        // 422
inline constexpr const char* kLegalBasisRequired = "legal_basis_required";  // 422
}  // namespace code

inline constexpr int64_t kMaxDays = 366;  // an entry lasts at most this long
// A phone has no sightings of its own: a PHONE entry watches the people
// linked to it (who gave it at a check-in, a purchase, …), at most this many,
// as linked when the index was last rebuilt.
inline constexpr size_t kMaxLinked = 100;

struct RequestInput {
  std::string entity;  // KIND:VALUE
  std::string reason;
  std::string legal_basis;
  Timestamp expires_at;
};

class Service {
 public:
  Service(sql::Database* db, audit::Log* audit, const Clock* clock, events::Store* events);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Builds the index of active entries, registers the store listener and
  // starts the alert worker. Call once.
  Status Attach();

  Result<Entry> Request(const audit::Actor& who, const RequestInput& in);
  // By a user other than the requester (403 self_approval_forbidden); only a
  // pending, unexpired entry (409 not_pending / entry_expired).
  Result<Entry> Approve(const audit::Actor& who, int64_t id, const std::string& note);
  Result<Entry> Reject(const audit::Actor& who, int64_t id, const std::string& note);
  // The requester, or anyone allowed to approve (may_revoke_any), ends a
  // pending or active entry.
  Result<Entry> Revoke(const audit::Actor& who, int64_t id, const std::string& note, bool may_revoke_any);

  Result<Entry> Get(int64_t id) { return store_.Get(id); }
  // status: a stored status, "expired", or "" for all.
  Result<std::vector<Entry>> List(const std::string& status, const std::string& requested_by, int limit);

  // officer "" = everyone's.
  Result<std::vector<Alert>> Alerts(const std::string& officer, int64_t after, int limit, bool unacknowledged_only,
                                    bool ascending = false, int64_t entry_id = 0) {
    return store_.Alerts(officer, after, limit, unacknowledged_only, ascending, entry_id);
  }
  Result<int64_t> CountAlerts(const std::string& officer, bool unacknowledged_only) {
    return store_.CountAlerts(officer, unacknowledged_only);
  }
  Result<Alert> GetAlert(int64_t id) { return store_.GetAlert(id); }
  // The alert's officer, or anyone allowed to see every alert (may_ack_any).
  Result<Alert> Acknowledge(const audit::Actor& who, int64_t id, bool may_ack_any);

  using AlertListener = std::function<void(const Alert&)>;
  void AddAlertListener(AlertListener l);

  // The store listener's body (public for tests and the benchmark).
  void OnEvents(const std::vector<events::Event>& batch);
  // The link listener: somebody new gave a watched phone, so the entry follows them too.
  void OnLinks(const std::vector<std::pair<events::EntityId, events::EntityId>>& links);
  // Blocks until every queued match has been stored and published.
  void WaitIdle();

  size_t ActiveEntries() const;
  int64_t AlertsRaised() const { return raised_.load(); }
  const Clock& clock() const { return *clock_; }

 private:
  struct Target {
    int64_t entry_id;
    int64_t expires_us;
    std::string officer;
    std::string entity;
    std::string via;  // a linked entity (PHONE entries watch the people who gave the phone;
                      // a person's entries, the records without an ID number merged into them)
  };
  struct Index {
    std::unordered_map<events::EntityId, std::vector<Target>> by_id;
    std::unordered_map<std::string, std::vector<Target>> unresolved;  // refs not in the dictionary yet
    std::unordered_map<events::EntityId, std::vector<int64_t>> phones;  // watched phone -> entry ids
    size_t entries = 0;
  };
  struct Match {
    Target target;
    events::Event event;
  };

  Status Rebuild();
  // A record was merged into (or split from) a person: the active entries
  // follow it; when merged, its events alert (the newest kMaxMergedAlerts):
  // that the record is the watched person is news, whenever it happened.
  void OnMerge(events::EntityId record, bool merged);
  static constexpr size_t kMaxMergedAlerts = 50;
  std::shared_ptr<const Index> Snapshot() const;
  void Worker();
  void Raise(const std::vector<Match>& matches);
  Result<Entry> Pending(int64_t id);

  Store store_;
  audit::Log* audit_;
  const Clock* clock_;
  events::Store* events_;

  std::mutex rebuild_mu_;  // one rebuild at a time
  mutable std::mutex index_mu_;
  std::shared_ptr<const Index> index_;  // guarded by index_mu_
  std::atomic<uint32_t> max_checked_{0};  // highest entity id looked at for unresolved refs

  std::mutex queue_mu_;
  std::condition_variable queue_cv_, idle_cv_;
  std::deque<Match> queue_;  // guarded by queue_mu_
  bool busy_ = false;        // guarded by queue_mu_
  bool stop_ = false;        // guarded by queue_mu_
  std::thread worker_;

  std::mutex listeners_mu_;
  std::vector<AlertListener> listeners_;  // guarded by listeners_mu_
  std::atomic<int64_t> raised_{0};
};

}  // namespace jingwu::watch

// Visa-free foreigner stays (免签外国人动态管控, docs/stays.md): keeps every
// visa-free visitor's stays evaluated (rules.h) from the event store's travel
// and hotel rows and the registry's private-housing registrations; stores the
// alerts they raise (opened, resolved, acknowledged) and the reminders to
// send (an outbox delivered through a webhook); tells listeners (the SSE
// stream) of every change.
//
// Evaluation: all passports once after Attach (in the background; ready()
// says when done), then the passports each stored batch touches, a passport
// whose guest registration arrives (at once), and every sweep (options) the
// visitors still in Hainan, because time alone opens alerts.
//
// The stay clock is the server clock, or, with options.as_of, that time plus
// what has passed since the service started (a demo of past data).
//
// Thread-safe. Must outlive writes to the event store it is attached to.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "audit/audit.h"
#include "core/status.h"
#include "core/time.h"
#include "events/store.h"
#include "registry/service.h"
#include "sql/database.h"
#include "stays/policy.h"
#include "stays/rules.h"

namespace jingwu::stays {

std::vector<sql::Migration> Migrations();

struct StoredAlert {
  int64_t id = 0;
  int64_t seq = 0;  // changes with every update (the SSE id)
  std::string passport, name, nationality, kind;
  std::string entry_at, deadline, raised_at;
  std::optional<std::string> resolved_at;
  std::string resolution;
  std::string detail;  // JSON object
  std::string acknowledged_by;
  std::optional<std::string> acknowledged_at;
};

struct Message {
  int64_t id = 0, alert_id = 0;
  std::string passport, name, phone, language, text, created_at;
  std::string state;  // pending, delivered, failed, no_channel
  int64_t attempts = 0;
  std::string last_error;
  std::optional<std::string> delivered_at;
};

struct Visitor {
  std::string passport;  // PASSPORT:NAT/NUMBER
  std::string name, phone;
  std::vector<Stay> stays;
};

struct Board {
  bool ready = false;
  std::string as_of;
  int64_t in_hainan = 0, arrived_today = 0, left_today = 0, limit_within_days = 0;
  std::map<std::string, int64_t> open_alerts;      // kind -> open
  std::map<std::string, int64_t> by_nationality;   // in Hainan now
  std::map<std::string, int64_t> messages;         // state -> count
  int64_t passports = 0;                           // evaluated
};

struct AlertFilter {
  bool open_only = false;
  std::string kind, passport;
  int64_t after_seq = 0;
  size_t offset = 0, limit = 100;
};

// The alert-worthy outcome of one evaluation, for the bench and `jingwu stays eval`.
struct EvalReport {
  int64_t passports = 0, stays = 0;
  double seconds = 0;
  std::map<std::string, std::set<std::string>> alerts;  // passport -> kinds raised
};

class Service {
 public:
  Service(sql::Database* db, audit::Log* audit, const Clock* clock, events::Store* events,
          registry::Service* registry, Options options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Registers the store listener and starts the worker (which evaluates
  // every passport first). Call once.
  Status Attach();
  void Stop();
  bool ready() const { return ready_.load(); }

  int64_t Now() const;  // the stay clock, UTC seconds
  const Policy& policy() const { return options_.policy; }

  // Every visa-free passport evaluated and its alerts stored, now (the
  // worker does this after Attach; the CLI and the bench call it).
  Result<EvalReport> EvaluateAll();

  Result<Visitor> VisitorOf(const std::string& passport);
  // Re-evaluates one passport (PASSPORT:…) and stores its alerts.
  Status Refresh(const std::string& passport);
  // Visitors from the last evaluation: status in_hainan, alerts (any open
  // alert), or all; q matches the passport number or name. Newest entry first.
  std::pair<std::vector<Visitor>, int64_t> Visitors(const std::string& status, const std::string& q, size_t offset,
                                                    size_t limit) const;
  Board GetBoard() const;

  // total (when given) gets the number matching the filter.
  Result<std::vector<StoredAlert>> Alerts(const AlertFilter& f, int64_t* total = nullptr);
  Result<StoredAlert> Acknowledge(const audit::Actor& who, int64_t id);
  Result<std::vector<Message>> Outbox(const std::string& state, const std::string& passport, size_t offset,
                                      size_t limit, int64_t* total = nullptr);
  // Sends a pending, failed or unsent message again (409 already_delivered).
  Result<Message> Retry(const audit::Actor& who, int64_t id);

  // A host's registration of a foreign guest (the citizen portal, or an
  // officer): 422 no_entry_record when the passport has no visa-free entry
  // before the arrival (and no exit between), 422 arrival_in_future.
  Result<registry::Guest> RegisterGuest(const audit::Actor& who, registry::Guest g);

  using Listener = std::function<void(const StoredAlert&)>;
  void AddListener(Listener l);

 private:
  Result<Visitor> Evaluate(const std::string& passport);
  // Stores the alerts of a fresh evaluation; returns the changed ones.
  Result<std::vector<StoredAlert>> Reconcile(const Visitor& v);
  void Publish(const std::vector<StoredAlert>& changed);
  void Run();
  void Deliver();
  Result<Message> Send(Message m);

  sql::Database* db_;
  audit::Log* audit_;
  const Clock* clock_;
  events::Store* events_;
  registry::Service* registry_;
  Options options_;
  int64_t as_of_offset_ = 0;  // seconds added to the clock

  std::mutex reconcile_mu_;  // one reconcile at a time (seq order)
  int64_t seq_ = 0;          // guarded by reconcile_mu_

  mutable std::mutex mu_;
  std::unordered_map<std::string, Visitor> visitors_;  // guarded by mu_
  std::vector<Listener> listeners_;                    // guarded by mu_
  std::set<events::EntityId> queued_;                  // guarded by mu_
  bool stop_ = false;                                  // guarded by mu_
  std::condition_variable cv_;
  std::atomic<bool> ready_{false};
  std::thread worker_;
};

}  // namespace jingwu::stays

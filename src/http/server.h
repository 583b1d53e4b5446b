// The jingwu HTTP server: cpp-httplib with JSON errors for every failure,
// a body-size limit, request ids and logs, the web app with SPA fallback,
// /healthz, every module's routes, and clean shutdown.
//
// Ownership: the Server borrows the database, audit log, auth service and
// clock, which must outlive it. Start() binds and serves on background
// threads; Stop() (safe from a signal-watching thread) ends them.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "audit/audit.h"
#include "auth/service.h"
#include "cases/service.h"
#include "stats/engine.h"
#include "dispatch/service.h"
#include "services/service.h"
#include "registry/service.h"
#include "force/service.h"
#include "events/store.h"
#include "search/index.h"
#include "watch/service.h"
#include "stays/service.h"
#include "core/config.h"
#include "http/api.h"
#include "http/sse.h"
#include "sql/database.h"

namespace jingwu::watch {
class AlertStreams;  // watch/routes.cpp
}
namespace jingwu::audit {
class Signer;  // audit/checkpoint.h
}

namespace jingwu::fusion {
class SourceRegistry;
}
namespace jingwu::community {
class Service;
}
namespace jingwu::custody {
class Service;
}
namespace jingwu::grassroots {
class Service;
}
namespace jingwu::health {
class Service;
}

namespace jingwu::http {

struct Deps {
  sql::Database* db;
  audit::Log* audit;
  auth::Service* auth;
  const Clock* clock;
  OffsetClock* test_clock;  // non-null only with --test-clock
  cases::Service* cases;
  stats::Engine* stats;
  dispatch::Service* dispatch = nullptr;
  services::Service* services = nullptr;
  events::Store* events = nullptr;  // the big-data event store (DATA/events)
  search::Index* search = nullptr;  // the search index over it (DATA/search)
  watch::Service* watch = nullptr;  // watchlists and alerts (attached to events)
  registry::Service* registry = nullptr;  // the base registries (一标三实)
  stays::Service* stays = nullptr;        // visa-free foreigner stays (attached to events)
  const audit::Signer* audit_signer = nullptr;  // signs checkpoints of the audit head
  force::Service* force = nullptr;              // force management and inspection
  fusion::SourceRegistry* sources = nullptr;    // source definitions of the event store
  community::Service* communities = nullptr;    // smart security communities
  custody::Service* custody = nullptr;          // custody supervision
  health::Service* health = nullptr;            // epidemic checkpoints and contact tracing
  grassroots::Service* grassroots = nullptr;    // supervision, disputes, partners and tips, the officer's phone
};

// Counts of requests and of errors by code, so that rejected input is
// visible (GET /api/v1/system/metrics). Thread-safe.
class Metrics {
 public:
  void Count(int status, const std::string& error_code);
  json Snapshot() const;

 private:
  mutable std::mutex mu_;
  int64_t requests_ = 0;                         // guarded by mu_
  std::map<int, int64_t> by_status_;             // guarded by mu_
  std::map<std::string, int64_t> errors_;        // guarded by mu_
};

class Server {
 public:
  Server(Config config, Deps deps);
  ~Server();

  // Binds the listen address and starts serving. Returns the bound port.
  Result<int> Start();
  bool tls() const { return tls_; }
  void Stop();
  void Wait();

 private:
  void Configure();
  void RegisterSystemRoutes();

  Config config_;
  Deps deps_;
  bool tls_ = false;
  std::unique_ptr<httplib::Server> server_;  // an SSLServer when TLS is configured
  httplib::Server& svr_;
  Api api_;
  Broadcaster audit_stream_;
  Broadcaster dispatch_stream_;
  Broadcaster stays_stream_;
  std::shared_ptr<watch::AlertStreams> alert_streams_;
  Metrics metrics_;
  std::thread thread_;
};

}  // namespace jingwu::http

// Each module's routes.cpp defines its registration function.
namespace jingwu::auth {
void RegisterRoutes(http::Api& api);
}
namespace jingwu::audit {
class Signer;
// signer (may be null): signed checkpoints of the head (audit/checkpoint.h).
void RegisterRoutes(http::Api& api, http::Broadcaster* stream, sql::Database* db, const Signer* signer,
                    std::string data_dir);
}
namespace jingwu::identity {
void RegisterRoutes(http::Api& api);
}
namespace jingwu::cases {
void RegisterRoutes(http::Api& api, Service& svc);
}
namespace jingwu::stats {
void RegisterRoutes(http::Api& api, Engine& engine);
}
namespace jingwu::dispatch {
void RegisterRoutes(http::Api& api, Service* service, http::Broadcaster* stream, const registry::Service* registry);
std::string EventWire(const Event& e);
}
namespace jingwu::services {
void RegisterRoutes(http::Api& api, Service& svc);
}
namespace jingwu::force {
// citizens (may be null): the citizen tracker of reads of their data.
void RegisterRoutes(http::Api& api, Service& svc, services::Service* citizens);
}
namespace jingwu::registry {
void RegisterRoutes(http::Api& api, Service& svc);
}
namespace jingwu::community {
// Smart security communities: the list, a community, gate activity, alarms, findings.
void RegisterRoutes(http::Api& api, Service& svc);
}
namespace jingwu::custody {
// Custody supervision: facilities, detainees with their legal limits, daily events, alerts.
void RegisterRoutes(http::Api& api, Service& svc);
}
namespace jingwu::health {
// Epidemic checkpoints: figures, throughput, flagged passes; contact traces kept until their retention ends.
void RegisterRoutes(http::Api& api, Service& svc);
}
namespace jingwu::grassroots {
class Service;
// Grassroots policing: supervision, disputes, partners and tips (citizens: the portal's tip channel), mobile.
void RegisterRoutes(http::Api& api, Service& svc, services::Service* citizens);
}
namespace jingwu::analysis {
// Places, source definitions, ingest over HTTP, counters and the analyses over the event store.
void RegisterRoutes(http::Api& api, events::Store* store, fusion::SourceRegistry* sources);
}
namespace jingwu::search {
// One-box search, entity profiles and the relationship graph.
// registry (may be null): a person's residences and housemates in the profile.
void RegisterRoutes(http::Api& api, events::Store* store, Index* index, registry::Service* registry);
}
namespace jingwu::stays {
// Visa-free foreigner stays; citizens (may be null) for the portal's guest registration.
void RegisterRoutes(http::Api& api, Service& svc, events::Store* store, registry::Service* registry,
                    services::Service* citizens, http::Broadcaster* stream);
}
namespace jingwu::watch {
// Watchlists and alerts; returns the per-officer alert streams (closed at shutdown).
std::shared_ptr<AlertStreams> RegisterRoutes(http::Api& api, Service* service);
void CloseStreams(AlertStreams* streams);
}

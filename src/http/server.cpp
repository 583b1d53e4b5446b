#include "http/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <filesystem>
#include <fstream>

#include "core/crypto.h"
#include "auth/roles.h"
#include "core/log.h"

namespace jingwu::http {

namespace {

std::unique_ptr<httplib::Server> MakeServer(const Config& c) {
  if (!c.tls_cert.empty() && !c.tls_key.empty())
    return std::make_unique<httplib::SSLServer>(c.tls_cert.c_str(), c.tls_key.c_str());
  return std::make_unique<httplib::Server>();
}

// The origin (scheme://host[:port]) of a URL template, for the CSP; "" if none.
std::string OriginOf(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  auto end = url.find_first_of("/?#", scheme + 3);
  std::string origin = url.substr(0, end);
  // A tile template may spread over subdomains ({s}.tile...): allow them all.
  auto brace = origin.find('{');
  if (brace != std::string::npos) {
    auto dot = origin.find('.', brace);
    if (dot == std::string::npos) return "";
    origin = origin.substr(0, scheme + 3) + "*" + origin.substr(dot);
  }
  return origin;
}

}  // namespace

Server::Server(Config config, Deps deps)
    : config_(std::move(config)),
      deps_(deps),
      tls_(!config_.tls_cert.empty() && !config_.tls_key.empty()),
      server_(MakeServer(config_)),
      svr_(*server_),
      api_(&svr_, deps.auth, deps.audit, &config_, deps.clock) {
  Configure();
}

Server::~Server() {
  Stop();
  Wait();
}

void Server::Configure() {
  int threads = config_.http_threads;
  // Event streams hold a thread each: keep room for them beside the API.
  svr_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads) + 16); };
  svr_.set_payload_max_length(config_.max_body_bytes);
  // TCP_NODELAY on the listening socket (accepted sockets inherit it):
  // cpp-httplib sends a response's headers and body in separate writes, and
  // Nagle's algorithm held the body back for the client's delayed ACK, ~40 ms
  // on a keep-alive connection.
  svr_.set_socket_options([](socket_t sock) {
    httplib::default_socket_options(sock);
    int yes = 1;
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  });
  // Short idle timeouts: cpp-httplib only notices a stop between requests,
  // so these bound how long SIGTERM waits for idle keep-alive clients.
  svr_.set_keep_alive_timeout(3);
  svr_.set_read_timeout(5);

  if (!config_.web_root.empty() && std::filesystem::exists(config_.web_root + "/index.html")) {
    svr_.set_mount_point("/", config_.web_root);
    svr_.set_file_request_handler([](const httplib::Request& req, httplib::Response& res) {
      // Vite names assets by content hash, so they never change under a name.
      if (req.path.rfind("/assets/", 0) == 0) res.set_header("Cache-Control", "public, max-age=31536000, immutable");
      else res.set_header("Cache-Control", "no-cache");
    });
  }

  // Security headers on every response (the web app has no inline script;
  // Element Plus sets inline style attributes, hence style-src 'unsafe-inline').
  std::string tiles = OriginOf(config_.map_tile_url);
  std::string csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:" +
                    (tiles.empty() ? std::string() : " " + tiles) +
                    "; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
                    "form-action 'self'; frame-ancestors 'none'";
  httplib::Headers security = {{"Content-Security-Policy", csp},
                               {"X-Content-Type-Options", "nosniff"},
                               {"X-Frame-Options", "DENY"},
                               {"Referrer-Policy", "no-referrer"},
                               {"Cross-Origin-Opener-Policy", "same-origin"},
                               {"Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"}};
  if (tls_) security.emplace("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  svr_.set_default_headers(security);

  svr_.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    // Bodies are limited while they are read, before authentication. cpp-httplib
    // checks Content-Length against the limit but reads a chunked or compressed
    // body whole: such bodies are refused before a byte of them is read.
    if (req.has_header("Transfer-Encoding") || req.has_header("Content-Encoding"))
      res.set_header("X-Request-Id", RandomHex(8));
    if (req.has_header("Transfer-Encoding")) {
      WriteError(res, Status(ErrorKind::kInvalidArgument, "length_required",
                             "send the body with a Content-Length (chunked request bodies are not accepted)"));
      res.status = 411;
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.has_header("Content-Encoding") && req.get_header_value("Content-Encoding") != "identity") {
      WriteError(res, Status(ErrorKind::kInvalidArgument, "unsupported_encoding",
                             "compressed request bodies are not accepted; send them uncompressed"));
      res.status = 415;
      return httplib::Server::HandlerResponse::Handled;
    }
    // A POST, PUT or PATCH without Content-Length has no body (RFC 9112 6.3);
    // cpp-httplib would otherwise wait for the connection to close.
    if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH") && !req.has_header("Content-Length"))
      const_cast<httplib::Headers&>(req.headers).emplace("Content-Length", "0");

    // cpp-httplib compresses with brotli at its slowest quality when a client
    // accepts it (2.5 s for the UI bundle); gzip is 60x faster at a similar size.
    auto it = req.headers.find("Accept-Encoding");
    if (it != req.headers.end() && it->second.find("br") != std::string::npos) {
      auto& headers = const_cast<httplib::Headers&>(req.headers);
      auto& value = headers.find("Accept-Encoding")->second;
      std::string kept;
      size_t pos = 0;
      while (pos <= value.size()) {
        size_t comma = value.find(',', pos);
        if (comma == std::string::npos) comma = value.size();
        std::string token = value.substr(pos, comma - pos);
        token.erase(0, token.find_first_not_of(' '));
        if (token.rfind("br", 0) != 0 && !token.empty()) kept += (kept.empty() ? "" : ", ") + token;
        pos = comma + 1;
      }
      value = kept;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  svr_.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.get_header_value("X-Request-Id").empty()) res.set_header("X-Request-Id", RandomHex(8));
    bool api = req.path.rfind("/api/", 0) == 0 || req.path == "/healthz";
    if (res.status == 404 && api) {
      auto methods = api_.MethodsFor(req.path);
      if (!methods.empty()) {
        std::string allow;
        for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
        res.set_header("Allow", allow);
        WriteError(res, Status(ErrorKind::kMethodNotAllowed, "method_not_allowed",
                               req.method + " is not allowed here; use " + allow));
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (res.status == 404 && !api && (req.method == "GET" || req.method == "HEAD") && !config_.web_root.empty()) {
      // Single-page app: unknown paths are client routes.
      std::ifstream in(config_.web_root + "/index.html", std::ios::binary);
      if (in) {
        std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        res.status = 200;
        res.set_content(html, "text/html; charset=utf-8");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    switch (res.status) {
      case 400: WriteError(res, InvalidArgument("bad_request", "the request could not be read")); break;
      case 404: WriteError(res, NotFound("not_found", "no such resource: " + req.path)); break;
      case 413:
        WriteError(res, Status(ErrorKind::kTooLarge, "payload_too_large",
                               "the body exceeds " + std::to_string(config_.max_body_bytes) + " bytes"));
        break;
      case 414: WriteError(res, InvalidArgument("uri_too_long", "the URI is too long")); res.status = 414; break;
      default: {
        int status = res.status;
        WriteError(res, Status(ErrorKind::kInternal, "http_" + std::to_string(status), "request failed"));
        res.status = status;
      }
    }
    return httplib::Server::HandlerResponse::Handled;
  }));

  // Paths that name an entity carry personal data (an ID number, a name and a
  // phone): the request log keeps only the route; the audit log has the rest.
  static constexpr auto redact = [](const std::string& path) {
    static const std::string kEntities = "/api/v1/entities/";
    if (path.rfind(kEntities, 0) != 0) return path;
    for (const char* tail : {"/graph", "/merge", "/unmerge"}) {
      std::string_view t(tail);
      if (path.size() > kEntities.size() + t.size() && path.compare(path.size() - t.size(), t.size(), t) == 0)
        return kEntities + "{ref}" + std::string(t);
    }
    return kEntities + "{ref}";
  };
  svr_.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log::Error("http.exception", {{"path", redact(req.path)}, {"error", what}});
    WriteError(res, Internal("internal error"));
  });

  svr_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    std::string code;
    if (res.status >= 400) {
      json body = json::parse(res.body, nullptr, false);
      if (body.is_object() && body.contains("error")) code = body["error"].value("code", "");
    }
    metrics_.Count(res.status, code);
    log::Info("http.request", {{"id", res.get_header_value("X-Request-Id")},
                               {"method", req.method},
                               {"path", redact(req.path)},
                               {"status", res.status},
                               {"client", req.remote_addr},
                               {"error", code}});
  });

  RegisterSystemRoutes();
  auth::RegisterRoutes(api_);
  audit::RegisterRoutes(api_, &audit_stream_, deps_.db, deps_.audit_signer, config_.data_dir);
  identity::RegisterRoutes(api_);
  cases::RegisterRoutes(api_, *deps_.cases);
  stats::RegisterRoutes(api_, *deps_.stats);
  // Later modules register here, one line each.
  if (deps_.dispatch) dispatch::RegisterRoutes(api_, deps_.dispatch, &dispatch_stream_, deps_.registry);
  if (deps_.services) services::RegisterRoutes(api_, *deps_.services);
  if (deps_.registry) registry::RegisterRoutes(api_, *deps_.registry);
  if (deps_.force) force::RegisterRoutes(api_, *deps_.force, deps_.services);
  if (deps_.events) analysis::RegisterRoutes(api_, deps_.events, deps_.sources);
  if (deps_.communities) community::RegisterRoutes(api_, *deps_.communities);
  if (deps_.custody) custody::RegisterRoutes(api_, *deps_.custody);
  if (deps_.health) health::RegisterRoutes(api_, *deps_.health);
  if (deps_.grassroots) grassroots::RegisterRoutes(api_, *deps_.grassroots, deps_.services);
  if (deps_.events) search::RegisterRoutes(api_, deps_.events, deps_.search, deps_.registry);
  if (deps_.watch) alert_streams_ = watch::RegisterRoutes(api_, deps_.watch);
  if (deps_.stays)
    stays::RegisterRoutes(api_, *deps_.stays, deps_.events, deps_.registry, deps_.services, &stays_stream_);

  deps_.audit->AddListener([this](const audit::Entry& e) {
    audit_stream_.Publish({e.id, "audit", DumpJson(AuditEntryJson(e))});
  });
  if (deps_.dispatch)
    deps_.dispatch->AddListener(
        [this](const dispatch::Event& e) { dispatch_stream_.Publish({e.seq, "dispatch", dispatch::EventWire(e)}); });
}

void Server::RegisterSystemRoutes() {
  api_.Get("/healthz", {.auth = false}, [this](Context&) -> Result<Reply> {
    auto ping = deps_.db->Query("SELECT 1 AS one");
    if (!ping.ok()) return Unavailable("database_unavailable", "the database does not answer");
    return Reply::Json({{"status", "ok"}});
  });
  api_.Get("/api/v1/system/info", {}, [this](Context&) -> Result<Reply> {
    // Which modules of DESIGN.md are built; the web shows the rest as "not yet available".
    json modules = json::array();
    for (auto [name, available] : std::initializer_list<std::pair<const char*, bool>>{
             {"bigdata", deps_.events != nullptr}, {"watch", deps_.watch != nullptr}, {"dispatch", true}, {"cases", true}, {"stats", true}, {"services", deps_.services != nullptr},
             {"registry", deps_.registry != nullptr}, {"force", deps_.force != nullptr},
             {"communities", deps_.communities != nullptr}, {"custody", deps_.custody != nullptr}, {"health", deps_.health != nullptr}, {"grassroots", deps_.grassroots != nullptr},
             {"sources", deps_.sources != nullptr}, {"audit", true}, {"users", true}})
      modules.push_back({{"name", name}, {"available", available}});
    return Reply::Json({{"version", "0.1.0"},
                        {"db", sql::DialectName(deps_.db->dialect())},
                        {"time", FormatTime(deps_.clock->Now())},
                        {"modules", modules},
                        {"map_tile_url", config_.map_tile_url}});
  });
  api_.Get("/api/v1/system/metrics", {.permission = auth::perm::kUsersManage},
           [this](Context&) -> Result<Reply> { return Reply::Json(metrics_.Snapshot()); });
  if (deps_.test_clock) {
    // Only with --test-clock: lets API tests move time (session expiry).
    api_.Post("/api/v1/_test/clock", {.auth = false}, [this](Context& c) -> Result<Reply> {
      JW_ASSIGN_OR_RETURN(json body, c.Body());
      if (!body.contains("advance_seconds") || !body["advance_seconds"].is_number_integer())
        return Validation("validation_failed", "advance_seconds (integer) is required");
      deps_.test_clock->Advance(body["advance_seconds"].get<int64_t>() * kMicrosPerSecond);
      return Reply::Json({{"now", FormatTime(deps_.clock->Now())}});
    });
    // The route table, for the test that sends bad input to every route.
    api_.Get("/api/v1/_test/routes", {.auth = false}, [this](Context&) -> Result<Reply> {
      json items = json::array();
      for (const auto& r : api_.Routes())
        items.push_back({{"method", r.method}, {"pattern", r.pattern}, {"permission", r.permission},
                         {"auth", r.auth}, {"file", r.file}});
      return Reply::Json({{"items", items}});
    });
  }
}

void Metrics::Count(int status, const std::string& error_code) {
  std::lock_guard lock(mu_);
  ++requests_;
  ++by_status_[status];
  if (!error_code.empty()) ++errors_[error_code];
}

json Metrics::Snapshot() const {
  std::lock_guard lock(mu_);
  json by_status = json::object();
  for (auto [s, n] : by_status_) by_status[std::to_string(s)] = n;
  return {{"requests", requests_}, {"by_status", by_status}, {"errors", errors_}};
}

Result<int> Server::Start() {
  if (tls_ && !svr_.is_valid())
    return InvalidArgument("bad_tls", "cannot load the TLS certificate '" + config_.tls_cert + "' and key '" +
                                          config_.tls_key + "' (PEM files, readable, a matching pair)");
  std::string host;
  int port;
  if (!SplitHostPort(config_.listen, &host, &port))
    return InvalidArgument("bad_listen", "--listen must be HOST:PORT, not '" + config_.listen + "'");
  if (port == 0) {
    port = svr_.bind_to_any_port(host);
    if (port < 0) return Internal("cannot bind " + host);
  } else if (!svr_.bind_to_port(host, port)) {
    return Internal("cannot listen on " + config_.listen + " (in use?)");
  }
  thread_ = std::thread([this] { svr_.listen_after_bind(); });
  return port;
}

void Server::Stop() {
  audit_stream_.Close();
  dispatch_stream_.Close();
  stays_stream_.Close();
  watch::CloseStreams(alert_streams_.get());
  svr_.stop();
}

void Server::Wait() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace jingwu::http

#include "app/simulate.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <queue>
#include <random>
#include <thread>

#include "core/time.h"

namespace jingwu::app {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

// Relative call volume by hour of day (110 calls peak in the evening).
const double kHourly[24] = {0.5, 0.4, 0.3, 0.25, 0.25, 0.3, 0.45, 0.6, 0.75, 0.85, 0.9, 0.9,
                            0.85, 0.85, 0.85, 0.9,  0.95, 1.0, 1.0,  1.0, 0.95, 0.9, 0.8, 0.65};

const char* kCategories[] = {"public_order", "dispute", "assistance", "traffic", "criminal", "report", "fire", "other"};
const double kCategoryWeights[] = {25, 22, 20, 15, 10, 5, 1, 2};
struct Spot {
  const char* district;
  double lat, lon;
};
const Spot kSpots[] = {{"460106", 20.030, 110.330}, {"460108", 20.050, 110.345}, {"460107", 20.000, 110.355},
                       {"460105", 20.010, 110.285}, {"460108", 19.945, 110.455}, {"460107", 19.880, 110.500},
                       {"460105", 19.985, 110.200}, {"460106", 19.950, 110.320}};

class Sim {
 public:
  explicit Sim(const SimulateOptions& o) : o_(o), rng_(o.seed), cli_(o.url), stream_cli_(o.url) {
    cli_.set_connection_timeout(5);
    cli_.set_read_timeout(10);
  }

  Status Run();

 private:
  struct Resp {
    int status = 0;
    json body;
  };
  Resp Call(const std::string& method, const std::string& path, const json& body = nullptr);
  void Stream();

  struct Action {
    Clock::time_point due;
    int kind;  // 0 ack, 1 en route, 2 arrive, 3 close
    int64_t incident, unit;
    bool operator>(const Action& a) const { return due > a.due; }
  };
  Clock::time_point After(double sim_seconds) {
    return Clock::now() + std::chrono::microseconds(static_cast<int64_t>(sim_seconds / o_.speed * 1e6));
  }

  SimulateOptions o_;
  std::mt19937 rng_;
  httplib::Client cli_;
  httplib::Client stream_cli_;  // used by the stream thread; stop() from the main thread ends it
  std::string token_;
  std::map<std::string, std::vector<double>> latency_;  // by route kind, ms
  std::map<int, int64_t> statuses_;
  std::mutex seen_mu_;
  std::map<int64_t, Clock::time_point> seen_;  // seq -> when the stream delivered it; guarded by seen_mu_
  std::vector<std::pair<int64_t, Clock::time_point>> sent_;  // seq of a change -> when its request was sent
  std::atomic<bool> stop_{false};
  struct Moving {
    double lat, lon, to_lat, to_lon, speed_ms;
    bool moving = false;
  };
  std::map<int64_t, Moving> units_;
};

Sim::Resp Sim::Call(const std::string& method, const std::string& path, const json& body) {
  httplib::Headers h;
  if (!token_.empty()) h.emplace("Authorization", "Bearer " + token_);
  auto t0 = Clock::now();
  httplib::Result r = method == "GET" ? cli_.Get(path, h) : cli_.Post(path, h, body.dump(), "application/json");
  double ms = Ms(Clock::now() - t0);
  // The route with ids as {id}: "POST /api/v1/dispatch/incidents/{id}/assignments".
  std::string route = path.substr(0, path.find('?')), kind = method + " ";
  for (size_t i = 0; i < route.size();) {
    size_t j = route.find('/', i + 1);
    std::string seg = route.substr(i, j == std::string::npos ? std::string::npos : j - i);
    kind += seg.size() > 1 && std::all_of(seg.begin() + 1, seg.end(), ::isdigit) ? "/{id}" : seg;
    i = j == std::string::npos ? route.size() : j;
  }
  latency_[kind].push_back(ms);
  Resp out;
  if (!r) {
    ++statuses_[0];
    return out;
  }
  out.status = r->status;
  ++statuses_[r->status];
  out.body = json::parse(r->body, nullptr, false);
  return out;
}

void Sim::Stream() {
  httplib::Client& c = stream_cli_;
  c.set_read_timeout(30);
  httplib::Headers h{{"Authorization", "Bearer " + token_}, {"Accept", "text/event-stream"}};
  std::string buf;
  c.Get("/api/v1/dispatch/stream", h, [&](const char* data, size_t n) {
    buf.append(data, n);
    size_t cut;
    while ((cut = buf.find("\n\n")) != std::string::npos) {
      std::string block = buf.substr(0, cut);
      buf.erase(0, cut + 2);
      if (block.rfind("id: ", 0) == 0) {
        int64_t seq = std::strtoll(block.c_str() + 4, nullptr, 10);
        std::lock_guard lock(seen_mu_);
        seen_.emplace(seq, Clock::now());
      }
    }
    return !stop_.load();
  });
}

Status Sim::Run() {
  auto login = Call("POST", "/api/v1/auth/login", {{"username", o_.username}, {"password", o_.password}});
  if (login.status != 200 || !login.body.contains("token"))
    return Unauthenticated("login_failed", "cannot sign in as " + o_.username + " at " + o_.url);
  token_ = login.body["token"];

  // Units: use those there are, create SIM-nnn up to --units.
  auto list = Call("GET", "/api/v1/dispatch/units");
  if (list.status != 200) return PermissionDenied("permission_denied", "the user needs dispatch.read and dispatch.write");
  for (const auto& u : list.body["items"]) units_[u["id"]] = {u["lat"], u["lon"], 0, 0, 0};
  std::uniform_real_distribution<double> jitter(-0.02, 0.02);
  std::uniform_int_distribution<size_t> spot(0, std::size(kSpots) - 1);
  for (int i = static_cast<int>(units_.size()); i < o_.units; ++i) {
    const Spot& s = kSpots[spot(rng_)];
    char cs[32];
    std::snprintf(cs, sizeof cs, "SIM-%03d-%u", i + 1, o_.seed);
    const char* type = i % 5 == 4 ? "motorcycle" : i % 11 == 3 ? "traffic" : "patrol_car";
    auto r = Call("POST", "/api/v1/dispatch/units",
                  {{"call_sign", cs}, {"type", type}, {"station", "模拟"}, {"lat", s.lat + jitter(rng_)}, {"lon", s.lon + jitter(rng_)}});
    if (r.status == 201) units_[r.body["id"]] = {r.body["lat"], r.body["lon"], 0, 0, 0};
  }
  latency_.clear();
  statuses_.clear();

  std::thread stream([this] { Stream(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  std::priority_queue<Action, std::vector<Action>, std::greater<>> todo;
  std::discrete_distribution<int> category(std::begin(kCategoryWeights), std::end(kCategoryWeights));
  std::exponential_distribution<double> handling(1.0 / (20 * 60));  // mean 20 simulated minutes
  std::uniform_real_distribution<double> unit01(0, 1);
  const auto start = Clock::now();
  const auto end = start + std::chrono::milliseconds(static_cast<int64_t>(o_.minutes * 60000));
  auto next_call = start;
  auto next_positions = start;
  int64_t calls = 0, dispatched = 0, unserved = 0;
  auto remember = [&](const Resp& r, Clock::time_point sent) {
    if (r.status / 100 == 2 && r.body.contains("last_seq")) sent_.emplace_back(r.body["last_seq"], sent);
  };

  while (Clock::now() < end) {
    auto now = Clock::now();
    // The simulated time of day starts at 08:00 and runs at --speed.
    double sim_s = 8 * 3600 + std::chrono::duration<double>(now - start).count() * o_.speed;
    int hour = static_cast<int>(std::fmod(sim_s / 3600, 24));
    if (now >= next_call) {
      ++calls;
      const Spot& s = kSpots[spot(rng_)];
      json inc = {{"category", kCategories[category(rng_)]}, {"priority", 1 + static_cast<int>(unit01(rng_) * 4) % 4},
                  {"district_code", s.district},              {"lat", s.lat + jitter(rng_)},
                  {"lon", s.lon + jitter(rng_)},              {"address", "模拟警情"},
                  {"caller_phone", "139" + std::to_string(10000000 + rng_() % 89999999)}};
      auto t0 = Clock::now();
      auto created = Call("POST", "/api/v1/dispatch/incidents", inc);
      remember(created, t0);
      if (created.status == 201) {
        int64_t id = created.body["id"];
        auto recs = Call("GET", "/api/v1/dispatch/incidents/" + std::to_string(id) + "/recommendations?limit=1");
        if (recs.status == 200 && !recs.body["items"].empty()) {
          int64_t unit = recs.body["items"][0]["unit_id"];
          double eta = recs.body["items"][0]["eta_s"];
          t0 = Clock::now();
          auto d = Call("POST", "/api/v1/dispatch/incidents/" + std::to_string(id) + "/assignments", {{"unit_id", unit}});
          remember(d, t0);
          if (d.status == 200) {
            ++dispatched;
            double ack = 5 + unit01(rng_) * 30;
            todo.push({After(ack), 0, id, unit});
            todo.push({After(ack + 10), 1, id, unit});
            todo.push({After(ack + 10 + eta), 2, id, unit});
            todo.push({After(ack + 10 + eta + handling(rng_)), 3, id, unit});
            auto& m = units_[unit];
            m.to_lat = inc["lat"];
            m.to_lon = inc["lon"];
            m.speed_ms = eta > 0 ? std::hypot(m.to_lat - m.lat, m.to_lon - m.lon) / eta : 0;
          }
        } else {
          ++unserved;
          todo.push({After(handling(rng_)), 3, id, 0});
        }
      }
      double rate = o_.calls_per_hour * (o_.flat ? 1.0 : kHourly[hour]) / 3600.0 * o_.speed;  // per real second
      std::exponential_distribution<double> gap(rate);
      // From the previous arrival, not from now: slow requests do not thin the call rate.
      next_call += std::chrono::microseconds(static_cast<int64_t>(gap(rng_) * 1e6));
    }
    while (!todo.empty() && todo.top().due <= Clock::now()) {
      Action a = todo.top();
      todo.pop();
      std::string base = "/api/v1/dispatch/incidents/" + std::to_string(a.incident);
      auto t0 = Clock::now();
      Resp r;
      if (a.kind == 0) r = Call("POST", base + "/assignments/" + std::to_string(a.unit), {{"state", "acknowledged"}});
      if (a.kind == 1) {
        r = Call("POST", base + "/assignments/" + std::to_string(a.unit), {{"state", "en_route"}});
        units_[a.unit].moving = true;
      }
      if (a.kind == 2) {
        r = Call("POST", base + "/assignments/" + std::to_string(a.unit), {{"state", "on_scene"}});
        auto& m = units_[a.unit];
        m.moving = false;
        m.lat = m.to_lat;
        m.lon = m.to_lon;
        Call("POST", base + "/feedback", {{"text", "已到达现场处置"}});
      }
      if (a.kind == 3) r = Call("POST", base + "/close", {{"disposition", a.unit ? "resolved" : "no_action"}});
      remember(r, t0);
    }
    if (Clock::now() >= next_positions) {
      // Every unit reports every 10 simulated seconds; moving ones have moved.
      for (auto& [id, m] : units_) {
        if (m.moving) {
          double step = m.speed_ms * 10 * 1.4;  // degrees per 10 s along the detoured route, roughly
          double d = std::hypot(m.to_lat - m.lat, m.to_lon - m.lon);
          double f = d > 0 ? std::min(1.0, step / d) : 1;
          m.lat += (m.to_lat - m.lat) * f;
          m.lon += (m.to_lon - m.lon) * f;
        }
        Call("POST", "/api/v1/dispatch/units/" + std::to_string(id) + "/position", {{"lat", m.lat}, {"lon", m.lon}});
      }
      next_positions += std::chrono::microseconds(static_cast<int64_t>(10 / o_.speed * 1e6));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let the stream catch up
  stop_ = true;
  stream_cli_.stop();
  stream.join();
  cli_.Post("/api/v1/auth/logout", {{"Authorization", "Bearer " + token_}}, "", "application/json");

  double secs = o_.minutes * 60;
  std::printf("jingwu simulate dispatch: %.1f min at speed %.1f, %zu units\n", o_.minutes, o_.speed, units_.size());
  std::printf("  calls %lld (%.1f/min), dispatched %lld, no unit available %lld\n", static_cast<long long>(calls),
              static_cast<double>(calls) / (secs / 60), static_cast<long long>(dispatched), static_cast<long long>(unserved));
  std::vector<double> all;
  std::printf("  %-48s %8s %8s %8s %8s\n", "request", "count", "p50 ms", "p99 ms", "max ms");
  for (const auto& [kind, v] : latency_) {
    all.insert(all.end(), v.begin(), v.end());
    std::printf("  %-48s %8zu %8.2f %8.2f %8.2f\n", kind.c_str(), v.size(), Pct(v, 0.5), Pct(v, 0.99),
                *std::max_element(v.begin(), v.end()));
  }
  std::printf("  %-48s %8zu %8.2f %8.2f %8.2f\n", "all", all.size(), Pct(all, 0.5), Pct(all, 0.99),
              all.empty() ? 0 : *std::max_element(all.begin(), all.end()));
  std::printf("  requests per second %.1f; statuses:", static_cast<double>(all.size()) / secs);
  for (auto [st, n] : statuses_) std::printf(" %d×%lld", st, static_cast<long long>(n));
  std::vector<double> delivery;
  int64_t missing = 0;
  {
    std::lock_guard lock(seen_mu_);
    for (auto [seq, sent] : sent_) {
      auto it = seen_.find(seq);
      if (it == seen_.end()) ++missing;
      else delivery.push_back(Ms(it->second - sent));
    }
  }
  std::printf("\n  stream delivery (request sent → event on the stream), %zu changes: p50 %.1f ms, p99 %.1f ms, max %.1f ms, "
              "missing %lld\n",
              delivery.size(), Pct(delivery, 0.5), Pct(delivery, 0.99),
              delivery.empty() ? 0 : *std::max_element(delivery.begin(), delivery.end()), static_cast<long long>(missing));
  return Status::Ok();
}

}  // namespace

Status SimulateDispatch(const SimulateOptions& o) {
  if (o.speed <= 0 || o.calls_per_hour <= 0 || o.minutes <= 0 || o.units < 0)
    return InvalidArgument("bad_option", "--speed, --calls-per-hour and --minutes must be positive");
  if (o.username.empty()) return InvalidArgument("bad_option", "--user is required");
  Sim sim(o);
  return sim.Run();
}

}  // namespace jingwu::app

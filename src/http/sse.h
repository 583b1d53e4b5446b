// Server-sent events: a Broadcaster keeps the recent events of one stream
// and wakes the connections waiting on it; ServeEvents streams them to one
// client, first what it missed (Last-Event-ID), then live events, with a
// keep-alive comment every 15 seconds.
//
// Thread-safe: Publish from any thread; each connection runs on a server thread.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace jingwu::http {

struct SseEvent {
  int64_t id = 0;      // increasing; the client's Last-Event-ID
  std::string event;   // event name
  std::string data;    // one line of JSON
};

class Broadcaster {
 public:
  explicit Broadcaster(size_t keep = 1000) : keep_(keep) {}

  void Publish(SseEvent e);
  // Waits up to timeout_ms for events with id > after; returns them (maybe none).
  std::vector<SseEvent> WaitAfter(int64_t after, int timeout_ms);
  // Wakes every waiting connection so that they end (server shutdown).
  void Close();
  bool closed() const;
  int64_t LastId() const;  // 0 when nothing was published yet

 private:
  const size_t keep_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<SseEvent> recent_;  // guarded by mu_
  bool closed_ = false;          // guarded by mu_
};

std::string FormatSse(const SseEvent& e);

// Missed events before the live ones: (after_id, limit) -> at most limit
// events with id > after_id, in id order. When a client missed more than
// kMaxMissed, ServeEvents sends one `reset` event (reload instead) in their place.
using Backfill = std::function<std::vector<SseEvent>(int64_t after, size_t limit)>;
inline constexpr size_t kMaxMissed = 10000;

// Whether the client may still receive events (its session is valid); checked
// before anything is sent and at every wake-up, so a stream ends promptly when
// its session does.
using StillAllowed = std::function<bool()>;

// Sets res up as an event stream for one client.
void ServeEvents(const httplib::Request& req, httplib::Response& res, Broadcaster* b, Backfill backfill,
                 StillAllowed allowed);

}  // namespace jingwu::http

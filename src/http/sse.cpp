#include "http/sse.h"

#include <algorithm>
#include <chrono>

namespace jingwu::http {

void Broadcaster::Publish(SseEvent e) {
  {
    std::lock_guard lock(mu_);
    recent_.push_back(std::move(e));
    while (recent_.size() > keep_) recent_.pop_front();
  }
  cv_.notify_all();
}

std::vector<SseEvent> Broadcaster::WaitAfter(int64_t after, int timeout_ms) {
  std::unique_lock lock(mu_);
  auto has_new = [&] { return closed_ || (!recent_.empty() && recent_.back().id > after); };
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), has_new);
  std::vector<SseEvent> out;
  for (const auto& e : recent_)
    if (e.id > after) out.push_back(e);
  return out;
}

void Broadcaster::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool Broadcaster::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

std::string FormatSse(const SseEvent& e) {
  return "id: " + std::to_string(e.id) + "\nevent: " + e.event + "\ndata: " + e.data + "\n\n";
}

int64_t Broadcaster::LastId() const {
  std::lock_guard lock(mu_);
  return recent_.empty() ? 0 : recent_.back().id;
}

void ServeEvents(const httplib::Request& req, httplib::Response& res, Broadcaster* b, Backfill backfill,
                 StillAllowed allowed) {
  std::string header = req.get_header_value("Last-Event-ID");
  if (header.empty() && req.has_param("last_event_id")) header = req.get_param_value("last_event_id");
  struct State {
    int64_t last;
    bool backfill_due;
  };
  // A new client starts from now; a returning one from what it saw last.
  auto st = std::make_shared<State>(
      header.empty() ? State{b->LastId(), false} : State{std::strtoll(header.c_str(), nullptr, 10), true});
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider("text/event-stream", [b, backfill, allowed, st](size_t, httplib::DataSink& sink) {
    auto end = [&] {
      sink.done();
      return true;
    };
    auto send = [&](const std::vector<SseEvent>& events) {
      for (const auto& e : events) {
        if (e.id <= st->last) continue;
        std::string s = FormatSse(e);
        if (!sink.write(s.data(), s.size())) return false;
        st->last = e.id;
      }
      return true;
    };
    if (b->closed() || (allowed && !allowed())) return end();
    if (st->backfill_due) {
      st->backfill_due = false;
      if (backfill) {
        std::vector<SseEvent> missed = backfill(st->last, kMaxMissed + 1);
        if (missed.size() > kMaxMissed) {
          int64_t newest = std::max(b->LastId(), missed.back().id);
          missed = {{newest, "reset", R"({"reason":"too many missed events; reload"})"}};
        }
        if (!send(missed)) return false;
      }
    }
    auto events = b->WaitAfter(st->last, 15000);
    // Whatever woke us (an event, shutdown, the keep-alive timer), check the
    // session again before sending anything.
    if (b->closed() || (allowed && !allowed())) return end();
    if (events.empty()) return sink.is_writable() && sink.write(": keep-alive\n\n", 14);
    return send(events);
  });
}

}  // namespace jingwu::http

// Time points, ISO 8601 parsing/formatting and the Clock interface.
//
// A Timestamp is microseconds since the Unix epoch (UTC). Input times without
// an offset are read as Asia/Shanghai (UTC+08:00, no daylight saving since
// 1991); output is ISO 8601 with an explicit offset. Tests control time
// through ManualClock (STYLE.md habit 8).
//
// Thread-safety: SystemClock and ManualClock are safe to share.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace jingwu {

struct Timestamp {
  int64_t micros = 0;  // since 1970-01-01T00:00:00Z

  static Timestamp FromSeconds(int64_t s) { return {s * 1000000}; }
  int64_t seconds() const { return micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000); }
  Timestamp operator+(int64_t us) const { return {micros + us}; }
  auto operator<=>(const Timestamp&) const = default;
};

inline constexpr int64_t kMicrosPerSecond = 1000000;
inline constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
// Asia/Shanghai offset used when an input has none.
inline constexpr int kShanghaiOffsetMinutes = 8 * 60;

// Parses ISO 8601: a date (2020-01-31, read as local midnight), or a date and
// time separated by 'T' or a space, with optional seconds and fraction (up to
// microseconds) and an optional offset (Z, +08:00, +0800, +08). Rejects
// impossible dates and times (2019-02-29, 24:00:01) with code "invalid_time".
Result<Timestamp> ParseTime(std::string_view text, int default_offset_minutes = kShanghaiOffsetMinutes);

// 2020-01-31T08:00:00+08:00 (seconds precision, given offset).
std::string FormatTime(Timestamp t, int offset_minutes = kShanghaiOffsetMinutes);
// 2020-01-31T00:00:00.123456Z (UTC with microseconds, for the audit log).
std::string FormatTimeUtcMicros(Timestamp t);

// Days since epoch for a civil date and back (proleptic Gregorian).
int64_t DaysFromCivil(int y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int* y, int* m, int* d);
// "YYYY-MM-DD" of a day number (days since 1970-01-01).
std::string DayText(int64_t days);
// Days since 1970-01-01 of t's calendar date at the given offset (Asia/Shanghai by default).
int64_t LocalDay(Timestamp t, int offset_minutes = kShanghaiOffsetMinutes);
bool IsValidDate(int y, int m, int d);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_(start.micros) {}
  Timestamp Now() const override { return {now_.load()}; }
  void Set(Timestamp t) { now_.store(t.micros); }
  void Advance(int64_t micros) { now_.fetch_add(micros); }

 private:
  std::atomic<int64_t> now_;
};

// A clock that follows the system clock plus an adjustable offset; the
// server uses it when started with --test-clock so API tests can move time.
class OffsetClock final : public Clock {
 public:
  Timestamp Now() const override;
  void Advance(int64_t micros) { offset_.fetch_add(micros); }

 private:
  SystemClock base_;
  std::atomic<int64_t> offset_{0};
};

}  // namespace jingwu

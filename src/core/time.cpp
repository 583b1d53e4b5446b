#include "core/time.h"

#include <chrono>
#include <cstdio>

namespace jingwu {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly n digits at pos; advances pos.
bool ReadDigits(std::string_view s, size_t& pos, int n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

Status Bad(std::string_view text, const char* why) {
  return Validation("invalid_time", "invalid time '" + std::string(text) + "': " + why);
}

}  // namespace

int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool IsValidDate(int y, int m, int d) {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  return d <= max;
}

Result<Timestamp> ParseTime(std::string_view text, int default_offset_minutes) {
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  size_t p = 0;
  int y, mo, d, h = 0, mi = 0, sec = 0;
  int64_t frac_us = 0;
  if (!ReadDigits(s, p, 4, y) || p >= s.size() || s[p++] != '-' || !ReadDigits(s, p, 2, mo) ||
      p >= s.size() || s[p++] != '-' || !ReadDigits(s, p, 2, d))
    return Bad(text, "expected YYYY-MM-DD");
  if (!IsValidDate(y, mo, d)) return Bad(text, "no such date");
  int offset = default_offset_minutes;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return Bad(text, "expected 'T' after the date");
    ++p;
    if (!ReadDigits(s, p, 2, h) || p >= s.size() || s[p++] != ':' || !ReadDigits(s, p, 2, mi))
      return Bad(text, "expected HH:MM");
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!ReadDigits(s, p, 2, sec)) return Bad(text, "expected seconds");
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        int digits = 0;
        while (p < s.size() && IsDigit(s[p])) {
          if (digits < 6) frac_us = frac_us * 10 + (s[p] - '0');
          ++digits;
          ++p;
        }
        if (digits == 0) return Bad(text, "empty fraction");
        for (int i = digits; i < 6; ++i) frac_us *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 59) return Bad(text, "no such time of day");
    if (p < s.size()) {
      char c = s[p];
      if (c == 'Z' || c == 'z') {
        offset = 0;
        ++p;
      } else if (c == '+' || c == '-') {
        ++p;
        int oh, om = 0;
        if (!ReadDigits(s, p, 2, oh)) return Bad(text, "bad offset");
        if (p < s.size() && s[p] == ':') ++p;
        if (p < s.size() && !ReadDigits(s, p, 2, om)) return Bad(text, "bad offset");
        if (oh > 14 || om > 59) return Bad(text, "bad offset");
        offset = (c == '-' ? -1 : 1) * (oh * 60 + om);
      } else {
        return Bad(text, "unexpected characters after the time");
      }
      if (p != s.size()) return Bad(text, "unexpected characters after the offset");
    }
  }
  int64_t days = DaysFromCivil(y, mo, d);
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - static_cast<int64_t>(offset) * 60;
  return Timestamp{secs * kMicrosPerSecond + frac_us};
}

namespace {
void CivilFromDays(int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yy + (m <= 2));
}

struct Parts {
  int y;
  unsigned mo, d;
  int h, mi, s;
  int64_t us;
};

Parts Split(int64_t micros) {
  int64_t secs = micros >= 0 ? micros / kMicrosPerSecond : -((-micros + kMicrosPerSecond - 1) / kMicrosPerSecond);
  int64_t us = micros - secs * kMicrosPerSecond;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  Parts p{};
  CivilFromDays(days, p.y, p.mo, p.d);
  p.h = static_cast<int>(rem / 3600);
  p.mi = static_cast<int>(rem % 3600 / 60);
  p.s = static_cast<int>(rem % 60);
  p.us = us;
  return p;
}
}  // namespace

void CivilFromDays(int64_t days, int* y, int* m, int* d) {
  unsigned mm, dd;
  CivilFromDays(days, *y, mm, dd);
  *m = static_cast<int>(mm);
  *d = static_cast<int>(dd);
}

int64_t LocalDay(Timestamp t, int offset_minutes) {
  int64_t us = t.micros + static_cast<int64_t>(offset_minutes) * kMicrosPerMinute;
  int64_t day_us = 86400 * kMicrosPerSecond;
  return us >= 0 ? us / day_us : -((-us + day_us - 1) / day_us);
}

std::string FormatTime(Timestamp t, int offset_minutes) {
  Parts p = Split(t.micros + static_cast<int64_t>(offset_minutes) * kMicrosPerMinute);
  char buf[40];
  if (offset_minutes == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", p.y, p.mo, p.d, p.h, p.mi, p.s);
  } else {
    int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", p.y, p.mo, p.d, p.h, p.mi,
                  p.s, offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
  }
  return buf;
}

std::string FormatTimeUtcMicros(Timestamp t) {
  Parts p = Split(t.micros);
  char buf[80];  // wide enough for any int fields: -Werror=format-truncation at -O3
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", p.y, p.mo, p.d, p.h, p.mi, p.s,
                static_cast<long long>(p.us));
  return buf;
}

Timestamp SystemClock::Now() const {
  auto d = std::chrono::system_clock::now().time_since_epoch();
  return {std::chrono::duration_cast<std::chrono::microseconds>(d).count()};
}

Timestamp OffsetClock::Now() const { return base_.Now() + offset_.load(); }

std::string DayText(int64_t days) {
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

}  // namespace jingwu

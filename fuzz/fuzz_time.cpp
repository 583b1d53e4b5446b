// libFuzzer target: ParseTime (src/core/time.h) and the formatting round trip.
// Invariants: the default offset changes a result by exactly the difference of
// offsets (or not at all) and never whether it parses; FormatTimeUtcMicros
// parses back to the same instant and FormatTime to the same second, whenever
// the formatted year is one ParseTime accepts (0001-9999); LocalDay and the
// civil-date helpers agree.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/time.h"
#include "fuzz_check.h"

namespace jingwu {
namespace {

constexpr int kOffsets[] = {0, 480, -300, 330, 840, -840, 59, -899};

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

int LocalYear(Timestamp t, int offset_minutes) {
  int y, m, d;
  CivilFromDays(LocalDay(t, offset_minutes), &y, &m, &d);
  return y;
}

// Formatting and the day helpers for a timestamp ParseTime could have produced.
void CheckFormat(Timestamp t, std::string_view in) {
  const int64_t floor_secs = FloorDiv(t.micros, kMicrosPerSecond);
  FUZZ_CHECK(t.seconds() == floor_secs, in);
  if (LocalYear(t, 0) >= 1 && LocalYear(t, 0) <= 9999) {
    const std::string utc = FormatTimeUtcMicros(t);
    Result<Timestamp> back = ParseTime(utc);
    FUZZ_CHECK(back.ok() && back->micros == t.micros, std::string(in) + " -> " + utc);
  }
  for (int offset : kOffsets) {
    const int64_t day = LocalDay(t, offset);
    int y, m, d;
    CivilFromDays(day, &y, &m, &d);
    FUZZ_CHECK(DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) == day, in);
    if (y < 1 || y > 9999) continue;
    FUZZ_CHECK(IsValidDate(y, m, d), in);
    const std::string text = FormatTime(t, offset);
    Result<Timestamp> back = ParseTime(text);
    FUZZ_CHECK(back.ok() && back->micros == floor_secs * kMicrosPerSecond, std::string(in) + " -> " + text);
    // The date part alone is local midnight of the same day.
    Result<Timestamp> midnight = ParseTime(text.substr(0, 10), offset);
    FUZZ_CHECK(midnight.ok() && LocalDay(*midnight, offset) == day, std::string(in) + " -> " + text);
  }
}

}  // namespace
}  // namespace jingwu

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jingwu;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  Result<Timestamp> shanghai = ParseTime(in);
  Result<Timestamp> utc = ParseTime(in, 0);
  FUZZ_CHECK(shanghai.ok() == utc.ok(), in);
  if (shanghai.ok()) {
    const int64_t diff = utc->micros - shanghai->micros;
    FUZZ_CHECK(diff == 0 || diff == 480 * kMicrosPerMinute, in);
    CheckFormat(*shanghai, in);
  } else {
    FUZZ_CHECK(shanghai.status().code() == "invalid_time", in);
  }
  // Any instant from year 1 to 9999 (taken from the first 8 bytes) formats and parses back.
  if (size >= 8) {
    int64_t raw;
    std::memcpy(&raw, data, sizeof raw);
    const int64_t lo = DaysFromCivil(1, 1, 2) * 86400 * kMicrosPerSecond;
    const int64_t hi = DaysFromCivil(9999, 12, 30) * 86400 * kMicrosPerSecond;
    const uint64_t span = static_cast<uint64_t>(hi - lo);
    CheckFormat(Timestamp{lo + static_cast<int64_t>(static_cast<uint64_t>(raw) % span)}, in);
  }
  return 0;
}

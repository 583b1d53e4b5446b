// libFuzzer target: request bodies as the HTTP layer reads them
// (nlohmann::json::parse(body, nullptr, false), src/http/api.cpp) and the
// UTF-8 helpers of src/core/utf8.h on the same bytes. Invariants:
//   - parse never throws; a parsed body holds only well-formed UTF-8 strings
//     (IsValidUtf8 agrees with nlohmann's own check) and only finite numbers
//     (nlohmann 3.11 rejects 1e400 as an overflow), dumps without throwing and
//     parses back to an equal value;
//   - IsValidUtf8 agrees with an independent decoder written from Unicode
//     Table 3-7; SanitizeUtf8 returns valid UTF-8, is the identity on valid
//     input and idempotent; TruncateUtf8 returns the longest prefix of at most
//     N bytes that ends on a character boundary; TrimAscii strips exactly the
//     ASCII whitespace at both ends; error and audit fields built the way
//     http/api.cpp and audit/audit.cpp build them always serialise;
//   - the free-text checks (CheckText, TrimUnicode, HasControl, Utf8Chars)
//     agree with the reference decoder; built when core/utf8.h declares them.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "fuzz_check.h"

namespace jingwu {
namespace {

using nlohmann::json;

// Reference validator: Unicode 15, Table 3-7 (well-formed byte sequences).
bool ReferenceValid(std::string_view s) {
  size_t i = 0;
  const auto b = [&](size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(s[k])); };
  while (i < s.size()) {
    const unsigned c = b(i);
    if (c <= 0x7F) {
      ++i;
      continue;
    }
    size_t n;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
    else return false;
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((b(i + k) & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    const unsigned min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Walks a parsed value: every string and key valid UTF-8; false if a number is not finite.
bool CheckValue(const json& j, std::string_view in) {
  bool finite = true;
  if (j.is_string()) {
    FUZZ_CHECK(IsValidUtf8(j.get_ref<const std::string&>()), in);
  } else if (j.is_number_float()) {
    finite = std::isfinite(j.get<double>());
  } else if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      FUZZ_CHECK(IsValidUtf8(key), in);
      finite = CheckValue(value, in) && finite;
    }
  } else if (j.is_array()) {
    for (const json& value : j) finite = CheckValue(value, in) && finite;
  }
  return finite;
}

void CheckJson(std::string_view in) {
  json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(j.is_discarded() != json::accept(in), in);
  if (j.is_discarded()) return;
  const bool finite = CheckValue(j, in);
  const std::string text = j.dump();
  const std::string ascii = j.dump(-1, ' ', /*ensure_ascii=*/true);
  FUZZ_CHECK(IsValidUtf8(text), in);
  FUZZ_CHECK(finite, in);
  json back = json::parse(text, nullptr, false);
  FUZZ_CHECK(!back.is_discarded() && back == j, in);
  FUZZ_CHECK(back.dump() == text, in);
  json back_ascii = json::parse(ascii, nullptr, false);
  FUZZ_CHECK(!back_ascii.is_discarded() && back_ascii == j, in);
}

void CheckUtf8(std::string_view in) {
  const bool valid = IsValidUtf8(in);
  FUZZ_CHECK(valid == ReferenceValid(in), in);
  const std::string clean = SanitizeUtf8(in);
  FUZZ_CHECK(IsValidUtf8(clean), in);
  FUZZ_CHECK(valid == (clean == in), in);
  FUZZ_CHECK(SanitizeUtf8(clean) == clean, in);

  for (size_t max : {size_t{0}, size_t{1}, size_t{3}, in.size() / 2, in.size() > 0 ? in.size() - 1 : 0, size_t{64}}) {
    const std::string cut = TruncateUtf8(in, max);
    FUZZ_CHECK(cut.size() <= max || cut == in, in);
    FUZZ_CHECK(in.starts_with(cut), in);
    if (valid) {
      FUZZ_CHECK(IsValidUtf8(cut), in);
      // The longest such prefix: at most 3 bytes of a 4-byte character dropped.
      if (in.size() > max) FUZZ_CHECK(cut.size() + 3 >= max, in);
    }
    const std::string clean_cut = TruncateUtf8(clean, max);
    FUZZ_CHECK(IsValidUtf8(clean_cut), in);
  }

  const std::string_view trimmed = TrimAscii(in);
  if (!trimmed.empty()) {
    FUZZ_CHECK(trimmed.data() >= in.data() && trimmed.data() + trimmed.size() <= in.data() + in.size(), in);
    FUZZ_CHECK(!IsAsciiSpace(trimmed.front()) && !IsAsciiSpace(trimmed.back()), in);
  }
  const size_t head = trimmed.empty() ? in.size() : static_cast<size_t>(trimmed.data() - in.data());
  for (size_t k = 0; k < head; ++k) FUZZ_CHECK(IsAsciiSpace(in[k]), in);
  for (size_t k = head + trimmed.size(); k < in.size(); ++k) FUZZ_CHECK(IsAsciiSpace(in[k]), in);
  FUZZ_CHECK(TrimAscii(trimmed) == trimmed, in);

  // http/api.cpp's error body and audit/audit.cpp's field cleaning: must always serialise.
  const json error = {{"error", {{"code", "invalid_time"}, {"message", clean}}}};
  FUZZ_CHECK(IsValidUtf8(error.dump()), in);
  const json audit_field = TruncateUtf8(SanitizeUtf8(in), 1024);
  FUZZ_CHECK(IsValidUtf8(audit_field.dump()), in);
}

#ifdef JINGWU_FUZZ_TEXT_CHECKS
// Code points of valid UTF-8 (the reference decoder's reading).
std::u32string CodePoints(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const unsigned c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

bool IsControl(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// The free-text helpers of utf8.h (TrimUnicode, HasControl and Utf8Chars
// require valid UTF-8; CheckText takes anything).
void CheckTextHelpers(std::string_view in) {
  const bool valid = IsValidUtf8(in);
  for (bool multiline : {false, true}) {
    for (size_t max : {size_t{0}, size_t{5}, kShortText}) {
      const Status s = CheckText(in, "note", max, multiline);
      if (!valid) {
        FUZZ_CHECK(!s.ok() && s.code() == "invalid_text", in);
        continue;
      }
      const bool control = HasControl(in, multiline);
      FUZZ_CHECK(s.ok() == (!control && Utf8Chars(in) <= max), in);
      if (!s.ok()) FUZZ_CHECK(s.code() == (control ? "invalid_text" : "text_too_long"), in);
    }
  }

  const std::string text = valid ? std::string(in) : SanitizeUtf8(in);
  const std::u32string cps = CodePoints(text);
  FUZZ_CHECK(Utf8Chars(text) == cps.size(), in);
  bool any_control = false, any_hard_control = false;
  for (char32_t c : cps) {
    any_control = any_control || IsControl(c);
    any_hard_control = any_hard_control || (IsControl(c) && c != '\t' && c != '\n' && c != '\r');
  }
  FUZZ_CHECK(HasControl(text) == any_control, in);
  FUZZ_CHECK(HasControl(text, true) == any_hard_control, in);

  const std::string_view t = TrimUnicode(text);
  if (!t.empty()) {
    FUZZ_CHECK(t.data() >= text.data() && t.data() + t.size() <= text.data() + text.size(), in);
  }
  FUZZ_CHECK(IsValidUtf8(t), in);  // cut at character boundaries
  FUZZ_CHECK(TrimUnicode(t) == t, in);
  FUZZ_CHECK(TrimUnicode(TrimAscii(text)) == t, in);  // ASCII white space is among the blanks
  // The characters the header names are trimmed from both ends.
  for (std::string_view blank : {"\u3000", "\u00A0", "\u200B", "\uFEFF", "\x01", "\xC2\x85"}) {
    const std::string wrapped = std::string(blank) + text + std::string(blank);
    FUZZ_CHECK(TrimUnicode(wrapped) == t, in);
  }
}
#endif

}  // namespace
}  // namespace jingwu

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  jingwu::CheckJson(in);
  jingwu::CheckUtf8(in);
#ifdef JINGWU_FUZZ_TEXT_CHECKS
  jingwu::CheckTextHelpers(in);
#endif
  return 0;
}

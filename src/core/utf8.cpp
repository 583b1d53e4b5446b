#include "core/utf8.h"

namespace jingwu {
namespace {

// Length of the well-formed sequence at s[i], or 0 when ill-formed.
size_t SequenceLength(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) n = 3, lo = 0xA0;
  else if (c >= 0xE1 && c <= 0xEC) n = 3;
  else if (c == 0xED) n = 3, hi = 0x9F;  // no surrogates
  else if (c >= 0xEE && c <= 0xEF) n = 3;
  else if (c == 0xF0) n = 4, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else if (c == 0xF4) n = 4, hi = 0x8F;  // nothing past U+10FFFF
  else return 0;
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = SequenceLength(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string TruncateUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t end = max_bytes;
  // Step back over continuation bytes to the start of the cut character.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end));
}

std::string_view TrimAscii(std::string_view s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string_view::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

namespace {
// The code point starting at s[i] and its length; an ill-formed byte is
// U+FFFD of length 1 (never read past the end).
char32_t DecodeAt(std::string_view s, size_t i, size_t* len) {
  auto b = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[k])); };
  char32_t c = b(i);
  if (c < 0x80) { *len = 1; return c; }
  if (SequenceLength(s, i) == 0) { *len = 1; return 0xFFFD; }
  if (c < 0xE0) { *len = 2; return ((c & 0x1F) << 6) | (b(i + 1) & 0x3F); }
  if (c < 0xF0) { *len = 3; return ((c & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F); }
  *len = 4;
  return ((c & 0x07) << 18) | ((b(i + 1) & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) | (b(i + 3) & 0x3F);
}

bool IsControl(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// White_Space, controls, and the invisible format characters a blank field is made of.
bool IsBlankChar(char32_t c) {
  return IsControl(c) || c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x2060 || c == 0x3000 || c == 0xFEFF || c == 0x180E;
}
}  // namespace

std::string_view TrimUnicode(std::string_view s) {
  size_t start = 0, len = 0;
  while (start < s.size() && IsBlankChar(DecodeAt(s, start, &len))) start += len;
  size_t end = start;  // end of the last non-blank character
  for (size_t i = start; i < s.size(); i += len)
    if (!IsBlankChar(DecodeAt(s, i, &len))) end = i + len;
  return s.substr(start, end - start);
}

bool HasControl(std::string_view s, bool multiline) {
  size_t len = 0;
  for (size_t i = 0; i < s.size(); i += len) {
    char32_t c = DecodeAt(s, i, &len);
    if (IsControl(c) && !(multiline && (c == '\t' || c == '\n' || c == '\r'))) return true;
  }
  return false;
}

size_t Utf8Chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

Status CheckText(std::string_view value, std::string_view field, size_t max_chars, bool multiline) {
  std::string f(field);
  if (!IsValidUtf8(value)) return Validation("invalid_text", f + " is not valid UTF-8");
  if (HasControl(value, multiline))
    return Validation("invalid_text", f + " may not contain control characters" + (multiline ? "" : " or line breaks"));
  if (Utf8Chars(value) > max_chars)
    return Validation("text_too_long", f + " may have at most " + std::to_string(max_chars) + " characters");
  return Status::Ok();
}

}  // namespace jingwu

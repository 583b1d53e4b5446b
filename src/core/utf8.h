// UTF-8 checks for text that crosses a trust boundary (request parameters,
// headers, audit fields). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace jingwu {

// True when s is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view s);
// s with every ill-formed byte replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view s);
// At most max_bytes of s, cut at a character boundary.
std::string TruncateUtf8(std::string_view s, size_t max_bytes);
// s without leading and trailing ASCII whitespace (space, tab, CR, LF).
std::string_view TrimAscii(std::string_view s);

// s without leading and trailing Unicode white space, control and invisible
// format characters (U+3000, U+00A0, U+200B, U+FEFF, C0/C1 controls, ...).
// An ill-formed byte counts as a visible character.
std::string_view TrimUnicode(std::string_view s);
// True when s holds a C0 or C1 control character or DEL; with multiline,
// tab, CR and LF are allowed.
bool HasControl(std::string_view s, bool multiline = false);
// Number of code points in valid UTF-8.
size_t Utf8Chars(std::string_view s);

// Free text entered by a person (names, notes, reasons): valid UTF-8, no NUL
// or other control characters (tab and line breaks only when multiline), at
// most max_chars characters. 422 `invalid_text` or `text_too_long` naming the
// field.
Status CheckText(std::string_view value, std::string_view field, size_t max_chars, bool multiline = false);
// Common limits for CheckText.
inline constexpr size_t kShortText = 100;   // names, titles, places
inline constexpr size_t kLongText = 2000;   // reasons, notes, descriptions

}  // namespace jingwu

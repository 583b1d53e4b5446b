// UTF-8 checks for text that crosses a trust boundary (request parameters,
// headers, audit fields). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace jingwu {

// True when s is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view s);
// s with every ill-formed byte replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view s);
// At most max_bytes of s, cut at a character boundary.
std::string TruncateUtf8(std::string_view s, size_t max_bytes);
// s without leading and trailing ASCII whitespace (space, tab, CR, LF).
std::string_view TrimAscii(std::string_view s);

}  // namespace jingwu

// FUZZ_CHECK(cond, input): an invariant of a fuzz target. On failure prints the
// condition and the input (escaped) and aborts, which libFuzzer reports as a
// crash and saves the input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace jingwu::fuzz {

inline std::string Escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

[[noreturn]] inline void Fail(const char* file, int line, const char* cond, std::string_view input) {
  std::fprintf(stderr, "%s:%d: invariant failed: %s\n  input: \"%s\"\n", file, line, cond, Escape(input).c_str());
  std::abort();
}

}  // namespace jingwu::fuzz

#define FUZZ_CHECK(cond, input) \
  do {                          \
    if (!(cond)) ::jingwu::fuzz::Fail(__FILE__, __LINE__, #cond, (input)); \
  } while (0)

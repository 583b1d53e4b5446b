// TOTP second factor (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jingwu::auth {

inline constexpr int64_t kTotpStepSeconds = 30;

// The code for one time step (HOTP of the step counter, RFC 4226).
std::string TotpCode(const std::vector<uint8_t>& key, int64_t step, int digits = 6);

// Returns the step at which `code` is valid within +-window steps of
// unix_seconds, or nothing. The caller refuses a step it has seen before.
std::optional<int64_t> TotpMatch(const std::vector<uint8_t>& key, std::string_view code, int64_t unix_seconds,
                                 int window = 1);

// otpauth://totp/jingwu:USER?secret=...&issuer=jingwu (what the QR code holds).
std::string TotpUri(std::string_view username, std::string_view base32_secret);

}  // namespace jingwu::auth

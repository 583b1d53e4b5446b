// Small wrappers over libsodium used across modules: random tokens, SHA-256,
// hex and base32. Call InitCrypto() once at start-up (idempotent).
// Thread-safe after initialisation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jingwu {

void InitCrypto();

// n random bytes, hex-encoded / base64url-encoded (no padding).
std::string RandomHex(size_t n_bytes);
std::string RandomToken(size_t n_bytes = 32);
std::vector<uint8_t> RandomBytes(size_t n);

// Lower-case hex SHA-256 of data.
std::string Sha256Hex(std::string_view data);
std::string ToHex(const uint8_t* data, size_t n);

// RFC 4648 base32 without padding (the TOTP secret encoding); decode accepts
// lower case and ignores spaces and '='. Returns false on invalid characters.
std::string Base32Encode(const std::vector<uint8_t>& data);
bool Base32Decode(std::string_view text, std::vector<uint8_t>* out);

// Constant-time comparison of two strings of equal length.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace jingwu

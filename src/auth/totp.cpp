#include "auth/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/crypto.h"

namespace jingwu::auth {

std::string TotpCode(const std::vector<uint8_t>& key, int64_t step, int digits) {
  uint8_t msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<uint8_t>(step & 0xff);
    step >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), msg, sizeof msg, mac, &len);
  int off = mac[len - 1] & 0x0f;
  uint32_t bin = (static_cast<uint32_t>(mac[off] & 0x7f) << 24) | (static_cast<uint32_t>(mac[off + 1]) << 16) |
                 (static_cast<uint32_t>(mac[off + 2]) << 8) | mac[off + 3];
  uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::string s = std::to_string(bin % mod);
  return std::string(digits - s.size(), '0') + s;
}

std::optional<int64_t> TotpMatch(const std::vector<uint8_t>& key, std::string_view code, int64_t unix_seconds,
                                 int window) {
  if (code.size() != 6) return std::nullopt;
  int64_t now = unix_seconds / kTotpStepSeconds;
  for (int64_t d = -window; d <= window; ++d)
    if (ConstantTimeEquals(TotpCode(key, now + d), code)) return now + d;
  return std::nullopt;
}

std::string TotpUri(std::string_view username, std::string_view secret) {
  return "otpauth://totp/jingwu:" + std::string(username) + "?secret=" + std::string(secret) +
         "&issuer=jingwu&algorithm=SHA1&digits=6&period=30";
}

}  // namespace jingwu::auth

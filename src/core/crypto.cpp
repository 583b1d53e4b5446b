#include "core/crypto.h"

#include <sodium.h>

#include <cstdlib>

namespace jingwu {

void InitCrypto() {
  if (sodium_init() < 0) std::abort();  // cannot run safely without a CSPRNG
}

std::vector<uint8_t> RandomBytes(size_t n) {
  InitCrypto();
  std::vector<uint8_t> b(n);
  randombytes_buf(b.data(), n);
  return b;
}

std::string ToHex(const uint8_t* data, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

std::string RandomHex(size_t n_bytes) {
  auto b = RandomBytes(n_bytes);
  return ToHex(b.data(), b.size());
}

std::string RandomToken(size_t n_bytes) {
  auto b = RandomBytes(n_bytes);
  std::string out(sodium_base64_ENCODED_LEN(n_bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), b.data(), b.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return ToHex(h, sizeof h);
}

static constexpr char kB32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string Base32Encode(const std::vector<uint8_t>& data) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (uint8_t b : data) {
    buf = (buf << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kB32[(buf >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kB32[(buf << (5 - bits)) & 31];
  return out;
}

bool Base32Decode(std::string_view text, std::vector<uint8_t>* out) {
  out->clear();
  uint32_t buf = 0;
  int bits = 0;
  for (char c : text) {
    if (c == ' ' || c == '=') continue;
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a';
    else if (c >= '2' && c <= '7') v = c - '2' + 26;
    else return false;
    buf = (buf << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out->push_back(static_cast<uint8_t>((buf >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return true;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace jingwu

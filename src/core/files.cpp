#include "core/files.h"

#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/crypto.h"

namespace jingwu {

bool ContentMatches(const std::string& type, const std::string& b) {
  if (type == "application/pdf") return b.rfind("%PDF-", 0) == 0;
  if (type == "image/png") return b.rfind("\x89PNG\r\n\x1a\n", 0) == 0;
  if (type == "image/jpeg") return b.size() >= 3 && b.rfind("\xFF\xD8\xFF", 0) == 0;
  return false;
}

Status WriteFileDurably(const std::string& path, const std::string& data) {
  std::filesystem::path p(path);
  std::error_code ec;
  std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) return Internal("cannot create " + p.parent_path().string());
  std::string tmp = path + ".tmp" + RandomHex(4);
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Internal("cannot write " + tmp);
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size() && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  int err = ok ? 0 : errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok && !err) err = errno;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    if (!err) err = errno;
    std::remove(tmp.c_str());
    if (err == ENOSPC || err == EDQUOT) return Unavailable("storage_full", "the server's disk is full; nothing was stored");
    return Unavailable("storage_unavailable", "cannot write " + path + ": " + std::strerror(err));
  }
  return Status::Ok();
}

Result<std::string> StoreBySha256(const std::string& dir, const std::string& bytes) {
  if (dir.empty()) return Internal("no uploads folder configured");
  std::string sha = Sha256Hex(bytes);
  std::string path = dir + "/" + sha.substr(0, 2) + "/" + sha;
  if (!std::filesystem::exists(path)) JW_RETURN_IF_ERROR(WriteFileDurably(path, bytes));
  return sha;
}

Result<std::string> Base64Decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), "\n\r ",
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return Validation("invalid_base64", "the data is not base64");
  out.resize(len);
  return out;
}

}  // namespace jingwu

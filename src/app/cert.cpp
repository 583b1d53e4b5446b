#include "app/cert.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace jingwu::app {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;

// Opens path for writing, created 0600 and never over an existing file.
Result<FILE*> CreatePrivate(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Conflict("file_exists", path + " exists or cannot be created; remove it first");
  FILE* f = fdopen(fd, "w");
  if (!f) {
    ::close(fd);
    return Internal("cannot open " + path);
  }
  return f;
}

}  // namespace

Status WriteSelfSigned(const SelfSignedOptions& o) {
  if (o.hosts.empty()) return InvalidArgument("bad_args", "name at least one host");
  PKey key(EVP_EC_gen("P-256"));
  if (!key) return Internal("key generation failed");
  Cert x(X509_new());
  X509_set_version(x.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), static_cast<long>(o.days) * 86400);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("jingwu"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(o.hosts[0].c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  std::string san;
  for (const auto& h : o.hosts) {
    unsigned char buf[16];
    bool ip = inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
    san += (san.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + h;
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, san},
                            {NID_basic_constraints, "critical,CA:FALSE"},
                            {NID_key_usage, "critical,digitalSignature"},
                            {NID_ext_key_usage, "serverAuth"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) return InvalidArgument("bad_host", "cannot use '" + value + "' in a certificate");
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x.get(), key.get(), EVP_sha256()) <= 0) return Internal("signing the certificate failed");

  std::error_code ec;
  for (const auto& p : {o.cert_path, o.key_path}) {
    auto dir = std::filesystem::path(p).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  }
  JW_ASSIGN_OR_RETURN(FILE* kf, CreatePrivate(o.key_path));
  bool ok = PEM_write_PrivateKey(kf, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  ok = std::fclose(kf) == 0 && ok;
  if (!ok) return Internal("cannot write " + o.key_path);
  auto cf = CreatePrivate(o.cert_path);
  if (!cf.ok()) {
    std::filesystem::remove(o.key_path, ec);
    return cf.status();
  }
  ok = PEM_write_X509(*cf, x.get()) == 1;
  ok = std::fclose(*cf) == 0 && ok;
  if (!ok) return Internal("cannot write " + o.cert_path);
  return Status::Ok();
}

}  // namespace jingwu::app

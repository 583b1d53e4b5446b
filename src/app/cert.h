// `jingwu cert self-signed`: a TLS certificate and key for a first run.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace jingwu::app {

struct SelfSignedOptions {
  std::string cert_path;           // PEM certificate, written 0600
  std::string key_path;            // PEM private key (ECDSA P-256), written 0600
  std::vector<std::string> hosts;  // names and addresses it is valid for (subjectAltName)
  int days = 825;
};

// Writes a self-signed certificate and its key; refuses to overwrite either.
Status WriteSelfSigned(const SelfSignedOptions& o);

}  // namespace jingwu::app

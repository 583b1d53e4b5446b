// Files the server stores: uploads checked against their declared type and
// written durably (the service hall's materials, tip photos).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace jingwu {

// Whether the leading bytes are those of the type (application/pdf,
// image/png, image/jpeg): a declared type must match the content.
bool ContentMatches(const std::string& type, const std::string& bytes);

// Writes data to path atomically and durably (temp file, fsync, rename),
// creating the folder. 503 storage_full / storage_unavailable.
Status WriteFileDurably(const std::string& path, const std::string& data);

// Stores bytes under dir by their SHA-256 (dir/ab/abcdef…) once; returns the hash.
Result<std::string> StoreBySha256(const std::string& dir, const std::string& bytes);

// Standard base64 (with padding) to bytes; nullopt-like failure as 422 invalid_base64.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace jingwu

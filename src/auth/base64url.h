#ifndef MISC_SRC_AUTH_BASE64URL_H_
#define MISC_SRC_AUTH_BASE64URL_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace misc::auth {

// Decodes unpadded base64url (RFC 7515 section 2) strictly: only A-Z a-z 0-9 - _, no padding,
// no whitespace, and the unused low bits of the last character must be zero, so every byte
// string has exactly one accepted encoding. Returns std::nullopt for anything else.
std::optional<std::string> Base64UrlDecode(absl::string_view encoded);

// Encodes `bytes` as unpadded base64url.
std::string Base64UrlEncode(absl::string_view bytes);

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_BASE64URL_H_

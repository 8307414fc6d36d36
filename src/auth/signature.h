#ifndef MISC_SRC_AUTH_SIGNATURE_H_
#define MISC_SRC_AUTH_SIGNATURE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "src/auth/jwks.h"

namespace misc::auth {

// Verifies JWS `signature` over `signing_input` with `key`, using the key's own algorithm
// (never one a token asks for): RS256 needs a signature as long as the modulus, ES256 the raw
// 64-byte R||S of RFC 7518 section 3.4 (DER is rejected), EdDSA 64 bytes. Returns false for
// a wrong signature, a wrong length or any OpenSSL error.
bool VerifySignature(const PublicKey& key, absl::string_view signing_input,
                     absl::string_view signature);

// Converts a raw ES256 signature (32-byte big-endian R, then S) to the DER ECDSA-Sig-Value
// OpenSSL expects. Returns std::nullopt unless `raw` is exactly 64 bytes.
std::optional<std::string> Es256RawToDer(absl::string_view raw);

// Converts a DER ECDSA-Sig-Value from OpenSSL to the raw 64-byte R||S a JWS carries. Returns
// std::nullopt when `der` does not parse or R or S needs more than 32 bytes.
std::optional<std::string> Es256DerToRaw(absl::string_view der);

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_SIGNATURE_H_

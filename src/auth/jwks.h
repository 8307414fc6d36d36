#ifndef MISC_SRC_AUTH_JWKS_H_
#define MISC_SRC_AUTH_JWKS_H_

#include <openssl/types.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/auth/jwt_algorithm.h"

namespace misc::auth {

// The largest JWKS document accepted, in bytes.
inline constexpr size_t kMaxJwksBytes = size_t{1024} * 1024;
// The most keys one JWKS may hold.
inline constexpr size_t kMaxJwksKeys = 100;

// One verification key from a JWKS, bound to exactly one algorithm. Immutable and shared
// between threads (OpenSSL allows concurrent verifications with one EVP_PKEY).
struct PublicKey {
  std::string kid;
  JwtAlgorithm algorithm = JwtAlgorithm::kRs256;
  std::shared_ptr<EVP_PKEY> key;
};

// The verification keys of one JWKS document, by kid.
class KeySet {
 public:
  KeySet() = default;

  // Returns the key for a token's `kid`. A token without a kid may use the only key of a set
  // holding exactly one; with more keys it must name one. Returns nullptr when no key fits.
  const PublicKey* Find(const std::optional<std::string>& kid) const;

  // Returns the number of usable keys.
  size_t size() const { return keys_.size(); }

  // Why each key of the document that misc cannot use was left out ("key 2: an RSA key needs
  // \"alg\": \"RS256\""), in document order; never key material.
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  friend absl::StatusOr<KeySet> ParseJwks(absl::string_view json);

  absl::flat_hash_map<std::string, PublicKey> keys_;
  std::vector<std::string> skipped_;
};

// Parses a JWK Set (RFC 7517 section 5) of public signature keys. A key misc uses needs a
// non-empty kid and a consistent type and algorithm: kty RSA with alg RS256 (2048 to 8192
// bits), kty EC with crv P-256 (alg ES256 if present) or kty OKP with crv Ed25519 (alg EdDSA
// if present); use, if present, must be "sig" and key_ops must include "verify". Any other key
// (another type or algorithm, an encryption key, private members, broken material) is left
// out and listed in skipped(). Returns INVALID_ARGUMENT, saying what is wrong (naming keys by
// position, never key material), when the document is not a key set, when two usable keys share
// a kid, or when no usable key remains.
absl::StatusOr<KeySet> ParseJwks(absl::string_view json);

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_JWKS_H_

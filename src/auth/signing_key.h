#ifndef MISC_SRC_AUTH_SIGNING_KEY_H_
#define MISC_SRC_AUTH_SIGNING_KEY_H_

#include <openssl/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/auth/jwt_algorithm.h"

// Private keys for signing tokens: for misc-devtoken, tests and benchmarks only. Servers
// verify; the BFF signs the real tokens. Part of misc_jwt_signer, which no server links.

namespace misc::auth {

// A private key with the kid and algorithm its tokens carry.
struct SigningKey {
  std::string kid;
  JwtAlgorithm algorithm = JwtAlgorithm::kEs256;
  std::shared_ptr<EVP_PKEY> key;
};

// Generates a fresh key for `algorithm`: RSA 2048 for RS256, P-256 for ES256, Ed25519 for
// EdDSA. Returns INTERNAL when OpenSSL fails.
absl::StatusOr<SigningKey> GenerateSigningKey(JwtAlgorithm algorithm, std::string kid);

// Reads a PEM private key (PKCS#8 or traditional) and picks the algorithm from its type: RSA
// (2048 bits or more) gives RS256, P-256 ES256, Ed25519 EdDSA. Returns INVALID_ARGUMENT for
// anything else or a PEM that does not parse.
absl::StatusOr<SigningKey> SigningKeyFromPem(absl::string_view pem, std::string kid);

// Returns `key` as an unencrypted PKCS#8 PEM private key; INTERNAL when OpenSSL fails.
absl::StatusOr<std::string> PrivateKeyPem(const SigningKey& key);

// Returns the public half of `key` as a PEM SubjectPublicKeyInfo; INTERNAL when OpenSSL fails.
absl::StatusOr<std::string> PublicKeyPem(const SigningKey& key);

// Returns the public JWK of `key` as JSON text, with kty, kid, use "sig", alg and its
// public parameters; INTERNAL when OpenSSL cannot export them.
absl::StatusOr<std::string> PublicJwk(const SigningKey& key);

// Returns a JWKS document ({"keys": [...]}) holding the public JWK of each of `keys`.
absl::StatusOr<std::string> JwksJson(const std::vector<SigningKey>& keys);

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_SIGNING_KEY_H_

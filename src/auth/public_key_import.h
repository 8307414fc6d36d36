#ifndef MISC_SRC_AUTH_PUBLIC_KEY_IMPORT_H_
#define MISC_SRC_AUTH_PUBLIC_KEY_IMPORT_H_

#include <openssl/types.h>

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace misc::auth {

// Builds an RSA public key from big-endian modulus `n` and exponent `e`. Returns
// INVALID_ARGUMENT when the modulus is not 2048 to 8192 bits or the exponent is not odd and
// above 1, or OpenSSL rejects the key.
absl::StatusOr<std::shared_ptr<EVP_PKEY>> ImportRsaPublicKey(absl::string_view n,
                                                             absl::string_view e);

// Builds a P-256 public key from 32-byte big-endian coordinates `x` and `y`. Returns
// INVALID_ARGUMENT when a coordinate has the wrong length or the point is not on the curve.
absl::StatusOr<std::shared_ptr<EVP_PKEY>> ImportP256PublicKey(absl::string_view x,
                                                              absl::string_view y);

// Builds an Ed25519 public key from its 32-byte encoding `x`. Returns INVALID_ARGUMENT when
// `x` has the wrong length or OpenSSL rejects it.
absl::StatusOr<std::shared_ptr<EVP_PKEY>> ImportEd25519PublicKey(absl::string_view x);

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_PUBLIC_KEY_IMPORT_H_

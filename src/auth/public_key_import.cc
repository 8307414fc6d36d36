#include "src/auth/public_key_import.h"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <string>

#include "absl/status/status.h"
#include "src/auth/openssl_ptr.h"

namespace misc::auth {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;
constexpr size_t kP256CoordinateBytes = 32;
constexpr size_t kEd25519KeyBytes = 32;

const unsigned char* Bytes(absl::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// Builds a public key of OpenSSL type `type` ("RSA", "EC") from `params`.
absl::StatusOr<std::shared_ptr<EVP_PKEY>> FromParams(const char* type, OSSL_PARAM_BLD* builder) {
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(builder));
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || context == nullptr || EVP_PKEY_fromdata_init(context.get()) <= 0 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    ERR_clear_error();
    return absl::InvalidArgumentError("key rejected by OpenSSL");
  }
  std::shared_ptr<EVP_PKEY> shared = Share(key);
  // Validates the public key: for EC that the point is on the curve and in the group.
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) <= 0) {
    ERR_clear_error();
    return absl::InvalidArgumentError("invalid public key");
  }
  return shared;
}

}  // namespace

absl::StatusOr<std::shared_ptr<EVP_PKEY>> ImportRsaPublicKey(absl::string_view n,
                                                             absl::string_view e) {
  BignumPtr modulus(BN_bin2bn(Bytes(n), static_cast<int>(n.size()), nullptr));
  BignumPtr exponent(BN_bin2bn(Bytes(e), static_cast<int>(e.size()), nullptr));
  if (modulus == nullptr || exponent == nullptr) return absl::InternalError("out of memory");
  const int bits = BN_num_bits(modulus.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return absl::InvalidArgumentError("RSA modulus must have 2048 to 8192 bits");
  }
  if (!BN_is_odd(exponent.get()) || BN_is_one(exponent.get()) || BN_num_bits(exponent.get()) > 64) {
    return absl::InvalidArgumentError("invalid RSA exponent");
  }
  OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (builder == nullptr ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get())) {
    return absl::InternalError("out of memory");
  }
  return FromParams("RSA", builder.get());
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> ImportP256PublicKey(absl::string_view x,
                                                              absl::string_view y) {
  if (x.size() != kP256CoordinateBytes || y.size() != kP256CoordinateBytes) {
    return absl::InvalidArgumentError("P-256 coordinates must be 32 bytes");
  }
  // SEC 1 uncompressed point: 0x04 || x || y.
  std::string point(1, '\x04');
  point.append(x.data(), x.size());
  point.append(y.data(), y.size());
  OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (builder == nullptr ||
      !OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                       0) ||
      !OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return absl::InternalError("out of memory");
  }
  return FromParams("EC", builder.get());
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> ImportEd25519PublicKey(absl::string_view x) {
  if (x.size() != kEd25519KeyBytes) {
    return absl::InvalidArgumentError("Ed25519 key must be 32 bytes");
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(x), x.size());
  if (key == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("key rejected by OpenSSL");
  }
  return Share(key);
}

}  // namespace misc::auth

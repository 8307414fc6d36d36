#include "src/auth/signing_key.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/status/status.h"
#include "src/auth/base64url.h"
#include "src/auth/openssl_ptr.h"

namespace misc::auth {
namespace {

using Json = nlohmann::json;

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

absl::Status OpenSslError(absl::string_view what) {
  ERR_clear_error();
  return absl::InternalError(what);
}

// Returns what `bio` (a memory BIO) holds.
std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const int64_t length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(length));
}

// Returns the big-endian bytes of BIGNUM parameter `name` of `key`, left-padded to `width`.
absl::StatusOr<std::string> BignumParam(const EVP_PKEY* key, const char* name, int width = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return OpenSslError("cannot export key");
  BignumPtr number(raw);
  const int size = width > 0 ? width : BN_num_bytes(number.get());
  std::string bytes(static_cast<size_t>(size), '\0');
  if (BN_bn2binpad(number.get(), reinterpret_cast<unsigned char*>(bytes.data()), size) < 0) {
    return OpenSslError("cannot export key");
  }
  return bytes;
}

// Returns the JWK algorithm of OpenSSL key `key`, or an error for a type misc does not use.
absl::StatusOr<JwtAlgorithm> AlgorithmOf(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) < 2048) {
      return absl::InvalidArgumentError("RSA keys need at least 2048 bits");
    }
    return JwtAlgorithm::kRs256;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &length) != 1 ||
        absl::string_view(group, length) != "prime256v1") {
      ERR_clear_error();
      return absl::InvalidArgumentError("EC keys must be on curve P-256");
    }
    return JwtAlgorithm::kEs256;
  }
  if (EVP_PKEY_is_a(key, "ED25519")) return JwtAlgorithm::kEdDsa;
  return absl::InvalidArgumentError("the key must be RSA, EC P-256 or Ed25519");
}

}  // namespace

absl::StatusOr<SigningKey> GenerateSigningKey(JwtAlgorithm algorithm, std::string kid) {
  EVP_PKEY* key = nullptr;
  switch (algorithm) {
    case JwtAlgorithm::kRs256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
      break;
    case JwtAlgorithm::kEs256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case JwtAlgorithm::kEdDsa:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (key == nullptr) return OpenSslError("key generation failed");
  return SigningKey{.kid = std::move(kid), .algorithm = algorithm, .key = Share(key)};
}

absl::StatusOr<SigningKey> SigningKeyFromPem(absl::string_view pem, std::string kid) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslError("out of memory");
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not a PEM private key");
  }
  std::shared_ptr<EVP_PKEY> key = Share(raw);
  absl::StatusOr<JwtAlgorithm> algorithm = AlgorithmOf(key.get());
  if (!algorithm.ok()) return algorithm.status();
  return SigningKey{.kid = std::move(kid), .algorithm = *algorithm, .key = std::move(key)};
}

absl::StatusOr<std::string> PrivateKeyPem(const SigningKey& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PrivateKey(bio.get(), key.key.get(), nullptr, nullptr, 0,
                                                 nullptr, nullptr) != 1) {
    return OpenSslError("cannot write the private key");
  }
  return BioContents(bio.get());
}

absl::StatusOr<std::string> PublicKeyPem(const SigningKey& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key.key.get()) != 1) {
    return OpenSslError("cannot write the public key");
  }
  return BioContents(bio.get());
}

absl::StatusOr<std::string> PublicJwk(const SigningKey& key) {
  Json jwk = {
      {"kid", key.kid}, {"use", "sig"}, {"alg", std::string(JwtAlgorithmName(key.algorithm))}};
  switch (key.algorithm) {
    case JwtAlgorithm::kRs256: {
      absl::StatusOr<std::string> n = BignumParam(key.key.get(), OSSL_PKEY_PARAM_RSA_N);
      absl::StatusOr<std::string> e = BignumParam(key.key.get(), OSSL_PKEY_PARAM_RSA_E);
      if (!n.ok()) return n.status();
      if (!e.ok()) return e.status();
      jwk["kty"] = "RSA";
      jwk["n"] = Base64UrlEncode(*n);
      jwk["e"] = Base64UrlEncode(*e);
      break;
    }
    case JwtAlgorithm::kEs256: {
      absl::StatusOr<std::string> x = BignumParam(key.key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32);
      absl::StatusOr<std::string> y = BignumParam(key.key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32);
      if (!x.ok()) return x.status();
      if (!y.ok()) return y.status();
      jwk["kty"] = "EC";
      jwk["crv"] = "P-256";
      jwk["x"] = Base64UrlEncode(*x);
      jwk["y"] = Base64UrlEncode(*y);
      break;
    }
    case JwtAlgorithm::kEdDsa: {
      std::string x(32, '\0');
      size_t length = x.size();
      if (EVP_PKEY_get_raw_public_key(key.key.get(), reinterpret_cast<unsigned char*>(x.data()),
                                      &length) != 1 ||
          length != x.size()) {
        return OpenSslError("cannot export key");
      }
      jwk["kty"] = "OKP";
      jwk["crv"] = "Ed25519";
      jwk["x"] = Base64UrlEncode(x);
      break;
    }
  }
  return jwk.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<std::string> JwksJson(const std::vector<SigningKey>& keys) {
  Json jwks = {{"keys", Json::array()}};
  for (const SigningKey& key : keys) {
    absl::StatusOr<std::string> jwk = PublicJwk(key);
    if (!jwk.ok()) return jwk.status();
    jwks["keys"].push_back(Json::parse(*jwk));
  }
  return jwks.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace misc::auth

#include "src/auth/jwt_signer.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "src/auth/base64url.h"
#include "src/auth/openssl_ptr.h"
#include "src/auth/signature.h"

namespace misc::auth {

absl::StatusOr<std::string> SignBytes(const SigningKey& key, absl::string_view input,
                                      EcdsaEncoding encoding) {
  EvpMdCtxPtr context(EVP_MD_CTX_new());
  const EVP_MD* digest = key.algorithm == JwtAlgorithm::kEdDsa ? nullptr : EVP_sha256();
  size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (context == nullptr ||
      EVP_DigestSignInit(context.get(), nullptr, digest, nullptr, key.key.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length, data, input.size()) != 1) {
    ERR_clear_error();
    return absl::InternalError("signing failed");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     data, input.size()) != 1) {
    ERR_clear_error();
    return absl::InternalError("signing failed");
  }
  signature.resize(length);
  if (key.algorithm != JwtAlgorithm::kEs256 || encoding == EcdsaEncoding::kDer) return signature;
  std::optional<std::string> raw = Es256DerToRaw(signature);
  if (!raw.has_value()) return absl::InternalError("unexpected ECDSA signature");
  return *std::move(raw);
}

absl::StatusOr<std::string> SignJwt(const SigningKey& key, absl::string_view header_json,
                                    absl::string_view claims_json, EcdsaEncoding encoding) {
  const std::string signing_input =
      absl::StrCat(Base64UrlEncode(header_json), ".", Base64UrlEncode(claims_json));
  absl::StatusOr<std::string> signature = SignBytes(key, signing_input, encoding);
  if (!signature.ok()) return signature.status();
  return absl::StrCat(signing_input, ".", Base64UrlEncode(*signature));
}

absl::StatusOr<std::string> SignUserToken(const SigningKey& key, const UserTokenClaims& claims) {
  using Json = nlohmann::json;
  const Json header = {
      {"alg", std::string(JwtAlgorithmName(key.algorithm))}, {"typ", "JWT"}, {"kid", key.kid}};
  Json payload = {{"iss", claims.issuer},
                  {"sub", claims.subject},
                  {"aud", claims.audience},
                  {"iat", absl::ToUnixSeconds(claims.issued_at)},
                  {"exp", absl::ToUnixSeconds(claims.issued_at + claims.ttl)}};
  if (claims.not_before.has_value()) payload["nbf"] = absl::ToUnixSeconds(*claims.not_before);
  constexpr auto kReplace = Json::error_handler_t::replace;
  return SignJwt(key, header.dump(-1, ' ', false, kReplace),
                 payload.dump(-1, ' ', false, kReplace));
}

}  // namespace misc::auth

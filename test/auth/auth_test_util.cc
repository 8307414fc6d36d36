#include "test/auth/auth_test_util.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/auth/base64url.h"

namespace misc::auth::testing {
namespace {

const SigningKey& Generated(JwtAlgorithm algorithm, const char* kid) {
  absl::StatusOr<SigningKey> key = GenerateSigningKey(algorithm, kid);
  if (!key.ok()) {
    ADD_FAILURE() << key.status();
    std::abort();
  }
  return *new SigningKey(*std::move(key));
}

}  // namespace

const SigningKey& RsaKey() {
  static const SigningKey& key = Generated(JwtAlgorithm::kRs256, "rsa-1");
  return key;
}
const SigningKey& EcKey() {
  static const SigningKey& key = Generated(JwtAlgorithm::kEs256, "ec-1");
  return key;
}
const SigningKey& EdKey() {
  static const SigningKey& key = Generated(JwtAlgorithm::kEdDsa, "ed-1");
  return key;
}
const SigningKey& OtherEcKey() {
  static const SigningKey& key = Generated(JwtAlgorithm::kEs256, "ec-2");
  return key;
}

JwksFile::JwksFile(const std::vector<SigningKey>& keys) {
  static std::atomic<int> counter{0};
  path_ = absl::StrCat(::testing::TempDir(), "jwks-", getpid(), "-", counter++, ".json");
  Write(keys);
}

JwksFile::~JwksFile() { std::remove(path_.c_str()); }

void JwksFile::Write(const std::vector<SigningKey>& keys) {
  absl::StatusOr<std::string> jwks = JwksJson(keys);
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  WriteText(*jwks);
}

void JwksFile::WriteText(absl::string_view text) {
  // Through a rename, as a deployment would replace the file.
  const std::string temporary = path_ + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << temporary;
  }
  ASSERT_EQ(std::rename(temporary.c_str(), path_.c_str()), 0) << path_;
}

JwtVerifierOptions TestOptions(const std::string& jwks_file) {
  return {.jwks_file = jwks_file,
          .issuer = kIssuer,
          .audience = kAudience,
          .clock_skew = absl::Seconds(60)};
}

std::unique_ptr<JwtVerifier> MakeVerifier(const std::string& jwks_file) {
  absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier =
      JwtVerifier::Create(TestOptions(jwks_file));
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return verifier.ok() ? *std::move(verifier) : nullptr;
}

nlohmann::json HeaderFor(const SigningKey& key) {
  return {{"alg", std::string(JwtAlgorithmName(key.algorithm))}, {"typ", "JWT"}, {"kid", key.kid}};
}

nlohmann::json ValidClaims() { return ValidClaimsAt(kNow); }

nlohmann::json ValidClaimsAt(absl::Time now) {
  return {{"iss", kIssuer},
          {"aud", kAudience},
          {"sub", "42"},
          {"iat", absl::ToUnixSeconds(now)},
          {"exp", absl::ToUnixSeconds(now + absl::Hours(1))}};
}

std::string Sign(const SigningKey& key, const nlohmann::json& header, const nlohmann::json& claims,
                 EcdsaEncoding encoding) {
  absl::StatusOr<std::string> token = SignJwt(key, header.dump(), claims.dump(), encoding);
  EXPECT_TRUE(token.ok()) << token.status();
  return token.value_or("");
}

std::string SignText(const SigningKey& key, absl::string_view header_json,
                     absl::string_view claims_json) {
  absl::StatusOr<std::string> token = SignJwt(key, header_json, claims_json);
  EXPECT_TRUE(token.ok()) << token.status();
  return token.value_or("");
}

std::string ValidToken(const SigningKey& key) { return Sign(key, HeaderFor(key), ValidClaims()); }

std::string JwsParts::Join() const { return absl::StrCat(header, ".", payload, ".", signature); }

JwsParts SplitJws(absl::string_view token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(parts.size(), 3u) << "not a compact JWS";
  parts.resize(3);
  return {parts[0], parts[1], parts[2]};
}

std::string EncodeJson(const nlohmann::json& json) { return Base64UrlEncode(json.dump()); }

std::string WithHeader(absl::string_view token, const nlohmann::json& header) {
  JwsParts parts = SplitJws(token);
  parts.header = EncodeJson(header);
  return parts.Join();
}

std::string WithClaims(absl::string_view token, const nlohmann::json& claims) {
  JwsParts parts = SplitJws(token);
  parts.payload = EncodeJson(claims);
  return parts.Join();
}

std::string WithFlippedSignatureBit(absl::string_view token) {
  JwsParts parts = SplitJws(token);
  std::optional<std::string> signature = Base64UrlDecode(parts.signature);
  EXPECT_TRUE(signature.has_value() && !signature->empty()) << "signature is not base64url";
  if (!signature.has_value() || signature->empty()) return parts.Join();
  (*signature)[signature->size() / 2] ^= 0x01;
  parts.signature = Base64UrlEncode(*signature);
  return parts.Join();
}

std::string UnsignedToken(absl::string_view alg, const nlohmann::json& claims) {
  const nlohmann::json header = {{"alg", std::string(alg)}, {"typ", "JWT"}};
  return absl::StrCat(EncodeJson(header), ".", EncodeJson(claims), ".");
}

std::string HmacWithPublicKeyPemToken(const SigningKey& key, absl::string_view hmac_alg,
                                      const nlohmann::json& claims) {
  const char* digest = hmac_alg == "HS384" ? "SHA384" : hmac_alg == "HS512" ? "SHA512" : "SHA256";
  absl::StatusOr<std::string> pem = PublicKeyPem(key);
  EXPECT_TRUE(pem.ok()) << pem.status();
  if (!pem.ok()) return "";
  const nlohmann::json header = {{"alg", std::string(hmac_alg)}, {"typ", "JWT"}, {"kid", key.kid}};
  const std::string input = absl::StrCat(EncodeJson(header), ".", EncodeJson(claims));
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_length = 0;
  const bool maced = EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, pem->data(), pem->size(),
                               reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                               mac, sizeof(mac), &mac_length) != nullptr;
  EXPECT_TRUE(maced) << "HMAC failed";
  return absl::StrCat(
      input, ".",
      Base64UrlEncode(absl::string_view(reinterpret_cast<const char*>(mac), mac_length)));
}

std::string PaddedToken(const SigningKey& key, const nlohmann::json& claims, size_t min_bytes) {
  nlohmann::json padded = claims;
  padded["pad"] = "";
  std::string unpadded = Sign(key, HeaderFor(key), padded);
  if (unpadded.size() >= min_bytes) return unpadded;
  // Each 3 pad bytes add 4 token bytes; start just short and grow one byte at a time.
  size_t pad = (min_bytes - unpadded.size()) * 3 / 4;
  pad = pad > 4 ? pad - 4 : 0;
  for (;; ++pad) {
    padded["pad"] = std::string(pad, 'x');
    std::string token = Sign(key, HeaderFor(key), padded);
    if (token.size() >= min_bytes || token.empty()) return token;
  }
}

}  // namespace misc::auth::testing

namespace misc::auth::testing {

::testing::AssertionResult RejectedFor(const Verification& result, VerifyReason reason) {
  if (result.reason != reason) {
    return ::testing::AssertionFailure() << "outcome " << VerifyReasonLabel(result.reason)
                                         << ", expected " << VerifyReasonLabel(reason);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsInvalidToken(const absl::StatusOr<Viewer>& result) {
  if (result.ok()) return ::testing::AssertionFailure() << "accepted, expected invalid token";
  if (result.status().code() != absl::StatusCode::kUnauthenticated ||
      result.status().message() != kInvalidTokenMessage) {
    return ::testing::AssertionFailure()
           << result.status() << ", expected UNAUTHENTICATED \"" << kInvalidTokenMessage << "\"";
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult AcceptedAs(const absl::StatusOr<Viewer>& result, int64_t user_id) {
  if (!result.ok()) return ::testing::AssertionFailure() << result.status();
  if (result->user_id() != user_id) {
    return ::testing::AssertionFailure()
           << "user " << result->user_id().value_or(0) << ", expected " << user_id;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult AcceptedAs(const Verification& result, int64_t user_id) {
  if (result.reason != VerifyReason::kOk) {
    return ::testing::AssertionFailure() << "refused: " << VerifyReasonLabel(result.reason);
  }
  if (result.user_id != user_id) {
    return ::testing::AssertionFailure() << "user " << result.user_id << ", expected " << user_id;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace misc::auth::testing

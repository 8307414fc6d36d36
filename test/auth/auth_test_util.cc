#include "test/auth/auth_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"

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

nlohmann::json ValidClaims() {
  return {{"iss", kIssuer},
          {"aud", kAudience},
          {"sub", "42"},
          {"iat", absl::ToUnixSeconds(kNow)},
          {"exp", absl::ToUnixSeconds(kNow + absl::Hours(1))}};
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

}  // namespace misc::auth::testing

namespace misc::auth::testing {

::testing::AssertionResult RejectedFor(const absl::StatusOr<Viewer>& result, VerifyReason reason) {
  if (result.ok()) {
    return ::testing::AssertionFailure()
           << "accepted, expected \"" << VerifyReasonMessage(reason) << "\"";
  }
  if (result.status().code() != absl::StatusCode::kUnauthenticated ||
      result.status().message() != VerifyReasonMessage(reason)) {
    return ::testing::AssertionFailure() << result.status() << ", expected UNAUTHENTICATED \""
                                         << VerifyReasonMessage(reason) << "\"";
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

}  // namespace misc::auth::testing

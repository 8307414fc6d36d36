// Valid tokens of every algorithm, and the claim checks (time with skew, iss, aud, sub).
#include "src/auth/jwt_verifier.h"

#include <gtest/gtest.h>

#include "test/auth/auth_test_util.h"

namespace misc::auth {
namespace {

using ::misc::auth::testing::AcceptedAs;
using ::misc::auth::testing::EcKey;
using ::misc::auth::testing::EdKey;
using ::misc::auth::testing::HeaderFor;
using ::misc::auth::testing::JwksFile;
using ::misc::auth::testing::kNow;
using ::misc::auth::testing::RejectedFor;
using ::misc::auth::testing::RsaKey;
using ::misc::auth::testing::Sign;
using ::misc::auth::testing::ValidClaims;
using ::misc::auth::testing::ValidToken;

constexpr absl::Duration kSkew = absl::Seconds(60);

class JwtVerifierTest : public ::testing::Test {
 protected:
  JwtVerifierTest()
      : jwks_({RsaKey(), EcKey(), EdKey()}), verifier_(testing::MakeVerifier(jwks_.path())) {}

  // Verifies `claims` signed by `key` at kNow.
  absl::StatusOr<Viewer> VerifyClaims(const nlohmann::json& claims,
                                      const SigningKey& key = EcKey()) {
    return verifier_->Verify(Sign(key, HeaderFor(key), claims), kNow);
  }

  JwksFile jwks_;
  std::unique_ptr<JwtVerifier> verifier_;
};

TEST_F(JwtVerifierTest, AcceptsValidRs256Es256AndEdDsaTokens) {
  EXPECT_TRUE(AcceptedAs(verifier_->Verify(ValidToken(RsaKey()), kNow), 42));
  EXPECT_TRUE(AcceptedAs(verifier_->Verify(ValidToken(EcKey()), kNow), 42));
  EXPECT_TRUE(AcceptedAs(verifier_->Verify(ValidToken(EdKey()), kNow), 42));
}

TEST_F(JwtVerifierTest, AcceptsTokensWithNbfAndWithoutTypOrIat) {
  nlohmann::json claims = ValidClaims();
  claims["nbf"] = absl::ToUnixSeconds(kNow - absl::Minutes(1));
  EXPECT_TRUE(AcceptedAs(VerifyClaims(claims, RsaKey()), 42));
  EXPECT_TRUE(AcceptedAs(VerifyClaims(claims, EcKey()), 42));
  claims.erase("nbf");
  claims.erase("iat");
  nlohmann::json header = HeaderFor(EcKey());
  header.erase("typ");
  EXPECT_TRUE(AcceptedAs(verifier_->Verify(Sign(EcKey(), header, claims), kNow), 42));
}

TEST_F(JwtVerifierTest, AcceptsTheLargestUserIdAndFractionalTimes) {
  nlohmann::json claims = ValidClaims();
  claims["sub"] = "9223372036854775807";
  claims["exp"] = static_cast<double>(absl::ToUnixSeconds(kNow)) + 0.5;
  EXPECT_TRUE(AcceptedAs(VerifyClaims(claims), INT64_MAX));
}

TEST_F(JwtVerifierTest, ExpiryIsCheckedWithTheClockSkewToTheSecond) {
  nlohmann::json claims = ValidClaims();
  claims["iat"] = absl::ToUnixSeconds(kNow - absl::Hours(2));
  claims["exp"] = absl::ToUnixSeconds(kNow - kSkew + absl::Seconds(1));
  EXPECT_TRUE(AcceptedAs(VerifyClaims(claims), 42));
  claims["exp"] = absl::ToUnixSeconds(kNow - kSkew);
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kExpired));
  claims["exp"] = absl::ToUnixSeconds(kNow - kSkew - absl::Seconds(1));
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kExpired));
}

TEST_F(JwtVerifierTest, NotBeforeIsCheckedWithTheClockSkewToTheSecond) {
  nlohmann::json claims = ValidClaims();
  claims.erase("iat");
  claims["nbf"] = absl::ToUnixSeconds(kNow + kSkew - absl::Seconds(1));
  EXPECT_TRUE(AcceptedAs(VerifyClaims(claims), 42));
  claims["nbf"] = absl::ToUnixSeconds(kNow + kSkew);
  EXPECT_TRUE(AcceptedAs(VerifyClaims(claims), 42));
  claims["nbf"] = absl::ToUnixSeconds(kNow + kSkew + absl::Seconds(1));
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kNotYetValid));
}

TEST_F(JwtVerifierTest, RejectsIssuedAtInTheFutureBeyondTheSkew) {
  nlohmann::json claims = ValidClaims();
  claims["iat"] = absl::ToUnixSeconds(kNow + kSkew - absl::Seconds(1));
  EXPECT_TRUE(AcceptedAs(VerifyClaims(claims), 42));
  claims["iat"] = absl::ToUnixSeconds(kNow + kSkew + absl::Seconds(1));
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kNotYetValid));
}

TEST_F(JwtVerifierTest, RejectsMissingOrNonNumericTimes) {
  nlohmann::json claims = ValidClaims();
  claims.erase("exp");
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kInvalidClaims));
  for (const nlohmann::json& bad :
       {nlohmann::json(std::to_string(absl::ToUnixSeconds(kNow) + 60)), nlohmann::json(true),
        nlohmann::json(nullptr), nlohmann::json::array({absl::ToUnixSeconds(kNow) + 60}),
        nlohmann::json(-1), nlohmann::json(1e300)}) {
    claims = ValidClaims();
    claims["exp"] = bad;
    EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kInvalidClaims)) << bad;
    claims = ValidClaims();
    claims["nbf"] = bad;
    EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kInvalidClaims)) << bad;
    claims = ValidClaims();
    claims["iat"] = bad;
    EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kInvalidClaims)) << bad;
  }
}

TEST_F(JwtVerifierTest, RejectsAWrongOrMissingIssuer) {
  nlohmann::json claims = ValidClaims();
  claims["iss"] = "https://evil.example";
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kWrongIssuer));
  claims["iss"] = std::string(testing::kIssuer) + "/";
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kWrongIssuer));
  claims.erase("iss");
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kInvalidClaims));
  claims["iss"] = 1;
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kInvalidClaims));
}

TEST_F(JwtVerifierTest, AudienceMayBeAnArrayThatContainsOurs) {
  nlohmann::json claims = ValidClaims();
  claims["aud"] = {"other", testing::kAudience};
  EXPECT_TRUE(AcceptedAs(VerifyClaims(claims), 42));
  claims["aud"] = {"other"};
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kWrongAudience));
  claims["aud"] = nlohmann::json::array();
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kWrongAudience));
}

TEST_F(JwtVerifierTest, RejectsAWrongMissingOrMistypedAudience) {
  nlohmann::json claims = ValidClaims();
  claims["aud"] = "misc-api-other";
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kWrongAudience));
  claims.erase("aud");
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kInvalidClaims));
  claims["aud"] = {testing::kAudience, 7};
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kInvalidClaims));
  claims["aud"] = {{"aud", testing::kAudience}};
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kInvalidClaims));
}

TEST_F(JwtVerifierTest, SubjectMustBeACanonicalPositiveDecimalString) {
  for (const char* bad : {"0", "-1", "+1", "01", "abc", "", " 42", "42 ", "4 2", "1e3", "0x2a",
                          "9223372036854775808", "99999999999999999999", "４２"}) {
    nlohmann::json claims = ValidClaims();
    claims["sub"] = bad;
    EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kInvalidSubject)) << bad;
  }
  nlohmann::json claims = ValidClaims();
  claims["sub"] = 42;
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kInvalidSubject));
  claims.erase("sub");
  EXPECT_TRUE(RejectedFor(VerifyClaims(claims), VerifyReason::kInvalidSubject));
}

TEST_F(JwtVerifierTest, CountsOutcomesByReason) {
  ASSERT_TRUE(verifier_->Verify(ValidToken(EcKey()), kNow).ok());
  ASSERT_FALSE(verifier_->Verify(ValidToken(EcKey()), kNow + absl::Hours(2)).ok());
  ASSERT_FALSE(verifier_->Verify(ValidToken(EcKey()), kNow + absl::Hours(3)).ok());
  const std::map<std::string, int64_t> counts = verifier_->VerificationCounts();
  EXPECT_EQ(counts.at("ok"), 1);
  EXPECT_EQ(counts.at("expired"), 2);
  EXPECT_EQ(counts.at("bad_signature"), 0);
  EXPECT_EQ(counts.size(), static_cast<size_t>(kVerifyReasonCount));
}

TEST(JwtVerifierCreateTest, NeedsIssuerAndAudienceWithAJwksFile) {
  JwksFile jwks({EcKey()});
  JwtVerifierOptions options = testing::TestOptions(jwks.path());
  options.issuer.clear();
  EXPECT_EQ(JwtVerifier::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = testing::TestOptions(jwks.path());
  options.audience.clear();
  EXPECT_EQ(JwtVerifier::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JwtVerifierCreateTest, FailsWhenTheJwksFileIsMissing) {
  EXPECT_FALSE(JwtVerifier::Create(testing::TestOptions("/nonexistent/jwks.json")).ok());
}

TEST(JwtVerifierCreateTest, WithoutAJwksFileEveryTokenIsRejected) {
  absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier = JwtVerifier::Create({});
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_TRUE(RejectedFor((*verifier)->Verify(ValidToken(EcKey()), kNow), VerifyReason::kNoKeys));
  EXPECT_TRUE((*verifier)->ReloadKeys().ok());
}

}  // namespace
}  // namespace misc::auth

// Valid tokens of every algorithm, and the claim checks (time with skew, iss, aud, sub).
#include "src/auth/jwt_verifier.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/auth/base64url.h"
#include "test/auth/auth_test_util.h"

namespace misc::auth {
namespace {

using ::misc::auth::testing::AcceptedAs;
using ::misc::auth::testing::EcKey;
using ::misc::auth::testing::EdKey;
using ::misc::auth::testing::HeaderFor;
using ::misc::auth::testing::JwksFile;
using ::misc::auth::testing::kNow;
using ::misc::auth::testing::OtherEcKey;
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
  Verification VerifyClaims(const nlohmann::json& claims, const SigningKey& key = EcKey()) {
    return verifier_->Check(Sign(key, HeaderFor(key), claims), kNow);
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

TEST_F(JwtVerifierTest, EveryRefusalGivesTheCallerTheSameMessageAndTheMetricTheReason) {
  nlohmann::json wrong_issuer = ValidClaims();
  wrong_issuer["iss"] = "https://elsewhere.example/";
  nlohmann::json wrong_audience = ValidClaims();
  wrong_audience["aud"] = "someone-else";
  nlohmann::json header = HeaderFor(EcKey());
  header["kid"] = "no-such-kid";
  const std::vector<std::pair<std::string, std::string>> tokens = {
      {"expired", ValidToken(EcKey())},  // Verified two hours late, below.
      {"wrong_issuer", Sign(EcKey(), HeaderFor(EcKey()), wrong_issuer)},
      {"wrong_audience", Sign(EcKey(), HeaderFor(EcKey()), wrong_audience)},
      {"unknown_key", Sign(EcKey(), header, ValidClaims())},
      {"malformed", "not.a.token"},
  };
  for (const auto& [label, token] : tokens) {
    const absl::Time now = label == "expired" ? kNow + absl::Hours(2) : kNow;
    const int64_t before = verifier_->VerificationCounts().at(label);
    EXPECT_TRUE(testing::IsInvalidToken(verifier_->Verify(token, now))) << label;
    EXPECT_EQ(verifier_->VerificationCounts().at(label), before + 1) << label;
  }
}

// The claims of a token whose signature does not hold are never looked at: a forgery naming
// the wrong issuer, audience or an expired time is a bad signature, nothing more.
TEST_F(JwtVerifierTest, ClaimsAreCheckedOnlyAfterTheSignature) {
  nlohmann::json claims = ValidClaims();
  claims["iss"] = "https://elsewhere.example/";
  claims["aud"] = "someone-else";
  claims["exp"] = absl::ToUnixSeconds(kNow - absl::Hours(1));
  const std::string signed_by_other = Sign(OtherEcKey(), HeaderFor(EcKey()), claims);
  EXPECT_TRUE(RejectedFor(verifier_->Check(signed_by_other, kNow), VerifyReason::kBadSignature));
}

// Garbage is refused before any key is looked up: a malformed token naming an unknown kid
// does not reread the JWKS (which would pick up the key added below).
TEST_F(JwtVerifierTest, MalformedTokensAreRefusedBeforeAnyKeyLookup) {
  const nlohmann::json header = HeaderFor(OtherEcKey());
  const std::string garbage_with_kid = absl::StrCat(
      Base64UrlEncode(header.dump()), ".", Base64UrlEncode("not json"), ".", Base64UrlEncode("x"));
  EXPECT_TRUE(RejectedFor(verifier_->Check(garbage_with_kid, kNow), VerifyReason::kMalformed));
  // The key is added now. Had the malformed token spent the unknown-kid reread (rate limited
  // to one per 5 s), this valid token's reread would be refused and the key not found.
  jwks_.Write({RsaKey(), EcKey(), EdKey(), OtherEcKey()});
  EXPECT_TRUE(AcceptedAs(verifier_->Check(Sign(OtherEcKey(), header, ValidClaims()), kNow), 42));
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
  EXPECT_TRUE(RejectedFor((*verifier)->Check(ValidToken(EcKey()), kNow), VerifyReason::kNoKeys));
  EXPECT_TRUE((*verifier)->ReloadKeys().ok());
}

}  // namespace
}  // namespace misc::auth

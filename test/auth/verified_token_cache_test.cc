// The verified-token cache: what a hit may skip (parsing, the signature) and what it never
// skips (the claims, a key set change, a byte that differs).
#include "src/auth/verified_token_cache.h"

#include <gtest/gtest.h>

#include <string>

#include "src/auth/jwt_verifier.h"
#include "test/auth/auth_test_util.h"

namespace misc::auth {
namespace {

using ::misc::auth::testing::AcceptedAs;
using ::misc::auth::testing::EcKey;
using ::misc::auth::testing::HeaderFor;
using ::misc::auth::testing::JwksFile;
using ::misc::auth::testing::kNow;
using ::misc::auth::testing::OtherEcKey;
using ::misc::auth::testing::RejectedFor;
using ::misc::auth::testing::RsaKey;
using ::misc::auth::testing::Sign;
using ::misc::auth::testing::ValidClaims;
using ::misc::auth::testing::ValidToken;
using ::misc::auth::testing::WithFlippedSignatureBit;

JwtClaims ClaimsFor(absl::string_view subject) {
  JwtClaims claims;
  claims.subject = std::string(subject);
  claims.expires_at = kNow + absl::Hours(1);
  return claims;
}

TEST(VerifiedTokenCacheTest, FindsOnlyAByteIdenticalTokenVerifiedWithTheSameKeys) {
  VerifiedTokenCache cache(8);
  auto keys = std::make_shared<const KeySet>();
  cache.Insert("a.b.c", keys, ClaimsFor("42"));
  ASSERT_NE(cache.Find("a.b.c", keys.get()), nullptr);
  EXPECT_EQ(cache.Find("a.b.c", keys.get())->subject, "42");
  EXPECT_EQ(cache.Find("a.b.d", keys.get()), nullptr);
  EXPECT_EQ(cache.Find("a.b.c ", keys.get()), nullptr);
  auto other_keys = std::make_shared<const KeySet>();
  EXPECT_EQ(cache.Find("a.b.c", other_keys.get()), nullptr);
}

TEST(VerifiedTokenCacheTest, AnotherKeySetEmptiesTheCache) {
  VerifiedTokenCache cache(8);
  auto old_keys = std::make_shared<const KeySet>();
  auto new_keys = std::make_shared<const KeySet>();
  cache.Insert("one", old_keys, ClaimsFor("1"));
  cache.Insert("two", new_keys, ClaimsFor("2"));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Find("one", old_keys.get()), nullptr);
  EXPECT_EQ(cache.Find("one", new_keys.get()), nullptr);
  EXPECT_NE(cache.Find("two", new_keys.get()), nullptr);
}

TEST(VerifiedTokenCacheTest, StaysWithinItsCapacity) {
  VerifiedTokenCache cache(3);
  auto keys = std::make_shared<const KeySet>();
  for (int i = 0; i < 100; ++i) {
    cache.Insert(std::to_string(i), keys, ClaimsFor("7"));
    EXPECT_LE(cache.size(), 3u);
  }
  EXPECT_NE(cache.Find("99", keys.get()), nullptr);  // The newest entry is always kept.
}

TEST(VerifiedTokenCacheTest, CapacityZeroAndOversizeTokensAreNeverStored) {
  auto keys = std::make_shared<const KeySet>();
  VerifiedTokenCache off(0);
  off.Insert("a.b.c", keys, ClaimsFor("42"));
  EXPECT_EQ(off.Find("a.b.c", keys.get()), nullptr);
  VerifiedTokenCache cache(8);
  const std::string huge(kMaxTokenBytes + 1, 'a');
  cache.Insert(huge, keys, ClaimsFor("42"));
  EXPECT_EQ(cache.size(), 0u);
}

class CachingVerifierTest : public ::testing::Test {
 protected:
  CachingVerifierTest()
      : jwks_({RsaKey(), EcKey()}), verifier_(testing::MakeVerifier(jwks_.path())) {}

  JwksFile jwks_;
  std::unique_ptr<JwtVerifier> verifier_;
};

TEST_F(CachingVerifierTest, ATokenSentAgainIsAnsweredFromTheCache) {
  const std::string token = ValidToken(RsaKey());  // RS256 signatures are deterministic.
  EXPECT_TRUE(AcceptedAs(verifier_->Verify(token, kNow), 42));
  EXPECT_EQ(verifier_->CachedVerifications(), 0);
  EXPECT_TRUE(AcceptedAs(verifier_->Verify(token, kNow), 42));
  EXPECT_TRUE(AcceptedAs(verifier_->Verify(token, kNow + absl::Minutes(5)), 42));
  EXPECT_EQ(verifier_->CachedVerifications(), 2);
  EXPECT_EQ(verifier_->VerificationCounts().at("ok"), 3);
}

TEST_F(CachingVerifierTest, ACachedTokenStillExpires) {
  const std::string token = ValidToken(RsaKey());  // exp is kNow + 1h.
  EXPECT_TRUE(AcceptedAs(verifier_->Verify(token, kNow), 42));
  EXPECT_TRUE(RejectedFor(verifier_->Check(token, kNow + absl::Hours(2)), VerifyReason::kExpired));
  EXPECT_EQ(verifier_->CachedVerifications(), 1);  // Answered from the cache, and still refused.
}

TEST_F(CachingVerifierTest, ARemovedKeyStopsItsCachedTokensAtTheReload) {
  const std::string token = ValidToken(RsaKey());
  EXPECT_TRUE(AcceptedAs(verifier_->Verify(token, kNow), 42));
  EXPECT_TRUE(AcceptedAs(verifier_->Verify(token, kNow), 42));
  jwks_.Write({EcKey(), OtherEcKey()});
  ASSERT_TRUE(verifier_->ReloadKeys().ok());
  EXPECT_TRUE(RejectedFor(verifier_->Check(token, kNow), VerifyReason::kUnknownKey));
}

TEST_F(CachingVerifierTest, AChangedSignatureIsCheckedEvenAfterTheTokenWasCached) {
  const std::string token = ValidToken(RsaKey());
  EXPECT_TRUE(AcceptedAs(verifier_->Verify(token, kNow), 42));
  std::string forged = token;
  forged[forged.size() - 2] = forged[forged.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_TRUE(RejectedFor(verifier_->Check(forged, kNow), VerifyReason::kBadSignature));
  // Same signature, other claims: the signature no longer covers them.
  nlohmann::json claims = ValidClaims();
  claims["sub"] = "43";
  const std::string other = Sign(RsaKey(), HeaderFor(RsaKey()), claims);
  const std::string spliced = other.substr(0, other.rfind('.')) + token.substr(token.rfind('.'));
  EXPECT_TRUE(RejectedFor(verifier_->Check(spliced, kNow), VerifyReason::kBadSignature));
}

TEST_F(CachingVerifierTest, ATokenWhoseSignatureDoesNotHoldIsNeverCached) {
  const std::string forged = WithFlippedSignatureBit(ValidToken(RsaKey()));
  EXPECT_TRUE(RejectedFor(verifier_->Check(forged, kNow), VerifyReason::kBadSignature));
  EXPECT_TRUE(RejectedFor(verifier_->Check(forged, kNow), VerifyReason::kBadSignature));
  EXPECT_EQ(verifier_->CachedVerifications(), 0);
}

// Claims are checked after the signature and on every hit, so a signed token with bad claims
// may be remembered: sent again, it is refused for its claims without a second signature check.
TEST_F(CachingVerifierTest, ASignedTokenWithBadClaimsIsRefusedFromTheCacheToo) {
  nlohmann::json claims = ValidClaims();
  claims["iss"] = "someone-else";
  const std::string token = Sign(RsaKey(), HeaderFor(RsaKey()), claims);
  EXPECT_TRUE(RejectedFor(verifier_->Check(token, kNow), VerifyReason::kWrongIssuer));
  EXPECT_TRUE(RejectedFor(verifier_->Check(token, kNow), VerifyReason::kWrongIssuer));
  EXPECT_EQ(verifier_->CachedVerifications(), 1);
}

}  // namespace
}  // namespace misc::auth

// Key rotation without a restart: background reloads, unknown-kid reloads, bad files.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "src/auth/jwt_verifier.h"
#include "src/refresh/refresher.h"
#include "test/auth/auth_test_util.h"

namespace misc::auth {
namespace {

using ::misc::auth::testing::AcceptedAs;
using ::misc::auth::testing::EcKey;
using ::misc::auth::testing::EdKey;
using ::misc::auth::testing::JwksFile;
using ::misc::auth::testing::kNow;
using ::misc::auth::testing::OtherEcKey;
using ::misc::auth::testing::RejectedFor;
using ::misc::auth::testing::ValidToken;

// Polls `condition` for at most `timeout`.
template <typename Condition>
bool Eventually(Condition condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return condition();
}

TEST(JwksRotationTest, AnAddedKeyIsAcceptedAndARemovedOneRejectedAfterAReload) {
  JwksFile jwks({EcKey()});
  std::unique_ptr<JwtVerifier> verifier = testing::MakeVerifier(jwks.path());
  EXPECT_TRUE(AcceptedAs(verifier->Verify(ValidToken(EcKey()), kNow), 42));

  jwks.Write({EcKey(), OtherEcKey()});
  ASSERT_TRUE(verifier->ReloadKeys().ok());
  EXPECT_TRUE(AcceptedAs(verifier->Verify(ValidToken(OtherEcKey()), kNow), 42));

  jwks.Write({OtherEcKey()});
  ASSERT_TRUE(verifier->ReloadKeys().ok());
  EXPECT_TRUE(RejectedFor(verifier->Check(ValidToken(EcKey()), kNow), VerifyReason::kUnknownKey));
  EXPECT_TRUE(AcceptedAs(verifier->Verify(ValidToken(OtherEcKey()), kNow), 42));
}

TEST(JwksRotationTest, AnUnknownKidRereadsTheFileAtMostOncePerInterval) {
  JwksFile jwks({EcKey()});
  std::unique_ptr<JwtVerifier> verifier = testing::MakeVerifier(jwks.path());  // Every 5 s.

  // The issuer publishes a new key and signs with it at once: the first token rereads.
  jwks.Write({EcKey(), OtherEcKey()});
  EXPECT_TRUE(AcceptedAs(verifier->Verify(ValidToken(OtherEcKey()), kNow), 42));

  // Another new key within 5 s of that reread: not reread yet.
  jwks.Write({EcKey(), OtherEcKey(), EdKey()});
  EXPECT_TRUE(RejectedFor(verifier->Check(ValidToken(EdKey()), kNow + absl::Seconds(1)),
                          VerifyReason::kUnknownKey));
  EXPECT_TRUE(RejectedFor(verifier->Check(ValidToken(EdKey()), kNow + absl::Seconds(4)),
                          VerifyReason::kUnknownKey));
  // 5 s later it is.
  EXPECT_TRUE(AcceptedAs(verifier->Verify(ValidToken(EdKey()), kNow + absl::Seconds(5)), 42));
}

TEST(JwksRotationTest, ABadJwksFileKeepsTheLastGoodKeys) {
  JwksFile jwks({EcKey()});
  std::unique_ptr<JwtVerifier> verifier = testing::MakeVerifier(jwks.path());
  jwks.WriteText("{\"keys\": [");
  EXPECT_EQ(verifier->ReloadKeys().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(AcceptedAs(verifier->Verify(ValidToken(EcKey()), kNow), 42));

  // A file whose every key is unusable (here, one holding private material) is no better.
  nlohmann::json jwks_json = nlohmann::json::parse(JwksJson({EcKey()}).value());
  jwks_json["keys"][0]["d"] = "AAAA";
  jwks.WriteText(jwks_json.dump());
  EXPECT_EQ(verifier->ReloadKeys().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(AcceptedAs(verifier->Verify(ValidToken(EcKey()), kNow), 42));
  EXPECT_TRUE(
      RejectedFor(verifier->Check(ValidToken(OtherEcKey()), kNow), VerifyReason::kUnknownKey));

  std::remove(jwks.path().c_str());
  EXPECT_FALSE(verifier->ReloadKeys().ok());
  EXPECT_TRUE(AcceptedAs(verifier->Verify(ValidToken(EcKey()), kNow), 42));
}

TEST(JwksRotationTest, AKeyMiscCannotUseIsLeftOutAndTheRestLoad) {
  JwksFile jwks({EcKey()});
  std::unique_ptr<JwtVerifier> verifier = testing::MakeVerifier(jwks.path());
  // The provider adds an encryption key and a key for another algorithm next to a new
  // signature key: misc loads the new key and leaves the other two out.
  nlohmann::json jwks_json = nlohmann::json::parse(JwksJson({EcKey(), OtherEcKey()}).value());
  nlohmann::json encryption = jwks_json["keys"][0];
  encryption["kid"] = "enc-1";
  encryption["use"] = "enc";
  jwks_json["keys"].push_back(encryption);
  jwks_json["keys"].push_back(
      {{"kty", "oct"}, {"kid", "hmac-1"}, {"alg", "HS256"}, {"k", "c2VjcmV0"}});
  jwks.WriteText(jwks_json.dump());
  ASSERT_TRUE(verifier->ReloadKeys().ok());
  EXPECT_TRUE(AcceptedAs(verifier->Verify(ValidToken(EcKey()), kNow), 42));
  EXPECT_TRUE(AcceptedAs(verifier->Verify(ValidToken(OtherEcKey()), kNow), 42));
}

TEST(JwksRotationTest, CreateReloadedReloadsInTheBackgroundThroughTheRefresher) {
  JwksFile jwks({EcKey(), OtherEcKey()});
  refresh::Refresher refresher;
  absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier = JwtVerifier::CreateReloaded(
      {.jwks_file = jwks.path(), .issuer = testing::kIssuer, .audience = testing::kAudience},
      absl::Milliseconds(10), refresher);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  ASSERT_TRUE(refresher.Start().ok());
  EXPECT_TRUE(AcceptedAs((*verifier)->Verify(ValidToken(EcKey()), kNow), 42));

  // Removing a key is only ever noticed by a background reload.
  jwks.Write({OtherEcKey()});
  EXPECT_TRUE(Eventually([&] { return !(*verifier)->Verify(ValidToken(EcKey()), kNow).ok(); },
                         absl::Seconds(10)));
  EXPECT_TRUE(AcceptedAs((*verifier)->Verify(ValidToken(OtherEcKey()), kNow), 42));

  // The refresher's reload holds what it needs: the verifier may go first.
  verifier->reset();
  absl::SleepFor(absl::Milliseconds(30));
  refresher.Stop();
}

TEST(JwksRotationTest, CreateReloadedWithoutAJwksFileHasNoKeysAndNoReload) {
  refresh::Refresher refresher;
  absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier =
      JwtVerifier::CreateReloaded({}, absl::Seconds(60), refresher);
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_TRUE(RejectedFor((*verifier)->Check(ValidToken(EcKey()), kNow), VerifyReason::kNoKeys));
  EXPECT_TRUE(refresher.Names().empty());
}

TEST(JwksRotationTest, VerifiesConcurrentlyWithReloads) {
  JwksFile jwks({EcKey(), OtherEcKey()});
  std::unique_ptr<JwtVerifier> verifier = testing::MakeVerifier(jwks.path());
  const std::string token = ValidToken(EcKey());
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  constexpr int kReaders = 3;
  std::vector<std::thread> readers;
  readers.reserve(kReaders);
  for (int i = 0; i < kReaders; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (!verifier->Verify(token, kNow).ok()) ++failures;
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    jwks.Write(i % 2 == 0 ? std::vector<SigningKey>{EcKey()}
                          : std::vector<SigningKey>{OtherEcKey(), EcKey()});
    ASSERT_TRUE(verifier->ReloadKeys().ok());
  }
  stop = true;
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace misc::auth

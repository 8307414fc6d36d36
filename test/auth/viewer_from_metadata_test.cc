#include "src/auth/viewer_from_metadata.h"

#include <gtest/gtest.h>

#include <string>

#include "test/auth/auth_test_util.h"

namespace misc::auth {
namespace {

using ::misc::auth::testing::AcceptedAs;
using ::misc::auth::testing::EcKey;
using ::misc::auth::testing::IsInvalidToken;
using ::misc::auth::testing::JwksFile;
using ::misc::auth::testing::kNow;
using ::misc::auth::testing::ValidToken;

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

class ViewerFromMetadataTest : public ::testing::Test {
 protected:
  ViewerFromMetadataTest()
      : jwks_({EcKey()}),
        verifier_(testing::MakeVerifier(jwks_.path())),
        token_(ValidToken(EcKey())) {}

  // Returns the viewer for one authorization value (plus an unrelated entry).
  absl::StatusOr<Viewer> ViewerFor(const std::string& authorization) {
    Metadata metadata = {{"x-request-id", "abc"}, {"authorization", authorization}};
    return ViewerFromMetadata(verifier_.get(), metadata, kNow);
  }

  JwksFile jwks_;
  std::unique_ptr<JwtVerifier> verifier_;
  std::string token_;
};

TEST_F(ViewerFromMetadataTest, NoAuthorizationIsAnonymous) {
  const Metadata metadata = {{"x-request-id", "abc"}};
  absl::StatusOr<Viewer> viewer = ViewerFromMetadata(verifier_.get(), metadata, kNow);
  ASSERT_TRUE(viewer.ok()) << viewer.status();
  EXPECT_TRUE(viewer->is_anonymous());
  EXPECT_EQ(viewer->user_id(), std::nullopt);
  // Also without any verifier (JWT verification not configured).
  EXPECT_TRUE(ViewerFromMetadata(nullptr, metadata, kNow).value().is_anonymous());
}

TEST_F(ViewerFromMetadataTest, AValidBearerTokenIsItsUserWhateverTheSchemeCase) {
  EXPECT_TRUE(AcceptedAs(ViewerFor("Bearer " + token_), 42));
  EXPECT_TRUE(AcceptedAs(ViewerFor("bearer " + token_), 42));
  EXPECT_TRUE(AcceptedAs(ViewerFor("BEARER  " + token_), 42));
}

TEST_F(ViewerFromMetadataTest, AnInvalidTokenIsUnauthenticatedNeverAnonymous) {
  for (const std::string& value :
       {std::string("Bearer x"), "Bearer " + token_ + "x", "Bearer " + token_ + " "}) {
    const int64_t before = verifier_->VerificationCounts().at("malformed");
    EXPECT_TRUE(IsInvalidToken(ViewerFor(value))) << value;
    EXPECT_EQ(verifier_->VerificationCounts().at("malformed"), before + 1) << value;
  }
}

TEST_F(ViewerFromMetadataTest, OtherSchemesAndEmptyValuesAreUnauthenticated) {
  for (const std::string& value :
       {std::string("Basic abc"), std::string("Bearer"), std::string("Bearer "), std::string(""),
        token_, "Bearer\t" + token_, "Bearertoken" + token_}) {
    EXPECT_TRUE(IsInvalidToken(ViewerFor(value))) << value;
  }
}

TEST_F(ViewerFromMetadataTest, SeveralAuthorizationEntriesAreUnauthenticated) {
  const std::string value = "Bearer " + token_;
  const Metadata metadata = {{"authorization", value}, {"authorization", value}};
  EXPECT_TRUE(IsInvalidToken(ViewerFromMetadata(verifier_.get(), metadata, kNow)));
}

TEST_F(ViewerFromMetadataTest, ATokenWithoutAVerifierIsUnauthenticated) {
  const std::string value = "Bearer " + token_;
  const Metadata metadata = {{"authorization", value}};
  EXPECT_TRUE(IsInvalidToken(ViewerFromMetadata(nullptr, metadata, kNow)));
}

TEST(ViewerTest, AnonymousAndUsers) {
  EXPECT_TRUE(Viewer::Anonymous().is_anonymous());
  EXPECT_EQ(Viewer::User(7).user_id(), 7);
  EXPECT_FALSE(Viewer::User(7).is_anonymous());
  EXPECT_EQ(Viewer::User(7), Viewer::User(7));
  EXPECT_NE(Viewer::User(7), Viewer::Anonymous());
  // Not a user id: never more access than anonymous.
  EXPECT_EQ(Viewer::User(0), Viewer::Anonymous());
  EXPECT_EQ(Viewer::User(-5), Viewer::Anonymous());
}

}  // namespace
}  // namespace misc::auth

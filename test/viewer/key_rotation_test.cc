// Key rotation without a restart, end to end: keys added to or removed from the JWKS file of a
// running misc-server take effect within a few refresh intervals, and a broken file keeps the
// last good keys. Each test has its own server and JWKS file.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "src/auth/verify_reason.h"
#include "test/auth/auth_test_util.h"
#include "test/support/eventually.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/viewer_server_test.h"

namespace misc {
namespace {

using ::misc::auth::SigningKey;
using ::misc::auth::testing::EcKey;
using ::misc::auth::testing::EdKey;
using ::misc::auth::testing::OtherEcKey;
using ::misc::auth::testing::RsaKey;

// How long a JWKS change may take to show: a few 1 s refresh intervals, and the 5 s rate
// limit of the unknown-kid reload.
constexpr absl::Duration kRotationTimeout = absl::Seconds(8);

// What a refused token gets (the reason, here unknown_key, is not told to callers).
std::string InvalidToken() { return std::string(auth::kInvalidTokenMessage); }

class KeyRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_url_ = misc::testing::SeededDatabaseUrl();
    jwks_ = std::make_unique<auth::testing::JwksFile>(
        std::vector<SigningKey>{RsaKey(), EcKey(), EdKey()});
    server_ =
        misc::testing::ServerProcess::Start(database_url_, misc::testing::JwtFlags(jwks_->path()));
    ASSERT_NE(server_, nullptr);
    stub_ = restaurant::v1::RestaurantService::NewStub(server_->channel());
    restaurant_id_ =
        misc::testing::QueryInt64(database_url_, "SELECT min(restaurant_id) FROM restaurants");
  }

  // Calls GetRestaurant with a fresh token of `key`.
  grpc::Status CallWith(const SigningKey& key) {
    grpc::ClientContext context;
    misc::testing::Prepare(context, misc::testing::Bearer(misc::testing::TokenNow(key)));
    restaurant::v1::GetRestaurantRequest request;
    request.set_restaurant_id(restaurant_id_);
    restaurant::v1::GetRestaurantResponse response;
    grpc::Status status = stub_->GetRestaurant(&context, request, &response);
    EXPECT_EQ(status.ok(), response.has_restaurant()) << "data only with OK";
    return status;
  }

  // Calls with a token of `key` every 100 ms until the answer has `code`, at most `timeout`.
  // Returns how long it took, or nullopt when it never did.
  std::optional<absl::Duration> TimeUntil(const SigningKey& key, grpc::StatusCode code,
                                          absl::Duration timeout) {
    const absl::Time start = absl::Now();
    if (!misc::testing::Eventually([&] { return CallWith(key).error_code() == code; }, timeout,
                                   absl::Milliseconds(100))) {
      return std::nullopt;
    }
    return absl::Now() - start;
  }

  void ExpectAccepted(const SigningKey& key) {
    const grpc::Status status = CallWith(key);
    EXPECT_TRUE(status.ok()) << key.kid << ": " << status.error_code() << " "
                             << status.error_message();
  }

  std::string database_url_;
  std::unique_ptr<auth::testing::JwksFile> jwks_;
  std::unique_ptr<misc::testing::ServerProcess> server_;
  std::unique_ptr<restaurant::v1::RestaurantService::Stub> stub_;
  int64_t restaurant_id_ = 0;
};

TEST_F(KeyRotationTest, AKeyAddedToTheJwksFileIsAcceptedWithoutARestart) {
  const grpc::Status before = CallWith(OtherEcKey());
  ASSERT_TRUE(misc::testing::IsRejection(before, {}, InvalidToken())) << "ec-2 not yet added";
  const pid_t pid = server_->process().pid();

  jwks_->Write({RsaKey(), EcKey(), EdKey(), OtherEcKey()});
  const std::optional<absl::Duration> took =
      TimeUntil(OtherEcKey(), grpc::StatusCode::OK, kRotationTimeout);
  ASSERT_TRUE(took.has_value()) << "ec-2 still rejected " << kRotationTimeout
                                << " after it was added";
  RecordProperty("seconds_until_added_key_accepted", absl::StrCat(absl::ToDoubleSeconds(*took)));
  for (const SigningKey* key : {&RsaKey(), &EcKey(), &EdKey()}) ExpectAccepted(*key);
  EXPECT_EQ(server_->process().pid(), pid);
  EXPECT_TRUE(server_->process().Running());
}

TEST_F(KeyRotationTest, AKeyRemovedFromTheJwksFileIsRejectedWithoutARestart) {
  const pid_t pid = server_->process().pid();
  jwks_->Write({RsaKey(), EcKey(), EdKey(), OtherEcKey()});
  ASSERT_TRUE(TimeUntil(OtherEcKey(), grpc::StatusCode::OK, kRotationTimeout).has_value())
      << "ec-2 never accepted";
  ExpectAccepted(EcKey());

  jwks_->Write({RsaKey(), EdKey(), OtherEcKey()});
  const std::optional<absl::Duration> took =
      TimeUntil(EcKey(), grpc::StatusCode::UNAUTHENTICATED, kRotationTimeout);
  ASSERT_TRUE(took.has_value()) << "ec-1 still accepted " << kRotationTimeout
                                << " after it was removed";
  RecordProperty("seconds_until_removed_key_rejected", absl::StrCat(absl::ToDoubleSeconds(*took)));
  EXPECT_TRUE(misc::testing::IsRejection(CallWith(EcKey()), {}, InvalidToken()));
  for (const SigningKey* key : {&RsaKey(), &EdKey(), &OtherEcKey()}) ExpectAccepted(*key);
  EXPECT_EQ(server_->process().pid(), pid);
  EXPECT_TRUE(server_->process().Running());
}

TEST_F(KeyRotationTest, ABrokenJwksFileKeepsTheLastGoodKeys) {
  jwks_->WriteText("{\"keys\": [");
  // The periodic reload fails within a few intervals and says so; the keys stay.
  ASSERT_TRUE(server_->process().WaitForOutput("reload of jwks failed", kRotationTimeout))
      << server_->Output();
  for (const SigningKey* key : {&RsaKey(), &EcKey(), &EdKey()}) ExpectAccepted(*key);
  EXPECT_TRUE(misc::testing::IsRejection(CallWith(OtherEcKey()), {}, InvalidToken()));
}

}  // namespace
}  // namespace misc

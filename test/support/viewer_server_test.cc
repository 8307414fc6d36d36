#include "test/support/viewer_server_test.h"

#include <google/protobuf/util/message_differencer.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "test/auth/secret_free.h"
#include "test/support/postgres.h"

namespace misc::testing {

using ::misc::auth::testing::kAudience;
using ::misc::auth::testing::kIssuer;

Authorization Bearer(const std::string& token) { return {absl::StrCat("Bearer ", token)}; }

std::string TokenNow(const auth::SigningKey& key, int64_t user_id) {
  nlohmann::json claims = auth::testing::ValidClaimsAt(absl::Now());
  claims["sub"] = absl::StrCat(user_id);
  return auth::testing::Sign(key, auth::testing::HeaderFor(key), claims);
}

std::vector<std::string> JwtFlags(const std::string& jwks_path) {
  return {absl::StrCat("--jwks_file=", jwks_path), absl::StrCat("--jwt_issuer=", kIssuer),
          absl::StrCat("--jwt_audience=", kAudience), "--jwks_refresh_interval=1s"};
}

void Prepare(grpc::ClientContext& context, const Authorization& authorization) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  for (const std::string& value : authorization) context.AddMetadata("authorization", value);
}

::testing::AssertionResult IsRejection(const grpc::Status& status,
                                       const Authorization& authorization,
                                       const std::string& expected_message) {
  if (status.error_code() != grpc::StatusCode::UNAUTHENTICATED) {
    return ::testing::AssertionFailure()
           << "status " << status.error_code() << " \"" << status.error_message()
           << "\", expected UNAUTHENTICATED";
  }
  if (::testing::AssertionResult safe = auth::testing::IsSafeRejectionMessage(
          status.error_message(), authorization, expected_message);
      !safe) {
    return safe;
  }
  if (::testing::AssertionResult free =
          auth::testing::FreeOfSecrets(status.error_details(), authorization);
      !free) {
    return ::testing::AssertionFailure() << "error details " << free.message();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult SameMessage(const google::protobuf::Message& a,
                                       const google::protobuf::Message& b) {
  google::protobuf::util::MessageDifferencer differencer;
  std::string difference;
  differencer.ReportDifferencesToString(&difference);
  if (differencer.Compare(a, b)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << difference;
}

void ViewerServerTest::SetUpTestSuite() {
  using auth::testing::EcKey;
  using auth::testing::EdKey;
  using auth::testing::RsaKey;
  database_url_ = new std::string(SeededDatabaseUrl());
  jwks_ = new auth::testing::JwksFile({RsaKey(), EcKey(), EdKey()});
  server_ = ServerProcess::Start(*database_url_, JwtFlags(jwks_->path())).release();
}

void CacheServerTest::StartServer(std::string_view prefix, std::string_view rows) {
  url_ = CreateMigratedDatabase(prefix);
  ASSERT_FALSE(url_.empty());
  ASSERT_TRUE(ExecuteSql(url_, rows).ok());
  jwks_ = std::make_unique<auth::testing::JwksFile>(
      std::vector<auth::SigningKey>{auth::testing::EcKey()});
  std::vector<std::string> flags = JwtFlags(jwks_->path());
  flags.push_back("--cache_ttl=1h");
  server_ = ServerProcess::Start(url_, flags);
  ASSERT_NE(server_, nullptr);
}

void ViewerServerTest::TearDownTestSuite() {
  delete server_;
  delete jwks_;
  delete database_url_;
  server_ = nullptr;
  jwks_ = nullptr;
  database_url_ = nullptr;
}

std::set<int64_t> ViewerServerTest::BookmarksOf(int64_t user_id) {
  const std::vector<int64_t> ids = QueryInt64Column(
      url(), absl::StrCat("SELECT restaurant_id FROM bookmarks WHERE user_id = ", user_id));
  return {ids.begin(), ids.end()};
}

int64_t ViewerServerTest::BookmarkedRestaurant() {
  return QueryInt64(
      url(), absl::StrCat("SELECT min(restaurant_id) FROM bookmarks WHERE user_id = ", kDemoUser));
}

}  // namespace misc::testing

#ifndef MISC_TEST_SUPPORT_VIEWER_SERVER_TEST_H_
#define MISC_TEST_SUPPORT_VIEWER_SERVER_TEST_H_

// Calls as a logged-in user: misc-server started with a JWKS file of the test keys
// (test/auth/auth_test_util.h), called the way the BFF forwards a user's session (gRPC
// metadata `authorization: Bearer <jwt>`), on the seeded database. Tokens are made at the
// real clock, which is what the server checks them against.

#include <google/protobuf/message.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "src/auth/signing_key.h"
#include "test/auth/auth_test_util.h"
#include "test/support/misc_server.h"

namespace misc::testing {

// The user of the tests' tokens ("sub": "42"): the seed's demo user, with bookmarks and likes.
inline constexpr int64_t kDemoUser = 42;

// The authorization metadata values of one call, one entry each; empty: anonymous.
using Authorization = std::vector<std::string>;

// Returns no authorization: an anonymous call.
inline Authorization Anonymous() { return {}; }

// Returns the one value "Bearer <token>".
Authorization Bearer(const std::string& token);

// Returns a valid token of `key` for `user_id`, made at the real clock.
std::string TokenNow(const auth::SigningKey& key, int64_t user_id = kDemoUser);

// Returns the flags that make misc-server verify tokens of the keys in `jwks_path` like the
// BFF's (issuer, audience) and reread the file every second.
std::vector<std::string> JwtFlags(const std::string& jwks_path);

// Puts `authorization` on `context`, one metadata entry per value, and a 20 s deadline.
void Prepare(grpc::ClientContext& context, const Authorization& authorization);

// Succeeds when `status` is UNAUTHENTICATED with a short message (`expected_message` when
// not empty) and neither its message nor its details hold any piece of `authorization` or
// key material (test/auth/secret_free.h).
::testing::AssertionResult IsRejection(const grpc::Status& status,
                                       const Authorization& authorization,
                                       const std::string& expected_message);

// Succeeds when `a` and `b` are equal; otherwise the failure shows the difference.
::testing::AssertionResult SameMessage(const google::protobuf::Message& a,
                                       const google::protobuf::Message& b);

// Returns every page of a List call, calling `call(&context, request, &response)` as
// `authorization` from `request` on, each time with the previous page's next_page_token;
// fails the test on an error or a walk that does not end.
template <typename Response, typename Request, typename Call>
std::vector<Response> WalkPages(Request request, const Authorization& authorization, Call call) {
  std::vector<Response> pages;
  for (int page = 0; page < 1000; ++page) {
    grpc::ClientContext context;
    Prepare(context, authorization);
    Response& response = pages.emplace_back();
    const grpc::Status status = call(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    if (!status.ok() || response.next_page_token().empty()) return pages;
    request.set_page_token(response.next_page_token());
  }
  ADD_FAILURE() << "pagination did not end";
  return pages;
}

// A test suite whose tests share one misc-server that verifies tokens of RsaKey, EcKey and
// EdKey, on the seeded database (SeededDatabaseUrl). Started once per suite.
class ViewerServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override { ASSERT_NE(server_, nullptr); }

  // Returns the seeded database's URL.
  static const std::string& url() { return *database_url_; }

  // Returns the restaurants `user_id` bookmarked, from the bookmarks table.
  static std::set<int64_t> BookmarksOf(int64_t user_id);

  // Returns the smallest restaurant id kDemoUser bookmarked.
  static int64_t BookmarkedRestaurant();

  static inline std::string* database_url_ = nullptr;
  static inline auth::testing::JwksFile* jwks_ = nullptr;
  static inline ServerProcess* server_ = nullptr;
};

// A test whose misc-server is its own, on a fresh migrated database of its own, verifying
// tokens of EcKey, with cache entries kept for an hour: only a change notification (or the
// change feed going down) makes it read a cached row again. For the cache tests, which change
// rows under the server.
class CacheServerTest : public ::testing::Test {
 protected:
  // Creates the database (named after `prefix`), runs `rows` on it and starts the server.
  // Call with ASSERT_NO_FATAL_FAILURE from SetUp.
  void StartServer(std::string_view prefix, std::string_view rows);

  std::string url_;
  std::unique_ptr<auth::testing::JwksFile> jwks_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_VIEWER_SERVER_TEST_H_

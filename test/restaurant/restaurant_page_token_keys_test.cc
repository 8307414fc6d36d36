// Page tokens keyed by --page_token_key_file on the real misc-server: a walk started on a
// server with the old keys goes on across a rotation (a server whose file lists a new key
// first and the old one after), a token signed with a key a server does not have is
// INVALID_ARGUMENT naming page_token, the development key opens nothing once keys are set, and
// a bad key file stops the server at start without printing a key.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "src/pagination/page_token.h"
#include "test/support/grpc_assertions.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/subprocess.h"

namespace misc::restaurant {
namespace {

using ::misc::testing::FieldViolations;
using ::misc::testing::ServerProcess;

const std::string kOldKey = absl::Base64Escape(std::string(32, 'o'));
const std::string kNewKey = absl::Base64Escape("a new key of at least 32 bytes......");

class PageTokenKeysTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(absl::StrCat(::testing::TempDir(), "misc-page-token-keys-", getpid()));
    std::filesystem::create_directories(*dir_);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  // Writes a key file `name` with `text` and returns the flag that names it.
  static std::string KeyFileFlag(const std::string& name, const std::string& text) {
    const std::string path = absl::StrCat(*dir_, "/", name);
    std::ofstream(path) << text;
    return absl::StrCat("--page_token_key_file=", path);
  }

  static std::unique_ptr<ServerProcess> StartWithKeys(const std::string& name,
                                                      const std::string& text) {
    return ServerProcess::Start(testing::SeededDatabaseUrl(), {KeyFileFlag(name, text)});
  }

  // Lists 3 open restaurants on `server` after `page_token`.
  static grpc::Status List(const ServerProcess& server, const std::string& page_token,
                           v1::ListRestaurantsResponse* response) {
    auto stub = v1::RestaurantService::NewStub(server.channel());
    grpc::ClientContext context;
    v1::ListRestaurantsRequest request;
    request.set_page_size(3);
    request.set_page_token(page_token);
    return stub->ListRestaurants(&context, request, response);
  }

  static std::string* dir_;
};

std::string* PageTokenKeysTest::dir_ = nullptr;

TEST_F(PageTokenKeysTest, AWalkGoesOnAcrossAKeyRotation) {
  auto before = StartWithKeys("old", absl::StrCat("# before the rotation\n", kOldKey, "\n"));
  auto during = StartWithKeys("new-first", absl::StrCat(kNewKey, "\n", kOldKey, "\n"));
  ASSERT_NE(before, nullptr);
  ASSERT_NE(during, nullptr);
  EXPECT_FALSE(absl::StrContains(before->Output(), "development key")) << before->Output();

  v1::ListRestaurantsResponse first;
  ASSERT_TRUE(List(*before, "", &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());
  // The old key's token still opens the next page on a server that signs with the new key.
  v1::ListRestaurantsResponse second;
  const grpc::Status continued = List(*during, first.next_page_token(), &second);
  ASSERT_TRUE(continued.ok()) << continued.error_message();
  ASSERT_FALSE(second.next_page_token().empty());
  EXPECT_NE(second.restaurants(0).restaurant_id(), first.restaurants(0).restaurant_id());
  // The same page as the old server gives: the rotation changes no answer.
  v1::ListRestaurantsResponse second_before;
  ASSERT_TRUE(List(*before, first.next_page_token(), &second_before).ok());
  EXPECT_EQ(second.restaurants(0).restaurant_id(), second_before.restaurants(0).restaurant_id());

  // A server without the new key refuses its tokens like any forged one.
  v1::ListRestaurantsResponse refused;
  const grpc::Status unknown_key = List(*before, second.next_page_token(), &refused);
  EXPECT_EQ(unknown_key.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolations(unknown_key), std::vector<std::string>{"page_token"});
}

TEST_F(PageTokenKeysTest, TheDevelopmentKeyOpensNothingOnceKeysAreSet) {
  auto server = StartWithKeys("only-old", kOldKey + "\n");
  ASSERT_NE(server, nullptr);
  const std::string minted = pagination::PageTokenCodec::Development().Encode(
      "misc.restaurant.v1.ListRestaurants?area_id=0&genre_id=0", {5, 1});
  v1::ListRestaurantsResponse response;
  const grpc::Status status = List(*server, minted, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"page_token"});
}

TEST_F(PageTokenKeysTest, WithoutAKeyFileTheServerWarnsThatItUsesTheDevelopmentKey) {
  auto server = ServerProcess::Start(testing::SeededDatabaseUrl());
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(absl::StrContains(server->Output(), "--page_token_key_file is not set"))
      << server->Output();
}

TEST_F(PageTokenKeysTest, ABadKeyFileStopsTheServerAtStartWithoutPrintingAKey) {
  const std::string short_key = absl::Base64Escape("too short");
  for (const std::string& text :
       {absl::StrCat(kOldKey, "\n", short_key, "\n"), std::string("# no key at all\n")}) {
    const testing::RunResult result = testing::RunAndWait(
        MISC_SERVER_BINARY,
        {"--listen=127.0.0.1:0", "--metrics_listen=",
         absl::StrCat("--database_url=", testing::SeededDatabaseUrl()), KeyFileFlag("bad", text)});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_TRUE(absl::StrContains(result.output, "page token")) << result.output;
    EXPECT_FALSE(absl::StrContains(result.output, short_key)) << result.output;
    EXPECT_FALSE(absl::StrContains(result.output, kOldKey)) << result.output;
  }
}

}  // namespace
}  // namespace misc::restaurant

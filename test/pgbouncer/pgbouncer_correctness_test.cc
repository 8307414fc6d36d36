// misc-server through a real PgBouncer in transaction pooling mode with --db_unnamed_statements
// answers exactly what a misc-server reading PostgreSQL directly answers: the same seeded
// database, the same calls, anonymous and logged in, compared message by message.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "misc/review/v1/review.grpc.pb.h"
#include "test/auth/auth_test_util.h"
#include "test/pgbouncer/pgbouncer_support.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/viewer_server_test.h"

namespace misc {
namespace {

using restaurant::v1::RestaurantService;
using review::v1::ReviewService;
using testing::Authorization;

class PgBouncerCorrectnessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_url_ = new std::string(testing::SeededDatabaseUrl());
    jwks_ = new auth::testing::JwksFile({auth::testing::EcKey()});
    std::vector<std::string> flags = testing::JwtFlags(jwks_->path());
    // Every answer comes from the database, so that both servers really read.
    flags.push_back("--cache_max_entries=0");
    direct_ = testing::ServerProcess::Start(*database_url_, flags).release();
    flags.push_back("--db_unnamed_statements");
    pooled_ =
        testing::ServerProcess::Start(testing::ThroughPgBouncer(*database_url_), flags).release();
  }

  static void TearDownTestSuite() {
    delete pooled_;
    delete direct_;
    delete jwks_;
    delete database_url_;
  }

  void SetUp() override {
    ASSERT_NE(direct_, nullptr);
    ASSERT_NE(pooled_, nullptr);
  }

  static std::vector<Authorization> Viewers() {
    return {testing::Anonymous(),
            testing::Bearer(testing::TokenNow(auth::testing::EcKey(), testing::kDemoUser))};
  }

  // Calls `call` on both servers with `request` as `authorization`; expects the same status
  // and, when OK, the same response.
  template <typename Stub, typename Request, typename Response>
  static void ExpectSameAnswer(grpc::Status (Stub::*call)(grpc::ClientContext*, const Request&,
                                                          Response*),
                               const Request& request, const Authorization& authorization) {
    Response direct_response;
    Response pooled_response;
    grpc::ClientContext direct_context;
    grpc::ClientContext pooled_context;
    testing::Prepare(direct_context, authorization);
    testing::Prepare(pooled_context, authorization);
    Stub direct_stub(direct_->channel());
    Stub pooled_stub(pooled_->channel());
    const grpc::Status direct_status =
        (direct_stub.*call)(&direct_context, request, &direct_response);
    const grpc::Status pooled_status =
        (pooled_stub.*call)(&pooled_context, request, &pooled_response);
    EXPECT_EQ(pooled_status.error_code(), direct_status.error_code())
        << request.ShortDebugString() << ": " << pooled_status.error_message();
    EXPECT_EQ(pooled_status.error_message(), direct_status.error_message());
    EXPECT_TRUE(testing::SameMessage(pooled_response, direct_response))
        << request.ShortDebugString();
  }

  static inline std::string* database_url_ = nullptr;
  static inline auth::testing::JwksFile* jwks_ = nullptr;
  static inline testing::ServerProcess* direct_ = nullptr;
  static inline testing::ServerProcess* pooled_ = nullptr;
};

TEST_F(PgBouncerCorrectnessTest, GetRestaurantAnswersAsDirectReadsDo) {
  std::vector<int64_t> ids = testing::QueryInt64Column(
      *database_url_, "SELECT restaurant_id FROM restaurants ORDER BY restaurant_id LIMIT 40");
  ASSERT_EQ(ids.size(), 40u);
  ids.push_back(ids.back() + 1000000);  // NOT_FOUND, naming it, from both.
  for (const Authorization& viewer : Viewers()) {
    for (int64_t id : ids) {
      restaurant::v1::GetRestaurantRequest request;
      request.set_restaurant_id(id);
      ExpectSameAnswer(&RestaurantService::Stub::GetRestaurant, request, viewer);
    }
  }
}

TEST_F(PgBouncerCorrectnessTest, BatchGetRestaurantsAnswersAsDirectReadsDo) {
  const std::vector<int64_t> ids = testing::QueryInt64Column(
      *database_url_, "SELECT restaurant_id FROM restaurants ORDER BY random() LIMIT 25");
  restaurant::v1::BatchGetRestaurantsRequest request;
  for (int64_t id : ids) request.add_restaurant_ids(id);
  request.add_restaurant_ids(ids.front());  // A duplicate: an array parameter, in order.
  for (const Authorization& viewer : Viewers()) {
    ExpectSameAnswer(&RestaurantService::Stub::BatchGetRestaurants, request, viewer);
  }
}

TEST_F(PgBouncerCorrectnessTest, ListRestaurantsWalksTheSamePages) {
  restaurant::v1::ListRestaurantsRequest request;
  request.set_page_size(37);
  const auto walk = [&request](const testing::ServerProcess& server) {
    auto stub = RestaurantService::NewStub(server.channel());
    return testing::WalkPages<restaurant::v1::ListRestaurantsResponse>(
        request, testing::Anonymous(),
        [&stub](grpc::ClientContext* context, const auto& page, auto* response) {
          return stub->ListRestaurants(context, page, response);
        });
  };
  const auto direct_pages = walk(*direct_);
  const auto pooled_pages = walk(*pooled_);
  ASSERT_GT(direct_pages.size(), 3u);
  ASSERT_EQ(pooled_pages.size(), direct_pages.size());
  for (size_t i = 0; i < direct_pages.size(); ++i) {
    EXPECT_TRUE(testing::SameMessage(pooled_pages[i], direct_pages[i])) << "page " << i;
  }
}

TEST_F(PgBouncerCorrectnessTest, ListReviewsWalksTheSamePages) {
  const std::vector<int64_t> restaurants = testing::QueryInt64Column(
      *database_url_,
      "SELECT restaurant_id FROM reviews GROUP BY restaurant_id ORDER BY count(*) DESC, "
      "restaurant_id LIMIT 3");
  ASSERT_FALSE(restaurants.empty());
  for (const Authorization& viewer : Viewers()) {
    for (int64_t restaurant_id : restaurants) {
      review::v1::ListReviewsRequest request;
      request.set_restaurant_id(restaurant_id);
      request.set_page_size(3);
      const auto walk = [&](const testing::ServerProcess& server) {
        auto stub = ReviewService::NewStub(server.channel());
        return testing::WalkPages<review::v1::ListReviewsResponse>(
            request, viewer,
            [&stub](grpc::ClientContext* context, const auto& page, auto* response) {
              return stub->ListReviews(context, page, response);
            });
      };
      const auto direct_pages = walk(*direct_);
      const auto pooled_pages = walk(*pooled_);
      ASSERT_GT(direct_pages.size(), 1u);
      ASSERT_EQ(pooled_pages.size(), direct_pages.size());
      for (size_t i = 0; i < direct_pages.size(); ++i) {
        EXPECT_TRUE(testing::SameMessage(pooled_pages[i], direct_pages[i]))
            << "restaurant " << restaurant_id << " page " << i;
      }
    }
  }
}

TEST_F(PgBouncerCorrectnessTest, ThePooledServerReadsThroughPgBouncer) {
  restaurant::v1::GetRestaurantRequest request;
  request.set_restaurant_id(1);
  ExpectSameAnswer(&RestaurantService::Stub::GetRestaurant, request, testing::Anonymous());
  absl::StatusOr<testing::PgBouncerPool> pool =
      testing::ShowPool(testing::DatabaseName(*database_url_));
  ASSERT_TRUE(pool.ok()) << pool.status();
  // The pooled server's pool keeps its connections: clients of PgBouncer, never of PostgreSQL.
  EXPECT_GE(pool->clients, 1);
  EXPECT_GE(pool->servers, 1);
  EXPECT_LE(pool->servers, testing::kPgBouncerPoolSize);
}

// Without the flag misc sends the `options` startup parameter, which PgBouncer 1.18 refuses:
// the server never gets a session (and says so), rather than running without read-only.
TEST(PgBouncerWithoutTheFlagTest, PgBouncerRefusesTheSessionsAndCallsAreUnavailable) {
  const std::string url = testing::SeededDatabaseUrl();
  std::unique_ptr<testing::ServerProcess> server = testing::ServerProcess::StartUnready(
      testing::ThroughPgBouncer(url), {"--cache_max_entries=0"});
  ASSERT_NE(server, nullptr);
  auto stub = RestaurantService::NewStub(server->channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  restaurant::v1::GetRestaurantRequest request;
  request.set_restaurant_id(1);
  restaurant::v1::GetRestaurantResponse response;
  const grpc::Status status = stub->GetRestaurant(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_NE(server->Health(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace misc

// misc-loadgen end to end: the real binary drives a real misc-server (with a JWKS, so logged-in
// calls verify) on a database seeded big enough for the deep page, for about a second per
// workload. Checks what the JSON report says was done, never how fast.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bench/loadgen/grpc_frame.h"
#include "misc/restaurant/v1/restaurant.pb.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/subprocess.h"

namespace misc::loadgen {
namespace {

using ::misc::testing::RunAndWait;
using ::misc::testing::RunResult;
using ::misc::testing::ServerProcess;

// Enough restaurants that 201 pages of 20 exist even after the closed ones are left out.
constexpr int kRestaurants = 5000;
constexpr int kUsers = 20;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

class LoadgenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_url_ = new std::string(misc::testing::CreateMigratedDatabase("loadgen"));
    ASSERT_FALSE(database_url_->empty());
    const RunResult seed = RunAndWait(
        MISC_MIGRATE_BINARY,
        {"seed", absl::StrCat("--restaurants=", kRestaurants), "--reviews_per_restaurant=2"},
        {{"DATABASE_URL", *database_url_}}, absl::Minutes(4));
    ASSERT_EQ(seed.exit_code, 0) << seed.output;

    // A development key pair and tokens of several users, as scripts/run.sh makes them.
    const std::string jwt_dir = ::testing::TempDir() + "/loadgen-jwt";
    const RunResult jwks =
        RunAndWait(MISC_DEVTOKEN_BINARY, {absl::StrCat("--generate_jwks_dir=", jwt_dir)});
    ASSERT_EQ(jwks.exit_code, 0) << jwks.output;
    tokens_file_ = new std::string(::testing::TempDir() + "/loadgen-tokens.txt");
    std::ofstream tokens(*tokens_file_, std::ios::trunc);
    for (int user = 1; user <= kUsers; ++user) {
      const RunResult token = RunAndWait(MISC_DEVTOKEN_BINARY, {"--key=" + jwt_dir + "/dev.key.pem",
                                                                absl::StrCat("--sub=", user)});
      ASSERT_EQ(token.exit_code, 0) << token.output;
      tokens << absl::StripAsciiWhitespace(token.output) << "\n";
    }
    tokens.close();

    server_ = ServerProcess::Start(
                  *database_url_, {"--jwks_file=" + jwt_dir + "/jwks.json", "--jwt_issuer=misc-dev",
                                   "--jwt_audience=misc", "--access_log=false"})
                  .release();
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete tokens_file_;
    tokens_file_ = nullptr;
    delete database_url_;
    database_url_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(server_, nullptr); }

  // Runs misc-loadgen briefly against the server with `flags` added; returns its result and
  // fills `json` with its report (null when it wrote none).
  static RunResult RunLoadgen(const std::vector<std::string>& flags, nlohmann::json* json) {
    const std::string json_path = ::testing::TempDir() + "/loadgen-report.json";
    std::remove(json_path.c_str());
    std::vector<std::string> args = {"--target=" + server_->address(),
                                     "--concurrency=4",
                                     "--channels=2",
                                     "--warmup=200ms",
                                     "--duration=1s",
                                     absl::StrCat("--restaurant_ids=1:", kRestaurants),
                                     "--tokens_file=" + *tokens_file_,
                                     "--json=" + json_path};
    args.insert(args.end(), flags.begin(), flags.end());
    RunResult result = RunAndWait(MISC_LOADGEN_BINARY, args, {}, absl::Minutes(1));
    const std::string text = ReadFile(json_path);
    *json = text.empty() ? nlohmann::json() : nlohmann::json::parse(text, nullptr, false);
    return result;
  }

  static std::set<std::string> Methods(const nlohmann::json& json) {
    std::set<std::string> methods;
    for (const auto& [method, calls] : json["per_method"].items()) {
      EXPECT_GT(calls.get<int64_t>(), 0) << method;
      methods.insert(method);
    }
    return methods;
  }

  static inline std::string* database_url_ = nullptr;
  static inline std::string* tokens_file_ = nullptr;
  static inline ServerProcess* server_ = nullptr;
};

// What each workload must have called.
const std::map<std::string, std::set<std::string>>& ExpectedMethods() {
  static const auto* const expected = new std::map<std::string, std::set<std::string>>{
      {"get_restaurant", {"misc.restaurant.v1.RestaurantService/GetRestaurant"}},
      {"get_restaurant_logged_in", {"misc.restaurant.v1.RestaurantService/GetRestaurant"}},
      {"batch_get_restaurants", {"misc.restaurant.v1.RestaurantService/BatchGetRestaurants"}},
      {"list_restaurants_first", {"misc.restaurant.v1.RestaurantService/ListRestaurants"}},
      {"list_restaurants_deep", {"misc.restaurant.v1.RestaurantService/ListRestaurants"}},
      {"list_reviews", {"misc.review.v1.ReviewService/ListReviews"}},
      {"list_genres", {"misc.genre.v1.GenreService/ListGenres"}},
      {"check_rollout_target", {"misc.rollout.v1.RolloutService/CheckRolloutTarget"}},
      {"health", {"grpc.health.v1.Health/Check"}},
      {"restaurant_page",
       {"misc.restaurant.v1.RestaurantService/GetRestaurant",
        "misc.review.v1.ReviewService/ListReviews",
        "misc.rollout.v1.RolloutService/CheckRolloutTarget", "misc.area.v1.AreaService/GetArea",
        "misc.genre.v1.GenreService/ListGenres"}},
  };
  return *expected;
}

class LoadgenWorkloadTest : public LoadgenTest,
                            public ::testing::WithParamInterface<std::string> {};

TEST_P(LoadgenWorkloadTest, RunsWithoutErrorsAndReportsEveryMethodCalled) {
  const std::string workload = GetParam();
  nlohmann::json json;
  const RunResult result = RunLoadgen({"--workload=" + workload}, &json);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  ASSERT_TRUE(json.is_object()) << result.output;
  EXPECT_EQ(json["workload"], workload);
  EXPECT_EQ(json["concurrency"], 4);
  EXPECT_EQ(json["channels"], 2);
  EXPECT_GT(json["ops"].get<int64_t>(), 0);
  EXPECT_GT(json["calls"].get<int64_t>(), 0);
  // Every operation makes at least one call, but calls and operations are each counted when
  // they end inside the measured window: an operation whose last call ended just before the
  // window opened counts without that call, at most one per concurrent slot.
  EXPECT_GE(json["calls"].get<int64_t>() + json["concurrency"].get<int64_t>(),
            json["ops"].get<int64_t>());
  EXPECT_EQ(json["failed_ops"], 0);
  EXPECT_TRUE(json["errors"].empty()) << json["errors"];
  EXPECT_EQ(Methods(json), ExpectedMethods().at(workload)) << json["per_method"];
  EXPECT_GT(json["latency_us"]["p50"].get<double>(), 0);
  EXPECT_LE(json["latency_us"]["p50"].get<double>(), json["latency_us"]["p99"].get<double>());
  EXPECT_LE(json["latency_us"]["p99"].get<double>(), json["latency_us"]["max"].get<double>());
  EXPECT_EQ(json["operation"], workload == "restaurant_page" ? "page" : "call");
}

INSTANTIATE_TEST_SUITE_P(EveryWorkload, LoadgenWorkloadTest,
                         ::testing::Values("get_restaurant", "get_restaurant_logged_in",
                                           "batch_get_restaurants", "list_restaurants_first",
                                           "list_restaurants_deep", "list_reviews", "list_genres",
                                           "check_rollout_target", "health", "restaurant_page"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

TEST_F(LoadgenTest, RestaurantPageCountsEveryCallOfAPage) {
  nlohmann::json json;
  const RunResult result = RunLoadgen({"--workload=restaurant_page"}, &json);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  // Each page is GetRestaurant, ListReviews, CheckRolloutTarget, ListGenres and GetArea. Pages
  // that straddle the window's edges may have some of their calls counted, so allow a page's
  // worth of slack per slot at each edge.
  const int64_t ops = json["ops"];
  const int64_t slack = int64_t{2} * 4;
  for (const auto& [method, calls] : json["per_method"].items()) {
    EXPECT_NEAR(calls.get<int64_t>(), ops, slack) << method;
  }
  EXPECT_NEAR(json["calls"].get<int64_t>(), 5 * ops, 5 * slack);
}

TEST_F(LoadgenTest, TheDeepPageIsPastPageTwoHundred) {
  nlohmann::json json;
  const RunResult result = RunLoadgen({"--workload=list_restaurants_deep"}, &json);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  ASSERT_TRUE(json.contains("deep_page")) << json.dump();
  EXPECT_EQ(json["deep_page"]["pages_walked"], 200);
  EXPECT_EQ(json["deep_page"]["page_size"], 20);
  // The 4001st open restaurant in the list's order, read from PostgreSQL.
  const int64_t expected =
      misc::testing::QueryInt64(*database_url_,
                                "SELECT restaurant_id FROM restaurants WHERE NOT closed "
                                "ORDER BY review_count DESC, restaurant_id OFFSET 4000 LIMIT 1");
  EXPECT_EQ(json["deep_page"]["first_restaurant_id"], expected);
}

TEST_F(LoadgenTest, AMixRunsEachOfItsWorkloads) {
  nlohmann::json json;
  const RunResult result =
      RunLoadgen({"--mix=get_restaurant:6,list_reviews:3,list_genres:1"}, &json);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(json["workload"], "mix:get_restaurant:6,list_reviews:3,list_genres:1");
  EXPECT_EQ(Methods(json),
            (std::set<std::string>{"misc.restaurant.v1.RestaurantService/GetRestaurant",
                                   "misc.review.v1.ReviewService/ListReviews",
                                   "misc.genre.v1.GenreService/ListGenres"}));
  EXPECT_TRUE(json["errors"].empty()) << json["errors"];
}

TEST_F(LoadgenTest, UnexpectedErrorsFailTheRunButAreStillReported) {
  // Ids past the seeded ones: every call is NOT_FOUND.
  nlohmann::json json;
  const RunResult result =
      RunLoadgen({"--workload=get_restaurant", "--restaurant_ids=900000:900100"}, &json);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("NOT_FOUND"), std::string::npos) << result.output;
  ASSERT_TRUE(json.is_object()) << result.output;
  EXPECT_EQ(json["errors"]["NOT_FOUND"], json["calls"]);
  EXPECT_EQ(json["failed_ops"], json["ops"]);
}

TEST_F(LoadgenTest, ExpectedCodesAndAllowErrorsRelaxTheExitStatus) {
  nlohmann::json json;
  EXPECT_EQ(RunLoadgen({"--workload=get_restaurant", "--restaurant_ids=900000:900100",
                        "--expected_codes=NOT_FOUND"},
                       &json)
                .exit_code,
            0);
  EXPECT_EQ(
      RunLoadgen({"--workload=get_restaurant", "--restaurant_ids=900000:900100", "--allow_errors"},
                 &json)
          .exit_code,
      0);
}

TEST_F(LoadgenTest, AnUnreachableServerFailsBeforeTheRun) {
  nlohmann::json json;
  const RunResult result = RunAndWait(
      MISC_LOADGEN_BINARY,
      {"--workload=health", absl::StrCat("--target=127.0.0.1:", misc::testing::FreeLoopbackPort()),
       "--connect_timeout=500ms", "--duration=1s"},
      {}, absl::Minutes(1));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("could not connect"), std::string::npos) << result.output;
}

TEST_F(LoadgenTest, BadFlagsAreAUsageError) {
  const RunResult result = RunAndWait(MISC_LOADGEN_BINARY, {"--workload=nope"});
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("nope"), std::string::npos) << result.output;
}

TEST_F(LoadgenTest, WritesTheFramedRequestAndPrintsItsPath) {
  const std::string frame_path = ::testing::TempDir() + "/loadgen-frame.bin";
  // No --target: a fixed request needs no server.
  const RunResult result =
      RunAndWait(MISC_LOADGEN_BINARY, {"--workload=get_restaurant", "--fixed_restaurant_id=7",
                                       "--write_framed_request=" + frame_path});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(absl::StripAsciiWhitespace(result.output),
            "/misc.restaurant.v1.RestaurantService/GetRestaurant");
  restaurant::v1::GetRestaurantRequest expected;
  expected.set_restaurant_id(7);
  EXPECT_EQ(ReadFile(frame_path), GrpcFrame(expected));
}

}  // namespace
}  // namespace misc::loadgen

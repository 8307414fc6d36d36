// ConfigFromFlags: which flag values and combinations a run accepts.
#include "bench/loadgen/flags.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"

namespace misc::loadgen {
namespace {

class ConfigFromFlagsTest : public ::testing::Test {
 protected:
  // Every test starts from the defaults and leaves them as they were.
  absl::FlagSaver saver_;
};

// Expects INVALID_ARGUMENT whose message names `flag`.
void ExpectRejected(absl::string_view flag) {
  const absl::StatusOr<Config> config = ConfigFromFlags();
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << config.status();
  EXPECT_NE(config.status().message().find(absl::StrCat("--", flag)), std::string::npos)
      << config.status();
}

TEST_F(ConfigFromFlagsTest, AWorkloadIsRequired) { ExpectRejected("workload"); }

TEST_F(ConfigFromFlagsTest, AcceptsASingleWorkloadWithDefaults) {
  absl::SetFlag(&FLAGS_workload, "get_restaurant");
  const absl::StatusOr<Config> config = ConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->target, "127.0.0.1:50051");
  EXPECT_EQ(config->concurrency, 1);
  EXPECT_EQ(config->channels, 1);
  EXPECT_EQ(config->deep_pages, 200);
  EXPECT_EQ(config->WorkloadName(), "get_restaurant");
  EXPECT_FALSE(config->data.fixed_restaurant_id.has_value());
  EXPECT_EQ(config->expected_codes, std::set<grpc::StatusCode>{grpc::StatusCode::OK});
}

TEST_F(ConfigFromFlagsTest, AcceptsAMixAndNamesItInReports) {
  absl::SetFlag(&FLAGS_mix, Mix{.entries = {{"get_restaurant", 6}, {"list_reviews", 3}}});
  const absl::StatusOr<Config> config = ConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->WorkloadName(), "mix:get_restaurant:6,list_reviews:3");
}

TEST_F(ConfigFromFlagsTest, RejectsBothWorkloadAndMix) {
  absl::SetFlag(&FLAGS_workload, "get_restaurant");
  absl::SetFlag(&FLAGS_mix, Mix{.entries = {{"list_reviews", 3}}});
  ExpectRejected("workload");
}

TEST_F(ConfigFromFlagsTest, RejectsUnknownWorkloads) {
  absl::SetFlag(&FLAGS_workload, "get_restaurants");
  ExpectRejected("workload");
}

TEST_F(ConfigFromFlagsTest, RejectsUnknownWorkloadsInAMix) {
  absl::SetFlag(&FLAGS_mix, Mix{.entries = {{"get_restaurant", 1}, {"nope", 1}}});
  ExpectRejected("mix");
}

TEST_F(ConfigFromFlagsTest, LoggedInWorkloadsNeedTokens) {
  absl::SetFlag(&FLAGS_workload, "get_restaurant_logged_in");
  ExpectRejected("tokens_file");
  absl::SetFlag(&FLAGS_tokens_file, "/tmp/tokens");
  EXPECT_TRUE(ConfigFromFlags().ok());
}

TEST_F(ConfigFromFlagsTest, FramedRequestsOnlyForSingleCallWorkloads) {
  absl::SetFlag(&FLAGS_write_framed_request, "/tmp/frame");
  absl::SetFlag(&FLAGS_workload, "restaurant_page");
  ExpectRejected("write_framed_request");
  absl::SetFlag(&FLAGS_workload, "list_genres");
  EXPECT_TRUE(ConfigFromFlags().ok());
}

TEST_F(ConfigFromFlagsTest, RejectsNonsensicalNumbers) {
  absl::SetFlag(&FLAGS_workload, "health");
  absl::SetFlag(&FLAGS_concurrency, 0);
  ExpectRejected("concurrency");
  absl::SetFlag(&FLAGS_concurrency, 8);
  absl::SetFlag(&FLAGS_channels, 0);
  ExpectRejected("channels");
  absl::SetFlag(&FLAGS_channels, 2);
  absl::SetFlag(&FLAGS_duration, absl::ZeroDuration());
  ExpectRejected("duration");
  absl::SetFlag(&FLAGS_duration, absl::Seconds(1));
  absl::SetFlag(&FLAGS_warmup, absl::Seconds(-1));
  ExpectRejected("warmup");
  absl::SetFlag(&FLAGS_warmup, absl::ZeroDuration());
  absl::SetFlag(&FLAGS_deadline, absl::ZeroDuration());
  ExpectRejected("deadline");
  absl::SetFlag(&FLAGS_deadline, absl::Seconds(1));
  absl::SetFlag(&FLAGS_fixed_restaurant_id, -3);
  ExpectRejected("fixed_restaurant_id");
}

TEST_F(ConfigFromFlagsTest, ExpectedCodesAlwaysIncludeOk) {
  absl::SetFlag(&FLAGS_workload, "get_restaurant");
  absl::SetFlag(&FLAGS_expected_codes, "NOT_FOUND");
  const absl::StatusOr<Config> config = ConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->expected_codes,
            (std::set<grpc::StatusCode>{grpc::StatusCode::OK, grpc::StatusCode::NOT_FOUND}));
  absl::SetFlag(&FLAGS_expected_codes, "OK,MISSING");
  ExpectRejected("expected_codes");
}

TEST_F(ConfigFromFlagsTest, FixedRestaurantIdOverridesTheRange) {
  absl::SetFlag(&FLAGS_workload, "get_restaurant");
  absl::SetFlag(&FLAGS_fixed_restaurant_id, 7);
  const absl::StatusOr<Config> config = ConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->data.fixed_restaurant_id, 7);
}

}  // namespace
}  // namespace misc::loadgen

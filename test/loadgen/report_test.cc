// The JSON report: its field names are read by scripts, so they are pinned here.
#include "bench/loadgen/report.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace misc::loadgen {
namespace {

RunReport ExampleReport() {
  RunReport report = {.workload = "restaurant_page",
                      .target = "127.0.0.1:50051",
                      .concurrency = 8,
                      .channels = 2,
                      .warmup = absl::Seconds(1),
                      .duration = absl::Seconds(4),
                      .operation = "page"};
  StatsRecorder recorder;
  for (int i = 1; i <= 100; ++i) recorder.RecordOperation(absl::Microseconds(i * 10), i == 100);
  for (int i = 0; i < 398; ++i) recorder.RecordCall("svc/A", grpc::StatusCode::OK);
  recorder.RecordCall("svc/B", grpc::StatusCode::OK);
  recorder.RecordCall("svc/B", grpc::StatusCode::UNAVAILABLE);
  report.stats = recorder.Snapshot();
  return report;
}

TEST(ReportJsonTest, HasTheStableFieldNames) {
  const nlohmann::ordered_json json = ReportJson(ExampleReport());
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"workload", "target", "concurrency", "channels",
                                            "warmup", "duration", "operation", "ops", "failed_ops",
                                            "calls", "ops_per_s", "calls_per_s", "latency_us",
                                            "errors", "per_method"}));
  std::vector<std::string> latency_keys;
  for (const auto& [key, value] : json["latency_us"].items()) latency_keys.push_back(key);
  EXPECT_EQ(latency_keys, (std::vector<std::string>{"p50", "p90", "p99", "p999", "max", "mean"}));
}

TEST(ReportJsonTest, CountsRatesAndLatencies) {
  const nlohmann::ordered_json json = ReportJson(ExampleReport());
  EXPECT_EQ(json["workload"], "restaurant_page");
  EXPECT_EQ(json["concurrency"], 8);
  EXPECT_EQ(json["channels"], 2);
  EXPECT_EQ(json["duration"], 4.0);
  EXPECT_EQ(json["ops"], 100);
  EXPECT_EQ(json["failed_ops"], 1);
  EXPECT_EQ(json["calls"], 400);
  EXPECT_EQ(json["ops_per_s"], 25.0);
  EXPECT_EQ(json["calls_per_s"], 100.0);
  EXPECT_NEAR(json["latency_us"]["p50"].get<double>(), 500, 5);
  EXPECT_NEAR(json["latency_us"]["p99"].get<double>(), 990, 9.9);
  EXPECT_EQ(json["latency_us"]["max"], 1000.0);
  EXPECT_EQ(json["latency_us"]["mean"], 505.0);
  EXPECT_EQ(json["errors"], (nlohmann::ordered_json{{"UNAVAILABLE", 1}}));
  EXPECT_EQ(json["per_method"], (nlohmann::ordered_json{{"svc/A", 398}, {"svc/B", 2}}));
  EXPECT_FALSE(json.contains("deep_page"));
}

TEST(ReportJsonTest, AnErrorFreeRunHasAnEmptyErrorsObject) {
  RunReport report = ExampleReport();
  report.stats.errors_by_code.clear();
  const nlohmann::ordered_json json = ReportJson(report);
  EXPECT_TRUE(json["errors"].is_object());
  EXPECT_TRUE(json["errors"].empty());
}

TEST(ReportJsonTest, SaysWhereTheDeepPageIs) {
  RunReport report = ExampleReport();
  report.deep_page =
      DeepPage{.token = "t", .pages_walked = 200, .page_size = 20, .first_restaurant_id = 4242};
  const nlohmann::ordered_json json = ReportJson(report);
  EXPECT_EQ(json["deep_page"]["pages_walked"], 200);
  EXPECT_EQ(json["deep_page"]["page_size"], 20);
  EXPECT_EQ(json["deep_page"]["first_restaurant_id"], 4242);
}

TEST(ReportTextTest, MentionsRatesErrorsAndMethods) {
  const std::string text = ReportText(ExampleReport());
  EXPECT_NE(text.find("25.0/s"), std::string::npos) << text;
  EXPECT_NE(text.find("UNAVAILABLE"), std::string::npos) << text;
  EXPECT_NE(text.find("svc/A"), std::string::npos) << text;
}

}  // namespace
}  // namespace misc::loadgen

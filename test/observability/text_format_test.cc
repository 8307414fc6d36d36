#include "src/observability/text_format.h"

#include <gtest/gtest.h>
#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "src/observability/registry.h"
#include "test/observability/promtool.h"

namespace misc::observability {
namespace {

prometheus::ClientMetric CounterSample(std::vector<prometheus::ClientMetric::Label> labels,
                                       double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = value;
  return metric;
}

TEST(TextFormatTest, WritesHelpTypeAndSampleLines) {
  const std::vector<prometheus::MetricFamily> families = {
      {.name = "jobs_total",
       .help = "Jobs done.",
       .type = prometheus::MetricType::Counter,
       .metric = {CounterSample({{"kind", "a"}}, 3), CounterSample({}, 1.5)}}};
  EXPECT_EQ(RenderText(families),
            "# HELP jobs_total Jobs done.\n"
            "# TYPE jobs_total counter\n"
            "jobs_total{kind=\"a\"} 3\n"
            "jobs_total 1.5\n");
}

TEST(TextFormatTest, EscapesLabelValuesAndHelp) {
  const std::vector<prometheus::MetricFamily> families = {
      {.name = "odd_total",
       .help = "back\\slash and\nnewline \"quotes\" stay",
       .type = prometheus::MetricType::Counter,
       .metric = {CounterSample({{"path", "C:\\dir\n\"x\""}, {"utf8", "日本"}}, 1)}}};
  const std::string text = RenderText(families);
  EXPECT_EQ(text,
            "# HELP odd_total back\\\\slash and\\nnewline \"quotes\" stay\n"
            "# TYPE odd_total counter\n"
            "odd_total{path=\"C:\\\\dir\\n\\\"x\\\"\",utf8=\"日本\"} 1\n");
  EXPECT_TRUE(PromtoolAccepts(text));
}

TEST(TextFormatTest, LeavesOutEmptyHelp) {
  const std::vector<prometheus::MetricFamily> families = {
      {.name = "x", .type = prometheus::MetricType::Gauge, .metric = {prometheus::ClientMetric{}}}};
  EXPECT_EQ(RenderText(families), "# TYPE x gauge\nx 0\n");
}

// Expected values are what Go's strconv.FormatFloat(v, 'g', -1, 64) returns.
TEST(TextFormatTest, FormatsValuesAsTheGoClientDoes) {
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(3), "3");
  EXPECT_EQ(FormatSampleValue(0.005), "0.005");
  EXPECT_EQ(FormatSampleValue(0.0001), "0.0001");
  EXPECT_EQ(FormatSampleValue(0.00025), "0.00025");
  EXPECT_EQ(FormatSampleValue(0.000015), "1.5e-05");
  EXPECT_EQ(FormatSampleValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatSampleValue(123456), "123456");
  EXPECT_EQ(FormatSampleValue(999999.5), "999999.5");
  EXPECT_EQ(FormatSampleValue(1e6), "1e+06");
  EXPECT_EQ(FormatSampleValue(2814024), "2.814024e+06");
  EXPECT_EQ(FormatSampleValue(1700000000.25), "1.70000000025e+09");
  EXPECT_EQ(FormatSampleValue(1e22), "1e+22");
  EXPECT_EQ(FormatSampleValue(1e-7), "1e-07");
  EXPECT_EQ(FormatSampleValue(1e300), "1e+300");
  EXPECT_EQ(FormatSampleValue(-2.5), "-2.5");
  EXPECT_EQ(FormatSampleValue(-0.0), "-0");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
}

TEST(TextFormatTest, RendersHistogramBucketsCumulativelyThenSumAndCount) {
  Registry registry;
  Histogram& histogram =
      registry.AddHistogram("wait_seconds", "Time waited.", {{"pool", "main"}}, {0.01, 0.1, 1});
  histogram.Observe(0.005);
  histogram.Observe(0.05);
  histogram.Observe(0.05);
  histogram.Observe(30);
  EXPECT_EQ(registry.Render(),
            "# HELP wait_seconds Time waited.\n"
            "# TYPE wait_seconds histogram\n"
            "wait_seconds_bucket{pool=\"main\",le=\"0.01\"} 1\n"
            "wait_seconds_bucket{pool=\"main\",le=\"0.1\"} 3\n"
            "wait_seconds_bucket{pool=\"main\",le=\"1\"} 3\n"
            "wait_seconds_bucket{pool=\"main\",le=\"+Inf\"} 4\n"
            "wait_seconds_sum{pool=\"main\"} 30.105\n"
            "wait_seconds_count{pool=\"main\"} 4\n");
  EXPECT_TRUE(PromtoolAccepts(registry.Render()));
}

TEST(TextFormatTest, BucketBoundsAreInclusive) {
  Registry registry;
  Histogram& histogram = registry.AddHistogram("edge_seconds", "Edges.", {}, {0.005, 0.01});
  histogram.Observe(0.005);  // le is "less than or equal".
  histogram.Observe(0.01);
  histogram.Observe(0.0100001);
  const std::string text = registry.Render();
  EXPECT_NE(text.find("edge_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("edge_seconds_bucket{le=\"0.01\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("edge_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
}

TEST(TextFormatTest, RendersLatencyBucketsAsWritten) {
  Registry registry;
  registry.AddHistogram("call_seconds", "Calls.", {}, LatencyBuckets());
  const std::string text = registry.Render();
  for (const char* bound : {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
                            "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}) {
    EXPECT_NE(text.find(std::string("call_seconds_bucket{le=\"") + bound + "\"} 0\n"),
              std::string::npos)
        << bound << " in\n"
        << text;
  }
}

TEST(TextFormatTest, RendersSummaryQuantilesSumAndCount) {
  prometheus::ClientMetric metric;
  metric.summary.sample_count = 2;
  metric.summary.sample_sum = 1.5;
  metric.summary.quantile = {{.quantile = 0.5, .value = 0.25}, {.quantile = 0.99, .value = 1.25}};
  const std::vector<prometheus::MetricFamily> families = {{.name = "rpc_seconds",
                                                           .help = "RPCs.",
                                                           .type = prometheus::MetricType::Summary,
                                                           .metric = {metric}}};
  EXPECT_EQ(RenderText(families),
            "# HELP rpc_seconds RPCs.\n"
            "# TYPE rpc_seconds summary\n"
            "rpc_seconds{quantile=\"0.5\"} 0.25\n"
            "rpc_seconds{quantile=\"0.99\"} 1.25\n"
            "rpc_seconds_sum 1.5\n"
            "rpc_seconds_count 2\n");
}

}  // namespace
}  // namespace misc::observability

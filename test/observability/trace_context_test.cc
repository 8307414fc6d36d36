#include "src/observability/trace_context.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>

namespace misc::observability {
namespace {

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kSpanId[] = "00f067aa0ba902b7";
constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

bool IsLowerHex(const std::string& text) {
  return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(TraceParentTest, ParsesAValidVersion00Header) {
  std::optional<TraceParent> parsed = ParseTraceParent(kValid);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, kTraceId);
  EXPECT_EQ(parsed->span_id, kSpanId);
  EXPECT_EQ(parsed->flags, 0x01);
  EXPECT_EQ(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")->flags,
            0x00);
}

TEST(TraceParentTest, RejectsVersionFf) {
  EXPECT_FALSE(ParseTraceParent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceParentTest, RejectsAllZeroIds) {
  EXPECT_FALSE(ParseTraceParent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
}

TEST(TraceParentTest, RejectsWrongLengths) {
  EXPECT_FALSE(ParseTraceParent(""));
  // Trace id one digit short, span id one digit long.
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b77-01"));
  // Flags of one or three digits.
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011"));
  // Version 00 allows nothing after the flags.
  EXPECT_FALSE(ParseTraceParent(std::string(kValid) + "-extra"));
  // A one-digit version.
  EXPECT_FALSE(ParseTraceParent("0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceParentTest, RejectsUppercaseHex) {
  EXPECT_FALSE(ParseTraceParent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A"));
  EXPECT_FALSE(ParseTraceParent("0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceParentTest, RejectsBadSeparatorsAndDigits) {
  EXPECT_FALSE(ParseTraceParent("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01"));
  EXPECT_FALSE(ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"));
  EXPECT_FALSE(ParseTraceParent(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceParentTest, AcceptsALaterVersionWithMoreFields) {
  std::optional<TraceParent> parsed =
      ParseTraceParent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, kTraceId);
  EXPECT_TRUE(ParseTraceParent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  // After the flags a later version still needs a '-'.
  EXPECT_FALSE(ParseTraceParent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"));
}

TEST(TraceParentTest, FormatsVersion00AndParsesBack) {
  const TraceParent parent{.trace_id = kTraceId, .span_id = kSpanId, .flags = 0x01};
  EXPECT_EQ(FormatTraceParent(parent), kValid);
  std::optional<TraceParent> parsed = ParseTraceParent(
      FormatTraceParent({.trace_id = NewTraceId(), .span_id = NewSpanId(), .flags = 0x00}));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->flags, 0x00);
}

TEST(TraceParentTest, NewIdsAreLowercaseHexNonZeroAndDistinct) {
  std::set<std::string> trace_ids;
  std::set<std::string> span_ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string trace_id = NewTraceId();
    const std::string span_id = NewSpanId();
    ASSERT_EQ(trace_id.size(), 32u);
    ASSERT_EQ(span_id.size(), 16u);
    ASSERT_TRUE(IsLowerHex(trace_id)) << trace_id;
    ASSERT_TRUE(IsLowerHex(span_id)) << span_id;
    ASSERT_NE(trace_id, std::string(32, '0'));
    ASSERT_NE(span_id, std::string(16, '0'));
    trace_ids.insert(trace_id);
    span_ids.insert(span_id);
  }
  EXPECT_EQ(trace_ids.size(), 1000u);
  EXPECT_EQ(span_ids.size(), 1000u);
}

}  // namespace
}  // namespace misc::observability

#include "src/observability/json_line.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "src/observability/access_log.h"

namespace misc::observability {
namespace {

// Parses `line` strictly; fails the test when it is not one valid JSON object.
nlohmann::json ParseLine(const std::string& line) {
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  return nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
}

TEST(JsonLineTest, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string nasty = std::string("a\"b\\c\nd\re\tf\x01g\x1f\x7fh") + '\0' + "i";
  const nlohmann::json parsed = ParseLine(JsonLine().AddString("k\"ey", nasty).Finish());
  EXPECT_EQ(parsed["k\"ey"], nasty);
}

TEST(JsonLineTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  const nlohmann::json parsed = ParseLine(JsonLine()
                                              .AddString("valid", "日本 🍣 é")
                                              .AddString("stray",
                                                         "a\xff"
                                                         "b")
                                              .AddString("overlong", "\xc0\xaf")
                                              .AddString("surrogate", "\xed\xa0\x80")
                                              .AddString("truncated", "\xe6\x97")
                                              .AddString("too_big", "\xf4\x90\x80\x80")
                                              .Finish());
  EXPECT_EQ(parsed["valid"], "日本 🍣 é");
  EXPECT_EQ(parsed["stray"], "a\uFFFDb");
  EXPECT_EQ(parsed["overlong"], "\uFFFD\uFFFD");
  EXPECT_EQ(parsed["surrogate"], "\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(parsed["truncated"], "\uFFFD\uFFFD");
  EXPECT_EQ(parsed["too_big"], "\uFFFD\uFFFD\uFFFD\uFFFD");
}

// The escaper skips plain ASCII 8 bytes at a time: every byte value must still be seen at
// every position of a word, and at the tail that is shorter than one.
TEST(JsonLineTest, EscapesEveryByteAtEveryPosition) {
  for (size_t position = 0; position < 19; ++position) {
    for (int byte = 0; byte < 256; ++byte) {
      std::string text(19, 'a');
      text[position] = static_cast<char>(byte);
      std::string expected = text;
      if (byte >= 0x80) expected.replace(position, 1, "\uFFFD");
      const std::string line = JsonLine().AddString("k", text).Finish();
      const nlohmann::json parsed = ParseLine(line);
      ASSERT_EQ(parsed["k"], expected) << "byte " << byte << " at " << position;
    }
  }
}

TEST(JsonLineTest, WritesBools) {
  const std::string line = JsonLine().AddBool("yes", true).AddBool("no", false).Finish();
  EXPECT_EQ(line, R"({"yes":true,"no":false})");
}

TEST(JsonLineTest, WritesFixedPointNumbersExactly) {
  const std::string line = JsonLine()
                               .AddFixed("ms", 1234, 3)
                               .AddFixed("small", 7, 3)
                               .AddFixed("zero", 0, 3)
                               .AddFixed("negative", -1005, 3)
                               .AddFixed("whole", 200, 0)
                               .AddFixed("min", std::numeric_limits<int64_t>::min(), 9)
                               .Finish();
  EXPECT_EQ(line, R"({"ms":1.234,"small":0.007,"zero":0.000,"negative":-1.005,"whole":200,)"
                  R"("min":-9223372036.854775808})");
  ParseLine(line);
}

TEST(JsonLineTest, EmptyObject) { EXPECT_EQ(JsonLine().Finish(), "{}"); }

TEST(AccessLogTest, FormatsEveryFieldOnOneJsonLine) {
  const std::string line = FormatAccessLog({
      .time = absl::FromUnixMicros(1714564800123456),
      .service = "grpc.health.v1.Health",
      .method = "Check",
      .grpc_type = "unary",
      .code = "NOT_FOUND",
      .duration = absl::Microseconds(1234),
      .peer = "ipv6:[::1]:5555",
      .logged_in = true,
      .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
  });
  EXPECT_EQ(line, R"({"time":"2024-05-01T12:00:00.123456Z","log":"access",)"
                  R"("service":"grpc.health.v1.Health","method":"Check","grpc_type":"unary",)"
                  R"("code":"NOT_FOUND","duration_ms":1.234,"peer":"ipv6:[::1]:5555",)"
                  R"("logged_in":true,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})");
  ParseLine(line);
}

// duration_ms is the duration rounded to the nearest microsecond, written with 3 decimals.
TEST(AccessLogTest, RoundsTheDurationToTheNearestMicrosecond) {
  for (const auto& [duration, expected] : std::vector<std::pair<absl::Duration, std::string>>{
           {absl::ZeroDuration(), "0.000"},
           {absl::Nanoseconds(499), "0.000"},
           {absl::Nanoseconds(500), "0.001"},
           {absl::Microseconds(1234) + absl::Nanoseconds(501), "1.235"},
           {absl::Seconds(90), "90000.000"},
       }) {
    const std::string line = FormatAccessLog({.duration = duration});
    EXPECT_NE(line.find(absl::StrCat("\"duration_ms\":", expected, ",")), std::string::npos)
        << line;
  }
}

// The time is written by hand for speed: it must read as absl::FormatTime's RFC 3339 would,
// for times before 1970, at whole seconds, just before the next second and far ahead, and
// again for a second it wrote before (each thread keeps its last second's text).
TEST(AccessLogTest, WritesTheTimeAsAbslFormatTimeWould) {
  for (const int64_t micros :
       {int64_t{0}, int64_t{1}, int64_t{999999}, int64_t{1714564800000000},
        int64_t{1714564799999999}, int64_t{-1}, int64_t{-1000001}, int64_t{-86400000000},
        int64_t{253402300799999999}, int64_t{951782400123456}, int64_t{2}}) {
    const absl::Time time = absl::FromUnixMicros(micros);
    const nlohmann::json line = nlohmann::json::parse(FormatAccessLog({.time = time}));
    EXPECT_EQ(line["time"], absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone()))
        << micros;
  }
}

}  // namespace
}  // namespace misc::observability

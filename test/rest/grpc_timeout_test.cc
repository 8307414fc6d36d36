#include "src/rest/grpc_timeout.h"

#include <gtest/gtest.h>

namespace misc::rest {
namespace {

TEST(ParseGrpcTimeoutTest, ReadsEveryUnit) {
  EXPECT_EQ(ParseGrpcTimeout("2H"), absl::Hours(2));
  EXPECT_EQ(ParseGrpcTimeout("3M"), absl::Minutes(3));
  EXPECT_EQ(ParseGrpcTimeout("5S"), absl::Seconds(5));
  EXPECT_EQ(ParseGrpcTimeout("250m"), absl::Milliseconds(250));
  EXPECT_EQ(ParseGrpcTimeout("7u"), absl::Microseconds(7));
  EXPECT_EQ(ParseGrpcTimeout("99999999n"), absl::Nanoseconds(99999999));
  EXPECT_EQ(ParseGrpcTimeout("0m"), absl::ZeroDuration());
}

TEST(ParseGrpcTimeoutTest, RefusesWhatGrpcWouldNot) {
  for (const char* text : {"", "m", "5", "5s", "5x", "-5S", "1.5S", "123456789S", " 5S", "5S "}) {
    EXPECT_EQ(ParseGrpcTimeout(text), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace misc::rest

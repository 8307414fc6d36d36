#include "src/db/reconnect_backoff.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "absl/time/time.h"

namespace misc::db {
namespace {

constexpr absl::Duration kInitial = absl::Milliseconds(50);
constexpr absl::Duration kMax = absl::Seconds(1);

TEST(ReconnectBackoffTest, AttemptsAreFreeUntilOneFails) {
  ReconnectBackoff backoff(kInitial, kMax);
  EXPECT_FALSE(backoff.failing());
  EXPECT_EQ(backoff.next_attempt(), absl::InfinitePast());
}

TEST(ReconnectBackoffTest, DelaysDoubleWithJitterUpToTheCap) {
  ReconnectBackoff backoff(kInitial, kMax);
  const absl::Time now = absl::FromUnixSeconds(1000);
  absl::Duration expected = kInitial;
  for (int failure = 1; failure <= 12; ++failure) {
    backoff.Failed(now);
    const absl::Duration delay = backoff.next_attempt() - now;
    // Jitter: somewhere in [d/2, d].
    EXPECT_GE(delay, expected / 2) << "failure " << failure;
    EXPECT_LE(delay, expected) << "failure " << failure;
    expected = std::min(expected * 2, kMax);
  }
  EXPECT_TRUE(backoff.failing());
}

TEST(ReconnectBackoffTest, JitterSpreadsAttempts) {
  const absl::Time now = absl::FromUnixSeconds(1000);
  absl::Time first;
  bool differs = false;
  for (int i = 0; i < 20 && !differs; ++i) {
    ReconnectBackoff backoff(kInitial, kMax);
    for (int failure = 0; failure < 6; ++failure) backoff.Failed(now);
    if (i == 0) first = backoff.next_attempt();
    differs = backoff.next_attempt() != first;
  }
  EXPECT_TRUE(differs);
}

TEST(ReconnectBackoffTest, SuccessResetsTheBackoff) {
  ReconnectBackoff backoff(kInitial, kMax);
  const absl::Time now = absl::FromUnixSeconds(1000);
  for (int failure = 0; failure < 8; ++failure) backoff.Failed(now);
  backoff.Succeeded();
  EXPECT_FALSE(backoff.failing());
  EXPECT_EQ(backoff.next_attempt(), absl::InfinitePast());
  backoff.Failed(now);
  EXPECT_LE(backoff.next_attempt() - now, kInitial);
}

}  // namespace
}  // namespace misc::db

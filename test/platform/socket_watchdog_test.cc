#include "src/db/socket_watchdog.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>

#include "absl/time/clock.h"

namespace misc::db {
namespace {

// A connected pair of sockets; the test blocks on one end the way libpq blocks on a silent
// server.
class SocketPair {
 public:
  SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_.data()), 0); }
  ~SocketPair() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int ours() const { return fds_[0]; }

 private:
  std::array<int, 2> fds_{-1, -1};
};

// Blocks in recv() on `fd` until it returns; returns what it returned.
ssize_t BlockingRead(int fd) {
  char byte = 0;
  return ::recv(fd, &byte, 1, 0);
}

TEST(SocketWatchdogTest, ShutsDownASocketAtItsDeadlineWakingTheBlockedReader) {
  SocketWatchdog watchdog;
  SocketPair pair;
  const SocketWatchdog::Id id = watchdog.Arm(pair.ours(), absl::Now() + absl::Milliseconds(50));
  EXPECT_EQ(BlockingRead(pair.ours()), 0);  // End of file: the peer never wrote or closed.
  EXPECT_TRUE(watchdog.Disarm(id));
}

TEST(SocketWatchdogTest, DisarmedBeforeItsDeadlineLeavesTheSocketAlone) {
  SocketWatchdog watchdog;
  SocketPair pair;
  const SocketWatchdog::Id id = watchdog.Arm(pair.ours(), absl::Now() + absl::Milliseconds(50));
  EXPECT_FALSE(watchdog.Disarm(id));
  absl::SleepFor(absl::Milliseconds(150));
  // Still open for writing: a shut-down socket fails with EPIPE.
  EXPECT_EQ(::send(pair.ours(), "x", 1, MSG_NOSIGNAL), 1);
}

TEST(SocketWatchdogTest, ShortenMovesTheDeadlineEarlierButNeverLater) {
  SocketWatchdog watchdog;
  SocketPair early;
  SocketPair late;
  const SocketWatchdog::Id early_id = watchdog.Arm(early.ours(), absl::InfiniteFuture());
  watchdog.Shorten(early_id, absl::Now() + absl::Milliseconds(20));
  EXPECT_EQ(BlockingRead(early.ours()), 0);
  EXPECT_TRUE(watchdog.Disarm(early_id));

  const SocketWatchdog::Id late_id =
      watchdog.Arm(late.ours(), absl::Now() + absl::Milliseconds(50));
  watchdog.Shorten(late_id, absl::InfiniteFuture());  // Ignored.
  EXPECT_EQ(BlockingRead(late.ours()), 0);
  EXPECT_TRUE(watchdog.Disarm(late_id));
}

TEST(SocketWatchdogTest, ShortenAllMovesEveryDeadlineEarlier) {
  SocketWatchdog watchdog;
  SocketPair a;
  SocketPair b;
  const SocketWatchdog::Id a_id = watchdog.Arm(a.ours(), absl::InfiniteFuture());
  const SocketWatchdog::Id b_id = watchdog.Arm(b.ours(), absl::InfiniteFuture());
  watchdog.ShortenAll(absl::Now() + absl::Milliseconds(20));
  EXPECT_EQ(BlockingRead(a.ours()), 0);
  EXPECT_EQ(BlockingRead(b.ours()), 0);
  EXPECT_TRUE(watchdog.Disarm(a_id));
  EXPECT_TRUE(watchdog.Disarm(b_id));
}

}  // namespace
}  // namespace misc::db

#ifndef MISC_TEST_SUPPORT_LOOPBACK_SOCKET_H_
#define MISC_TEST_SUPPORT_LOOPBACK_SOCKET_H_

// Raw TCP on 127.0.0.1, for tests that must send what no well-behaved client sends: half a
// request, a byte at a time, or more than a server takes.

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace misc::testing {

// Opens a TCP connection to 127.0.0.1:`port`; returns the socket, or -1.
int ConnectLoopback(int port);

// Writes all of `data` to `fd`; false when the connection is gone.
bool SendAll(int fd, absl::string_view data);

// Reads from `fd` until `text` has arrived, the peer closes, or `timeout` passes; returns what
// arrived.
std::string ReadUntil(int fd, absl::string_view text, absl::Duration timeout = absl::Seconds(10));

// Returns whether the peer of `fd` closed (or reset) the connection within `timeout`, discarding
// whatever it sent before.
bool ClosedByPeerWithin(int fd, absl::Duration timeout);

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_LOOPBACK_SOCKET_H_

#ifndef MISC_TEST_FAULTS_SERVER_OBSERVATION_H_
#define MISC_TEST_FAULTS_SERVER_OBSERVATION_H_

// What a fault test reads of a running misc-server from the outside: its warning lines, and
// the sockets it holds open to a port.

#include <sys/types.h>

#include <map>
#include <string>

namespace misc::faults {

// Counts the warning lines of a server's `output` (JSON lines whose "level" is "warning" or
// "warn") per cause. A cause is the message up to the first " (" (the suffix where a
// rate-limited warning says how many were suppressed) and, since misc-server writes
// "<cause>: <detail>", up to the first ": ": the detail (e.g. libpq's "Connection reset by
// peer" or "server closed the connection unexpectedly") varies from one line of a cause to
// the next.
std::map<std::string, int> WarningsByCause(const std::string& output);

// Returns the last `lines` lines of a server's `output` (for a failure message).
std::string OutputTail(const std::string& output, int lines = 40);

// Returns how many TCP sockets process `pid` has open to 127.0.0.1:`port` (any state but
// LISTEN), from /proc/<pid>/fd and /proc/<pid>/net/tcp; -1 when /proc cannot be read.
int SocketsTo(pid_t pid, int port);

}  // namespace misc::faults

#endif  // MISC_TEST_FAULTS_SERVER_OBSERVATION_H_

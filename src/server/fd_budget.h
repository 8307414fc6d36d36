#ifndef MISC_SRC_SERVER_FD_BUDGET_H_
#define MISC_SRC_SERVER_FD_BUDGET_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace misc::server {

// How the process's file descriptors are shared out. The field report behind misc ran out of
// them ("socket: too many open files") when packed services multiplied DB connections, so
// every server plans its budget at start and logs it.
struct FdBudget {
  int64_t limit = 0;                // RLIMIT_NOFILE soft limit, after raising it.
  int64_t database = 0;             // One per pooled connection.
  int64_t listeners = 0;            // gRPC and metrics listening sockets.
  int64_t metrics_connections = 0;  // The metrics listener's connection cap.
  int64_t reserved = 0;             // Logs, epoll, eventfds, timers, a query cancel in flight.
  int64_t client_connections = 0;   // What is left for gRPC client connections.

  // Returns a one-line summary for the log.
  std::string ToString() const;
};

// Descriptors kept for the process itself (see FdBudget::reserved).
inline constexpr int64_t kReservedFds = 64;

// Raises the soft RLIMIT_NOFILE to the hard limit and plans the budget for `pool_size`
// database connections, `listeners` listening sockets and the `metrics_connections` the
// metrics listener may hold. Returns FAILED_PRECONDITION, with the numbers, when fewer than
// `min_client_connections` descriptors would be left for clients.
absl::StatusOr<FdBudget> PlanFdBudget(int pool_size, int listeners, int metrics_connections,
                                      int min_client_connections);

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_FD_BUDGET_H_

#include "src/server/fd_budget.h"

#include <sys/resource.h>

#include "absl/strings/str_cat.h"

namespace misc::server {

std::string FdBudget::ToString() const {
  return absl::StrCat("fd budget: limit ", limit, " = database ", database, " + listeners ",
                      listeners, " + metrics connections ", metrics_connections, " + reserved ",
                      reserved, " + client connections ", client_connections);
}

absl::StatusOr<FdBudget> PlanFdBudget(int pool_size, int listeners, int metrics_connections,
                                      int min_client_connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError("cannot read RLIMIT_NOFILE");
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  FdBudget budget;
  budget.limit =
      limit.rlim_cur == RLIM_INFINITY ? int64_t{1} << 20 : static_cast<int64_t>(limit.rlim_cur);
  budget.database = pool_size;
  budget.listeners = listeners;
  budget.metrics_connections = metrics_connections;
  budget.reserved = kReservedFds;
  budget.client_connections = budget.limit - budget.database - budget.listeners -
                              budget.metrics_connections - budget.reserved;
  if (budget.client_connections < min_client_connections) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--db_pool_size=", pool_size, " does not fit the file descriptor limit ", budget.limit,
        ": ", budget.ToString(), ", but at least ", min_client_connections,
        " are needed for clients (--min_client_connections). Lower --db_pool_size or raise "
        "the limit (ulimit -n)."));
  }
  return budget;
}

}  // namespace misc::server

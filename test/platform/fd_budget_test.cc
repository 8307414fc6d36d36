#include "src/server/fd_budget.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace misc::server {
namespace {

TEST(FdBudgetTest, CountsTheMetricsListenersConnectionsBeforeClients) {
  absl::StatusOr<FdBudget> budget = PlanFdBudget(9, 2, 128, 1);
  ASSERT_TRUE(budget.ok()) << budget.status();
  EXPECT_EQ(budget->database, 9);
  EXPECT_EQ(budget->listeners, 2);
  EXPECT_EQ(budget->metrics_connections, 128);
  EXPECT_EQ(budget->reserved, kReservedFds);
  EXPECT_EQ(budget->limit, budget->database + budget->listeners + budget->metrics_connections +
                               budget->reserved + budget->client_connections);
  EXPECT_EQ(budget->ToString(),
            absl::StrCat("fd budget: limit ", budget->limit,
                         " = database 9 + listeners 2 + metrics connections 128 + reserved ",
                         kReservedFds, " + client connections ", budget->client_connections));
}

TEST(FdBudgetTest, RefusesWhenTheMetricsConnectionsLeaveTooFewForClients) {
  absl::StatusOr<FdBudget> fits = PlanFdBudget(9, 2, 0, 1);
  ASSERT_TRUE(fits.ok()) << fits.status();
  // Exactly what is left without the metrics listener is needed for clients: its connections
  // do not fit any more.
  const int needed = static_cast<int>(fits->client_connections);
  EXPECT_TRUE(PlanFdBudget(9, 2, 0, needed).ok());
  absl::StatusOr<FdBudget> refused = PlanFdBudget(9, 2, 128, needed);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(refused.status().message()).find("metrics connections 128"),
            std::string::npos)
      << refused.status();
}

}  // namespace
}  // namespace misc::server

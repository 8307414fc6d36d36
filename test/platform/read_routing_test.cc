#include "src/db/read_routing.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace misc::db {
namespace {

TEST(PickReplicaTest, NoReplicaOrNoUsableOneMeansThePrimary) {
  EXPECT_EQ(PickReplica({}, 0), -1);
  const std::vector<int> none_usable = {kNotUsable, kNotUsable};
  EXPECT_EQ(PickReplica(none_usable, 7), -1);
}

TEST(PickReplicaTest, TheLeastBusyUsableReplicaWins) {
  const std::vector<int> in_flight = {5, 2, kNotUsable, 3};
  for (uint64_t turn = 0; turn < 8; ++turn) EXPECT_EQ(PickReplica(in_flight, turn), 1) << turn;
}

TEST(PickReplicaTest, AReplicaTakenOutGetsNothingEvenWhenIdle) {
  const std::vector<int> in_flight = {kNotUsable, 9};
  for (uint64_t turn = 0; turn < 4; ++turn) EXPECT_EQ(PickReplica(in_flight, turn), 1);
}

TEST(PickReplicaTest, EquallyBusyReplicasTakeTurns) {
  const std::vector<int> in_flight = {0, 0, kNotUsable, 0};
  std::map<int, int> picked;
  for (uint64_t turn = 0; turn < 300; ++turn) ++picked[PickReplica(in_flight, turn)];
  // The replica after the one taken out gets no more than its share.
  EXPECT_EQ(picked, (std::map<int, int>{{0, 100}, {1, 100}, {3, 100}}));
}

}  // namespace
}  // namespace misc::db

#include "test/faults/fault_fixture.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "test/auth/auth_test_util.h"
#include "test/operations/operations_support.h"
#include "test/support/database_cutoff.h"
#include "test/support/postgres.h"

namespace misc::faults {
namespace {

using ::misc::testing::ServerProcess;

// Prints at most this many offending calls per test (the count says how many there were).
constexpr int kMaxListedCalls = 10;

bool Acceptable(grpc::StatusCode code) {
  return code == grpc::StatusCode::OK || code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::UNAVAILABLE;
}

}  // namespace

FaultCluster* FaultTest::cluster_ = nullptr;
std::string* FaultTest::seeded_database_ = nullptr;
std::string* FaultTest::spare_database_ = nullptr;
std::string* FaultTest::jwks_path_ = nullptr;
std::string* FaultTest::token_ = nullptr;

const std::vector<std::string>& DatabaseServiceNames() {
  static const auto* const names = new std::vector<std::string>{
      "misc.restaurant.v1.RestaurantService", "misc.review.v1.ReviewService"};
  return *names;
}

const std::vector<std::string>& MemoryServiceNames() {
  static const auto* const names = new std::vector<std::string>{
      "misc.area.v1.AreaService", "misc.genre.v1.GenreService", "misc.rollout.v1.RolloutService"};
  return *names;
}

std::vector<std::string> AllHealthNames() {
  std::vector<std::string> names = {"", "liveness"};
  names.insert(names.end(), DatabaseServiceNames().begin(), DatabaseServiceNames().end());
  names.insert(names.end(), MemoryServiceNames().begin(), MemoryServiceNames().end());
  return names;
}

void Figure(const std::string& name, const std::string& value) {
  std::printf("FAULT-FIGURE %s=%s\n", name.c_str(), value.c_str());
  std::fflush(stdout);
}

void Figure(const std::string& name, absl::Duration value) {
  Figure(absl::StrCat(name, "_ms"), absl::StrCat(absl::ToInt64Milliseconds(value)));
}

void Figure(const std::string& name, int64_t value) { Figure(name, absl::StrCat(value)); }

void FaultTest::SetUpTestSuite() {
  if (cluster_ != nullptr) return;
  absl::StatusOr<std::unique_ptr<FaultCluster>> cluster = FaultCluster::Open();
  if (!cluster.ok()) {
    ADD_FAILURE() << cluster.status();
    return;
  }
  cluster_ = cluster->release();
  // postgres.h works on the cluster of $MISC_TEST_PG_DIR: ours.
  const std::string seeded = testing::SeededDatabaseUrl();
  const std::string spare = operations::CreateOperationsDatabase("faults_spare");
  if (seeded.empty() || spare.empty()) return;
  seeded_database_ = new std::string(testing::DatabaseNameOf(seeded));
  spare_database_ = new std::string(testing::DatabaseNameOf(spare));
  // The BFF's way of passing a logged-in user: a JWT of a key in the server's JWKS.
  static auto* const jwks = new auth::testing::JwksFile({auth::testing::EcKey()});
  jwks_path_ = new std::string(jwks->path());
  const auth::SigningKey& key = auth::testing::EcKey();
  token_ = new std::string(auth::testing::Sign(key, auth::testing::HeaderFor(key),
                                               auth::testing::ValidClaimsAt(absl::Now())));
}

void FaultTest::TearDownTestSuite() {
  delete cluster_;  // Leaves it running; the ctest fixture faults_pg stops it.
  cluster_ = nullptr;
}

void FaultTest::SetUp() {
  ASSERT_NE(cluster_, nullptr) << "no fault cluster (see the first failure)";
  ASSERT_NE(seeded_database_, nullptr) << "no seeded database (see the first failure)";
  ASSERT_NE(token_, nullptr);
  absl::StatusOr<std::unique_ptr<testing::FaultProxy>> proxy =
      testing::FaultProxy::Start(cluster_->port());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  proxy_ = *std::move(proxy);
}

void FaultTest::TearDown() {
  if (cluster_ == nullptr) return;
  if (!cluster_->answering()) {
    // A test that failed half-way: thaw and start the cluster for the next one.
    if (absl::Status thawed = cluster_->Thaw(); !thawed.ok()) ADD_FAILURE() << thawed;
    if (absl::Status started = cluster_->Start(); !started.ok()) ADD_FAILURE() << started;
  }
}

std::unique_ptr<ServerProcess> FaultTest::StartServer(const std::string& database,
                                                      const std::vector<std::string>& extra_flags) {
  const std::string url =
      absl::StrCat("postgresql://misc:", kPassword, "@127.0.0.1:", proxy_->port(), "/",
                   database.empty() ? *seeded_database_ : database);
  std::vector<std::string> flags = {
      absl::StrCat("--max_call_timeout=", absl::FormatDuration(kMaxCallTimeout)),
      absl::StrCat("--readiness_interval=", absl::FormatDuration(kReadinessInterval)),
      absl::StrCat("--shutdown_delay=", absl::FormatDuration(kShutdownDelay)),
      absl::StrCat("--drain_timeout=", absl::FormatDuration(kDrainTimeout)),
      absl::StrCat("--db_pool_size=", kPoolSize),
      // A line per call would drown the server's own messages (and the warnings counted).
      "--access_log=false",
      absl::StrCat("--jwks_file=", *jwks_path_),
      absl::StrCat("--jwt_issuer=", auth::testing::kIssuer),
      absl::StrCat("--jwt_audience=", auth::testing::kAudience),
  };
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  return ServerProcess::Start(url, flags);
}

LoadOptions FaultTest::MixedLoad(const ServerProcess& server, int concurrency) const {
  return {
      .address = server.address(),
      .concurrency = concurrency,
      .kinds = AllCallKinds(),
      // Shorter and longer than kMaxCallTimeout, and none: the server's cap must hold.
      .database_deadlines = {absl::InfiniteDuration(), absl::Milliseconds(300),
                             absl::Milliseconds(700), absl::Seconds(3)},
      .memory_deadlines = {absl::InfiniteDuration(), absl::Seconds(2)},
      .token = *token_,
      // Past every bound, so a hung call is told apart from a late one.
      .hang_guard = kMaxCallTimeout + kCallSlack + absl::Seconds(2),
      // The same offered load before and during a fault: at most 40 calls/s per worker.
      .pace = absl::Milliseconds(25),
  };
}

absl::Duration FaultTest::CheckCalls(const std::vector<CallRecord>& records,
                                     absl::Time origin) const {
  absl::Duration worst = -absl::InfiniteDuration();
  int bad = 0;
  for (const CallRecord& record : records) {
    std::string problem;
    if (IsDatabaseBacked(record.kind)) {
      const absl::Duration allowed = std::min(record.deadline, kMaxCallTimeout);
      worst = std::max(worst, record.latency() - allowed);
      if (record.hung) {
        problem = "hung";
      } else if (record.latency() > allowed + kCallSlack) {
        problem = absl::StrCat("late by ", absl::FormatDuration(record.latency() - allowed),
                               " (allowed: ", absl::FormatDuration(kCallSlack), ")");
      } else if (!Acceptable(record.code)) {
        problem = "wrong status (OK, DEADLINE_EXCEEDED or UNAVAILABLE expected)";
      }
    } else if (record.hung || record.code != grpc::StatusCode::OK) {
      problem = "memory-served call not OK";
    }
    if (problem.empty()) continue;
    if (++bad <= kMaxListedCalls) {
      ADD_FAILURE() << problem << ": " << Describe(record, origin);
    }
  }
  EXPECT_EQ(bad, 0) << bad << " of " << records.size() << " calls broke a bound (first "
                    << kMaxListedCalls << " listed above)";
  return worst;
}

void FaultTest::CheckNoSecret(const ServerProcess& server, const std::string& what) const {
  EXPECT_FALSE(absl::StrContains(server.Output(), kPassword))
      << "the database password appears in the output of " << what;
}

}  // namespace misc::faults

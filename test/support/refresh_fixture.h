#ifndef MISC_TEST_SUPPORT_REFRESH_FIXTURE_H_
#define MISC_TEST_SUPPORT_REFRESH_FIXTURE_H_

// The fixture of the refresh tests of the refreshed catalogs (area, genre, rollout): a real
// misc-server on a private database that the test changes under it (rows, a failing reload
// query, an outage), while it watches what the running server answers.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "test/support/misc_server.h"

namespace misc::testing {

// The refresh interval the refresh tests run the server with, and how long a change may take
// to be served: two intervals, plus one second of slack for a slow machine.
inline constexpr absl::Duration kRefreshInterval = absl::Seconds(1);
inline constexpr absl::Duration kServedWithin = absl::Seconds(3);

// A test with its own migrated database, filled before each test, and a misc-server on it that
// reloads one catalog every kRefreshInterval. Every answer a test checks comes from that
// running server process, so a reload that changed anything but what the server serves fails.
class RefreshFixture : public ::testing::Test {
 protected:
  // `catalog` names the snapshot: its flag --<catalog>_refresh_interval and its log line
  // "reload of <catalog> failed". `rows` is the SQL that fills the database before each test.
  RefreshFixture(std::string catalog, std::string rows)
      : catalog_(std::move(catalog)), rows_(std::move(rows)) {}

  // Creates the database and runs `rows` in it.
  void SetUp() override;

  // Lets connections to the database in again, whatever the test did.
  void TearDown() override;

  // Starts misc-server on the database. With `ready`, waits until health reports SERVING,
  // which needs every snapshot loaded; without, returns once it accepts connections.
  void LaunchServer(bool ready);

  // Runs `sql` on the database; a failure fails the test.
  void Sql(const std::string& sql);

  // Makes the database refuse every connection and drops the server's open ones: to the
  // server, the database is down. RestoreDatabase lets it in again.
  void CutOffDatabase();
  void RestoreDatabase();

  // Returns true once the server has logged a failed reload of the catalog, false when it
  // has not within kServedWithin.
  bool ReloadFailed();

  // Returns true once `served` returns true, false when it has not within kServedWithin.
  static bool ServedWithin(const std::function<bool()>& served);

  // Asserts, every 100 ms for two refresh intervals, that `served()` still equals `expected`.
  template <typename Served, typename T>
  static void ExpectStillServed(Served served, const T& expected) {
    const absl::Time until = absl::Now() + 2 * kRefreshInterval;
    while (absl::Now() < until) {
      ASSERT_EQ(served(), expected);
      absl::SleepFor(absl::Milliseconds(100));
    }
  }

  std::string database_url_;
  std::unique_ptr<ServerProcess> server_;

 private:
  std::string catalog_;
  std::string rows_;
};

// RefreshFixture with a stub of `Service` on the server.
template <typename Service>
class RefreshTest : public RefreshFixture {
 protected:
  using RefreshFixture::RefreshFixture;

  // Starts the server (see LaunchServer) and makes `stub_` for it.
  void StartServer(bool ready = true) {
    ASSERT_NO_FATAL_FAILURE(LaunchServer(ready));
    stub_ = Service::NewStub(server_->channel());
  }

  std::unique_ptr<typename Service::Stub> stub_;
};

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_REFRESH_FIXTURE_H_

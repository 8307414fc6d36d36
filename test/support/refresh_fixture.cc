#include "test/support/refresh_fixture.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "test/support/database_cutoff.h"
#include "test/support/eventually.h"
#include "test/support/postgres.h"

namespace misc::testing {

void RefreshFixture::SetUp() {
  database_url_ = CreateMigratedDatabase(absl::StrCat(catalog_, "_refresh"));
  ASSERT_FALSE(database_url_.empty());
  ASSERT_NO_FATAL_FAILURE(Sql(rows_));
}

void RefreshFixture::TearDown() {
  if (!database_url_.empty()) misc::testing::RestoreDatabase(database_url_).IgnoreError();
}

void RefreshFixture::LaunchServer(bool ready) {
  const std::vector<std::string> flags = {
      absl::StrCat("--", catalog_, "_refresh_interval=", absl::FormatDuration(kRefreshInterval))};
  server_ = ready ? ServerProcess::Start(database_url_, flags)
                  : ServerProcess::StartUnready(database_url_, flags);
  ASSERT_NE(server_, nullptr);
}

void RefreshFixture::Sql(const std::string& sql) {
  const absl::Status done = ExecuteSql(database_url_, sql);
  ASSERT_TRUE(done.ok()) << done;
}

void RefreshFixture::CutOffDatabase() {
  const absl::Status done = misc::testing::CutOffDatabase(database_url_);
  ASSERT_TRUE(done.ok()) << done;
}

void RefreshFixture::RestoreDatabase() {
  const absl::Status done = misc::testing::RestoreDatabase(database_url_);
  ASSERT_TRUE(done.ok()) << done;
}

bool RefreshFixture::ReloadFailed() {
  const std::string line = absl::StrCat("reload of ", catalog_, " failed");
  return ServedWithin([this, &line] { return server_->Output().find(line) != std::string::npos; });
}

bool RefreshFixture::ServedWithin(const std::function<bool()>& served) {
  return Eventually(served, kServedWithin);
}

}  // namespace misc::testing

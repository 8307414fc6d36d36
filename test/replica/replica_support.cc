#include "test/replica/replica_support.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "test/support/eventually.h"
#include "test/support/postgres.h"
#include "test/support/restaurant_cache_probe.h"

namespace misc::testing {
namespace {

std::string ReplicaDir() {
  const char* dir = std::getenv("MISC_REPLICA_PG_DIR");
  return dir == nullptr ? "" : dir;
}

// The superuser URL of the replica, written by scripts/pg.sh.
std::string ReplicaAdminUrl() {
  std::ifstream file(ReplicaDir() + "/url");
  std::string url;
  std::getline(file, url);
  return url;
}

// Returns the database name of `url` (its path, without the query).
std::string DatabaseName(const std::string& url) {
  std::string path = url.substr(url.rfind('/') + 1);
  return path.substr(0, path.find('?'));
}

absl::Status RunPgScript(const std::string& command) {
  const std::string line =
      absl::StrCat(MISC_PG_SCRIPT, " ", command, " '", ReplicaDir(), "' >/dev/null 2>&1");
  if (std::system(line.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("pg.sh ", command, " failed"));
  }
  return absl::OkStatus();
}

}  // namespace

ReplicatedDatabase CreateReplicatedDatabase(const std::string& prefix) {
  const std::string admin = ReplicaAdminUrl();
  if (admin.empty()) {
    ADD_FAILURE() << "no replica: MISC_REPLICA_PG_DIR has no url (ctest fixture replica_pg)";
    return {};
  }
  const std::string primary = CreateMigratedDatabase(prefix);
  if (primary.empty()) return {};
  if (absl::Status filled = ExecuteSql(primary, kCacheProbeRows); !filled.ok()) {
    ADD_FAILURE() << filled;
    return {};
  }
  const std::string replica = WithDatabase(admin, DatabaseName(primary));
  const bool replicated = Eventually(
      [&] {
        absl::StatusOr<std::string> rows = QueryValue(replica, "SELECT count(*) FROM restaurants");
        return rows.ok() && *rows == "1";
      },
      absl::Seconds(20), absl::Milliseconds(100));
  if (!replicated) {
    ADD_FAILURE() << "the replica never showed database " << DatabaseName(primary);
    return {};
  }
  return {.primary_url = primary, .replica_url = replica};
}

std::string ScrapeMetrics(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  httplib::Result result = client.Get("/metrics");
  return result && result->status == 200 ? result->body : "";
}

std::optional<double> MetricValue(const std::string& metrics, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (!absl::ConsumePrefix(&line, series) || !absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    if (line == "+Inf") return std::numeric_limits<double>::infinity();
    if (absl::SimpleAtod(line, &value)) return value;
  }
  return std::nullopt;
}

double Metric(int port, const std::string& series) {
  return MetricValue(ScrapeMetrics(port), series).value_or(-1);
}

int ReplicaPort() {
  std::ifstream file(ReplicaDir() + "/port");
  int port = 0;
  file >> port;
  return port;
}

std::string WithPort(const std::string& url, int port) {
  const size_t host_end = url.find('/', url.find("://") + 3);
  const size_t colon = url.rfind(':', host_end);
  return absl::StrCat(url.substr(0, colon + 1), port, url.substr(host_end));
}

absl::Status SetReplayPaused(const std::string& replica_url, bool paused) {
  return ExecuteSql(replica_url,
                    paused ? "SELECT pg_wal_replay_pause()" : "SELECT pg_wal_replay_resume()");
}

absl::Status StopReplica() { return RunPgScript("stop"); }

absl::Status StartReplica() { return RunPgScript("start"); }

}  // namespace misc::testing

#include "src/server/readiness.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "src/db/transaction.h"
#include "src/log/logging.h"

namespace misc::server {
namespace {

constexpr db::Statement kSelectSchemaVersion{
    "readiness.schema_version", "SELECT coalesce(max(version), 0) FROM schema_migrations"};
constexpr absl::Duration kCheckTimeout = absl::Seconds(2);

}  // namespace

Readiness::Readiness(grpc::HealthCheckServiceInterface& health, std::vector<std::string> names,
                     db::Pool& pool, refresh::Refresher& refresher, int64_t expected_schema_version)
    : health_(health),
      names_(std::move(names)),
      pool_(pool),
      refresher_(refresher),
      expected_schema_version_(expected_schema_version) {}

Readiness::~Readiness() { BeginDrain(); }

std::string Readiness::Check() {
  int64_t schema_version = 0;
  const absl::Status status =
      pool_.Read(absl::Now() + kCheckTimeout, [&](db::Transaction& tx) -> absl::Status {
        schema_version = tx.Exec(kSelectSchemaVersion)[0][0].as<int64_t>();
        return absl::OkStatus();
      });
  if (status.code() == absl::StatusCode::kUnavailable &&
      status.message() == "database unavailable") {
    database_down_ = true;
  } else if (status.code() == absl::StatusCode::kInternal) {
    return "database schema missing: run misc-migrate up";
  } else if (status.ok()) {
    database_down_ = false;
    if (schema_version < expected_schema_version_) {
      return absl::StrCat("database schema version ", schema_version, " is older than ",
                          expected_schema_version_, ": run misc-migrate up");
    }
    if (schema_version > expected_schema_version_ && !warned_newer_schema_) {
      spdlog::warn("database schema version {} is newer than {} (this binary's); serving",
                   schema_version, expected_schema_version_);
      warned_newer_schema_ = true;
    }
  }
  // A busy pool (no connection in time, too many waiters) says nothing about the database:
  // keep the last verdict rather than flap under load.
  if (database_down_) return "database unreachable";
  if (!refresher_.AllLoaded()) return "in-memory data not loaded yet";
  return "";
}

void Readiness::Publish(const std::string& reason) {
  absl::MutexLock lock(&mu_);
  if (draining_) return;
  if (published_ && reason == last_reason_) return;
  const bool serving = reason.empty();
  health_.SetServingStatus("", serving);
  for (const std::string& name : names_) health_.SetServingStatus(name, serving);
  if (serving) {
    spdlog::info("ready: SERVING");
  } else {
    spdlog::warn("not ready (NOT_SERVING): {}", reason);
  }
  published_ = true;
  last_reason_ = reason;
}

void Readiness::Start(absl::Duration interval) {
  Publish(Check());
  thread_ = std::thread([this, interval] {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&draining_), interval)) return;
      }
      Publish(Check());
    }
  });
}

void Readiness::BeginDrain() {
  {
    absl::MutexLock lock(&mu_);
    if (!draining_) {
      draining_ = true;
      health_.SetServingStatus("", false);
      for (const std::string& name : names_) health_.SetServingStatus(name, false);
    }
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace misc::server

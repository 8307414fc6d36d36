#include "src/server/readiness.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "src/db/schema_version.h"
#include "src/log/logging.h"

namespace misc::server {
Readiness::Readiness(grpc::HealthCheckServiceInterface& health,
                     std::vector<ReadinessTarget> targets, db::Pool& pool,
                     refresh::Refresher& refresher, int64_t expected_schema_version,
                     OverallStatusObserver on_overall_status)
    : health_(health),
      targets_(std::move(targets)),
      pool_(pool),
      refresher_(refresher),
      expected_schema_version_(expected_schema_version),
      on_overall_status_(std::move(on_overall_status)) {}

Readiness::~Readiness() { BeginDrain(); }

void Readiness::CheckDatabase() {
  const absl::Time start = absl::Now();
  const absl::StatusOr<int64_t> read = db::ReadSchemaVersion(pool_, start + kProbeTimeout);
  const absl::Status& status = read.status();
  if (status.code() == absl::StatusCode::kInternal) {
    database_problem_.clear();
    schema_problem_ = "database schema missing: run misc-migrate up";
    return;
  }
  if (!status.ok()) {
    // No connection in time while other calls got answers: the pool is busy, which says
    // nothing against the database. Keep the last verdict rather than flap under load.
    if (pool_.LastAnswer() >= start) return;
    database_problem_ = absl::StrCat("database unreachable: ", status.message());
    return;
  }
  database_problem_.clear();
  schema_problem_.clear();
  const int64_t schema_version = *read;
  if (schema_version < expected_schema_version_) {
    schema_problem_ = absl::StrCat("database schema version ", schema_version, " is older than ",
                                   expected_schema_version_, ": run misc-migrate up");
  } else if (schema_version > expected_schema_version_ && !warned_newer_schema_) {
    spdlog::warn("database schema version {} is newer than {} (this binary's); serving",
                 schema_version, expected_schema_version_);
    warned_newer_schema_ = true;
  }
}

void Readiness::Publish() {
  const bool loaded = refresher_.AllLoaded();
  // Why services from memory, and services that need the database, cannot serve ("" if they can).
  std::string memory_problem = schema_problem_;
  if (memory_problem.empty() && !loaded) memory_problem = "in-memory data not loaded yet";
  const std::string database_problem =
      !database_problem_.empty() ? database_problem_ : memory_problem;

  // Statuses follow from the two problems: unchanged problems, nothing to publish. (Setting a
  // status, even an unchanged one, sends it to every Health/Watch stream.)
  const std::string summary = absl::StrCat(database_problem, "|", memory_problem);
  absl::MutexLock lock(&mu_);
  if (draining_ || (published_ && summary == last_summary_)) return;
  bool any_serving = false;
  for (const ReadinessTarget& target : targets_) {
    const bool serving = target.needs_database ? database_problem.empty() : memory_problem.empty();
    health_.SetServingStatus(target.name, serving);
    any_serving = any_serving || serving;
  }
  health_.SetServingStatus("", any_serving);
  if (on_overall_status_ != nullptr) on_overall_status_(any_serving);
  if (database_problem.empty() && memory_problem.empty()) {
    spdlog::info("ready: every service SERVING");
  } else if (memory_problem.empty()) {
    spdlog::warn(
        "services that need the database NOT_SERVING ({}); services served from "
        "memory stay SERVING",
        database_problem);
  } else {
    spdlog::warn("not ready (NOT_SERVING): {}", database_problem);
  }
  published_ = true;
  last_summary_ = summary;
}

void Readiness::Start(absl::Duration interval) {
  CheckDatabase();
  Publish();
  thread_ = std::thread([this, interval] {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&draining_), interval)) return;
      }
      CheckDatabase();
      Publish();
    }
  });
}

void Readiness::BeginDrain() {
  {
    absl::MutexLock lock(&mu_);
    if (!draining_) {
      draining_ = true;
      health_.SetServingStatus("", false);
      if (on_overall_status_ != nullptr) on_overall_status_(false);
      for (const ReadinessTarget& target : targets_) health_.SetServingStatus(target.name, false);
    }
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace misc::server

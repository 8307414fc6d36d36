#include "test/operations/operations_support.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "misc/area/v1/area.grpc.pb.h"
#include "misc/genre/v1/genre.grpc.pb.h"
#include "test/support/database_cutoff.h"
#include "test/support/postgres.h"

namespace misc::operations {
namespace {

using ::grpc::health::v1::HealthCheckResponse;

std::chrono::system_clock::time_point DeadlineIn(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

// Returns the pg_stat_activity condition selecting the server's connections to `url`.
std::string ServerConnectionsOf(const std::string& url) {
  return absl::StrCat("datname = '", misc::testing::DatabaseNameOf(url),
                      "' AND application_name = 'misc'");
}

// Runs count query `sql` on the cluster's admin database over one connection kept open for
// the whole test process, so that a sample of pg_stat_activity costs a query, not a
// connection (and the samplers can look often). Autocommit: each query sees fresh
// statistics. Returns -1 after a test failure.
int64_t CountActivity(const std::string& sql) {
  static absl::Mutex mu(absl::kConstInit);
  static pqxx::connection* connection ABSL_GUARDED_BY(mu) = nullptr;
  absl::MutexLock lock(&mu);
  for (int attempt = 0;; ++attempt) {
    try {
      if (connection == nullptr)
        connection = new pqxx::connection(misc::testing::AdminDatabaseUrl());
      pqxx::nontransaction tx(*connection);
      return tx.exec1(sql)[0].as<int64_t>();
    } catch (const std::exception& e) {
      delete connection;  // Broken: the next attempt opens a new one.
      connection = nullptr;
      if (attempt > 0) {
        ADD_FAILURE() << e.what() << "\nquery: " << sql;
        return -1;
      }
    }
  }
}

}  // namespace

const std::vector<std::string>& HostedServices() {
  static const auto* const names = new std::vector<std::string>{
      "misc.restaurant.v1.RestaurantService", "misc.review.v1.ReviewService",
      "misc.area.v1.AreaService", "misc.genre.v1.GenreService", "misc.rollout.v1.RolloutService"};
  return *names;
}

std::vector<std::string> FastReadinessFlags() {
  // No access log: a failing test prints the server's output, which should show the server's
  // own messages, not a line per health probe. No restaurant cache: these tests hold
  // GetRestaurant calls inside PostgreSQL (a table lock), which the cache would coalesce into
  // one read (and it opens no change-feed session then, so the pool is every connection).
  return {"--readiness_interval=200ms",  "--area_refresh_interval=1s",
          "--genre_refresh_interval=1s", "--rollout_refresh_interval=1s",
          "--access_log=false",          "--cache_max_entries=0"};
}

std::string CreateOperationsDatabase(std::string_view prefix) {
  std::string url = misc::testing::CreateMigratedDatabase(prefix);
  if (url.empty()) return "";
  const absl::Status filled = misc::testing::ExecuteSql(
      url, absl::StrCat("INSERT INTO prefectures VALUES (13, '", kPrefectureName,
                        "', 'Tokyo');"
                        "INSERT INTO areas VALUES (100, 13, '新宿', 'Shinjuku');"
                        "INSERT INTO genres VALUES (1, NULL, '",
                        kGenreName, "', 'Japanese');",
                        "INSERT INTO restaurants (restaurant_id, name, area_id, genre_ids) "
                        "VALUES (",
                        kRestaurantId, ", '", kRestaurantName, "', 100, '{1}')"));
  if (!filled.ok()) {
    ADD_FAILURE() << "cannot fill " << url << ": " << filled;
    return "";
  }
  return url;
}

std::unique_ptr<TableLock> TableLock::Acquire(const std::string& url, const std::string& table) {
  try {
    auto connection = std::make_unique<pqxx::connection>(url);
    auto work = std::make_unique<pqxx::work>(*connection);
    work->exec0(absl::StrCat("LOCK TABLE ", work->quote_name(table), " IN ACCESS EXCLUSIVE MODE"));
    return std::unique_ptr<TableLock>(new TableLock(std::move(connection), std::move(work)));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot lock " << table << ": " << e.what();
    return nullptr;
  }
}

TableLock::~TableLock() { Release(); }

void TableLock::Release() {
  if (work_ == nullptr) return;
  try {
    work_->commit();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot release the table lock: " << e.what();
  }
  work_.reset();
  connection_.reset();
}

int64_t ServerConnections(const std::string& url) {
  return CountActivity(
      absl::StrCat("SELECT count(*) FROM pg_stat_activity WHERE ", ServerConnectionsOf(url)));
}

int64_t ServerQueriesWaitingForLock(const std::string& url) {
  return CountActivity(absl::StrCat("SELECT count(*) FROM pg_stat_activity WHERE ",
                                    ServerConnectionsOf(url),
                                    " AND state = 'active' AND wait_event_type = 'Lock'"));
}

int64_t OpenFds(pid_t pid) {
  std::error_code error;
  int64_t count = 0;
  for (std::filesystem::directory_iterator it(absl::StrCat("/proc/", pid, "/fd"), error), end;
       !error && it != end; it.increment(error)) {
    ++count;
  }
  return error ? -1 : count;
}

LoggedFdBudget ParseFdBudget(const std::string& output) {
  static const std::regex kLine(
      R"(fd budget: limit (\d+) = database (\d+) \+ listeners (\d+) \+ metrics connections )"
      R"((\d+) \+ reserved (\d+) \+ client connections (-?\d+))");
  std::smatch match;
  LoggedFdBudget budget;
  if (!std::regex_search(output, match, kLine)) return budget;
  budget.limit = std::stoll(match[1]);
  budget.database = std::stoll(match[2]);
  budget.listeners = std::stoll(match[3]);
  budget.metrics_connections = std::stoll(match[4]);
  budget.reserved = std::stoll(match[5]);
  budget.client_connections = std::stoll(match[6]);
  return budget;
}

std::string UnderFdLimit(const std::string& binary, int limit) {
  const std::string name = std::filesystem::path(binary).filename().string();
  std::string path =
      absl::StrCat(::testing::TempDir(), "/", name, "-nofile-", limit, "-", getpid());
  std::ofstream script(path, std::ios::trunc);
  script << "#!/bin/sh\nulimit -n " << limit << " || exit 97\nexec '" << binary << "' \"$@\"\n";
  script.close();
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

int NeverAnsweringListener(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 128) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ADD_FAILURE() << "cannot listen on 127.0.0.1";
    if (fd >= 0) close(fd);
    return -1;
  }
  *port = ntohs(address.sin_port);
  return fd;
}

HealthCheckResponse::ServingStatus HealthOf(const std::shared_ptr<grpc::Channel>& channel,
                                            const std::string& name) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(absl::Seconds(2)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(name);
  HealthCheckResponse response;
  if (!stub->Check(&context, request, &response).ok()) return HealthCheckResponse::UNKNOWN;
  return response.status();
}

grpc::Status GetRestaurant(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout,
                           restaurant::v1::GetRestaurantResponse* response) {
  auto stub = restaurant::v1::RestaurantService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  restaurant::v1::GetRestaurantRequest request;
  request.set_restaurant_id(kRestaurantId);
  restaurant::v1::GetRestaurantResponse ignored;
  return stub->GetRestaurant(&context, request, response != nullptr ? response : &ignored);
}

grpc::Status ListGenres(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout,
                        genre::v1::ListGenresResponse* response) {
  auto stub = genre::v1::GenreService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  genre::v1::ListGenresResponse ignored;
  return stub->ListGenres(&context, genre::v1::ListGenresRequest(),
                          response != nullptr ? response : &ignored);
}

grpc::Status ListPrefectures(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout,
                             area::v1::ListPrefecturesResponse* response) {
  auto stub = area::v1::AreaService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout));
  area::v1::ListPrefecturesResponse ignored;
  return stub->ListPrefectures(&context, area::v1::ListPrefecturesRequest(),
                               response != nullptr ? response : &ignored);
}

std::unique_ptr<PendingGetRestaurant> StartGetRestaurant(
    restaurant::v1::RestaurantService::Stub& stub, absl::Duration timeout) {
  restaurant::v1::GetRestaurantRequest request;
  request.set_restaurant_id(kRestaurantId);
  auto call = std::make_unique<PendingGetRestaurant>(std::move(request), timeout);
  call->Start([&stub](auto... args) { stub.async()->GetRestaurant(args...); });
  return call;
}

MaxSampler::MaxSampler(std::function<int64_t()> sample, absl::Duration every)
    : thread_([this, sample = std::move(sample), every] {
        do {
          const int64_t value = sample();
          absl::MutexLock lock(&mu_);
          max_ = std::max(max_, value);
          ++samples_;
        } while (!stop_.WaitForNotificationWithTimeout(every));
      }) {}

void MaxSampler::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

int64_t MaxSampler::max() const {
  absl::MutexLock lock(&mu_);
  return max_;
}

int MaxSampler::samples() const {
  absl::MutexLock lock(&mu_);
  return samples_;
}

}  // namespace misc::operations

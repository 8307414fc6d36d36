#include "src/db/pool.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <pqxx/pqxx>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "src/db/read_routing.h"

namespace misc::db {
namespace {

// Where the primary inserts into its write-ahead log now, in bytes from 0/0: past every commit
// record so far, even of asynchronous commits not yet written out (see WalPositionHistory).
constexpr Statement kSelectPrimaryPosition{
    "db.primary_wal_position", "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::text"};

// What a replica has replayed (bytes from 0/0), and the lag to use when the primary cannot be
// asked: 0 when it has replayed everything it received (with the primary away nothing newer
// exists to miss), else how old its last replayed transaction is (the replica's clock against
// the primary's commit time, so idle primaries and clock skew distort it: the fallback only).
constexpr Statement kSelectReplayPosition{
    "db.replica_replay_position",
    "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::text, "
    "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8"};

// A replica's transitions are logged at most this often (flapping must not flood the log).
constexpr absl::Duration kTransitionLogInterval = absl::Seconds(5);

// Returns "host:port" of a libpq URL or connection string (never its password), or "?" when
// it does not parse.
std::string HostAndPort(const std::string& url) {
  PQconninfoOption* options = PQconninfoParse(url.c_str(), nullptr);
  if (options == nullptr) return "?";
  std::string host = "localhost";
  std::string port = "5432";
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr || *option->val == '\0') continue;
    if (absl::string_view(option->keyword) == "host") host = option->val;
    if (absl::string_view(option->keyword) == "port") port = option->val;
  }
  PQconninfoFree(options);
  return absl::StrCat(host, ":", port);
}

std::optional<uint64_t> ParseLsn(const pqxx::field& field) {
  uint64_t lsn = 0;
  if (field.is_null() || !absl::SimpleAtoi(field.c_str(), &lsn)) return std::nullopt;
  return lsn;
}

}  // namespace

absl::Duration StaleReadBound(const ReplicaOptions& options) {
  return options.max_lag + 4 * options.check_interval;
}

struct Pool::Host {
  Host(std::string host_name, bool is_replica, const PoolOptions& options)
      : name(std::move(host_name)), replica(is_replica), pool(options), usable(!is_replica) {}

  const std::string name;
  const bool replica;
  HostPool pool;
  // Replicas: whether reads may go here; false until the first check found it caught up.
  std::atomic<bool> usable;
  // The replay lag at the last check, in nanoseconds; -1 while unknown.
  std::atomic<int64_t> lag_nanos{-1};
  std::atomic<int> in_flight{0};
  std::atomic<uint64_t> reads{0};
  // Only touched by the replica's checker.
  absl::Time last_good_check = absl::InfinitePast();

  // Sets `usable`. Logs the state when it differs from the one last logged, at most once per
  // kTransitionLogInterval: a replica that flaps writes a line per interval, and the checker's
  // next call logs the state it settled in.
  void SetUsable(bool now_usable, absl::string_view why) {
    if (usable.exchange(now_usable) != now_usable) changes.fetch_add(1);
    absl::MutexLock lock(&log_mu);
    const absl::Time now = absl::Now();
    if (logged_usable == static_cast<int>(now_usable) ||
        now - last_logged < kTransitionLogInterval) {
      return;
    }
    const int changed = changes.exchange(0);
    const std::string flaps =
        changed > 1 ? absl::StrCat(" (changed ", changed, " times since the last line)") : "";
    if (now_usable) {
      spdlog::info("{} takes reads: {}{}", name, std::string(why), flaps);
    } else {
      spdlog::warn("{} takes no reads: {}; they go to the other hosts{}", name, std::string(why),
                   flaps);
    }
    logged_usable = static_cast<int>(now_usable);
    last_logged = now;
  }

  std::atomic<int> changes{0};
  absl::Mutex log_mu;
  // -1 before the first line, then 0 or 1.
  int logged_usable ABSL_GUARDED_BY(log_mu) = -1;
  absl::Time last_logged ABSL_GUARDED_BY(log_mu) = absl::InfinitePast();
};

Pool::Pool(PoolOptions primary, ReplicaOptions replicas)
    : replica_options_(std::move(replicas)),
      // A replica behind every sample kept lags by more than max_lag.
      primary_wal_(2 * replica_options_.max_lag + 4 * replica_options_.check_interval) {
  std::vector<std::string> described;
  for (size_t i = 0; i < replica_options_.urls.size(); ++i) {
    PoolOptions options = primary;
    options.url = replica_options_.urls[i];
    options.log_name = absl::StrCat("replica-", i + 1);
    described.push_back(absl::StrCat(options.log_name, " ", HostAndPort(options.url)));
    replicas_.push_back(std::make_unique<Host>(options.log_name, /*is_replica=*/true, options));
  }
  primary_ = std::make_unique<Host>("primary", /*is_replica=*/false, primary);
  if (replicas_.empty()) return;
  spdlog::info("read replicas: {} (each up to {} connections, at most {} behind the primary)",
               absl::StrJoin(described, ", "), primary.size,
               absl::FormatDuration(replica_options_.max_lag));
  checkers_.emplace_back([this] { SampleLoop(); });
  for (const std::unique_ptr<Host>& replica : replicas_) {
    checkers_.emplace_back([this, host = replica.get()] { CheckLoop(*host); });
  }
}

Pool::~Pool() {
  Close();
  for (std::thread& checker : checkers_) checker.join();
}

void Pool::Close() {
  // Close may run twice at once (the drain's deadline, and the end of the drain).
  if (!close_called_.exchange(true)) closing_.Notify();
  primary_->pool.Close();
  for (const std::unique_ptr<Host>& replica : replicas_) replica->pool.Close();
}

absl::Status Pool::ReadOn(Host& host, absl::Time deadline,
                          absl::FunctionRef<absl::Status(Session&)> work,
                          QueryCanceller* canceller) {
  host.reads.fetch_add(1, std::memory_order_relaxed);
  host.in_flight.fetch_add(1, std::memory_order_relaxed);
  absl::Status status = host.pool.Read(deadline, work, canceller);
  host.in_flight.fetch_sub(1, std::memory_order_relaxed);
  return status;
}

absl::Status Pool::Read(absl::Time deadline, absl::FunctionRef<absl::Status(Session&)> work,
                        QueryCanceller* canceller) {
  if (replicas_.empty()) return ReadOn(*primary_, deadline, work, canceller);
  absl::InlinedVector<int, 8> in_flight;
  for (const std::unique_ptr<Host>& replica : replicas_) {
    in_flight.push_back(replica->usable.load(std::memory_order_relaxed)
                            ? replica->in_flight.load(std::memory_order_relaxed)
                            : kNotUsable);
  }
  const int pick = PickReplica(in_flight, turn_.fetch_add(1, std::memory_order_relaxed));
  if (pick < 0) return ReadOn(*primary_, deadline, work, canceller);
  Host& replica = *replicas_[pick];
  bool answered = false;  // Any statement of `work` answered on the replica.
  absl::Status status = ReadOn(
      replica, deadline,
      [&](Session& session) -> absl::Status {
        try {
          absl::Status done = work(session);
          answered = answered || session.answered() > 0;
          return done;
        } catch (...) {
          answered = answered || session.answered() > 0;
          throw;
        }
      },
      canceller);
  // Unreachable (or overloaded) before the work read anything: the primary can still answer,
  // and running the work there is as safe as HostPool's own retry.
  if (status.code() != absl::StatusCode::kUnavailable || answered || closing_.HasBeenNotified()) {
    return status;
  }
  if (replica.pool.Failing()) replica.SetUsable(false, "unreachable");
  return ReadOn(*primary_, deadline, work, canceller);
}

void Pool::SampleLoop() {
  do {
    const absl::Time asked = absl::Now();
    std::optional<uint64_t> lsn;
    const absl::Status status = primary_->pool.Read(
        asked + replica_options_.check_interval, [&](Session& session) -> absl::Status {
          lsn = ParseLsn(session.Exec(kSelectPrimaryPosition)[0][0]);
          return absl::OkStatus();
        });
    // A primary that cannot be asked leaves the samples to age: the replicas' checks then
    // use their fallback lag.
    if (status.ok() && lsn.has_value()) primary_wal_.Record(asked, WalRecordEnd(*lsn));
  } while (!closing_.WaitForNotificationWithTimeout(replica_options_.check_interval));
}

void Pool::CheckLoop(Host& replica) {
  do {
    Check(replica);
  } while (!closing_.WaitForNotificationWithTimeout(replica_options_.check_interval));
}

void Pool::Check(Host& replica) {
  const absl::Duration interval = replica_options_.check_interval;
  const absl::Time start = absl::Now();
  bool in_recovery = false;
  std::optional<uint64_t> replayed;
  std::optional<double> fallback_lag_seconds;
  const absl::Status status =
      replica.pool.Read(start + interval, [&](Session& session) -> absl::Status {
        const pqxx::result rows = session.Exec(kSelectReplayPosition);
        in_recovery = rows[0][0].as<bool>();
        replayed = ParseLsn(rows[0][1]);
        if (!rows[0][2].is_null()) fallback_lag_seconds = rows[0][2].as<double>();
        return absl::OkStatus();
      });
  const absl::Time now = absl::Now();
  if (!status.ok()) {
    if (closing_.HasBeenNotified()) return;
    // No connection for the check while the replica answered reads: it is busy, not silent.
    // Keep its verdict for one more interval rather than flap under load.
    if (replica.pool.LastAnswer() >= start && now - replica.last_good_check < 2 * interval) {
      return;
    }
    replica.lag_nanos = -1;
    replica.SetUsable(false, absl::StrCat("check failed: ", status.message()));
    return;
  }
  replica.last_good_check = now;
  if (!in_recovery) {
    replica.lag_nanos = -1;
    replica.SetUsable(false, "not in recovery (promoted, or not a replica)");
    return;
  }
  std::optional<absl::Duration> lag;
  // Fresh samples of the primary: the lag by WAL position on misc's clock (WalPositionHistory).
  if (now - primary_wal_.Newest() <= 3 * interval) {
    if (replayed.has_value()) lag = primary_wal_.LagOf(*replayed, now);
    if (!lag.has_value()) {
      replica.lag_nanos = -1;
      replica.SetUsable(false, "replay behind every recent primary position");
      return;
    }
  } else if (fallback_lag_seconds.has_value()) {
    lag = absl::Seconds(*fallback_lag_seconds);
  } else {
    replica.lag_nanos = -1;
    replica.SetUsable(false, "replay lag unknown");
    return;
  }
  replica.lag_nanos = absl::ToInt64Nanoseconds(*lag);
  if (*lag > replica_options_.max_lag) {
    replica.SetUsable(false, absl::StrCat("replay lag ", absl::FormatDuration(*lag), " over ",
                                          absl::FormatDuration(replica_options_.max_lag)));
  } else {
    replica.SetUsable(true, absl::StrCat("replay lag ", absl::FormatDuration(*lag)));
  }
}

absl::Time Pool::LastAnswer() const {
  absl::Time last = primary_->pool.LastAnswer();
  for (const std::unique_ptr<Host>& replica : replicas_) {
    last = std::max(last, replica->pool.LastAnswer());
  }
  return last;
}

int Pool::OpenConnections() const {
  int total = primary_->pool.OpenConnections();
  for (const std::unique_ptr<Host>& replica : replicas_) total += replica->pool.OpenConnections();
  return total;
}

int Pool::BusyConnections() const {
  int total = primary_->pool.BusyConnections();
  for (const std::unique_ptr<Host>& replica : replicas_) total += replica->pool.BusyConnections();
  return total;
}

int Pool::Waiters() const {
  int total = primary_->pool.Waiters();
  for (const std::unique_ptr<Host>& replica : replicas_) total += replica->pool.Waiters();
  return total;
}

int Pool::size() const { return primary_->pool.size() * static_cast<int>(1 + replicas_.size()); }

int Pool::read_hosts() const { return replicas_.empty() ? 1 : static_cast<int>(replicas_.size()); }

std::vector<HostStats> Pool::Hosts() const {
  std::vector<HostStats> hosts;
  const auto add = [&hosts](const Host& host) {
    const int64_t lag = host.lag_nanos.load();
    hosts.push_back({.name = host.name,
                     .replica = host.replica,
                     .usable = host.usable.load(),
                     .lag = host.replica && lag >= 0
                                ? std::optional<absl::Duration>(absl::Nanoseconds(lag))
                                : std::nullopt,
                     .reads = host.reads.load(std::memory_order_relaxed),
                     .size = host.pool.size(),
                     .open = host.pool.OpenConnections(),
                     .busy = host.pool.BusyConnections(),
                     .waiters = host.pool.Waiters()});
  };
  add(*primary_);
  for (const std::unique_ptr<Host>& replica : replicas_) add(*replica);
  return hosts;
}

}  // namespace misc::db

#include "src/db/connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace misc::db {
namespace {

// What the connection policy below needs from Connection::Open, which libpqxx gives no way
// to pass through its constructor: set for the duration of one Open on this thread.
struct OpenAttempt {
  absl::Time deadline;
  const std::atomic<bool>* abandon = nullptr;
  PGconn* opened = nullptr;
};
thread_local OpenAttempt* current_attempt = nullptr;

std::string LibpqError(PGconn* conn) {
  return std::string(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn)));
}

// How often a connection attempt looks at its abandon flag.
constexpr absl::Duration kAbandonCheckInterval = absl::Milliseconds(20);

// Waits until `fd` is ready for `events`; returns false when `attempt` ran out of time or was
// abandoned first.
bool WaitForSocket(int fd, int16_t events, const OpenAttempt& attempt) {
  while (true) {
    const absl::Duration left = attempt.deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    if (attempt.abandon != nullptr && attempt.abandon->load()) return false;
    pollfd entry{.fd = fd, .events = events, .revents = 0};
    const int ready = ::poll(
        &entry, 1,
        static_cast<int>(absl::ToInt64Milliseconds(std::min(left, kAbandonCheckInterval))) + 1);
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return true;  // Let PQconnectPoll report the error.
  }
}

// Opens a libpq connection with its non-blocking API, every step bounded by `deadline`.
// Throws pqxx::broken_connection on failure, as libpqxx's own policies do.
PGconn* ConnectBefore(const std::string& conninfo, const OpenAttempt& attempt) {
  PGconn* conn = PQconnectStart(conninfo.c_str());
  if (conn == nullptr) throw pqxx::broken_connection("out of memory opening a connection");
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  if (PQstatus(conn) == CONNECTION_BAD) state = PGRES_POLLING_FAILED;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) {
      std::string error = LibpqError(conn);
      PQfinish(conn);
      throw pqxx::broken_connection(error);
    }
    const int16_t events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    if (!WaitForSocket(PQsocket(conn), events, attempt)) {
      PQfinish(conn);
      throw pqxx::broken_connection("timed out opening a connection");
    }
    state = PQconnectPoll(conn);
  }
  return conn;
}

// A libpqxx connection policy that opens with ConnectBefore and never reconnects by itself:
// a broken session is dropped and the pool opens a new one, under its own backoff.
class BoundedConnect final : public pqxx::connectionpolicy {
 public:
  explicit BoundedConnect(const std::string& options) : pqxx::connectionpolicy(options) {}

  handle do_startconnect(handle orig) override {
    if (orig != nullptr) return orig;
    if (current_attempt == nullptr) {
      throw pqxx::broken_connection("connection lost (the pool opens a new one)");
    }
    current_attempt->opened = ConnectBefore(options(), *current_attempt);
    return current_attempt->opened;
  }
};

}  // namespace

struct Connection::Session {
  explicit Session(const std::string& conninfo) : connection(conninfo) {}
  pqxx::basic_connection_base<BoundedConnect> connection;
};

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo,
                                                             absl::Time deadline,
                                                             const std::atomic<bool>* abandon) {
  OpenAttempt attempt{.deadline = deadline, .abandon = abandon};
  current_attempt = &attempt;
  std::unique_ptr<Session> session;
  try {
    session = std::make_unique<Session>(conninfo);
  } catch (const std::exception& e) {
    current_attempt = nullptr;
    return absl::UnavailableError(std::string(absl::StripTrailingAsciiWhitespace(e.what())));
  }
  current_attempt = nullptr;
  std::shared_ptr<pg_cancel> key(PQgetCancel(attempt.opened), PQfreeCancel);
  if (key == nullptr) return absl::UnavailableError("no cancel key for the new connection");
  return std::unique_ptr<Connection>(
      new Connection(std::move(session), attempt.opened, std::move(key)));
}

Connection::Connection(std::unique_ptr<Session> session, pg_conn* libpq,
                       std::shared_ptr<pg_cancel> cancel_key)
    : session_(std::move(session)),
      libpq_(libpq),
      socket_(PQsocket(libpq)),
      cancel_key_(std::move(cancel_key)) {}

Connection::~Connection() = default;

pqxx::connection_base& Connection::pqxx() { return session_->connection; }

bool Connection::is_open() const { return session_->connection.is_open(); }

}  // namespace misc::db

#ifndef MISC_SRC_DB_CONNECTION_H_
#define MISC_SRC_DB_CONNECTION_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct pg_cancel;
struct pg_conn;
namespace pqxx {
class connection_base;
}  // namespace pqxx

namespace misc::db {

// One PostgreSQL session of the pool: the libpqxx connection the stores' statements run on,
// plus what the pool needs to bound it from outside: its socket (for SocketWatchdog) and its
// backend's cancel key (for CancelSender, valid even after the connection is gone).
class Connection {
 public:
  // Opens a session with `conninfo`, giving up at `deadline` or as soon as `*abandon` turns
  // true (checked every few milliseconds; may be nullptr). libpq's own connect_timeout counts
  // whole seconds per host and only in its blocking API; here every step of the connection
  // (TCP, startup, authentication) waits at most until `deadline`. Returns UNAVAILABLE with
  // libpq's reason (it names host and port, never the password).
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& conninfo,
                                                          absl::Time deadline,
                                                          const std::atomic<bool>* abandon);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Returns the libpqxx connection to run statements on.
  pqxx::connection_base& pqxx();

  // Returns the connection's socket.
  int socket() const { return socket_; }

  // Returns the cancel key of this connection's backend.
  const std::shared_ptr<pg_cancel>& cancel_key() const { return cancel_key_; }

  // Returns the libpq connection under pqxx(), for a session that speaks libpq's asynchronous
  // API itself (the change feed's LISTEN and heartbeats). Never use both on one connection.
  pg_conn* libpq() const { return libpq_; }

  // Returns true while libpq considers the connection usable.
  bool is_open() const;

 private:
  struct Session;
  Connection(std::unique_ptr<Session> session, pg_conn* libpq,
             std::shared_ptr<pg_cancel> cancel_key);

  std::unique_ptr<Session> session_;
  pg_conn* libpq_;  // Owned by session_.
  int socket_;
  std::shared_ptr<pg_cancel> cancel_key_;
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_CONNECTION_H_

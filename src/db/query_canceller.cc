#include "src/db/query_canceller.h"

#include <spdlog/spdlog.h>

namespace misc::db {

void QueryCanceller::Cancel() {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return;
  cancelled_ = true;
  if (connection_ == nullptr) return;
  try {
    // libpq's PQcancel: a separate connection asks the server to cancel; safe while another
    // thread waits for the result on this connection.
    connection_->cancel_query();
  } catch (const std::exception& e) {
    spdlog::warn("cancelling a database query failed: {}", e.what());
  }
}

bool QueryCanceller::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

bool QueryCanceller::Attach(pqxx::connection_base* connection) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return false;
  connection_ = connection;
  return true;
}

void QueryCanceller::Detach() {
  absl::MutexLock lock(&mu_);
  connection_ = nullptr;
}

}  // namespace misc::db

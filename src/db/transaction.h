#ifndef MISC_SRC_DB_TRANSACTION_H_
#define MISC_SRC_DB_TRANSACTION_H_

#include <pqxx/pqxx>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace misc::db {

// A named SQL statement, prepared once per connection on first use. Declare one as a
// namespace-scope constant next to the store that runs it; parameters are $1, $2, ...
struct Statement {
  absl::string_view name;
  absl::string_view sql;
};

// A pooled connection's read-only session, handed to Pool::Read's work. It runs prepared
// statements, each in its own implicit transaction (see Pool::Read); stores never see the
// connection itself.
class Transaction {
 public:
  Transaction(pqxx::transaction_base& tx, absl::flat_hash_set<absl::string_view>& prepared)
      : tx_(tx), prepared_(prepared) {}

  // Runs `statement` with `args` as its $1, $2, ... parameters and returns the rows.
  // Throws pqxx exceptions, which Pool::Read turns into statuses.
  template <typename... Args>
  pqxx::result Exec(const Statement& statement, Args&&... args) {
    if (prepared_.insert(statement.name).second) {
      tx_.conn().prepare(std::string(statement.name), std::string(statement.sql));
    }
    return tx_.exec_prepared(std::string(statement.name), std::forward<Args>(args)...);
  }

 private:
  pqxx::transaction_base& tx_;
  // Names of the statements prepared on this connection; the names are static strings.
  absl::flat_hash_set<absl::string_view>& prepared_;
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_TRANSACTION_H_

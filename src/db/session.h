#ifndef MISC_SRC_DB_SESSION_H_
#define MISC_SRC_DB_SESSION_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

// libpqxx types, complete only where rows are read: src/db/*.cc and the stores' .cc files.
namespace pqxx {
class connection_base;
class result;
}  // namespace pqxx

namespace misc::db {

// A named SQL statement, prepared once per connection on first use (or sent unnamed each
// time, see PoolOptions::unnamed_statements). Declare one as a namespace-scope constant next
// to the store that runs it; parameters are $1, $2, ...
struct Statement {
  absl::string_view name;
  absl::string_view sql;
};

// One parameter of a statement, in PostgreSQL's text form: an integer, or text (e.g. an array
// literal such as "{1,2,3}" for `$1::bigint[]`).
class Param {
 public:
  template <typename Integer, typename = std::enable_if_t<std::is_integral_v<Integer>>>
  Param(Integer value)  // NOLINT(google-explicit-constructor): reads as the value it holds.
      : text_(std::to_string(value)) {}
  Param(absl::string_view text)  // NOLINT(google-explicit-constructor)
      : text_(text) {}
  Param(const std::string& text)  // NOLINT(google-explicit-constructor)
      : text_(text) {}
  Param(const char* text)  // NOLINT(google-explicit-constructor)
      : text_(text) {}

  // Returns the parameter's text.
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// A pooled connection's session, handed to Pool::Read's work: the work's statements run on
// it one by one, each in its own implicit transaction (autocommit; the session is read-only).
// Stores never see the connection itself.
class Session {
 public:
  // Runs `statement` with `args` as its $1, $2, ... parameters (protocol-level parameters
  // either way, never spliced into the SQL) and returns the rows. Throws
  // libpqxx exceptions, which Pool::Read turns into statuses.
  // (`Result` only delays naming pqxx::result until a store, which includes libpqxx, calls
  // it.)
  template <typename Result = pqxx::result, typename... Args>
  Result Exec(const Statement& statement, const Args&... args) {
    return ExecParams(statement, {Param(args)...});
  }

  // Exec with the parameters as a list.
  pqxx::result ExecParams(const Statement& statement, std::initializer_list<Param> params);

  // Returns how many statements have answered on this session so far (Pool::Read retries a
  // read on a broken connection only while this is 0).
  int answered() const { return answered_; }

 private:
  friend class HostPool;
  Session(pqxx::connection_base& connection, absl::flat_hash_set<absl::string_view>& prepared,
          bool unnamed_statements)
      : connection_(connection), prepared_(prepared), unnamed_statements_(unnamed_statements) {}

  pqxx::connection_base& connection_;
  // Names of the statements prepared on this connection; the names are static strings.
  absl::flat_hash_set<absl::string_view>& prepared_;
  // Send each statement unnamed, preparing nothing (PoolOptions::unnamed_statements).
  const bool unnamed_statements_;
  int answered_ = 0;
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_SESSION_H_

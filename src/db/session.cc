#include "src/db/session.h"

#include <pqxx/pqxx>
#include <vector>

namespace misc::db {

pqxx::result Session::ExecParams(const Statement& statement, std::initializer_list<Param> params) {
  std::vector<std::string> texts;
  texts.reserve(params.size());
  for (const Param& param : params) texts.push_back(param.text());
  // Autocommit: every statement is its own read-only transaction, one round trip each.
  pqxx::nontransaction tx(connection_);
  pqxx::result rows;
  if (unnamed_statements_) {
    // PQexecParams: parse, bind and execute the unnamed statement in one round trip, so a
    // transaction-mode pooler may run it on any server connection; nothing stays behind.
    rows = tx.exec_params(std::string(statement.sql), pqxx::prepare::make_dynamic_params(texts));
  } else {
    const std::string name(statement.name);
    if (prepared_.insert(statement.name).second) {
      connection_.prepare(name, std::string(statement.sql));
    }
    rows = tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(texts));
  }
  ++answered_;
  return rows;
}

}  // namespace misc::db

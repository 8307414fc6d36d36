#include "src/db/session.h"

#include <pqxx/pqxx>
#include <vector>

namespace misc::db {

pqxx::result Session::ExecParams(const Statement& statement, std::initializer_list<Param> params) {
  const std::string name(statement.name);
  if (prepared_.insert(statement.name).second) {
    connection_.prepare(name, std::string(statement.sql));
  }
  std::vector<std::string> texts;
  texts.reserve(params.size());
  for (const Param& param : params) texts.push_back(param.text());
  // Autocommit: every statement is its own read-only transaction, one round trip each.
  pqxx::nontransaction tx(connection_);
  pqxx::result rows = tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(texts));
  ++answered_;
  return rows;
}

}  // namespace misc::db

#include "bench/micro/client_side_result.h"

#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
// The gate header needs pqxx::pipeline declared before it.
// clang-format off
#include <pqxx/pqxx>
#include <pqxx/internal/gates/result-creation.hxx>
// clang-format on

#include "absl/strings/str_cat.h"

namespace misc::bench {
namespace {

// libpq can build a result client-side (PQmakeEmptyPGresult, PQsetResultAttrs, PQsetvalue),
// but libpqxx 6.4 has no public way to wrap one in a pqxx::result: its constructor is private
// and reachable only through the gate class result_creation, whose friends are libpqxx's own
// connection_base and pipeline. Names in an explicit instantiation are exempt from access
// checking ([temp.spec.general]/6), which lets this file take the address of the gate's static
// create(). That is the only use of libpqxx internals; it ties the benchmark (not the server)
// to libpqxx 6.4, Debian 12's version, and fails to compile if the gate changes.
using CreateResultFunction = pqxx::result (*)(pqxx::internal::pq::PGresult*, const std::string&,
                                              pqxx::internal::encoding_group);

CreateResultFunction CreateResult();

template <CreateResultFunction kCreate>
struct ResultCreationAccess {
  friend CreateResultFunction CreateResult() { return kCreate; }
};
template struct ResultCreationAccess<&pqxx::internal::gate::result_creation::create>;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "benchmark setup failed: %s\n", what);
  std::abort();
}

}  // namespace

pqxx::result MakeClientSideResult(int column_count,
                                  const std::vector<std::vector<std::string>>& rows) {
  PGresult* result = PQmakeEmptyPGresult(nullptr, PGRES_TUPLES_OK);
  if (result == nullptr) Fail("PQmakeEmptyPGresult");
  // libpq copies the names and values it is given; its parameters are only non-const by age.
  std::vector<std::string> names;
  for (int i = 0; i < column_count; ++i) names.push_back(absl::StrCat("column", i));
  std::vector<PGresAttDesc> columns;
  for (std::string& name : names) {
    // Text format (0), type text (OID 25): pqxx converts from the text alone, as it does for
    // a server's result.
    columns.push_back({.name = name.data(),
                       .tableid = 0,
                       .columnid = 0,
                       .format = 0,
                       .typid = 25,
                       .typlen = -1,
                       .atttypmod = -1});
  }
  if (PQsetResultAttrs(result, column_count, columns.data()) == 0) Fail("PQsetResultAttrs");
  for (size_t row = 0; row < rows.size(); ++row) {
    if (rows[row].size() != static_cast<size_t>(column_count)) Fail("a row of the wrong width");
    for (int column = 0; column < column_count; ++column) {
      const std::string& value = rows[row][column];
      if (PQsetvalue(result, static_cast<int>(row), column, const_cast<char*>(value.data()),
                     static_cast<int>(value.size())) == 0) {
        Fail("PQsetvalue");
      }
    }
  }
  // The pqxx::result owns `result` from here and frees it with PQclear.
  return CreateResult()(result, "client-side benchmark rows", pqxx::internal::encoding_group::UTF8);
}

}  // namespace misc::bench

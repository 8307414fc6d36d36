#ifndef MISC_BENCH_MICRO_CLIENT_SIDE_RESULT_H_
#define MISC_BENCH_MICRO_CLIENT_SIDE_RESULT_H_

#include <pqxx/result>
#include <string>
#include <vector>

namespace misc::bench {

// Returns a pqxx::result made in memory, without a database: `column_count` text columns and
// one row per entry of `rows`, each holding exactly one value per column in text format (as
// PostgreSQL sends them). Aborts when libpq refuses the data. Benchmarks only: see the .cc.
pqxx::result MakeClientSideResult(int column_count,
                                  const std::vector<std::vector<std::string>>& rows);

}  // namespace misc::bench

#endif  // MISC_BENCH_MICRO_CLIENT_SIDE_RESULT_H_

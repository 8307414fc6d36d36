#ifndef MISC_BENCH_LOADGEN_APP_H_
#define MISC_BENCH_LOADGEN_APP_H_

#include "bench/loadgen/flags.h"

namespace misc::loadgen {

// Exit codes of misc-loadgen.
inline constexpr int kExitOk = 0;
// Calls failed with codes not in --expected_codes, nothing was measured, or the run could
// not start (server unreachable, too few restaurants for the deep page, unreadable tokens).
inline constexpr int kExitFailed = 1;
// Bad flags.
inline constexpr int kExitUsage = 2;

// Does what `config` says: a load run (report on stderr and as JSON) or, with
// write_framed_request, writes one framed request and prints its :path. Returns the exit code.
int RunLoadgen(const Config& config);

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_APP_H_

#ifndef MISC_BENCH_LOADGEN_FLAGS_H_
#define MISC_BENCH_LOADGEN_FLAGS_H_

#include <grpcpp/support/status.h>

#include <cstdint>
#include <set>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/loadgen/flag_types.h"
#include "bench/loadgen/requests.h"

ABSL_DECLARE_FLAG(std::string, target);
ABSL_DECLARE_FLAG(int, channels);
ABSL_DECLARE_FLAG(int, concurrency);
ABSL_DECLARE_FLAG(absl::Duration, duration);
ABSL_DECLARE_FLAG(absl::Duration, warmup);
ABSL_DECLARE_FLAG(absl::Duration, deadline);
ABSL_DECLARE_FLAG(absl::Duration, connect_timeout);
ABSL_DECLARE_FLAG(std::string, workload);
ABSL_DECLARE_FLAG(misc::loadgen::Mix, mix);
ABSL_DECLARE_FLAG(misc::loadgen::IdRange, restaurant_ids);
ABSL_DECLARE_FLAG(int64_t, fixed_restaurant_id);
ABSL_DECLARE_FLAG(int, deep_pages);
ABSL_DECLARE_FLAG(std::string, tokens_file);
ABSL_DECLARE_FLAG(std::string, json);
ABSL_DECLARE_FLAG(std::string, write_framed_request);
ABSL_DECLARE_FLAG(std::string, expected_codes);
ABSL_DECLARE_FLAG(bool, allow_errors);

namespace misc::loadgen {

// A load run as the flags describe it, checked.
struct Config {
  std::string target;
  int channels = 1;
  int concurrency = 1;
  absl::Duration duration;
  absl::Duration warmup;
  absl::Duration deadline;
  absl::Duration connect_timeout;
  // Exactly one of workload and mix is set.
  std::string workload;
  Mix mix;
  // Restaurant ids to draw from; deep_page_token is filled in later.
  DataSet data;
  // How many pages list_restaurants_deep walks past.
  int deep_pages = 200;
  std::string tokens_file;
  // Where the JSON report goes; "" or "-" is stdout.
  std::string json_path;
  // When set: write the framed request of `workload` there and exit.
  std::string write_framed_request;
  // Status codes that do not make the run fail (OK always is one).
  std::set<grpc::StatusCode> expected_codes;
  bool allow_errors = false;

  // The workload's name for reports: the --workload name, or "mix:" and the --mix text.
  std::string WorkloadName() const;
};

// Reads the flags into a Config. Returns INVALID_ARGUMENT naming the flag for a bad value
// or combination (no workload, both --workload and --mix, an unknown workload, a logged-in
// workload without --tokens_file, --write_framed_request of a workload of several calls, ...).
absl::StatusOr<Config> ConfigFromFlags();

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_FLAGS_H_

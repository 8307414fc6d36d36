#ifndef MISC_BENCH_LOADGEN_WORKLOAD_H_
#define MISC_BENCH_LOADGEN_WORKLOAD_H_

#include <google/protobuf/message.h>

#include <memory>
#include <optional>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bench/loadgen/caller.h"
#include "bench/loadgen/flag_types.h"
#include "bench/loadgen/methods.h"
#include "bench/loadgen/requests.h"

namespace misc::loadgen {

// One request of a single-call workload (what --write_framed_request writes).
struct SampleCall {
  const Method* method;
  std::unique_ptr<google::protobuf::Message> request;
};

// What one "operation" of a load run is: a single call, or several (a page). Thread-safe:
// every slot of a run shares one Workload.
class Workload {
 public:
  // Runs once per operation, on a gRPC thread; `failed` when any call did not return OK.
  using Done = absl::AnyInvocable<void(bool failed)>;

  virtual ~Workload() = default;

  // Starts one operation on `caller`; `done` runs after every call of it has finished.
  virtual void Start(Caller& caller, Done done) const = 0;

  // For a workload whose operation is one call: that call's method and a request for it.
  // nullopt for workloads of several calls.
  virtual std::optional<SampleCall> Sample(absl::BitGenRef random) const = 0;
};

// What a workload needs before it can run.
struct WorkloadInfo {
  absl::string_view name;
  // Sends user tokens: needs --tokens_file.
  bool logged_in = false;
  // Needs the deep page token (DataSet::deep_page_token), fetched before the warm-up.
  bool deep_page = false;
  // Its operation is a restaurant page of several calls, not one call.
  bool page = false;
};

// Every workload --workload and --mix accept, in the order --help lists them.
const std::vector<WorkloadInfo>& AllWorkloads();

// Returns the workload named `name`, or nullptr when there is none.
const WorkloadInfo* FindWorkload(absl::string_view name);

// Returns the workload named `name`, whose requests `requests` builds (it must outlive the
// workload). INVALID_ARGUMENT for an unknown name.
absl::StatusOr<std::unique_ptr<Workload>> MakeWorkload(absl::string_view name,
                                                       const RequestFactory* requests);

// Returns a workload that runs, for each operation, one of `mix`'s workloads picked by
// weight. INVALID_ARGUMENT for an empty mix or an unknown name.
absl::StatusOr<std::unique_ptr<Workload>> MakeMixWorkload(const Mix& mix,
                                                          const RequestFactory* requests);

// The restaurant page of a BFF (restaurant_page.cc): GetRestaurant, ListReviews and
// CheckRolloutTarget of one random restaurant and ListGenres, all at once, then GetArea of the
// restaurant's area as soon as GetRestaurant has answered. One operation per page.
std::unique_ptr<Workload> MakeRestaurantPageWorkload(const RequestFactory* requests);

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_WORKLOAD_H_

// The workload registry: the single-call workloads, the mix, and the names of them all.
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/random/distributions.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/loadgen/workload.h"

namespace misc::loadgen {
namespace {

// Shibuya's area id in cmd/migrate/seed.sql (prefecture 13 * 100 + 1).
constexpr int64_t kShibuyaAreaId = 1301;

using MakeRequest = std::function<std::unique_ptr<google::protobuf::Message>(absl::BitGenRef)>;

// A workload whose operation is one call of `method`.
class UnaryWorkload final : public Workload {
 public:
  UnaryWorkload(const Method& method, Auth auth, MakeRequest make_request)
      : method_(method), auth_(auth), make_request_(std::move(make_request)) {}

  void Start(Caller& caller, Done done) const override {
    caller.Call(
        method_, make_request_(caller.random()), auth_,
        [done = std::move(done)](const grpc::Status& status,
                                 const google::protobuf::Message&) mutable { done(!status.ok()); });
  }

  std::optional<SampleCall> Sample(absl::BitGenRef random) const override {
    return SampleCall{&method_, make_request_(random)};
  }

 private:
  const Method& method_;
  Auth auth_;
  MakeRequest make_request_;
};

// A workload that runs one of several others per operation, picked by weight.
class MixWorkload final : public Workload {
 public:
  void Add(std::unique_ptr<Workload> workload, int weight) {
    total_weight_ += weight;
    parts_.push_back({std::move(workload), total_weight_});
  }

  void Start(Caller& caller, Done done) const override {
    Pick(caller.random()).Start(caller, std::move(done));
  }

  // Only a mix of one workload has a single request to sample.
  std::optional<SampleCall> Sample(absl::BitGenRef random) const override {
    if (parts_.size() != 1) return std::nullopt;
    return parts_[0].workload->Sample(random);
  }

 private:
  struct Part {
    std::unique_ptr<Workload> workload;
    int64_t cumulative_weight;  // sum of the weights up to and including this one
  };

  const Workload& Pick(absl::BitGenRef random) const {
    const int64_t draw = absl::Uniform<int64_t>(random, 0, total_weight_);
    for (const Part& part : parts_) {
      if (draw < part.cumulative_weight) return *part.workload;
    }
    return *parts_.back().workload;
  }

  std::vector<Part> parts_;
  int64_t total_weight_ = 0;
};

std::unique_ptr<Workload> Unary(const Method& method, MakeRequest make_request,
                                Auth auth = Auth::kAnonymous) {
  return std::make_unique<UnaryWorkload>(method, auth, std::move(make_request));
}

struct Entry {
  WorkloadInfo info;
  std::unique_ptr<Workload> (*make)(const RequestFactory* requests);
};

const std::vector<Entry>& Registry() {
  using G = absl::BitGenRef;
  static const auto* const registry = new std::vector<Entry>{
      {{.name = "get_restaurant"},
       [](const RequestFactory* r) {
         return Unary(kGetRestaurant, [r](G g) { return r->GetRestaurant(r->RestaurantId(g)); });
       }},
      {{.name = "get_restaurant_logged_in", .logged_in = true},
       [](const RequestFactory* r) {
         return Unary(
             kGetRestaurant, [r](G g) { return r->GetRestaurant(r->RestaurantId(g)); },
             Auth::kLoggedIn);
       }},
      {{.name = "batch_get_restaurants"},
       [](const RequestFactory* r) {
         return Unary(kBatchGetRestaurants, [r](G g) { return r->BatchGetRestaurants(g); });
       }},
      {{.name = "list_restaurants_first"},
       [](const RequestFactory* r) {
         return Unary(kListRestaurants, [r](G) { return r->ListRestaurantsFirstPage(); });
       }},
      {{.name = "list_restaurants_deep", .deep_page = true},
       [](const RequestFactory* r) {
         return Unary(kListRestaurants, [r](G) { return r->ListRestaurantsDeepPage(); });
       }},
      {{.name = "list_reviews"},
       [](const RequestFactory* r) {
         return Unary(kListReviews, [r](G g) { return r->ListReviews(r->RestaurantId(g)); });
       }},
      // One area, the Shibuya of the seed: the answer has the bytes misc-transport-ceiling
      // gives for every GetArea, so both sides of the transport comparison send the same.
      {{.name = "get_area"},
       [](const RequestFactory* r) {
         return Unary(kGetArea, [r](G) { return r->GetArea(kShibuyaAreaId); });
       }},
      {{.name = "list_genres"},
       [](const RequestFactory* r) {
         return Unary(kListGenres, [r](G) { return r->ListGenres(); });
       }},
      {{.name = "check_rollout_target"},
       [](const RequestFactory* r) {
         return Unary(kCheckRolloutTarget,
                      [r](G g) { return r->CheckRolloutTarget(r->RestaurantId(g)); });
       }},
      {{.name = "health"},
       [](const RequestFactory* r) {
         return Unary(kHealthCheck, [r](G) { return r->HealthCheck(); });
       }},
      {{.name = "restaurant_page", .page = true}, &MakeRestaurantPageWorkload},
  };
  return *registry;
}

std::string KnownNames() {
  return absl::StrJoin(AllWorkloads(), ", ", [](std::string* out, const WorkloadInfo& info) {
    absl::StrAppend(out, info.name);
  });
}

}  // namespace

const std::vector<WorkloadInfo>& AllWorkloads() {
  static const auto* const infos = [] {
    auto* result = new std::vector<WorkloadInfo>;
    for (const Entry& entry : Registry()) result->push_back(entry.info);
    return result;
  }();
  return *infos;
}

const WorkloadInfo* FindWorkload(absl::string_view name) {
  for (const WorkloadInfo& info : AllWorkloads()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<Workload>> MakeWorkload(absl::string_view name,
                                                       const RequestFactory* requests) {
  for (const Entry& entry : Registry()) {
    if (entry.info.name == name) return entry.make(requests);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown workload \"", name, "\"; known: ", KnownNames()));
}

absl::StatusOr<std::unique_ptr<Workload>> MakeMixWorkload(const Mix& mix,
                                                          const RequestFactory* requests) {
  if (mix.entries.empty()) return absl::InvalidArgumentError("empty mix");
  auto result = std::make_unique<MixWorkload>();
  for (const MixEntry& entry : mix.entries) {
    absl::StatusOr<std::unique_ptr<Workload>> workload = MakeWorkload(entry.workload, requests);
    if (!workload.ok()) return workload.status();
    result->Add(*std::move(workload), entry.weight);
  }
  return result;
}

}  // namespace misc::loadgen

// The restaurant_page workload: the calls a BFF makes to render one restaurant page.
#include <atomic>
#include <memory>
#include <utility>

#include "bench/loadgen/workload.h"

namespace misc::loadgen {
namespace {

// One page in flight. The last of its calls to finish reports the page and deletes it.
class PageInFlight {
 public:
  PageInFlight(int calls, Workload::Done done) : pending_(calls), done_(std::move(done)) {}

  // Announces one more call (GetArea, started from GetRestaurant's callback). Called before
  // the announcing call's own Finish, so the count cannot reach zero in between.
  void AddCall() { pending_.fetch_add(1, std::memory_order_relaxed); }

  // Counts one finished call; the last one runs `done` and deletes the page.
  void Finish(bool call_failed) {
    if (call_failed) failed_.store(true, std::memory_order_relaxed);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      done_(failed_.load(std::memory_order_relaxed));
      delete this;
    }
  }

 private:
  std::atomic<int> pending_;
  std::atomic<bool> failed_{false};
  Workload::Done done_;
};

class RestaurantPageWorkload final : public Workload {
 public:
  explicit RestaurantPageWorkload(const RequestFactory* requests) : requests_(requests) {}

  void Start(Caller& caller, Done done) const override {
    const int64_t restaurant_id = requests_->RestaurantId(caller.random());
    // Four calls go out at once; GetArea needs GetRestaurant's area_id, so it follows it,
    // as a BFF that shows the area's name has to.
    auto* page = new PageInFlight(4, std::move(done));
    const RequestFactory* requests = requests_;
    caller.Call(kGetRestaurant, requests->GetRestaurant(restaurant_id), Auth::kAnonymous,
                [page, requests, &caller](const grpc::Status& status,
                                          const google::protobuf::Message& response) {
                  if (status.ok()) {
                    const int64_t area_id =
                        static_cast<const restaurant::v1::GetRestaurantResponse&>(response)
                            .restaurant()
                            .area_id();
                    page->AddCall();
                    caller.Call(
                        kGetArea, requests->GetArea(area_id), Auth::kAnonymous,
                        [page](const grpc::Status& area_status, const google::protobuf::Message&) {
                          page->Finish(!area_status.ok());
                        });
                  }
                  page->Finish(!status.ok());
                });
    auto finish = [page](const grpc::Status& status, const google::protobuf::Message&) {
      page->Finish(!status.ok());
    };
    caller.Call(kListReviews, requests->ListReviews(restaurant_id), Auth::kAnonymous, finish);
    caller.Call(kCheckRolloutTarget, requests->CheckRolloutTarget(restaurant_id), Auth::kAnonymous,
                finish);
    caller.Call(kListGenres, requests->ListGenres(), Auth::kAnonymous, finish);
  }

  std::optional<SampleCall> Sample(absl::BitGenRef) const override { return std::nullopt; }

 private:
  const RequestFactory* requests_;
};

}  // namespace

std::unique_ptr<Workload> MakeRestaurantPageWorkload(const RequestFactory* requests) {
  return std::make_unique<RestaurantPageWorkload>(requests);
}

}  // namespace misc::loadgen

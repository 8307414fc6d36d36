#include "test/faults/load_mixer.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <memory>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "misc/area/v1/area.grpc.pb.h"
#include "misc/genre/v1/genre.grpc.pb.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "misc/review/v1/review.grpc.pb.h"
#include "misc/rollout/v1/rollout.grpc.pb.h"

namespace misc::faults {
namespace {

// The names of grpc::StatusCode 0..16, as the gRPC spec spells them.
constexpr const char* kCodeNames[] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

const char* CodeName(grpc::StatusCode code) {
  const int value = static_cast<int>(code);
  return value >= 0 && value <= 16 ? kCodeNames[value] : "?";
}

// The stubs of one client connection.
struct Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& channel)
      : restaurant(restaurant::v1::RestaurantService::NewStub(channel)),
        review(review::v1::ReviewService::NewStub(channel)),
        genre(genre::v1::GenreService::NewStub(channel)),
        area(area::v1::AreaService::NewStub(channel)),
        rollout(rollout::v1::RolloutService::NewStub(channel)),
        health(grpc::health::v1::Health::NewStub(channel)) {}

  std::unique_ptr<restaurant::v1::RestaurantService::Stub> restaurant;
  std::unique_ptr<review::v1::ReviewService::Stub> review;
  std::unique_ptr<genre::v1::GenreService::Stub> genre;
  std::unique_ptr<area::v1::AreaService::Stub> area;
  std::unique_ptr<rollout::v1::RolloutService::Stub> rollout;
  std::unique_ptr<grpc::health::v1::Health::Stub> health;
};

// Runs one unary call through gRPC's callback API: `start` is the stub's async method bound to
// it. Cancels the call when it runs longer than `guard` (and sets `hung`). Returns its status;
// `end` is when it finished.
template <typename Response, typename Request, typename Start>
grpc::Status Call(grpc::ClientContext& context, const Request& request, Start start,
                  absl::Duration guard, bool* hung, absl::Time* end) {
  Response response;
  grpc::Status status;
  absl::Notification done;
  start(&context, &request, &response, [&](grpc::Status result) {
    *end = absl::Now();
    status = std::move(result);
    done.Notify();
  });
  if (!done.WaitForNotificationWithTimeout(guard)) {
    *hung = true;
    context.TryCancel();
    done.WaitForNotification();
  }
  return status;
}

}  // namespace

const char* CallKindName(CallKind kind) {
  switch (kind) {
    case CallKind::kGetRestaurant:
      return "GetRestaurant";
    case CallKind::kListReviews:
      return "ListReviews";
    case CallKind::kListGenres:
      return "ListGenres";
    case CallKind::kListPrefectures:
      return "ListPrefectures";
    case CallKind::kGetRolloutTargets:
      return "GetRolloutTargets";
    case CallKind::kHealthCheck:
      return "Health.Check";
  }
  return "?";
}

bool IsDatabaseBacked(CallKind kind) {
  return kind == CallKind::kGetRestaurant || kind == CallKind::kListReviews;
}

std::vector<CallKind> AllCallKinds() {
  return {CallKind::kGetRestaurant,   CallKind::kListReviews,       CallKind::kListGenres,
          CallKind::kListPrefectures, CallKind::kGetRolloutTargets, CallKind::kHealthCheck};
}

LoadMixer::LoadMixer(LoadOptions options) : options_(std::move(options)) {
  workers_.reserve(options_.concurrency);
  for (int worker = 0; worker < options_.concurrency; ++worker) {
    workers_.emplace_back([this, worker] { Work(worker); });
  }
}

void LoadMixer::Stop() {
  stopping_ = true;
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

std::vector<CallRecord> LoadMixer::Records() const {
  absl::MutexLock lock(&mu_);
  return records_;
}

void LoadMixer::Work(int worker) {
  // Each worker has a connection of the few (the BFF multiplexes calls on few connections).
  static std::atomic<int> channel_tag = 0;
  grpc::ChannelArguments arguments;
  arguments.SetInt("misc.faults.channel", channel_tag++ % std::max(1, options_.channels));
  const Stubs stubs(
      grpc::CreateCustomChannel(options_.address, grpc::InsecureChannelCredentials(), arguments));
  const std::vector<absl::Duration> no_deadline = {absl::InfiniteDuration()};
  const std::vector<absl::Duration>& database_deadlines =
      options_.database_deadlines.empty() ? no_deadline : options_.database_deadlines;
  const std::vector<absl::Duration>& memory_deadlines =
      options_.memory_deadlines.empty() ? no_deadline : options_.memory_deadlines;

  std::mt19937 random(static_cast<std::mt19937::result_type>(worker));
  const auto pick = [&random](size_t size) {
    return std::uniform_int_distribution<size_t>(0, size - 1)(random);
  };
  absl::Time next = absl::Now();
  while (!stopping_) {
    absl::SleepFor(next - absl::Now());
    CallRecord record;
    record.kind = options_.kinds[pick(options_.kinds.size())];
    const std::vector<absl::Duration>& deadlines =
        IsDatabaseBacked(record.kind) ? database_deadlines : memory_deadlines;
    record.deadline = deadlines[pick(deadlines.size())];
    record.logged_in = !options_.token.empty() && pick(2) == 0;
    const int64_t restaurant_id = 1 + static_cast<int64_t>(pick(options_.restaurants));

    grpc::ClientContext context;
    record.start = absl::Now();
    next = record.start + options_.pace;
    if (record.deadline != absl::InfiniteDuration()) {
      context.set_deadline(absl::ToChronoTime(record.start + record.deadline));
    }
    if (record.logged_in) context.AddMetadata("authorization", "Bearer " + options_.token);
    const absl::Duration guard = options_.hang_guard;
    grpc::Status status;
    switch (record.kind) {
      case CallKind::kGetRestaurant: {
        restaurant::v1::GetRestaurantRequest request;
        request.set_restaurant_id(restaurant_id);
        status = Call<restaurant::v1::GetRestaurantResponse>(
            context, request,
            [&](auto... args) { stubs.restaurant->async()->GetRestaurant(args...); }, guard,
            &record.hung, &record.end);
        break;
      }
      case CallKind::kListReviews: {
        review::v1::ListReviewsRequest request;
        request.set_restaurant_id(restaurant_id);
        request.set_page_size(10);
        status = Call<review::v1::ListReviewsResponse>(
            context, request, [&](auto... args) { stubs.review->async()->ListReviews(args...); },
            guard, &record.hung, &record.end);
        break;
      }
      case CallKind::kListGenres:
        status = Call<genre::v1::ListGenresResponse>(
            context, genre::v1::ListGenresRequest(),
            [&](auto... args) { stubs.genre->async()->ListGenres(args...); }, guard, &record.hung,
            &record.end);
        break;
      case CallKind::kListPrefectures:
        status = Call<area::v1::ListPrefecturesResponse>(
            context, area::v1::ListPrefecturesRequest(),
            [&](auto... args) { stubs.area->async()->ListPrefectures(args...); }, guard,
            &record.hung, &record.end);
        break;
      case CallKind::kGetRolloutTargets:
        status = Call<rollout::v1::GetRolloutTargetsResponse>(
            context, rollout::v1::GetRolloutTargetsRequest(),
            [&](auto... args) { stubs.rollout->async()->GetRolloutTargets(args...); }, guard,
            &record.hung, &record.end);
        break;
      case CallKind::kHealthCheck:
        status = Call<grpc::health::v1::HealthCheckResponse>(
            context, grpc::health::v1::HealthCheckRequest(),
            [&](auto... args) { stubs.health->async()->Check(args...); }, guard, &record.hung,
            &record.end);
        break;
    }
    record.code = status.error_code();
    absl::MutexLock lock(&mu_);
    records_.push_back(record);
  }
}

absl::Duration Quantile(const std::vector<CallRecord>& records, double q) {
  if (records.empty()) return absl::ZeroDuration();
  std::vector<absl::Duration> latencies;
  latencies.reserve(records.size());
  for (const CallRecord& record : records) latencies.push_back(record.latency());
  std::sort(latencies.begin(), latencies.end());
  const size_t index = std::min(latencies.size() - 1,
                                static_cast<size_t>(q * static_cast<double>(latencies.size())));
  return latencies[index];
}

std::vector<CallRecord> StartedBetween(const std::vector<CallRecord>& records, absl::Time from,
                                       absl::Time to) {
  std::vector<CallRecord> result;
  for (const CallRecord& record : records) {
    if (record.start >= from && record.start < to) result.push_back(record);
  }
  return result;
}

std::vector<CallRecord> OfGroup(const std::vector<CallRecord>& records, bool database) {
  std::vector<CallRecord> result;
  for (const CallRecord& record : records) {
    if (IsDatabaseBacked(record.kind) == database) result.push_back(record);
  }
  return result;
}

std::string Describe(const CallRecord& record, absl::Time origin) {
  return absl::StrCat(
      CallKindName(record.kind), " deadline=",
      record.deadline == absl::InfiniteDuration() ? "none" : absl::FormatDuration(record.deadline),
      record.logged_in ? " logged_in" : " anonymous", " start=+",
      absl::FormatDuration(record.start - origin), " took ", absl::FormatDuration(record.latency()),
      ": ", CodeName(record.code), record.hung ? " (hung: cancelled by the client)" : "");
}

}  // namespace misc::faults

#include "services/review/review_service.h"

#include <google/protobuf/util/time_util.h>

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/pagination/page.h"
#include "src/pagination/page_size.h"
#include "src/pagination/page_token.h"
#include "src/status/errors.h"
#include "src/text/utf8.h"

namespace misc::review {
namespace {

// How much of each body to read for an anonymous caller: one code point more than is shown
// tells whether the body was cut, without shipping long bodies from the database.
constexpr int32_t kAnonymousBodyRead = static_cast<int32_t>(kAnonymousBodyCodePoints) + 1;

// The canonical filter a ListReviews page token is bound to.
std::string ListFilter(const v1::ListReviewsRequest& request) {
  return absl::StrCat("misc.review.v1.ListReviews?restaurant_id=", request.restaurant_id());
}

// Logged-in callers read whole bodies; anonymous ones only what they may be shown.
int32_t BodyCodePointsFor(const auth::Viewer& viewer) {
  return viewer.is_anonymous() ? kAnonymousBodyRead : kWholeBody;
}

// A ListReviews cursor holds a time the list statement can take and a review id, which the
// schema keeps positive.
constexpr pagination::ValueRange kCursorRanges[] = {
    {.min = kMinCursorMicros, .max = kMaxCursorMicros}, {.min = 1}};

// Returns whether a list request's first page is one FirstPageCache keeps, for any viewer:
// the first page (no token) at the default page size, what the BFF asks for.
bool IsCachedPage(const ListQuery& query) {
  return !query.after.has_value() && query.limit == pagination::kDefaultPageSize;
}

}  // namespace

absl::StatusOr<ValidListRequest> ValidateListRequest(
    const v1::ListReviewsRequest& request, const pagination::PageTokenCodec& page_tokens) {
  status::FieldErrors errors;
  if (request.restaurant_id() <= 0) errors.Add("restaurant_id", "must be positive");
  if (request.page_size() < 0) errors.Add("page_size", "must not be negative");
  if (absl::Status invalid = errors.ToStatus(); !invalid.ok()) return invalid;
  ValidListRequest valid{.query = {.restaurant_id = request.restaurant_id(),
                                   .limit = pagination::EffectivePageSize(request.page_size())},
                         .filter = ListFilter(request)};
  if (!request.page_token().empty()) {
    absl::StatusOr<pagination::Cursor> cursor =
        page_tokens.Decode(request.page_token(), valid.filter, kCursorRanges);
    if (!cursor.ok()) return cursor.status();
    valid.query.after = TimeCursor{.create_time_micros = (*cursor)[0], .review_id = (*cursor)[1]};
  }
  return valid;
}

void ShapeForAnonymous(v1::Review* review) {
  const absl::string_view body = review->body();
  const absl::string_view shown = text::PrefixOfCodePoints(body, kAnonymousBodyCodePoints);
  const bool cut = shown.size() < body.size();
  if (cut) review->mutable_body()->resize(shown.size());
  review->set_body_truncated(cut);
  review->set_liked_by_viewer(false);
}

absl::StatusOr<v1::ListReviewsResponse> ReviewService::ReadPage(const ListQuery& query,
                                                                const std::string& filter,
                                                                const server::CallContext& call) {
  // One row more than the page tells whether another page follows.
  ListQuery lookahead = query;
  lookahead.limit = query.limit + 1;
  lookahead.body_code_points = BodyCodePointsFor(call.viewer);
  absl::StatusOr<Reviews> read = store_.List(lookahead, call.viewer.user_id(), call.read_bounds());
  if (!read.ok()) return read.status();
  v1::ListReviewsResponse page;
  Reviews* reviews = page.mutable_reviews();
  reviews->Swap(&*read);
  if (const v1::Review* last = pagination::TrimToPage(*reviews, query.limit)) {
    page.set_next_page_token(page_tokens_.Encode(
        filter, {google::protobuf::util::TimeUtil::TimestampToMicroseconds(last->create_time()),
                 last->review_id()}));
  }
  if (call.viewer.is_anonymous()) {
    for (v1::Review& review : *reviews) ShapeForAnonymous(&review);
  }
  return page;
}

grpc::ServerUnaryReactor* ReviewService::ListReviews(grpc::CallbackServerContext* context,
                                                     const v1::ListReviewsRequest* request,
                                                     v1::ListReviewsResponse* response) {
  absl::StatusOr<ValidListRequest> valid = ValidateListRequest(*request, page_tokens_);
  if (!valid.ok()) return calls_.Finish(context, valid.status());
  const bool cached_page = IsCachedPage(valid->query);
  const int64_t restaurant_id = valid->query.restaurant_id;
  return calls_.ServeOrRun(
      context,
      [&](const server::CallContext& call) -> std::optional<absl::Status> {
        if (!cached_page || !call.viewer.is_anonymous()) return std::nullopt;
        FirstPageCache::Value cached = first_pages_.Peek(restaurant_id);
        if (cached == nullptr) return std::nullopt;
        *response = *cached;
        return absl::OkStatus();
      },
      [this, cached_page, query = valid->query, filter = std::move(valid->filter),
       response](const server::CallContext& call) -> absl::Status {
        if (!cached_page || !call.viewer.is_anonymous()) {
          absl::StatusOr<v1::ListReviewsResponse> page = ReadPage(query, filter, call);
          if (!page.ok()) return page.status();
          response->Swap(&*page);
          return absl::OkStatus();
        }
        absl::StatusOr<FirstPageCache::Value> page = first_pages_.GetOrLoad(
            query.restaurant_id, [&] { return ReadPage(query, filter, call); }, call.deadline);
        if (!page.ok()) return page.status();
        *response = **page;
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReviewService::GetReview(grpc::CallbackServerContext* context,
                                                   const v1::GetReviewRequest* request,
                                                   v1::GetReviewResponse* response) {
  if (request->review_id() <= 0) {
    return calls_.Finish(context, status::InvalidField("review_id", "must be positive"));
  }
  return calls_.Run(context, [this, request, response](const server::CallContext& call) {
    absl::StatusOr<v1::Review> read =
        store_.Get(request->review_id(), BodyCodePointsFor(call.viewer), call.viewer.user_id(),
                   call.read_bounds());
    if (!read.ok()) return read.status();
    v1::Review* review = response->mutable_review();
    review->Swap(&*read);
    if (call.viewer.is_anonymous()) ShapeForAnonymous(review);
    return absl::OkStatus();
  });
}

}  // namespace misc::review

#ifndef MISC_SERVICES_REVIEW_REVIEW_SERVICE_H_
#define MISC_SERVICES_REVIEW_REVIEW_SERVICE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "misc/review/v1/review.grpc.pb.h"
#include "services/review/review_store.h"
#include "src/cache/keyed_cache.h"
#include "src/pagination/page_token.h"
#include "src/server/call_runner.h"

namespace misc::review {

// How many code points of a review body an anonymous caller may see (API.md, Viewer).
inline constexpr size_t kAnonymousBodyCodePoints = 100;

// Shapes `review` for an anonymous caller: keeps at most the first kAnonymousBodyCodePoints
// code points of its body (never splitting a character), sets body_truncated exactly when
// something was cut, and clears liked_by_viewer.
void ShapeForAnonymous(v1::Review* review);

// A ListReviews request that passed validation: what to read (`query.limit` is the page size
// to serve; the body limit is left for the caller's viewer) and the canonical filter its page
// tokens are bound to.
struct ValidListRequest {
  ListQuery query;
  std::string filter;
};

// Validates `request` and returns what to read. Returns INVALID_ARGUMENT with a field
// violation for a restaurant_id that is not positive and for a negative page_size, or, when those
// are valid, for a page_token that was not issued for this filter or holds a cursor the list
// query cannot take.
absl::StatusOr<ValidListRequest> ValidateListRequest(const v1::ListReviewsRequest& request,
                                                     const pagination::PageTokenCodec& page_tokens);

// Anonymous first pages of ListReviews at the default page size, by restaurant id: the page
// every restaurant's page shows, kept exact by the reviews' change notifications.
using FirstPageCache = cache::KeyedCache<v1::ListReviewsResponse>;

// gRPC handlers of misc.review.v1.ReviewService: validate the request, run the store off the
// callback thread, shape the answer for the caller (API.md). Anonymous first pages are answered
// from `first_pages` on gRPC's thread when cached; logged-in callers always read the database,
// since liked_by_viewer is theirs alone.
class ReviewService final : public v1::ReviewService::CallbackService {
 public:
  ReviewService(db::Pool& pool, server::CallRunner calls,
                const pagination::PageTokenCodec& page_tokens,
                std::shared_ptr<FirstPageCache> first_pages)
      : store_(pool),
        calls_(std::move(calls)),
        page_tokens_(page_tokens),
        first_pages_holder_(std::move(first_pages)),
        first_pages_(*first_pages_holder_) {}

  grpc::ServerUnaryReactor* ListReviews(grpc::CallbackServerContext* context,
                                        const v1::ListReviewsRequest* request,
                                        v1::ListReviewsResponse* response) override;
  grpc::ServerUnaryReactor* GetReview(grpc::CallbackServerContext* context,
                                      const v1::GetReviewRequest* request,
                                      v1::GetReviewResponse* response) override;

 private:
  // Reads the page `query` names for `call`'s viewer and returns the whole answer: the page,
  // its next page token (bound to `filter`), shaped for the viewer.
  absl::StatusOr<v1::ListReviewsResponse> ReadPage(const ListQuery& query,
                                                   const std::string& filter,
                                                   const server::CallContext& call);

  ReviewStore store_;
  server::CallRunner calls_;
  const pagination::PageTokenCodec& page_tokens_;
  // Shared with the change feed's callbacks, which evict from it.
  const std::shared_ptr<FirstPageCache> first_pages_holder_;
  FirstPageCache& first_pages_;
};

}  // namespace misc::review

#endif  // MISC_SERVICES_REVIEW_REVIEW_SERVICE_H_

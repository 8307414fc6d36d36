#include "src/rest/http_metrics.h"

#include <string>

#include "src/observability/metrics.h"

namespace misc::rest {
namespace {

// The method label: one of HTTP's standard methods, or "other". A client may send any token
// as a method, and one series each would let callers grow the registry without bound.
absl::string_view MethodLabel(absl::string_view method) {
  for (absl::string_view known :
       {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}) {
    if (method == known) return known;
  }
  return "other";
}

}  // namespace

HttpMetrics::HttpMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("misc_http_requests_total")
                    .Help("HTTP requests answered, by method, route and status code.")
                    .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("misc_http_request_duration_seconds")
                     .Help("Time from a request's first byte to its answer, by method and route.")
                     .Register(registry)),
      buckets_(observability::LatencyBuckets()) {}

void HttpMetrics::Record(absl::string_view method, absl::string_view route, int status,
                         absl::Duration duration) {
  method = MethodLabel(method);
  // Family::Add finds the existing series under the family's lock; an HTTP request costs far
  // more than that.
  requests_
      .Add({{"method", std::string(method)},
            {"route", std::string(route)},
            {"code", std::to_string(status)}})
      .Increment();
  durations_.Add({{"method", std::string(method)}, {"route", std::string(route)}}, buckets_)
      .Observe(absl::ToDoubleSeconds(duration));
}

}  // namespace misc::rest

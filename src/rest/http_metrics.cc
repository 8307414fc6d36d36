#include "src/rest/http_metrics.h"

#include <string>

#include "src/observability/metrics.h"

namespace misc::rest {

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

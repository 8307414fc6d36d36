#ifndef MISC_SRC_REST_HTTP_METRICS_H_
#define MISC_SRC_REST_HTTP_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace misc::rest {

// The HTTP side of misc-rest's metrics; the gRPC calls it makes are counted, as in
// misc-server, by grpc_server_handled_total & co.
// - misc_http_requests_total{method, route, code}: requests answered, by HTTP status code;
// - misc_http_request_duration_seconds{method, route}: from the first byte to the answer.
// `route` is the matched route's template ("/v1/areas/{area_id}"), "/healthz", "/readyz",
// or "unmatched" (404, 405 and refused requests), and `method` a standard HTTP method or
// "other", so the series stay few whatever is asked.
class HttpMetrics {
 public:
  // Registers the families in `registry`, which must outlive this object.
  explicit HttpMetrics(prometheus::Registry& registry);

  // Counts one answered request.
  void Record(absl::string_view method, absl::string_view route, int status,
              absl::Duration duration);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  const std::vector<double> buckets_;
};

}  // namespace misc::rest

#endif  // MISC_SRC_REST_HTTP_METRICS_H_

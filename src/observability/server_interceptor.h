#ifndef MISC_SRC_OBSERVABILITY_SERVER_INTERCEPTOR_H_
#define MISC_SRC_OBSERVABILITY_SERVER_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "src/observability/call_recorder.h"

namespace misc::observability {

// Returns the interceptor factories that observe every call a server receives (services,
// health, reflection, methods it does not have) through a CallRecorder into `sinks`, to hand
// to `builder.experimental().SetInterceptorCreators(...)`:
//  - metrics in the sinks' registry, as go-grpc-prometheus names them:
//    grpc_server_started_total, grpc_server_handled_total{grpc_code="OK"|"NotFound"|...} and
//    the histogram grpc_server_handling_seconds (LatencyBuckets()), labelled grpc_type,
//    grpc_service and grpc_method, timed from the call's arrival to its status; calls to
//    methods the server does not have (UNIMPLEMENTED) count as grpc_service="unknown",
//    grpc_method="unknown", so callers cannot create series at will;
//  - W3C trace context: the trace id of a valid incoming `traceparent` is kept, otherwise a
//    new one is made; either way the call gets a new span id, and the status carries the
//    trailing metadata `traceparent: 00-<trace id>-<server span id>-<flags>`;
//  - when the sinks have an access log, one JSON line per call (FormatAccessLog).
// Every method of the services in `recorded_by_handlers` ("package.Service") is left out:
// their handlers record each call themselves into the same sinks (server::CallRunner), so
// they are not intercepted at all.
std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeServerInterceptors(std::shared_ptr<CallSinks> sinks,
                       absl::flat_hash_set<std::string> recorded_by_handlers = {});

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_SERVER_INTERCEPTOR_H_

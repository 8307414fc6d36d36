#ifndef MISC_SRC_SERVER_METADATA_LIMIT_INTERCEPTOR_H_
#define MISC_SRC_SERVER_METADATA_LIMIT_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"

namespace misc::server {

// Returns the interceptor factory that refuses calls whose request metadata is past the
// header list limit (CheckHeaderListSize), for the methods no CallRunner answers: gRPC's
// health and reflection services. Their handlers never see the metadata: a unary call is
// answered RESOURCE_EXHAUSTED, a streaming one (Health/Watch) is cancelled. The services in
// `checked_by_handlers` ("package.Service") are left out: their CallRunner checks the size
// itself, and a call with no interceptor skips gRPC's interception machinery.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeMetadataLimitInterceptorFactory(absl::flat_hash_set<std::string> checked_by_handlers);

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_METADATA_LIMIT_INTERCEPTOR_H_

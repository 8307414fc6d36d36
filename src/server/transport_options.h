#ifndef MISC_SRC_SERVER_TRANSPORT_OPTIONS_H_
#define MISC_SRC_SERVER_TRANSPORT_OPTIONS_H_

#include <grpcpp/server_builder.h>

#include "src/server/metadata_limit.h"  // kMaxMetadataBytes
#include "src/server/server_config.h"

namespace misc::server {

// Largest request a server accepts; every misc request is tiny.
inline constexpr int kMaxReceiveMessageBytes = 1 << 20;

// Applies the transport limits of `config` to `builder`: maximum request size, concurrent
// streams per connection, connection age (so clients rebalance after a scale-out), and
// keepalive, accepting client pings as often as --min_client_ping_interval.
void ApplyTransportOptions(const ServerConfig& config, grpc::ServerBuilder& builder);

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_TRANSPORT_OPTIONS_H_

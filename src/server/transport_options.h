#ifndef MISC_SRC_SERVER_TRANSPORT_OPTIONS_H_
#define MISC_SRC_SERVER_TRANSPORT_OPTIONS_H_

#include <grpcpp/server_builder.h>

#include "src/server/server_config.h"

namespace misc::server {

// Largest request a server accepts; every misc request is tiny.
inline constexpr int kMaxReceiveMessageBytes = 1 << 20;
// Largest request metadata a server accepts, and the SETTINGS_MAX_HEADER_LIST_SIZE it
// advertises: room for a 16 KiB bearer token (twice the verifier's 8 KiB limit) and the usual
// headers, so an oversized token still reaches the verifier and is answered UNAUTHENTICATED
// rather than failing in the client or the transport. Beyond it the transport refuses.
inline constexpr int kMaxMetadataBytes = 32 << 10;

// Applies the transport limits of `config` to `builder`: maximum request size, concurrent
// streams per connection, connection age (so clients rebalance after a scale-out), and
// keepalive, accepting client pings as often as --min_client_ping_interval.
void ApplyTransportOptions(const ServerConfig& config, grpc::ServerBuilder& builder);

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_TRANSPORT_OPTIONS_H_

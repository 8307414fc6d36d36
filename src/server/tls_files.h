#ifndef MISC_SRC_SERVER_TLS_FILES_H_
#define MISC_SRC_SERVER_TLS_FILES_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace misc::server {

// Where a listener's TLS material lives (--tls_cert_file, --tls_key_file,
// --tls_client_ca_file). All empty: plaintext. The files are PEM; they are reread every
// refresh_interval, so a renewed certificate (cert-manager, a mounted Secret) is served
// without a restart.
struct TlsFiles {
  std::string cert_file;       // The server's certificate chain.
  std::string key_file;        // Its private key.
  std::string client_ca_file;  // When set, clients must present a certificate it signed (mTLS).
  absl::Duration refresh_interval = absl::Seconds(10);

  bool enabled() const { return !cert_file.empty(); }
  bool mutual() const { return !client_ca_file.empty(); }
};

// Checks that `files` can serve: cert and key set together, the client CA only with them, each
// file readable PEM, the key the certificate's, and the CA file holding a certificate.
// Returns INVALID_ARGUMENT (or NOT_FOUND for a file that cannot be read) naming the file and
// what is wrong; no key material is ever in a message. OK when TLS is off.
absl::Status CheckTlsFiles(const TlsFiles& files);

// Returns the gRPC server credentials of `files`: insecure when TLS is off, otherwise TLS 1.2+
// from gRPC's FileWatcherCertificateProvider (rereads the files every refresh_interval and
// keeps the last good pair when a reread finds a key that does not match its certificate),
// requiring and verifying a client certificate when `files.mutual()`. Call CheckTlsFiles first:
// gRPC reads the files in the background and would only log what is wrong with them.
std::shared_ptr<grpc::ServerCredentials> GrpcServerCredentials(const TlsFiles& files);

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_TLS_FILES_H_

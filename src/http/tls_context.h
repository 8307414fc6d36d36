#ifndef MISC_SRC_HTTP_TLS_CONTEXT_H_
#define MISC_SRC_HTTP_TLS_CONTEXT_H_

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace misc::http {

// The TLS files of an HTTP listener: the same flags and meaning as the gRPC listener's
// (src/server/tls_files.h), here for Asio.
struct HttpTlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // When set, clients must present a certificate it signed.
  absl::Duration refresh_interval = absl::Seconds(10);
};

// Hands out the Asio TLS context new connections use, rebuilt from the files when they change:
// at most every refresh_interval, a connection's Get() looks at the files' modification
// times, and a changed set is loaded into a new context; a set that fails to load (say, a key
// written before its certificate) keeps the last good context, and is tried again at the next
// look. Connections keep the context they started with. Thread-safe.
class TlsContextSource {
 public:
  // Loads `files` once. Returns INVALID_ARGUMENT naming the file when one cannot be loaded
  // (no key material in the message).
  static absl::StatusOr<std::unique_ptr<TlsContextSource>> Create(HttpTlsFiles files);

  // Returns the context for a new connection, `now` being the current time.
  std::shared_ptr<boost::asio::ssl::context> Get(absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  explicit TlsContextSource(HttpTlsFiles files) : files_(std::move(files)) {}

  // The modification times of the files, to notice a change.
  std::string Stamp() const;

  const HttpTlsFiles files_;
  absl::Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_ ABSL_GUARDED_BY(mu_);
  std::string stamp_ ABSL_GUARDED_BY(mu_);
  absl::Time next_look_ ABSL_GUARDED_BY(mu_);
};

// Builds a server context from `files`: TLS 1.2 or later, the certificate chain and key, and,
// with a client CA, a required and verified client certificate. INVALID_ARGUMENT naming the
// file that fails.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> LoadTlsContext(
    const HttpTlsFiles& files);

}  // namespace misc::http

#endif  // MISC_SRC_HTTP_TLS_CONTEXT_H_

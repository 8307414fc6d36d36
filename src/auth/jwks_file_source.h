#ifndef MISC_SRC_AUTH_JWKS_FILE_SOURCE_H_
#define MISC_SRC_AUTH_JWKS_FILE_SOURCE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "src/auth/jwks.h"
#include "src/refresh/snapshot.h"

namespace misc::auth {

// The key set of one JWKS file, reloaded on demand. Readers get the current set without ever
// blocking; reloads are serialised so an older read of the file never replaces a newer one.
// Thread-safe.
class JwksFileSource {
 public:
  // Reads nothing yet: Get() returns an empty set until the first successful Reload().
  explicit JwksFileSource(std::string path);
  JwksFileSource(const JwksFileSource&) = delete;
  JwksFileSource& operator=(const JwksFileSource&) = delete;

  // Returns the current key set (never nullptr).
  std::shared_ptr<const KeySet> Get() const { return keys_.Get(); }

  // Reads and parses the file and makes its keys current. On error (unreadable file, bad
  // JSON, a bad key) the last good set stays and the error is returned; its message names
  // the file but never holds key material.
  absl::Status Reload();

  // Reloads for a token naming a kid the current set lacks, unless such a reload already
  // started less than `min_interval` before `now` (any number of bad tokens cost at most one
  // file read per interval). Returns true when it reloaded successfully.
  bool ReloadForUnknownKid(absl::Time now, absl::Duration min_interval);

 private:
  const std::string path_;
  refresh::Snapshot<KeySet> keys_;
  absl::Mutex reload_mu_;
  std::string last_content_ ABSL_GUARDED_BY(reload_mu_);
  // Unix nanoseconds of the last unknown-kid reload, kNever before the first.
  static constexpr int64_t kNever = INT64_MIN;
  std::atomic<int64_t> last_unknown_kid_reload_{kNever};
};

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_JWKS_FILE_SOURCE_H_

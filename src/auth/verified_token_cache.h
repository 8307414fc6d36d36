#ifndef MISC_SRC_AUTH_VERIFIED_TOKEN_CACHE_H_
#define MISC_SRC_AUTH_VERIFIED_TOKEN_CACHE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "src/auth/jwks.h"
#include "src/auth/jwt_parser.h"

namespace misc::auth {

// Tokens whose signature has been verified, with their claims, so that a token the BFF sends
// again (every call of a page, every page of a session) skips the signature check: the one
// expensive step, 35-180 us of CPU (docs/benchmarks.md). Envoy's jwt_authn keeps the same
// kind of cache (jwt_cache_config).
//
// What a hit skips is only what cannot change while the key set stays the same: parsing and
// the signature. The claims (exp, nbf, iat, iss, aud, sub) are checked again on every call by
// the verifier. Entries belong to the key set they were verified with; the first lookup or
// insert with another key set (a JWKS reload) empties the cache, so a removed key stops
// every token it signed at once. A hit needs the byte-identical token.
//
// Bounded: at `capacity` entries an insert first drops the whole cache (no per-entry
// bookkeeping on the hot path; a capacity above the users active within one token lifetime
// makes that rare). Thread-safe; lookups take a shared lock.
class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(size_t capacity) : capacity_(capacity) {}

  VerifiedTokenCache(const VerifiedTokenCache&) = delete;
  VerifiedTokenCache& operator=(const VerifiedTokenCache&) = delete;

  // Returns the claims of `token` if it was inserted with key set `keys`, else nullptr.
  std::shared_ptr<const JwtClaims> Find(absl::string_view token, const KeySet* keys) const;

  // Remembers that `token`, with `claims`, carries a valid signature by a key of `keys`.
  // Does nothing when the capacity is 0 or the token is longer than kMaxTokenBytes.
  void Insert(absl::string_view token, std::shared_ptr<const KeySet> keys, JwtClaims claims);

  // Returns how many tokens are cached now.
  size_t size() const;

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  // The key set every entry was verified with.
  std::shared_ptr<const KeySet> keys_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<const JwtClaims>> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_VERIFIED_TOKEN_CACHE_H_

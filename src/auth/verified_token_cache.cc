#include "src/auth/verified_token_cache.h"

#include <utility>

namespace misc::auth {

std::shared_ptr<const JwtClaims> VerifiedTokenCache::Find(absl::string_view token,
                                                          const KeySet* keys) const {
  absl::ReaderMutexLock lock(&mu_);
  if (keys_.get() != keys) return nullptr;
  const auto it = entries_.find(token);
  return it == entries_.end() ? nullptr : it->second;
}

void VerifiedTokenCache::Insert(absl::string_view token, std::shared_ptr<const KeySet> keys,
                                JwtClaims claims) {
  if (capacity_ == 0 || token.size() > kMaxTokenBytes || keys == nullptr) return;
  auto entry = std::make_shared<const JwtClaims>(std::move(claims));
  absl::MutexLock lock(&mu_);
  if (keys_ != keys || entries_.size() >= capacity_) {
    entries_.clear();
    keys_ = std::move(keys);
  }
  entries_.insert_or_assign(std::string(token), std::move(entry));
}

size_t VerifiedTokenCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace misc::auth

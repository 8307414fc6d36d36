#include "src/auth/jwks_file_source.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "src/config/file_contents.h"
#include "src/log/logging.h"

namespace misc::auth {

JwksFileSource::JwksFileSource(std::string path) : path_(std::move(path)) {
  keys_.Set(std::make_shared<const KeySet>());
}

absl::Status JwksFileSource::Reload() {
  absl::MutexLock lock(&reload_mu_);
  absl::StatusOr<std::string> content = config::ReadConfigFile(path_, kMaxJwksBytes);
  if (!content.ok()) {
    return absl::Status(content.status().code(),
                        absl::StrCat("JWKS file: ", content.status().message()));
  }
  if (*content == last_content_) return absl::OkStatus();
  absl::StatusOr<KeySet> keys = ParseJwks(*content);
  if (!keys.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", keys.status().message()));
  }
  spdlog::info("loaded {} JWT verification key(s) from {}", keys->size(), path_);
  for (const std::string& skipped : keys->skipped()) {
    spdlog::warn("{}: left out a key misc cannot use: {}", path_, skipped);
  }
  keys_.Set(std::make_shared<const KeySet>(*std::move(keys)));
  last_content_ = *std::move(content);
  return absl::OkStatus();
}

bool JwksFileSource::ReloadForUnknownKid(absl::Time now, absl::Duration min_interval) {
  const int64_t now_nanos = absl::ToUnixNanos(now);
  int64_t last = last_unknown_kid_reload_.load(std::memory_order_relaxed);
  if (last != kNever && now < absl::FromUnixNanos(last) + min_interval) return false;
  // Of concurrent callers only one wins and reloads; the others see the old set.
  if (!last_unknown_kid_reload_.compare_exchange_strong(last, now_nanos)) return false;
  const absl::Status status = Reload();
  if (!status.ok()) {
    spdlog::warn("JWKS reload for an unknown key id failed, keeping the last good keys: {}",
                 status.ToString());
    return false;
  }
  return true;
}

}  // namespace misc::auth

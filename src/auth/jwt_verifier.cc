#include "src/auth/jwt_verifier.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "src/auth/jwt_parser.h"
#include "src/auth/signature.h"
#include "src/log/absl_format.h"

namespace misc::auth {

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::Create(JwtVerifierOptions options) {
  if (options.clock_skew < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the JWT clock skew must not be negative");
  }
  std::shared_ptr<JwksFileSource> keys;
  if (!options.jwks_file.empty()) {
    if (options.issuer.empty() || options.audience.empty()) {
      return absl::InvalidArgumentError(
          "a JWKS file needs the issuer and the audience tokens must name");
    }
    keys = std::make_shared<JwksFileSource>(options.jwks_file);
    if (absl::Status status = keys->Reload(); !status.ok()) return status;
  }
  return std::unique_ptr<JwtVerifier>(new JwtVerifier(std::move(options), std::move(keys)));
}

JwtVerifier::JwtVerifier(JwtVerifierOptions options, std::shared_ptr<JwksFileSource> keys)
    : policy_{.issuer = std::move(options.issuer),
              .audience = std::move(options.audience),
              .clock_skew = options.clock_skew},
      unknown_kid_reload_interval_(options.unknown_kid_reload_interval),
      keys_(std::move(keys)),
      cache_(options.cache_size) {}

absl::StatusOr<Viewer> JwtVerifier::Verify(absl::string_view token, absl::Time now) const {
  const Verification verification = Check(token, now);
  counts_[static_cast<size_t>(verification.reason)].fetch_add(1, std::memory_order_relaxed);
  if (verification.reason != VerifyReason::kOk) {
    // The reason is for operators, never for the caller (see kInvalidTokenMessage).
    spdlog::debug("token rejected: {}", VerifyReasonLabel(verification.reason));
    return absl::UnauthenticatedError(kInvalidTokenMessage);
  }
  return Viewer::User(verification.user_id);
}

Verification JwtVerifier::Check(absl::string_view token, absl::Time now) const {
  // The order is deliberate; the header comment of Check says why.
  if (token.size() > kMaxTokenBytes) return {.reason = VerifyReason::kTooLarge};
  if (keys_ == nullptr) return {.reason = VerifyReason::kNoKeys};
  std::shared_ptr<const KeySet> key_set = keys_->Get();
  Verification verification;
  if (const std::shared_ptr<const JwtClaims> claims = cache_.Find(token, key_set.get())) {
    cache_hits_.fetch_add(1, std::memory_order_relaxed);
    verification.reason = CheckClaims(*claims, policy_, now, &verification.user_id);
    return verification;
  }
  ParsedJwt jwt;
  if (const VerifyReason reason = ParseJwt(token, &jwt); reason != VerifyReason::kOk) {
    return {.reason = reason};
  }
  const PublicKey* key = key_set->Find(jwt.header.kid);
  // A kid we do not know may be a key the issuer has just added: reread the file.
  if (key == nullptr && jwt.header.kid.has_value() &&
      keys_->ReloadForUnknownKid(now, unknown_kid_reload_interval_)) {
    key_set = keys_->Get();
    key = key_set->Find(jwt.header.kid);
  }
  if (key == nullptr) return {.reason = VerifyReason::kUnknownKey};
  // The key's algorithm is the only one it is used with (no RS256/HS256 confusion).
  if (key->algorithm != jwt.header.algorithm) return {.reason = VerifyReason::kAlgorithmMismatch};
  if (!VerifySignature(*key, jwt.signing_input, jwt.signature)) {
    return {.reason = VerifyReason::kBadSignature};
  }
  verification.reason = CheckClaims(jwt.claims, policy_, now, &verification.user_id);
  // Cached once signed, whatever its claims say: they are checked again on every hit, and a
  // replayed expired token then costs a lookup, not a signature.
  cache_.Insert(token, std::move(key_set), std::move(jwt.claims));
  return verification;
}

absl::Status JwtVerifier::ReloadKeys() {
  if (keys_ == nullptr) return absl::OkStatus();
  return keys_->Reload();
}

std::map<std::string, int64_t> JwtVerifier::VerificationCounts() const {
  std::map<std::string, int64_t> counts;
  for (int i = 0; i < kVerifyReasonCount; ++i) {
    counts[std::string(VerifyReasonLabel(static_cast<VerifyReason>(i)))] =
        counts_[i].load(std::memory_order_relaxed);
  }
  return counts;
}

}  // namespace misc::auth

#include "src/auth/jwt_parser.h"

#include <cstdint>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "src/auth/base64url.h"
#include "src/auth/strict_json.h"

namespace misc::auth {
namespace {

using Json = nlohmann::json;

// The latest NumericDate accepted: 9999-12-31T23:59:59Z.
constexpr int64_t kMaxNumericDate = 253402300799;
// The longest kid accepted, in bytes.
constexpr size_t kMaxKidBytes = 256;
// The longest signature accepted, in bytes (RSA-8192).
constexpr size_t kMaxSignatureBytes = 1024;

// Decodes one base64url part holding a JSON object.
std::optional<Json> DecodeJsonObject(absl::string_view part) {
  std::optional<std::string> text = Base64UrlDecode(part);
  if (!text.has_value()) return std::nullopt;
  absl::StatusOr<Json> json = ParseStrictJson(*text);
  if (!json.ok() || !json->is_object()) return std::nullopt;
  return *std::move(json);
}

// Converts a NumericDate (RFC 7519 section 2: seconds since the epoch, possibly fractional)
// between the epoch and kMaxNumericDate.
std::optional<absl::Time> NumericDate(const Json& value) {
  if (value.is_number_unsigned()) {
    const uint64_t seconds = value.get<uint64_t>();
    if (seconds > static_cast<uint64_t>(kMaxNumericDate)) return std::nullopt;
    return absl::FromUnixSeconds(static_cast<int64_t>(seconds));
  }
  if (value.is_number_integer()) {
    const int64_t seconds = value.get<int64_t>();
    if (seconds < 0 || seconds > kMaxNumericDate) return std::nullopt;
    return absl::FromUnixSeconds(seconds);
  }
  if (value.is_number_float()) {
    const double seconds = value.get<double>();
    // Written so that NaN fails too.
    if (!(seconds >= 0 && seconds <= static_cast<double>(kMaxNumericDate))) return std::nullopt;
    return absl::UnixEpoch() + absl::Seconds(seconds);
  }
  return std::nullopt;
}

// Reads optional NumericDate claim `name`; false when present with the wrong type.
bool OptionalNumericDate(const Json& claims, const char* name, std::optional<absl::Time>* out) {
  const auto it = claims.find(name);
  if (it == claims.end()) return true;
  *out = NumericDate(*it);
  return out->has_value();
}

VerifyReason ParseHeader(const Json& header, JwtHeader* out) {
  // We implement no extension, so every critical one is unknown (RFC 7515 section 4.1.11).
  if (header.contains("crit")) return VerifyReason::kUnsupportedHeader;
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return VerifyReason::kMalformed;
  const std::optional<JwtAlgorithm> algorithm =
      JwtAlgorithmFromName(alg->get_ref<const std::string&>());
  if (!algorithm.has_value()) return VerifyReason::kUnsupportedAlgorithm;
  out->algorithm = *algorithm;
  if (const auto typ = header.find("typ"); typ != header.end()) {
    if (!typ->is_string() || !absl::EqualsIgnoreCase(typ->get_ref<const std::string&>(), "JWT")) {
      return VerifyReason::kUnsupportedHeader;
    }
  }
  if (const auto kid = header.find("kid"); kid != header.end()) {
    if (!kid->is_string() || kid->get_ref<const std::string&>().size() > kMaxKidBytes) {
      return VerifyReason::kUnsupportedHeader;
    }
    out->kid = kid->get<std::string>();
  }
  return VerifyReason::kOk;
}

VerifyReason ParseClaims(const Json& claims, JwtClaims* out) {
  const auto exp = claims.find("exp");
  if (exp == claims.end()) return VerifyReason::kInvalidClaims;
  const std::optional<absl::Time> expires_at = NumericDate(*exp);
  if (!expires_at.has_value()) return VerifyReason::kInvalidClaims;
  out->expires_at = *expires_at;
  if (!OptionalNumericDate(claims, "nbf", &out->not_before) ||
      !OptionalNumericDate(claims, "iat", &out->issued_at)) {
    return VerifyReason::kInvalidClaims;
  }

  const auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string()) return VerifyReason::kInvalidClaims;
  out->issuer = iss->get<std::string>();

  const auto aud = claims.find("aud");
  if (aud == claims.end()) return VerifyReason::kInvalidClaims;
  if (aud->is_string()) {
    out->audiences.push_back(aud->get<std::string>());
  } else if (aud->is_array()) {
    for (const Json& audience : *aud) {
      if (!audience.is_string()) return VerifyReason::kInvalidClaims;
      out->audiences.push_back(audience.get<std::string>());
    }
  } else {
    return VerifyReason::kInvalidClaims;
  }

  if (const auto sub = claims.find("sub"); sub != claims.end()) {
    if (!sub->is_string()) return VerifyReason::kInvalidSubject;
    out->subject = sub->get<std::string>();
  }
  return VerifyReason::kOk;
}

}  // namespace

VerifyReason ParseJwt(absl::string_view token, ParsedJwt* out) {
  if (token.size() > kMaxTokenBytes) return VerifyReason::kTooLarge;
  *out = ParsedJwt();
  const size_t first_dot = token.find('.');
  if (first_dot == absl::string_view::npos) return VerifyReason::kMalformed;
  const size_t second_dot = token.find('.', first_dot + 1);
  if (second_dot == absl::string_view::npos) return VerifyReason::kMalformed;
  if (token.find('.', second_dot + 1) != absl::string_view::npos) return VerifyReason::kMalformed;
  const absl::string_view header_part = token.substr(0, first_dot);
  const absl::string_view payload_part = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const absl::string_view signature_part = token.substr(second_dot + 1);
  // An empty signature is rejected below, after the header, so that an unsigned "alg":
  // "none" token counts as an unsupported algorithm.
  if (header_part.empty() || payload_part.empty()) return VerifyReason::kMalformed;

  const std::optional<Json> header = DecodeJsonObject(header_part);
  if (!header.has_value()) return VerifyReason::kMalformed;
  if (const VerifyReason reason = ParseHeader(*header, &out->header); reason != VerifyReason::kOk) {
    return reason;
  }

  const std::optional<Json> claims = DecodeJsonObject(payload_part);
  if (!claims.has_value()) return VerifyReason::kMalformed;
  if (const VerifyReason reason = ParseClaims(*claims, &out->claims); reason != VerifyReason::kOk) {
    return reason;
  }

  std::optional<std::string> signature = Base64UrlDecode(signature_part);
  if (!signature.has_value() || signature->empty() || signature->size() > kMaxSignatureBytes) {
    return VerifyReason::kMalformed;
  }
  out->signature = *std::move(signature);
  out->signing_input = token.substr(0, second_dot);
  return VerifyReason::kOk;
}

}  // namespace misc::auth

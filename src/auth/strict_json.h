#ifndef MISC_SRC_AUTH_STRICT_JSON_H_
#define MISC_SRC_AUTH_STRICT_JSON_H_

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace misc::auth {

// How deep objects and arrays may nest in a JOSE header, a claims set or a JWKS.
inline constexpr int kMaxJsonDepth = 32;

// Parses `text` as one RFC 8259 JSON value, more strictly than nlohmann::json::parse: a member
// name repeated in any object, nesting deeper than kMaxJsonDepth and a leading byte order mark
// are errors too (nlohmann silently keeps the last duplicate). Returns INVALID_ARGUMENT
// naming the kind of error, never quoting the input, which may be a token.
absl::StatusOr<nlohmann::json> ParseStrictJson(absl::string_view text);

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_STRICT_JSON_H_

#ifndef MISC_SRC_TEXT_UTF8_H_
#define MISC_SRC_TEXT_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace misc::text {

// Returns the longest prefix of `text` holding at most `max_code_points` Unicode code points,
// so a cut never splits a multi-byte character. `text` is valid UTF-8 (PostgreSQL stores
// nothing else in a UTF8 database); a stray continuation byte is counted as part of the
// character before it.
absl::string_view PrefixOfCodePoints(absl::string_view text, size_t max_code_points);

// Returns whether `text` is well-formed UTF-8 (RFC 3629): no stray or missing continuation
// bytes, no overlong forms, no surrogates, nothing above U+10FFFF. What arrives from outside
// (an HTTP query string) is checked with it before it becomes a proto string field.
bool IsValidUtf8(absl::string_view text);

}  // namespace misc::text

#endif  // MISC_SRC_TEXT_UTF8_H_

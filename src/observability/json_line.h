#ifndef MISC_SRC_OBSERVABILITY_JSON_LINE_H_
#define MISC_SRC_OBSERVABILITY_JSON_LINE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace misc::observability {

// Appends `scaled / 10^decimals` to `out` exactly, with `decimals` digits after the point (0 to
// 9): AppendFixedPoint(out, 1234, 3) appends "1.234". Integer arithmetic only: no rounding of a
// double and no format string to parse, for the numbers written on every call.
void AppendFixedPoint(std::string& out, int64_t scaled, int decimals);

// Builds one JSON object on a single line, field by field, for structured log lines. Every
// string is escaped with log::AppendJsonEscaped (quotes, backslashes, all control characters;
// invalid UTF-8 becomes U+FFFD), so the result is valid JSON whatever the input bytes.
class JsonLine {
 public:
  // `capacity`: bytes reserved up front, so a typical line is built without growing.
  explicit JsonLine(size_t capacity = 256) {
    out_.reserve(capacity);
    out_ += '{';
  }

  // Adds "key":"value".
  JsonLine& AddString(absl::string_view key, absl::string_view value);

  // Adds "key":true or "key":false.
  JsonLine& AddBool(absl::string_view key, bool value);

  // Adds "key":<scaled / 10^decimals>, written by AppendFixedPoint: AddFixed("ms", 1234, 3)
  // adds "ms":1.234.
  JsonLine& AddFixed(absl::string_view key, int64_t scaled, int decimals);

  // Returns the object, closed. Call once, last.
  std::string Finish();

 private:
  void AddKey(absl::string_view key);

  std::string out_;
  bool empty_ = true;
};

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_JSON_LINE_H_

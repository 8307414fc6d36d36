#ifndef MISC_SRC_REST_PATH_TEMPLATE_H_
#define MISC_SRC_REST_PATH_TEMPLATE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace misc::rest {

// One `{field}` of a template bound to the matching segment of a request path.
struct PathBinding {
  std::string field;  // The field path inside the braces, e.g. "restaurant_id".
  std::string value;  // The segment, percent-decoded.
};

// The path template of a google.api.http rule (https://google.aip.dev/127), in the subset
// misc's protos use: literal segments, single-segment variables `{field}` and a custom verb,
// e.g. "/v1/restaurants/{restaurant_id}/reviews" or "/v1/restaurants:batchGet". Wildcards
// (`*`, `**`) and variables spanning segments (`{name=shelves/*}`) are refused when parsed, so a
// proto that needs them fails at start instead of routing wrongly.
class PathTemplate {
 public:
  // Parses `text`; INVALID_ARGUMENT saying what is wrong or unsupported.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // Returns the variables of `path` (the request's path, without the query) when it matches,
  // nullopt otherwise; also nullopt when a variable's segment is empty or badly percent-encoded.
  std::optional<std::vector<PathBinding>> Match(absl::string_view path) const;

  // The template as written in the proto: the route label of metrics and logs.
  const std::string& text() const { return text_; }

  // The field paths of the variables, in order.
  std::vector<std::string> variables() const;

 private:
  struct Segment {
    std::string literal;  // The segment, when it is not a variable.
    std::string field;    // The variable's field path; empty for a literal.
  };

  std::string text_;
  std::vector<Segment> segments_;
  std::string verb_;  // Without the ':'; empty when none.
};

// Percent-decodes `text` (RFC 3986); with `plus_is_space`, '+' decodes to ' ' as in a query
// string. Returns nullopt for a '%' not followed by two hex digits.
std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space);

}  // namespace misc::rest

#endif  // MISC_SRC_REST_PATH_TEMPLATE_H_

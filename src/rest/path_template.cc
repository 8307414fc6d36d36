#include "src/rest/path_template.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace misc::rest {
namespace {

// A field path: identifiers joined by dots.
bool IsFieldPath(absl::string_view text) {
  if (text.empty()) return false;
  for (absl::string_view part : absl::StrSplit(text, '.')) {
    if (part.empty() || absl::ascii_isdigit(static_cast<unsigned char>(part[0]))) return false;
    for (const char c : part) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    }
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  auto invalid = [text](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("path template \"", text, "\": ", why));
  };
  if (!absl::StartsWith(text, "/")) return invalid("does not start with '/'");
  PathTemplate parsed;
  parsed.text_ = std::string(text);
  absl::string_view rest = text.substr(1);
  // A ':' after the last '/' and outside braces starts the custom verb.
  const size_t last_slash = rest.rfind('/');
  const size_t colon = rest.find(':', last_slash == absl::string_view::npos ? 0 : last_slash);
  if (colon != absl::string_view::npos && rest.find('}', colon) == absl::string_view::npos) {
    parsed.verb_ = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (parsed.verb_.empty()) return invalid("empty custom verb");
  }
  for (absl::string_view segment : absl::StrSplit(rest, '/')) {
    if (segment.empty()) return invalid("empty segment");
    if (segment == "*" || segment == "**") return invalid("wildcards are not supported");
    if (absl::StartsWith(segment, "{")) {
      if (!absl::EndsWith(segment, "}")) return invalid("unterminated variable");
      const absl::string_view field = segment.substr(1, segment.size() - 2);
      if (absl::StrContains(field, '='))
        return invalid("variables with a pattern are not supported");
      if (!IsFieldPath(field)) return invalid(absl::StrCat("bad field path \"", field, "\""));
      parsed.segments_.push_back({.literal = "", .field = std::string(field)});
    } else {
      if (absl::StrContains(segment, '{') || absl::StrContains(segment, '}')) {
        return invalid("a variable must be a whole segment");
      }
      parsed.segments_.push_back({.literal = std::string(segment), .field = ""});
    }
  }
  return parsed;
}

std::optional<std::vector<PathBinding>> PathTemplate::Match(absl::string_view path) const {
  if (!absl::ConsumePrefix(&path, "/")) return std::nullopt;
  if (!verb_.empty()) {
    // The verb follows the last segment, e.g. "restaurants:batchGet".
    if (!absl::ConsumeSuffix(&path, absl::StrCat(":", verb_))) return std::nullopt;
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  if (parts.size() != segments_.size()) return std::nullopt;
  std::vector<PathBinding> bindings;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Segment& segment = segments_[i];
    if (segment.field.empty()) {
      if (parts[i] != segment.literal) return std::nullopt;
      continue;
    }
    std::optional<std::string> value = PercentDecode(parts[i], /*plus_is_space=*/false);
    if (!value.has_value() || value->empty()) return std::nullopt;
    bindings.push_back({.field = segment.field, .value = *std::move(value)});
  }
  return bindings;
}

std::vector<std::string> PathTemplate::variables() const {
  std::vector<std::string> fields;
  for (const Segment& segment : segments_) {
    if (!segment.field.empty()) fields.push_back(segment.field);
  }
  return fields;
}

}  // namespace misc::rest

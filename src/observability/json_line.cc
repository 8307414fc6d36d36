#include "src/observability/json_line.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_format.h"
#include "src/log/logging.h"

namespace misc::observability {

void JsonLine::AddKey(absl::string_view key) {
  if (!empty_) out_ += ',';
  empty_ = false;
  out_ += '"';
  log::AppendJsonEscaped(out_, key);
  out_ += "\":";
}

JsonLine& JsonLine::AddString(absl::string_view key, absl::string_view value) {
  AddKey(key);
  out_ += '"';
  log::AppendJsonEscaped(out_, value);
  out_ += '"';
  return *this;
}

JsonLine& JsonLine::AddBool(absl::string_view key, bool value) {
  AddKey(key);
  out_ += value ? "true" : "false";
  return *this;
}

JsonLine& JsonLine::AddNumber(absl::string_view key, double value, int decimals) {
  AddKey(key);
  out_ += std::isfinite(value) ? absl::StrFormat("%.*f", decimals, value) : "null";
  return *this;
}

std::string JsonLine::Finish() {
  out_ += '}';
  return std::move(out_);
}

}  // namespace misc::observability

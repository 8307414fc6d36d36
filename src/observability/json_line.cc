#include "src/observability/json_line.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
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

void AppendFixedPoint(std::string& out, int64_t scaled, int decimals) {
  decimals = std::clamp(decimals, 0, 9);
  uint64_t unit = 1;
  for (int i = 0; i < decimals; ++i) unit *= 10;
  // The magnitude as unsigned, so that INT64_MIN has one too.
  const uint64_t magnitude =
      scaled < 0 ? uint64_t{0} - static_cast<uint64_t>(scaled) : static_cast<uint64_t>(scaled);
  if (scaled < 0) out += '-';
  const absl::AlphaNum whole(magnitude / unit);
  out.append(whole.data(), whole.size());
  if (decimals > 0) {
    out += '.';
    const absl::AlphaNum fraction(magnitude % unit);
    out.append(static_cast<size_t>(decimals) - fraction.size(), '0');
    out.append(fraction.data(), fraction.size());
  }
}

JsonLine& JsonLine::AddFixed(absl::string_view key, int64_t scaled, int decimals) {
  AddKey(key);
  AppendFixedPoint(out_, scaled, decimals);
  return *this;
}

std::string JsonLine::Finish() {
  out_ += '}';
  return std::move(out_);
}

}  // namespace misc::observability

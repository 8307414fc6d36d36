#include "src/observability/json_line.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/strings/str_format.h"

namespace misc::observability {
namespace {

// Returns the length of the well-formed UTF-8 sequence at the start of `text` (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0 when there is none.
size_t Utf8SequenceLength(absl::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const auto continuation = [&](size_t i, uint8_t low = 0x80, uint8_t high = 0xBF) {
    return i < text.size() && byte(i) >= low && byte(i) <= high;
  };
  const uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const uint8_t low = lead == 0xE0 ? 0xA0 : 0x80;
    const uint8_t high = lead == 0xED ? 0x9F : 0xBF;
    return continuation(1, low, high) && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const uint8_t low = lead == 0xF0 ? 0x90 : 0x80;
    const uint8_t high = lead == 0xF4 ? 0x8F : 0xBF;
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

void AppendJsonEscaped(std::string& out, absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const auto code = static_cast<uint8_t>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (code < 0x20 || code == 0x7F) {
      out += absl::StrFormat("\\u%04x", code);
    } else if (code >= 0x80) {
      const size_t length = Utf8SequenceLength(text.substr(i));
      if (length == 0) {
        out += "\\ufffd";
        ++i;
        continue;
      }
      out.append(text.data() + i, length);
      i += length;
      continue;
    } else {
      out += c;
    }
    ++i;
  }
}

void JsonLine::AddKey(absl::string_view key) {
  if (!empty_) out_ += ',';
  empty_ = false;
  out_ += '"';
  AppendJsonEscaped(out_, key);
  out_ += "\":";
}

JsonLine& JsonLine::AddString(absl::string_view key, absl::string_view value) {
  AddKey(key);
  out_ += '"';
  AppendJsonEscaped(out_, value);
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

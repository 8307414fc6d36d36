#include "src/observability/trace_context.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace misc::observability {
namespace {

constexpr size_t kTraceIdLength = 32;
constexpr size_t kSpanIdLength = 16;
// "00-" + 32 + "-" + 16 + "-" + 2.
constexpr size_t kVersion00Length = 55;

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsAllZeros(absl::string_view text) { return text.find_first_not_of('0') == text.npos; }

// A non-zero id of `length` lowercase hex digits (16 or 32).
bool ValidId(absl::string_view id, size_t length) {
  return id.size() == length && IsLowerHex(id) && !IsAllZeros(id);
}

// `two_digits` are two hex digits (the caller checked them).
uint8_t HexByte(absl::string_view two_digits) {
  uint32_t value = 0;
  return absl::SimpleHexAtoi(two_digits, &value) ? static_cast<uint8_t>(value) : 0;
}

uint64_t RandomNonZero() {
  thread_local absl::BitGen bits;
  uint64_t value = 0;
  while (value == 0) value = absl::Uniform<uint64_t>(bits);
  return value;
}

}  // namespace

std::optional<TraceParent> ParseTraceParent(absl::string_view value) {
  if (value.size() < kVersion00Length) return std::nullopt;
  const absl::string_view version = value.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && value.size() != kVersion00Length) return std::nullopt;
  if (value.size() > kVersion00Length && value[kVersion00Length] != '-') return std::nullopt;
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return std::nullopt;
  TraceParent parent;
  const absl::string_view trace_id = value.substr(3, kTraceIdLength);
  const absl::string_view span_id = value.substr(36, kSpanIdLength);
  const absl::string_view flags = value.substr(53, 2);
  if (!ValidId(trace_id, kTraceIdLength) || !ValidId(span_id, kSpanIdLength) ||
      !IsLowerHex(flags)) {
    return std::nullopt;
  }
  parent.trace_id = std::string(trace_id);
  parent.span_id = std::string(span_id);
  parent.flags = HexByte(flags);
  return parent;
}

// These run for every call: StrCat with absl::Hex, not StrFormat, whose format parsing was a
// visible share of a memory-served call's profile.
std::string FormatTraceParent(const TraceParent& parent) {
  return absl::StrCat("00-", parent.trace_id, "-", parent.span_id, "-",
                      absl::Hex(parent.flags, absl::kZeroPad2));
}

namespace {

// Writes `value`'s 8 bytes at `bytes`, most significant first, and advances it. The ids are
// then hex-encoded in one go by absl::BytesToHexString (a table lookup per byte) instead of
// StrCat with absl::Hex: they are made for every call.
void AppendBigEndian(uint64_t value, char*& bytes) {
  for (int shift = 56; shift >= 0; shift -= 8) *bytes++ = static_cast<char>(value >> shift);
}

}  // namespace

std::string NewTraceId() {
  // Each half is non-zero, so the id is never all zeros.
  char bytes[16];
  char* end = bytes;
  AppendBigEndian(RandomNonZero(), end);
  AppendBigEndian(RandomNonZero(), end);
  return absl::BytesToHexString(absl::string_view(bytes, sizeof(bytes)));
}

std::string NewSpanId() {
  char bytes[8];
  char* end = bytes;
  AppendBigEndian(RandomNonZero(), end);
  return absl::BytesToHexString(absl::string_view(bytes, sizeof(bytes)));
}

}  // namespace misc::observability

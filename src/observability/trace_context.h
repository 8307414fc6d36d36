#ifndef MISC_SRC_OBSERVABILITY_TRACE_CONTEXT_H_
#define MISC_SRC_OBSERVABILITY_TRACE_CONTEXT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace misc::observability {

// The metadata key of W3C Trace Context (https://www.w3.org/TR/trace-context/).
inline constexpr char kTraceParentKey[] = "traceparent";

// A parsed traceparent: the trace a call belongs to and the span that made it.
struct TraceParent {
  std::string trace_id;  // 32 lowercase hex digits, not all zero.
  std::string span_id;   // 16 lowercase hex digits, not all zero ("parent-id" in the spec).
  uint8_t flags = 0;     // trace-flags; bit 0 is "sampled".
};

// Parses a traceparent value "version-traceid-parentid-flags". Returns nullopt when it is
// malformed: a version other than 2 lowercase hex digits or the invalid "ff"; a trace id or
// parent id of the wrong length, not lowercase hex, or all zeros; flags other than 2
// lowercase hex digits; or, for version 00, anything after the flags. Versions after 00 may
// append "-" and more fields, which are ignored, as the spec asks.
std::optional<TraceParent> ParseTraceParent(absl::string_view value);

// Returns the version-00 traceparent value of `parent`: "00-<trace_id>-<span_id>-<flags>".
std::string FormatTraceParent(const TraceParent& parent);

// Returns a new random trace id: 32 lowercase hex digits, never all zero.
std::string NewTraceId();

// Returns a new random span id: 16 lowercase hex digits, never all zero.
std::string NewSpanId();

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_TRACE_CONTEXT_H_

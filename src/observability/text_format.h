#ifndef MISC_SRC_OBSERVABILITY_TEXT_FORMAT_H_
#define MISC_SRC_OBSERVABILITY_TEXT_FORMAT_H_

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace misc::observability {

// The Content-Type of RenderText's output.
inline constexpr char kTextFormatContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Renders `families`, in the given order, in the Prometheus text exposition format 0.0.4:
// per family a "# HELP" line (when it has help; backslashes and newlines escaped) and a
// "# TYPE" line, then one line per sample with label values escaped (\\, \", \n).
// Histograms render cumulative `_bucket{le="..."}` lines ending with le="+Inf", then `_sum`
// and `_count`; summaries their quantiles, `_sum` and `_count`. Timestamps are not written.
std::string RenderText(const std::vector<prometheus::MetricFamily>& families);

// Returns `value` as the text format writes sample values and `le` bounds, spelled as the Go
// client spells them (strconv.FormatFloat 'g', -1): the shortest digits that read back as the
// same double, in exponent form below 1e-4 and from 1e6 ("0.0001", "123456", "1e+06",
// "1.5e-05"), or "+Inf", "-Inf", "NaN".
std::string FormatSampleValue(double value);

// Returns the exposition-format keyword of `type`: "counter", "gauge", "histogram",
// "summary" or "untyped".
absl::string_view TypeKeyword(prometheus::MetricType type);

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_TEXT_FORMAT_H_

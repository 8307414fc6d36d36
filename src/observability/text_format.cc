#include "src/observability/text_format.h"

#include <prometheus/client_metric.h>
#include <prometheus/metric_type.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace misc::observability {
namespace {

// Escapes a HELP text: backslash and line feed.
void AppendEscapedHelp(std::string& out, absl::string_view text) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// Escapes a label value: backslash, double quote and line feed.
void AppendEscapedLabelValue(std::string& out, absl::string_view text) {
  for (char c : text) {
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// Writes `name``suffix`{labels[,extra_label="extra_value"]} followed by a space.
void AppendSeries(std::string& out, absl::string_view name, absl::string_view suffix,
                  const prometheus::ClientMetric& metric, absl::string_view extra_label = {},
                  absl::string_view extra_value = {}) {
  absl::StrAppend(&out, name, suffix);
  if (!metric.label.empty() || !extra_label.empty()) {
    out += '{';
    bool first = true;
    const auto append_label = [&](absl::string_view label, absl::string_view value) {
      if (!first) out += ',';
      first = false;
      absl::StrAppend(&out, label, "=\"");
      AppendEscapedLabelValue(out, value);
      out += '"';
    };
    for (const prometheus::ClientMetric::Label& label : metric.label) {
      append_label(label.name, label.value);
    }
    if (!extra_label.empty()) append_label(extra_label, extra_value);
    out += '}';
  }
  out += ' ';
}

void AppendSample(std::string& out, absl::string_view name, absl::string_view suffix,
                  const prometheus::ClientMetric& metric, double value) {
  AppendSeries(out, name, suffix, metric);
  absl::StrAppend(&out, FormatSampleValue(value), "\n");
}

void AppendHistogram(std::string& out, absl::string_view name,
                     const prometheus::ClientMetric& metric) {
  const prometheus::ClientMetric::Histogram& histogram = metric.histogram;
  bool has_inf = false;
  for (const prometheus::ClientMetric::Bucket& bucket : histogram.bucket) {
    has_inf = std::isinf(bucket.upper_bound) && bucket.upper_bound > 0;
    AppendSeries(out, name, "_bucket", metric, "le", FormatSampleValue(bucket.upper_bound));
    absl::StrAppend(&out, bucket.cumulative_count, "\n");
  }
  if (!has_inf) {
    AppendSeries(out, name, "_bucket", metric, "le", "+Inf");
    absl::StrAppend(&out, histogram.sample_count, "\n");
  }
  AppendSample(out, name, "_sum", metric, histogram.sample_sum);
  AppendSeries(out, name, "_count", metric);
  absl::StrAppend(&out, histogram.sample_count, "\n");
}

void AppendSummary(std::string& out, absl::string_view name,
                   const prometheus::ClientMetric& metric) {
  for (const prometheus::ClientMetric::Quantile& quantile : metric.summary.quantile) {
    AppendSeries(out, name, "", metric, "quantile", FormatSampleValue(quantile.quantile));
    absl::StrAppend(&out, FormatSampleValue(quantile.value), "\n");
  }
  AppendSample(out, name, "_sum", metric, metric.summary.sample_sum);
  AppendSeries(out, name, "_count", metric);
  absl::StrAppend(&out, metric.summary.sample_count, "\n");
}

}  // namespace

absl::string_view TypeKeyword(prometheus::MetricType type) {
  switch (type) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    case prometheus::MetricType::Histogram:
      return "histogram";
    case prometheus::MetricType::Summary:
      return "summary";
    case prometheus::MetricType::Untyped:
      break;
  }
  return "untyped";
}

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Go's strconv.FormatFloat(value, 'g', -1, 64), as the Go client writes values and `le`:
  // the shortest round-trip digits, in exponent form when the decimal exponent is below -4 or
  // at least 6. Matching it keeps `le` label values equal across exporters.
  char buffer[64];
  std::to_chars_result result =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  const absl::string_view scientific(buffer, result.ptr - buffer);
  int exponent = 0;
  const size_t e = scientific.find('e');
  if (e == absl::string_view::npos || !absl::SimpleAtoi(scientific.substr(e + 1), &exponent)) {
    return std::string(scientific);  // Cannot happen: to_chars always writes an exponent.
  }
  if (exponent < -4 || exponent >= 6) return std::string(scientific);
  result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
  return std::string(buffer, result.ptr);
}

std::string RenderText(const std::vector<prometheus::MetricFamily>& families) {
  std::string out;
  for (const prometheus::MetricFamily& family : families) {
    if (!family.help.empty()) {
      absl::StrAppend(&out, "# HELP ", family.name, " ");
      AppendEscapedHelp(out, family.help);
      out += '\n';
    }
    absl::StrAppend(&out, "# TYPE ", family.name, " ", TypeKeyword(family.type), "\n");
    for (const prometheus::ClientMetric& metric : family.metric) {
      switch (family.type) {
        case prometheus::MetricType::Counter:
          AppendSample(out, family.name, "", metric, metric.counter.value);
          break;
        case prometheus::MetricType::Gauge:
          AppendSample(out, family.name, "", metric, metric.gauge.value);
          break;
        case prometheus::MetricType::Histogram:
          AppendHistogram(out, family.name, metric);
          break;
        case prometheus::MetricType::Summary:
          AppendSummary(out, family.name, metric);
          break;
        case prometheus::MetricType::Untyped:
          AppendSample(out, family.name, "", metric, metric.untyped.value);
          break;
      }
    }
  }
  return out;
}

}  // namespace misc::observability

#include "bench/loadgen/flag_types.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bench/loadgen/run_stats.h"

namespace misc::loadgen {

bool AbslParseFlag(absl::string_view text, IdRange* range, std::string* error) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  IdRange parsed;
  if (parts.size() > 2 || !absl::SimpleAtoi(parts[0], &parsed.first) ||
      !absl::SimpleAtoi(parts.back(), &parsed.last)) {
    *error = absl::StrCat("want FIRST:LAST (e.g. 1:100000), got \"", text, "\"");
    return false;
  }
  if (parsed.first <= 0 || parsed.last < parsed.first) {
    *error = absl::StrCat("want 0 < FIRST <= LAST, got ", parsed.first, ":", parsed.last);
    return false;
  }
  *range = parsed;
  return true;
}

std::string AbslUnparseFlag(const IdRange& range) {
  return absl::StrCat(range.first, ":", range.last);
}

bool AbslParseFlag(absl::string_view text, Mix* mix, std::string* error) {
  Mix parsed;
  if (!text.empty()) {
    for (absl::string_view item : absl::StrSplit(text, ',')) {
      item = absl::StripAsciiWhitespace(item);
      const std::vector<absl::string_view> parts = absl::StrSplit(item, ':');
      MixEntry entry;
      if (parts.size() != 2 || parts[0].empty() || !absl::SimpleAtoi(parts[1], &entry.weight) ||
          entry.weight <= 0) {
        *error =
            absl::StrCat("want NAME:WEIGHT with a positive integer weight, got \"", item, "\"");
        return false;
      }
      entry.workload = std::string(parts[0]);
      for (const MixEntry& seen : parsed.entries) {
        if (seen.workload == entry.workload) {
          *error = absl::StrCat("workload \"", entry.workload, "\" appears twice");
          return false;
        }
      }
      parsed.entries.push_back(std::move(entry));
    }
  }
  *mix = std::move(parsed);
  return true;
}

std::string AbslUnparseFlag(const Mix& mix) {
  return absl::StrJoin(mix.entries, ",", [](std::string* out, const MixEntry& entry) {
    absl::StrAppend(out, entry.workload, ":", entry.weight);
  });
}

absl::StatusOr<std::set<grpc::StatusCode>> ParseStatusCodes(absl::string_view text) {
  std::set<grpc::StatusCode> codes;
  for (absl::string_view name : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    name = absl::StripAsciiWhitespace(name);
    grpc::StatusCode code;
    if (!ParseStatusCodeName(name, &code)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown status code \"", name, "\" (want e.g. OK,NOT_FOUND)"));
    }
    codes.insert(code);
  }
  return codes;
}

}  // namespace misc::loadgen

#include "bench/loadgen/tokens.h"

#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace misc::loadgen {

absl::StatusOr<std::vector<std::string>> ReadAuthorizations(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read tokens file ", path));
  std::vector<std::string> authorizations;
  std::string line;
  while (std::getline(in, line)) {
    const absl::string_view token = absl::StripAsciiWhitespace(line);
    if (!token.empty()) authorizations.push_back(absl::StrCat("Bearer ", token));
  }
  if (authorizations.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no token in ", path));
  }
  return authorizations;
}

}  // namespace misc::loadgen

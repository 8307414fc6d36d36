#include "src/config/file_contents.h"

#include <fstream>

#include "absl/strings/str_cat.h"

namespace misc::config {

absl::StatusOr<std::string> ReadConfigFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::string content(max_bytes + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  if (in.bad()) return absl::UnavailableError(absl::StrCat("cannot read ", path));
  content.resize(static_cast<size_t>(in.gcount()));
  if (content.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is larger than ", max_bytes, " bytes: not the file meant"));
  }
  return content;
}

}  // namespace misc::config

#include "src/pagination/page_token_key_file.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/config/file_contents.h"

namespace misc::pagination {
namespace {

// The largest key file misc reads: thousands of keys, far more than a rotation needs.
constexpr size_t kMaxKeyFileBytes = size_t{64} << 10;

}  // namespace

absl::StatusOr<PageTokenCodec> ParsePageTokenKeys(absl::string_view text,
                                                  absl::string_view source) {
  std::vector<std::string> keys;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    std::string key;
    // Base64Unescape also takes unpadded input; a key must be whole bytes of standard base64.
    if (!absl::Base64Unescape(line, &key)) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, " line ", line_number, ": not a base64 key"));
    }
    if (key.size() < PageTokenCodec::kMinKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, " line ", line_number, ": a key of ", key.size(), " bytes; at least ",
          PageTokenCodec::kMinKeyBytes, " are needed (openssl rand -base64 32)"));
    }
    keys.push_back(std::move(key));
  }
  if (keys.empty()) return absl::InvalidArgumentError(absl::StrCat(source, " holds no key"));
  return PageTokenCodec::Create(std::move(keys));
}

absl::StatusOr<PageTokenCodec> ReadPageTokenKeyFile(const std::string& path) {
  absl::StatusOr<std::string> text = config::ReadConfigFile(path, kMaxKeyFileBytes);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("page token key file: ", text.status().message()));
  }
  return ParsePageTokenKeys(*text, path);
}

}  // namespace misc::pagination

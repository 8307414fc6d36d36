#ifndef MISC_SRC_PAGINATION_PAGE_TOKEN_KEY_FILE_H_
#define MISC_SRC_PAGINATION_PAGE_TOKEN_KEY_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "src/pagination/page_token.h"

namespace misc::pagination {

// Reads the page token keys of --page_token_key_file: one key per line, each the standard
// base64 of at least PageTokenCodec::kMinKeyBytes random bytes (`openssl rand -base64 32`);
// blank lines and lines starting with '#' are skipped. The first key signs, every key
// verifies. Returns NOT_FOUND when the file cannot be read, INVALID_ARGUMENT naming the line
// for a line that is not such a key, or for a file without keys; no message holds a key.
absl::StatusOr<PageTokenCodec> ReadPageTokenKeyFile(const std::string& path);

// Parses the text of a key file as ReadPageTokenKeyFile does; `source` names it in errors.
absl::StatusOr<PageTokenCodec> ParsePageTokenKeys(absl::string_view text, absl::string_view source);

}  // namespace misc::pagination

#endif  // MISC_SRC_PAGINATION_PAGE_TOKEN_KEY_FILE_H_

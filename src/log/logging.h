#ifndef MISC_SRC_LOG_LOGGING_H_
#define MISC_SRC_LOG_LOGGING_H_

#include <string>

#include "absl/strings/string_view.h"
#include "src/log/absl_format.h"

namespace misc::log {

// Installs the process-wide spdlog logger for `program`: human-readable lines on a terminal,
// one JSON object per line otherwise (so log shippers need no parsing rules). The level comes
// from `level` ("trace", "debug", "info", "warn", "error"); an unknown level keeps "info".
void Init(absl::string_view program, absl::string_view level = "info");

// Escapes `text` for use inside a JSON string literal (quotes, backslashes, control bytes).
// Valid UTF-8 passes through unchanged.
std::string JsonEscape(absl::string_view text);

}  // namespace misc::log

#endif  // MISC_SRC_LOG_LOGGING_H_

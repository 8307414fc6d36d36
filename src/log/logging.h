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

// Appends `text` to `out` as the body of a JSON string literal: escapes '"', '\\' and every
// control character (U+0000..U+001F, U+007F), passes well-formed UTF-8 through unchanged and
// replaces each byte that is not part of it with \ufffd, so the result is valid JSON whatever
// the input bytes. The one JSON escaper of the logs: log lines and the access log use it.
void AppendJsonEscaped(std::string& out, absl::string_view text);

}  // namespace misc::log

#endif  // MISC_SRC_LOG_LOGGING_H_

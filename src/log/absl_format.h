#ifndef MISC_SRC_LOG_ABSL_FORMAT_H_
#define MISC_SRC_LOG_ABSL_FORMAT_H_

// Lets spdlog/fmt format absl::string_view, which Debian's Abseil defines as its own type
// rather than an alias of std::string_view.
#include <fmt/format.h>

#include "absl/strings/string_view.h"

template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  auto format(absl::string_view text, fmt::format_context& context) const {
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(text.data(), text.size()),
                                                    context);
  }
};

#endif  // MISC_SRC_LOG_ABSL_FORMAT_H_

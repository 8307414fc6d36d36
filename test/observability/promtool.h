#ifndef MISC_TEST_OBSERVABILITY_PROMTOOL_H_
#define MISC_TEST_OBSERVABILITY_PROMTOOL_H_

#include <gtest/gtest.h>

#include <string>

namespace misc::observability {

// Runs `promtool check metrics` on `text`: success when promtool accepts it (parses and lints
// clean); a failure with promtool's output otherwise, or naming the Debian package to install
// when promtool is missing, so a machine without it cannot pass by accident.
testing::AssertionResult PromtoolAccepts(const std::string& text);

}  // namespace misc::observability

#endif  // MISC_TEST_OBSERVABILITY_PROMTOOL_H_

#include "src/config/env_flags.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace misc::config {

std::string EnvironmentVariableFor(absl::string_view flag_name) {
  if (flag_name == "database_url") return "DATABASE_URL";
  return absl::StrCat("MISC_", absl::AsciiStrToUpper(flag_name));
}

std::vector<char*> ParseFlags(int argc, char** argv, absl::string_view usage) {
  // Abseil allows setting the usage text once per process.
  static std::once_flag usage_set;
  std::call_once(usage_set, [usage] { absl::SetProgramUsageMessage(usage); });
  // Environment first, so that absl::ParseCommandLine below overrides it.
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    // Only our own flags: Abseil's and gRPC's built-ins keep their usual meaning.
    if (flag->Filename().find("absl/") != std::string::npos) continue;
    const std::string variable = EnvironmentVariableFor(name);
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::fprintf(stderr, "ERROR: environment variable %s: %s\n", variable.c_str(), error.c_str());
      std::exit(2);
    }
  }
  return absl::ParseCommandLine(argc, argv);
}

}  // namespace misc::config

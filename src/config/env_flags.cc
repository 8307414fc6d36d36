#include "src/config/env_flags.h"

#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace misc::config {

namespace {

// List flags that may also be given more than once: Abseil keeps only the last occurrence, so
// ParseFlags joins every occurrence into one comma-separated value first.
constexpr absl::string_view kRepeatableFlags[] = {"database_replica_url"};

// Returns `args` with every occurrence of a repeatable flag (--name=value, or --name value)
// joined into one --name=v1,v2 where the first occurred. Pointers into `storage`, which must
// outlive them.
std::vector<char*> JoinRepeatedFlags(int argc, char** argv, std::vector<std::string>& storage) {
  std::vector<std::string> joined(std::size(kRepeatableFlags));
  std::vector<int> slot(std::size(kRepeatableFlags), -1);
  std::vector<std::variant<char*, size_t>> order;  // An argument, or a joined flag's index.
  for (int i = 0; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") {
      for (; i < argc; ++i) order.emplace_back(argv[i]);
      break;
    }
    bool matched = false;
    for (size_t f = 0; f < std::size(kRepeatableFlags) && i > 0; ++f) {
      for (const absl::string_view dashes : {"--", "-"}) {
        const std::string name = absl::StrCat(dashes, kRepeatableFlags[f]);
        std::optional<absl::string_view> value;
        if (absl::StartsWith(arg, absl::StrCat(name, "="))) {
          value = arg.substr(name.size() + 1);
        } else if (arg == name && i + 1 < argc) {
          value = argv[++i];
        }
        if (!value.has_value()) continue;
        if (slot[f] == -1) {
          slot[f] = static_cast<int>(order.size());
          order.emplace_back(f);
          joined[f] = std::string(*value);
        } else if (!value->empty()) {
          joined[f] =
              joined[f].empty() ? std::string(*value) : absl::StrCat(joined[f], ",", *value);
        }
        matched = true;
        break;
      }
      if (matched) break;
    }
    if (!matched) order.emplace_back(argv[i]);
  }
  storage.clear();
  storage.reserve(std::size(kRepeatableFlags));
  std::vector<char*> args;
  for (const auto& entry : order) {
    if (const auto* plain = std::get_if<char*>(&entry)) {
      args.push_back(*plain);
      continue;
    }
    const size_t f = std::get<size_t>(entry);
    storage.push_back(absl::StrCat("--", kRepeatableFlags[f], "=", joined[f]));
    args.push_back(storage.back().data());
  }
  return args;
}

}  // namespace

std::string EnvironmentVariableFor(absl::string_view flag_name) {
  if (flag_name == "database_url") return "DATABASE_URL";
  if (flag_name == "database_replica_url") return "MISC_DATABASE_REPLICA_URLS";
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
  // Kept for the whole process: absl::ParseCommandLine returns pointers into the arguments.
  static std::vector<std::string>* const joined_flags = new std::vector<std::string>();
  std::vector<char*> args = JoinRepeatedFlags(argc, argv, *joined_flags);
  return absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
}

}  // namespace misc::config

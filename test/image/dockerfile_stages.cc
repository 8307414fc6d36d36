#include "test/image/dockerfile_stages.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace misc::testing {
namespace {

// Returns the Dockerfile's instructions: comment lines dropped, continuations joined.
std::vector<std::string> Instructions(std::istream& in) {
  std::vector<std::string> out;
  std::string pending;
  for (std::string line; std::getline(in, line);) {
    const absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(stripped, "#")) continue;
    if (stripped.empty() && pending.empty()) continue;
    absl::string_view text = stripped;
    const bool continued = absl::ConsumeSuffix(&text, "\\");
    pending.append(text.data(), text.size());
    if (continued) {
      pending.push_back(' ');
      continue;
    }
    out.push_back(pending);
    pending.clear();
  }
  if (!pending.empty()) out.push_back(pending);
  return out;
}

// Returns the strings of exec form `["a", "b"]` (no escapes inside).
std::vector<std::string> ExecForm(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  EXPECT_TRUE(absl::ConsumePrefix(&text, "[") && absl::ConsumeSuffix(&text, "]"))
      << "not the exec form: " << text;
  std::vector<std::string> out;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    EXPECT_TRUE(absl::ConsumePrefix(&item, "\"") && absl::ConsumeSuffix(&item, "\"")) << item;
    out.emplace_back(item);
  }
  return out;
}

// Adds instruction `keyword` with arguments `args` to `stage`.
void Add(const std::string& keyword, absl::string_view args, DockerStage& stage) {
  if (keyword == "RUN") {
    stage.runs.emplace_back(args);
  } else if (keyword == "COPY" && absl::ConsumePrefix(&args, "--from=build ")) {
    const std::vector<std::string> paths = absl::StrSplit(args, ' ', absl::SkipWhitespace());
    if (paths.size() == 2 && paths[1] == "/") stage.copy_from_build = paths[0];
  } else if (keyword == "USER") {
    stage.user = std::string(args);
  } else if (keyword == "ENV") {
    for (absl::string_view pair : absl::StrSplit(args, ' ', absl::SkipWhitespace())) {
      const std::pair<std::string, std::string> split =
          absl::StrSplit(pair, absl::MaxSplits('=', 1));
      stage.env[split.first] = split.second;
    }
  } else if (keyword == "ENTRYPOINT") {
    stage.entrypoint = ExecForm(args);
  } else if (keyword == "CMD") {
    stage.cmd = ExecForm(args);
  } else if (keyword == "EXPOSE") {
    for (absl::string_view port : absl::StrSplit(args, ' ', absl::SkipWhitespace())) {
      int number = 0;
      EXPECT_TRUE(absl::SimpleAtoi(port, &number)) << "EXPOSE " << args;
      stage.exposed_ports.push_back(number);
    }
  }
}

}  // namespace

std::vector<DockerStage> ReadDockerStages(const std::string& path) {
  std::ifstream in(path);
  std::vector<DockerStage> stages;
  for (const std::string& instruction : Instructions(in)) {
    const std::pair<std::string, std::string> split =
        absl::StrSplit(instruction, absl::MaxSplits(' ', 1));
    const std::string keyword = absl::AsciiStrToUpper(split.first);
    if (keyword == "FROM") {
      const std::vector<std::string> words =
          absl::StrSplit(split.second, ' ', absl::SkipWhitespace());
      DockerStage& stage = stages.emplace_back();
      stage.base = words.empty() ? "" : words[0];
      if (words.size() == 3 && absl::EqualsIgnoreCase(words[1], "AS")) stage.name = words[2];
    } else if (!stages.empty()) {
      Add(keyword, absl::StripAsciiWhitespace(split.second), stages.back());
    }
  }
  return stages;
}

DockerStage StageNamed(const std::vector<DockerStage>& stages, const std::string& name) {
  for (const DockerStage& stage : stages) {
    if (stage.name == name) return stage;
  }
  ADD_FAILURE() << "the Dockerfile has no stage " << name;
  return {};
}

}  // namespace misc::testing

#include "src/config/file_contents.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace misc::config {
namespace {

std::string WriteFile(const std::string& name, const std::string& content) {
  std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(ReadConfigFileTest, ReturnsTheContentsUpToTheLimit) {
  const std::string path = WriteFile("config-file-exact", "0123456789");
  absl::StatusOr<std::string> read = ReadConfigFile(path, 10);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "0123456789");
}

TEST(ReadConfigFileTest, AFileOverTheLimitIsInvalidNamingThePathNotTheContents) {
  const std::string path = WriteFile("config-file-over", "secret-key-material");
  const absl::StatusOr<std::string> read = ReadConfigFile(path, 10);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << read.status();
  EXPECT_TRUE(absl::StrContains(read.status().message(), path)) << read.status();
  EXPECT_FALSE(absl::StrContains(read.status().message(), "secret")) << read.status();
}

TEST(ReadConfigFileTest, AnEndlessFileIsRefusedWithoutReadingItAll) {
  const absl::StatusOr<std::string> read = ReadConfigFile("/dev/zero", 1 << 10);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << read.status();
}

TEST(ReadConfigFileTest, AMissingFileIsNotFound) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/config-file-missing");
  const absl::StatusOr<std::string> read = ReadConfigFile(path, 10);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound) << read.status();
  EXPECT_TRUE(absl::StrContains(read.status().message(), path)) << read.status();
}

}  // namespace
}  // namespace misc::config

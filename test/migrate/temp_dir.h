#ifndef MISC_TEST_MIGRATE_TEMP_DIR_H_
#define MISC_TEST_MIGRATE_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace misc::migrate {

// A new directory under ::testing::TempDir(), deleted with everything in it on destruction.
// Tests write fixture migration files into it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "migrate-XXXXXX";
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed for " << pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Returns the directory.
  const std::filesystem::path& path() const { return path_; }

  // Writes `contents` to the file `name` in the directory, replacing it; returns its path.
  std::filesystem::path Write(std::string_view name, std::string_view contents) const {
    std::filesystem::path file = path_ / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    EXPECT_TRUE(out.good()) << "cannot write " << file;
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace misc::migrate

#endif  // MISC_TEST_MIGRATE_TEMP_DIR_H_

// Replays the fuzz seeds (and any crash reproducers added to fuzz_corpus/) through the fuzz
// target's entry function, so the g++ build runs them too.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test/auth/jwt_fuzz_entry.h"

namespace misc::auth::fuzzing {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(JwtFuzzReplayTest, EveryCorpusFileRunsThroughTheFuzzEntry) {
  int files = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(MISC_AUTH_FUZZ_CORPUS_DIR)) {
    if (!entry.is_regular_file()) continue;
    SCOPED_TRACE(entry.path().string());
    FuzzOneInput(ReadFile(entry.path()));
    ++files;
  }
  EXPECT_GE(files, 10);
}

TEST(JwtFuzzReplayTest, TheValidSeedsReachTheSignatureCheckAndPass) {
  for (const char* name : {"valid-rsa.jwt", "valid-ec.jwt", "valid-ed.jwt"}) {
    std::string token = ReadFile(fs::path(MISC_AUTH_FUZZ_CORPUS_DIR) / name);
    absl::StatusOr<Viewer> viewer = FuzzVerifier().Verify(token, FuzzNow());
    ASSERT_TRUE(viewer.ok()) << name << ": " << viewer.status();
    EXPECT_EQ(viewer->user_id(), 42) << name;
  }
}

}  // namespace
}  // namespace misc::auth::fuzzing

// libFuzzer target for everything in misc_auth that reads untrusted text: tokens, JOSE JSON,
// base64url and JWKS documents. Built only with clang; every library it runs must be
// instrumented too (-fsanitize=fuzzer-no-link), so use a build directory of its own:
//
//   CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
//       -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined \
//                          -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
//   ninja -C build/fuzz jwt_fuzz
//   mkdir -p build/fuzz/corpus
//   build/fuzz/test/auth/jwt_fuzz build/fuzz/corpus test/auth/fuzz_corpus \
//       -max_len=9000 -max_total_time=60
//
// New inputs go to build/fuzz/corpus. test/auth/fuzz_corpus holds the committed seeds (and
// is where a crash reproducer goes once fixed): auth_test replays them in every build.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "test/auth/jwt_fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  misc::auth::fuzzing::FuzzOneInput(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

// Cost of verifying one user token, per algorithm, and of rejecting bad ones early.
//   ninja -C build/release jwt_verify_benchmark && build/release/bench/micro/jwt_verify_benchmark
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "src/auth/jwt_parser.h"
#include "src/auth/jwt_signer.h"
#include "src/auth/jwt_verifier.h"
#include "src/auth/signing_key.h"

namespace misc::auth {
namespace {

constexpr char kIssuer[] = "https://bff.misc.test";
constexpr char kAudience[] = "misc-api";

// Keys, a verifier of their JWKS and one valid token per key, made once.
struct Fixture {
  std::vector<SigningKey> keys;
  std::unique_ptr<JwtVerifier> verifier;
  std::vector<std::string> tokens;  // In the order of kRs256, kEs256, kEdDsa.
  absl::Time now = absl::Now();

  Fixture() {
    for (const auto& [algorithm, kid] :
         {std::pair{JwtAlgorithm::kRs256, "rsa"}, std::pair{JwtAlgorithm::kEs256, "ec"},
          std::pair{JwtAlgorithm::kEdDsa, "ed"}}) {
      keys.push_back(Check(GenerateSigningKey(algorithm, kid)));
    }
    const std::string path = absl::StrCat("/tmp/jwt-bench-jwks-", getpid(), ".json");
    std::ofstream(path) << Check(JwksJson(keys));
    verifier =
        Check(JwtVerifier::Create({.jwks_file = path, .issuer = kIssuer, .audience = kAudience}));
    std::remove(path.c_str());
    for (const SigningKey& key : keys) {
      tokens.push_back(Check(SignUserToken(
          key,
          {.subject = "123456789", .issuer = kIssuer, .audience = kAudience, .issued_at = now})));
    }
  }

  template <typename T>
  static T Check(absl::StatusOr<T> value) {
    if (!value.ok()) {
      std::fprintf(stderr, "benchmark setup failed: %s\n", value.status().ToString().c_str());
      std::abort();
    }
    return *std::move(value);
  }
};

const Fixture& GetFixture() {
  static const Fixture* const fixture = new Fixture();
  return *fixture;
}

// Arg: 0 RS256, 1 ES256, 2 EdDSA.
void BM_VerifyValidToken(benchmark::State& state) {
  const Fixture& fixture = GetFixture();
  const std::string& token = fixture.tokens[state.range(0)];
  for (auto _ : state) {
    absl::StatusOr<Viewer> viewer = fixture.verifier->Verify(token, fixture.now);
    if (!viewer.ok()) state.SkipWithError("token rejected");
    benchmark::DoNotOptimize(viewer);
  }
  state.SetLabel(std::to_string(token.size()) + " bytes");
}
BENCHMARK(BM_VerifyValidToken)->ArgName("alg")->Arg(0)->Arg(1)->Arg(2)->ThreadRange(1, 2);

// A forged signature: all the work of a valid token, ending in a failed verification.
void BM_RejectBadSignature(benchmark::State& state) {
  const Fixture& fixture = GetFixture();
  std::string token = fixture.tokens[state.range(0)];
  token[token.size() - 10] = token[token.size() - 10] == 'A' ? 'B' : 'A';
  for (auto _ : state) benchmark::DoNotOptimize(fixture.verifier->Verify(token, fixture.now));
}
BENCHMARK(BM_RejectBadSignature)->ArgName("alg")->Arg(0)->Arg(1)->Arg(2);

// An expired token: parsed and rejected before any signature work.
void BM_RejectExpired(benchmark::State& state) {
  const Fixture& fixture = GetFixture();
  const absl::Time later = fixture.now + absl::Hours(3);
  for (auto _ : state) benchmark::DoNotOptimize(fixture.verifier->Verify(fixture.tokens[1], later));
}
BENCHMARK(BM_RejectExpired);

// An oversized token: rejected on its length alone.
void BM_RejectTooLarge(benchmark::State& state) {
  const Fixture& fixture = GetFixture();
  const std::string token(kMaxTokenBytes + 1, 'a');
  for (auto _ : state) benchmark::DoNotOptimize(fixture.verifier->Verify(token, fixture.now));
}
BENCHMARK(BM_RejectTooLarge);

// Parsing alone (base64url, strict JSON, header and claim types), no crypto.
void BM_ParseOnly(benchmark::State& state) {
  const Fixture& fixture = GetFixture();
  for (auto _ : state) {
    ParsedJwt jwt;
    benchmark::DoNotOptimize(ParseJwt(fixture.tokens[1], &jwt));
  }
}
BENCHMARK(BM_ParseOnly);

}  // namespace
}  // namespace misc::auth

BENCHMARK_MAIN();

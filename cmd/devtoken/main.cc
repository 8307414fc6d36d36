// misc-devtoken: signs user tokens for local development, and makes the development key
// pair and JWKS a local server verifies them with. Never for production keys.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "cmd/devtoken/dev_keys.h"
#include "src/config/env_flags.h"

ABSL_FLAG(std::string, key, "", "PEM private key to sign with (RSA, EC P-256 or Ed25519).");
ABSL_FLAG(std::string, kid, "dev", "Key id: the token's kid, and the JWK's kid when generating.");
ABSL_FLAG(std::string, sub, "", "The user id the token is for (a positive decimal).");
ABSL_FLAG(std::string, issuer, "misc-dev", "The token's iss (match the server's --jwt_issuer).");
ABSL_FLAG(std::string, audience, "misc", "The token's aud (match the server's --jwt_audience).");
ABSL_FLAG(absl::Duration, ttl, absl::Hours(1), "How long the token is valid.");
ABSL_FLAG(std::string, generate_jwks_dir, "",
          "Instead of signing: make DIR/dev.key.pem (kept if present) and DIR/jwks.json.");

int main(int argc, char** argv) {
  misc::config::ParseFlags(argc, argv,
                           "misc-devtoken --key=KEY.pem --sub=42 [--kid --issuer --audience "
                           "--ttl] prints a signed token; misc-devtoken --generate_jwks_dir=DIR "
                           "makes a development key pair and JWKS.");
  if (const std::string dir = absl::GetFlag(FLAGS_generate_jwks_dir); !dir.empty()) {
    const absl::Status status = misc::devtoken::GenerateDevJwks(dir, absl::GetFlag(FLAGS_kid));
    if (!status.ok()) {
      std::fprintf(stderr, "%s: %s\n", argv[0], std::string(status.message()).c_str());
      return 1;
    }
    std::printf("%s/%s\n%s/%s\n", dir.c_str(), misc::devtoken::kDevKeyFile, dir.c_str(),
                misc::devtoken::kJwksFile);
    return 0;
  }
  if (absl::GetFlag(FLAGS_key).empty() || absl::GetFlag(FLAGS_sub).empty()) {
    std::fprintf(stderr, "%s: --key and --sub are required (or --generate_jwks_dir)\n", argv[0]);
    return 2;
  }
  const absl::StatusOr<std::string> token =
      misc::devtoken::IssueToken(absl::GetFlag(FLAGS_key), absl::GetFlag(FLAGS_kid),
                                 {.subject = absl::GetFlag(FLAGS_sub),
                                  .issuer = absl::GetFlag(FLAGS_issuer),
                                  .audience = absl::GetFlag(FLAGS_audience),
                                  .issued_at = absl::Now(),
                                  .ttl = absl::GetFlag(FLAGS_ttl)});
  if (!token.ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[0], std::string(token.status().message()).c_str());
    return 1;
  }
  std::printf("%s\n", token->c_str());
  return 0;
}

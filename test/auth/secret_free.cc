#include "test/auth/secret_free.h"

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "src/auth/signing_key.h"
#include "test/auth/auth_test_util.h"

namespace misc::auth::testing {
namespace {

// Appends the long string members of `key`'s public JWK and the base64 lines of its PEM.
void AddMaterialOf(const SigningKey& key, std::vector<std::string>& out) {
  absl::StatusOr<std::string> jwk = PublicJwk(key);
  EXPECT_TRUE(jwk.ok()) << jwk.status();
  if (jwk.ok()) {
    const nlohmann::json parsed = nlohmann::json::parse(*jwk);
    for (const auto& [name, value] : parsed.items()) {
      if (value.is_string() && value.get<std::string>().size() >= 16) {
        out.push_back(value.get<std::string>());
      }
    }
  }
  absl::StatusOr<std::string> pem = PublicKeyPem(key);
  EXPECT_TRUE(pem.ok()) << pem.status();
  if (!pem.ok()) return;
  for (absl::string_view line : absl::StrSplit(*pem, '\n')) {
    if (line.size() >= 16 && line.find("-----") == absl::string_view::npos) {
      out.emplace_back(line);
    }
  }
}

}  // namespace

const std::vector<std::string>& KeyMaterial() {
  static const std::vector<std::string>* material = [] {
    auto* out = new std::vector<std::string>();
    for (const SigningKey* key : {&RsaKey(), &EcKey(), &EdKey(), &OtherEcKey()}) {
      AddMaterialOf(*key, *out);
    }
    return out;
  }();
  return *material;
}

::testing::AssertionResult FreeOfSecrets(absl::string_view text,
                                         const std::vector<std::string>& authorization) {
  std::vector<std::string> secrets = KeyMaterial();
  secrets.emplace_back("eyJ");
  for (const std::string& value : authorization) {
    for (absl::string_view piece : absl::StrSplit(value, absl::ByAnyChar(" ."))) {
      if (piece.size() >= 8) secrets.emplace_back(piece);
    }
  }
  for (const std::string& secret : secrets) {
    if (text.find(secret) != absl::string_view::npos) {
      return ::testing::AssertionFailure() << "echoes \"" << secret << "\"";
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsSafeRejectionMessage(absl::string_view message,
                                                  const std::vector<std::string>& authorization,
                                                  absl::string_view expected) {
  if (message.empty() || message.size() > kMaxRejectionMessageBytes) {
    return ::testing::AssertionFailure() << "message of " << message.size()
                                         << " bytes, expected 1 to " << kMaxRejectionMessageBytes;
  }
  if (!expected.empty() && message != expected) {
    return ::testing::AssertionFailure()
           << "message \"" << message << "\", expected \"" << expected << "\"";
  }
  if (::testing::AssertionResult free = FreeOfSecrets(message, authorization); !free) {
    return ::testing::AssertionFailure() << "message \"" << message << "\" " << free.message();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace misc::auth::testing

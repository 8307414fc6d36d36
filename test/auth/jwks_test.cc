#include "src/auth/jwks.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "src/auth/base64url.h"
#include "test/auth/auth_test_util.h"

namespace misc::auth {
namespace {

using ::misc::auth::testing::EcKey;
using ::misc::auth::testing::EdKey;
using ::misc::auth::testing::RsaKey;

nlohmann::json Jwk(const SigningKey& key) { return nlohmann::json::parse(PublicJwk(key).value()); }

std::string Jwks(const std::vector<nlohmann::json>& keys) {
  return nlohmann::json{{"keys", keys}}.dump();
}

TEST(JwksTest, ParsesRsaEcAndOkpKeysBoundToTheirAlgorithms) {
  absl::StatusOr<KeySet> keys = ParseJwks(JwksJson({RsaKey(), EcKey(), EdKey()}).value());
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 3u);
  ASSERT_NE(keys->Find("rsa-1"), nullptr);
  EXPECT_EQ(keys->Find("rsa-1")->algorithm, JwtAlgorithm::kRs256);
  EXPECT_EQ(keys->Find("ec-1")->algorithm, JwtAlgorithm::kEs256);
  EXPECT_EQ(keys->Find("ed-1")->algorithm, JwtAlgorithm::kEdDsa);
  EXPECT_EQ(keys->Find("other"), nullptr);
  EXPECT_EQ(keys->Find(std::nullopt), nullptr);  // Several keys: a token must name one.
}

TEST(JwksTest, AlgIsOptionalForEcAndOkpKeysButMustMatch) {
  nlohmann::json ec = Jwk(EcKey());
  nlohmann::json ed = Jwk(EdKey());
  ec.erase("alg");
  ed.erase("alg");
  ec.erase("use");
  absl::StatusOr<KeySet> keys = ParseJwks(Jwks({ec, ed}));
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->Find("ec-1")->algorithm, JwtAlgorithm::kEs256);
  ec["alg"] = "RS256";
  EXPECT_FALSE(ParseJwks(Jwks({ec})).ok());
  ed["alg"] = "ES256";
  EXPECT_FALSE(ParseJwks(Jwks({ed})).ok());
}

TEST(JwksTest, AKidIsOptionalInATokenOnlyForASingleKey) {
  absl::StatusOr<KeySet> keys = ParseJwks(Jwks({Jwk(EcKey())}));
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_NE(keys->Find(std::nullopt), nullptr);
  EXPECT_EQ(keys->Find(std::nullopt)->kid, "ec-1");
  EXPECT_EQ(ParseJwks(R"({"keys": []})").status().message(), "JWKS has no keys");
}

TEST(JwksTest, LeavesOutKeysItCannotUseAndKeepsTheRest) {
  nlohmann::json rsa_without_alg = Jwk(RsaKey());
  rsa_without_alg.erase("alg");
  nlohmann::json encryption = Jwk(EdKey());
  encryption["use"] = "enc";
  nlohmann::json with_private = Jwk(EcKey());
  with_private["kid"] = "ec-private";
  with_private["d"] = with_private["x"];
  const nlohmann::json hmac = {
      {"kty", "oct"}, {"kid", "hmac"}, {"alg", "HS256"}, {"k", "c2VjcmV0"}};
  absl::StatusOr<KeySet> keys =
      ParseJwks(Jwks({rsa_without_alg, Jwk(EcKey()), encryption, with_private, hmac}));
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 1u);
  EXPECT_NE(keys->Find("ec-1"), nullptr);
  EXPECT_EQ(keys->Find("rsa-1"), nullptr);
  EXPECT_EQ(keys->Find("ed-1"), nullptr);
  ASSERT_EQ(keys->skipped().size(), 4u);
  EXPECT_EQ(keys->skipped()[0], "key 0: an RSA key needs \"alg\": \"RS256\"");
  EXPECT_EQ(keys->skipped()[1], "key 2: \"use\" must be \"sig\"");
  EXPECT_EQ(keys->skipped()[2], "key 3: holds private key material; publish public keys only");
  // An HMAC key is a shared secret: never in a public key set.
  EXPECT_EQ(keys->skipped()[3], "key 4: holds private key material; publish public keys only");

  // Only when none is left does the set fail, saying why for each.
  nlohmann::json x25519 = Jwk(EdKey());
  x25519["crv"] = "X25519";
  absl::StatusOr<KeySet> none = ParseJwks(Jwks({rsa_without_alg, x25519}));
  EXPECT_EQ(std::string(none.status().message()),
            "JWKS has no usable key: key 0: an RSA key needs \"alg\": \"RS256\"; key 1: an OKP key "
            "needs \"crv\": \"Ed25519\"");
}

TEST(JwksTest, RejectsKeysWhoseTypeAndAlgorithmDisagree) {
  std::vector<nlohmann::json> bad;
  nlohmann::json rsa = Jwk(RsaKey());
  rsa.erase("alg");
  bad.push_back(rsa);  // An RSA key must say RS256.
  rsa["alg"] = "PS256";
  bad.push_back(rsa);
  rsa["alg"] = "ES256";
  bad.push_back(rsa);
  nlohmann::json ec = Jwk(EcKey());
  ec["crv"] = "P-384";
  bad.push_back(ec);
  ec = Jwk(EcKey());
  ec["kty"] = "OKP";
  bad.push_back(ec);
  nlohmann::json ed = Jwk(EdKey());
  ed["crv"] = "X25519";
  bad.push_back(ed);
  nlohmann::json oct = {{"kty", "oct"}, {"kid", "hmac"}, {"alg", "HS256"}};
  bad.push_back(oct);
  for (const nlohmann::json& jwk : bad) {
    EXPECT_EQ(ParseJwks(Jwks({jwk})).status().code(), absl::StatusCode::kInvalidArgument) << jwk;
  }
}

TEST(JwksTest, RejectsPrivateMembersAndNonSignatureUse) {
  nlohmann::json ec = Jwk(EcKey());
  ec["d"] = ec["x"];
  EXPECT_FALSE(ParseJwks(Jwks({ec})).ok());
  ec = Jwk(EcKey());
  ec["use"] = "enc";
  EXPECT_FALSE(ParseJwks(Jwks({ec})).ok());
  ec = Jwk(EcKey());
  ec["key_ops"] = {"sign"};
  EXPECT_FALSE(ParseJwks(Jwks({ec})).ok());
  ec["key_ops"] = {"verify"};
  EXPECT_TRUE(ParseJwks(Jwks({ec})).ok());
}

TEST(JwksTest, RejectsMissingOrDuplicateKids) {
  nlohmann::json ec = Jwk(EcKey());
  ec.erase("kid");
  EXPECT_FALSE(ParseJwks(Jwks({ec})).ok());
  ec["kid"] = "";
  EXPECT_FALSE(ParseJwks(Jwks({ec})).ok());
  nlohmann::json ed = Jwk(EdKey());
  ed["kid"] = EcKey().kid;
  absl::StatusOr<KeySet> keys = ParseJwks(Jwks({Jwk(EcKey()), ed}));
  EXPECT_EQ(keys.status().message(), "JWKS key 1: duplicate \"kid\"");
}

TEST(JwksTest, RejectsInvalidKeyMaterial) {
  nlohmann::json ec = Jwk(EcKey());
  std::string y = *Base64UrlDecode(ec["y"].get<std::string>());
  y[31] ^= 1;  // No longer on the curve.
  ec["y"] = Base64UrlEncode(y);
  EXPECT_FALSE(ParseJwks(Jwks({ec})).ok());
  ec["y"] = Base64UrlEncode(y.substr(1));
  EXPECT_FALSE(ParseJwks(Jwks({ec})).ok());
  ec["y"] = "not base64!";
  EXPECT_FALSE(ParseJwks(Jwks({ec})).ok());
  nlohmann::json ed = Jwk(EdKey());
  ed["x"] = Base64UrlEncode(std::string(31, 'a'));
  EXPECT_FALSE(ParseJwks(Jwks({ed})).ok());

  // RSA under 2048 bits.
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  ASSERT_NE(small, nullptr);
  const SigningKey small_key{.kid = "small",
                             .algorithm = JwtAlgorithm::kRs256,
                             .key = std::shared_ptr<EVP_PKEY>(small, EVP_PKEY_free)};
  EXPECT_FALSE(ParseJwks(Jwks({Jwk(small_key)})).ok());
  nlohmann::json rsa = Jwk(RsaKey());
  rsa["e"] = "AQ";  // e = 1
  EXPECT_FALSE(ParseJwks(Jwks({rsa})).ok());
}

TEST(JwksTest, RejectsDocumentsThatAreNotAKeySet) {
  const std::string ec = Jwk(EcKey()).dump();
  for (const std::string& bad :
       {std::string("[]"), std::string("{}"), std::string(R"({"keys": {}})"), ec,
        "{\"keys\": [" + ec + "], \"keys\": []}",
        "{\"keys\": [" + ec.substr(0, ec.size() - 1) + ", \"kid\": \"x\"}]}",
        std::string("{\"keys\": [1]}"), std::string("not json")}) {
    EXPECT_FALSE(ParseJwks(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace misc::auth

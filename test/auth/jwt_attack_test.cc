// Tokens an attacker could forge or mangle: every one is rejected, for the right reason.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "src/auth/base64url.h"
#include "src/auth/jwt_parser.h"
#include "src/auth/jwt_verifier.h"
#include "test/auth/auth_test_util.h"

namespace misc::auth {
namespace {

using ::misc::auth::testing::AcceptedAs;
using ::misc::auth::testing::EcKey;
using ::misc::auth::testing::EdKey;
using ::misc::auth::testing::HeaderFor;
using ::misc::auth::testing::JwksFile;
using ::misc::auth::testing::kNow;
using ::misc::auth::testing::OtherEcKey;
using ::misc::auth::testing::RejectedFor;
using ::misc::auth::testing::RsaKey;
using ::misc::auth::testing::Sign;
using ::misc::auth::testing::SignText;
using ::misc::auth::testing::ValidClaims;
using ::misc::auth::testing::ValidToken;

// The three parts of a compact JWS.
struct Parts {
  std::string header;
  std::string payload;
  std::string signature;
  std::string Join() const { return absl::StrCat(header, ".", payload, ".", signature); }
};

Parts Split(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(parts.size(), 3u);
  parts.resize(3);
  return {parts[0], parts[1], parts[2]};
}

std::string Encode(const nlohmann::json& json) { return Base64UrlEncode(json.dump()); }

class JwtAttackTest : public ::testing::Test {
 protected:
  JwtAttackTest()
      : jwks_({RsaKey(), EcKey(), EdKey()}), verifier_(testing::MakeVerifier(jwks_.path())) {}

  Verification Verify(absl::string_view token) { return verifier_->Check(token, kNow); }

  int64_t Count(const char* label) { return verifier_->VerificationCounts().at(label); }

  JwksFile jwks_;
  std::unique_ptr<JwtVerifier> verifier_;
};

TEST_F(JwtAttackTest, RejectsAlgNoneInAnySpelling) {
  for (const char* none : {"none", "None", "NONE", "nOnE"}) {
    nlohmann::json header = {{"alg", none}, {"typ", "JWT"}};
    const std::string unsigned_token =
        absl::StrCat(Encode(header), ".", Encode(ValidClaims()), ".");
    EXPECT_TRUE(RejectedFor(Verify(unsigned_token), VerifyReason::kUnsupportedAlgorithm)) << none;
    // With a kid and a real signature of some key, still no.
    header["kid"] = EcKey().kid;
    EXPECT_TRUE(RejectedFor(Verify(Sign(EcKey(), header, ValidClaims())),
                            VerifyReason::kUnsupportedAlgorithm))
        << none;
  }
}

TEST_F(JwtAttackTest, RejectsHs256SignedWithThePublicKeyPemAsSecret) {
  // The classic key confusion: a verifier that takes alg from the token would check this
  // HMAC with the RSA public key's bytes as the secret.
  absl::StatusOr<std::string> pem = PublicKeyPem(RsaKey());
  ASSERT_TRUE(pem.ok()) << pem.status();
  for (const char* alg : {"HS256", "HS384", "HS512"}) {
    const nlohmann::json header = {{"alg", alg}, {"typ", "JWT"}, {"kid", RsaKey().kid}};
    const std::string input = absl::StrCat(Encode(header), ".", Encode(ValidClaims()));
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_length = 0;
    ASSERT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, pem->data(), pem->size(),
                        reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
                        sizeof(mac), &mac_length),
              nullptr);
    const std::string token = absl::StrCat(
        input, ".",
        Base64UrlEncode(absl::string_view(reinterpret_cast<const char*>(mac), mac_length)));
    EXPECT_TRUE(RejectedFor(Verify(token), VerifyReason::kUnsupportedAlgorithm)) << alg;
  }
}

TEST_F(JwtAttackTest, RejectsOtherAlgorithmsThanTheThreeWeUse) {
  for (const char* alg : {"PS256", "RS512", "ES384", "ES256K", "rs256", "Ed25519", ""}) {
    nlohmann::json header = HeaderFor(RsaKey());
    header["alg"] = alg;
    EXPECT_TRUE(RejectedFor(Verify(Sign(RsaKey(), header, ValidClaims())),
                            VerifyReason::kUnsupportedAlgorithm))
        << alg;
  }
  nlohmann::json header = HeaderFor(RsaKey());
  header.erase("alg");
  EXPECT_TRUE(RejectedFor(Verify(Sign(RsaKey(), header, ValidClaims())), VerifyReason::kMalformed));
}

TEST_F(JwtAttackTest, TheKeyDecidesTheAlgorithmNotTheHeader) {
  // An RS256 header naming the EC key, signed with RSA: the EC key only does ES256.
  nlohmann::json header = HeaderFor(RsaKey());
  header["kid"] = EcKey().kid;
  EXPECT_TRUE(
      RejectedFor(Verify(Sign(RsaKey(), header, ValidClaims())), VerifyReason::kAlgorithmMismatch));
  // An ES256 header naming the RSA key.
  header = HeaderFor(EcKey());
  header["kid"] = RsaKey().kid;
  EXPECT_TRUE(
      RejectedFor(Verify(Sign(EcKey(), header, ValidClaims())), VerifyReason::kAlgorithmMismatch));
  // An EdDSA header naming the EC key.
  header = HeaderFor(EdKey());
  header["kid"] = EcKey().kid;
  EXPECT_TRUE(
      RejectedFor(Verify(Sign(EdKey(), header, ValidClaims())), VerifyReason::kAlgorithmMismatch));
}

TEST_F(JwtAttackTest, RejectsADerEncodedEs256Signature) {
  const std::string token = Sign(EcKey(), HeaderFor(EcKey()), ValidClaims(), EcdsaEncoding::kDer);
  EXPECT_TRUE(RejectedFor(Verify(token), VerifyReason::kBadSignature));
}

TEST_F(JwtAttackTest, RejectsASignatureOfAnotherKeyUnderTheSameKid) {
  nlohmann::json header = HeaderFor(OtherEcKey());
  header["kid"] = EcKey().kid;
  EXPECT_TRUE(
      RejectedFor(Verify(Sign(OtherEcKey(), header, ValidClaims())), VerifyReason::kBadSignature));
}

TEST_F(JwtAttackTest, RejectsATamperedHeaderPayloadOrSignature) {
  for (const SigningKey* key : {&RsaKey(), &EcKey(), &EdKey()}) {
    const Parts valid = Split(ValidToken(*key));
    ASSERT_TRUE(AcceptedAs(Verify(valid.Join()), 42));

    Parts tampered = valid;
    nlohmann::json header = HeaderFor(*key);
    header["x"] = 1;
    tampered.header = Encode(header);
    EXPECT_TRUE(RejectedFor(Verify(tampered.Join()), VerifyReason::kBadSignature));

    tampered = valid;
    nlohmann::json claims = ValidClaims();
    claims["sub"] = "43";
    tampered.payload = Encode(claims);
    EXPECT_TRUE(RejectedFor(Verify(tampered.Join()), VerifyReason::kBadSignature));

    tampered = valid;
    std::string signature = *Base64UrlDecode(valid.signature);
    signature[signature.size() / 2] ^= 0x01;
    tampered.signature = Base64UrlEncode(signature);
    EXPECT_TRUE(RejectedFor(Verify(tampered.Join()), VerifyReason::kBadSignature));

    tampered.signature = Base64UrlEncode(signature.substr(1));
    EXPECT_TRUE(RejectedFor(Verify(tampered.Join()), VerifyReason::kBadSignature));
  }
}

TEST_F(JwtAttackTest, RejectsMalformedBase64Url) {
  const Parts valid = Split(ValidToken(RsaKey()));  // A 256-byte signature: 342 characters.
  const std::vector<Parts> bad = {
      {valid.header + "=", valid.payload, valid.signature},
      {valid.header, valid.payload + "=", valid.signature},
      {valid.header, valid.payload, valid.signature + "=="},
      {"+" + valid.header.substr(1), valid.payload, valid.signature},
      {valid.header, "/" + valid.payload.substr(1), valid.signature},
      {valid.header, valid.payload, absl::StrReplaceAll(valid.signature, {{"-", "+"}, {"_", "/"}})},
      {valid.header + " ", valid.payload, valid.signature},
      {valid.header, valid.payload, valid.signature + "\n"},
      {valid.header, valid.payload + "A", valid.signature},  // A length of 4n+1.
  };
  for (const Parts& parts : bad) {
    if (parts.Join() == valid.Join()) continue;  // The signature had no - or _.
    EXPECT_TRUE(RejectedFor(Verify(parts.Join()), VerifyReason::kMalformed)) << parts.Join();
  }
}

TEST_F(JwtAttackTest, RejectsNonCanonicalBase64Url) {
  // 64 signature bytes take 86 characters, whose last 4 bits are unused and must be zero.
  // Setting one gives a second spelling of the same bytes, which the decoder must refuse.
  constexpr absl::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  Parts tampered = Split(ValidToken(EcKey()));
  char& last = tampered.signature.back();
  last = kAlphabet[kAlphabet.find(last) ^ 1];
  EXPECT_EQ(Base64UrlDecode(tampered.signature), std::nullopt);
  EXPECT_TRUE(RejectedFor(Verify(tampered.Join()), VerifyReason::kMalformed));
}

TEST_F(JwtAttackTest, RejectsAWrongNumberOfPartsOrEmptyParts) {
  const Parts valid = Split(ValidToken(EcKey()));
  for (const std::string& token :
       {absl::StrCat(valid.Join(), ".", valid.signature), absl::StrCat(valid.Join(), "."),
        absl::StrCat(valid.header, ".", valid.payload), valid.header, std::string(""),
        std::string("."), std::string(".."), std::string("..."),
        absl::StrCat(".", valid.payload, ".", valid.signature),
        absl::StrCat(valid.header, "..", valid.signature),
        absl::StrCat(valid.header, ".", valid.payload, ".")}) {
    EXPECT_TRUE(RejectedFor(Verify(token), VerifyReason::kMalformed)) << token;
  }
}

TEST_F(JwtAttackTest, RejectsJsonThatIsNotAnObject) {
  const nlohmann::json header = HeaderFor(EcKey());
  for (const char* not_object : {"[]", "\"x\"", "42", "null", "[{\"alg\":\"ES256\"}]", "", "{",
                                 "{\"alg\":\"ES256\"} x", "{\"alg\":'ES256'}"}) {
    EXPECT_TRUE(
        RejectedFor(Verify(SignText(EcKey(), header.dump(), not_object)), VerifyReason::kMalformed))
        << not_object;
    EXPECT_TRUE(RejectedFor(Verify(SignText(EcKey(), not_object, ValidClaims().dump())),
                            VerifyReason::kMalformed))
        << not_object;
  }
}

TEST_F(JwtAttackTest, RejectsDuplicateClaimsAndHeaderParameters) {
  const std::string header = HeaderFor(EcKey()).dump();
  const std::string claims = ValidClaims().dump();
  const std::string exp = std::to_string(absl::ToUnixSeconds(kNow + absl::Hours(1)));
  // Duplicate exp, also when spelled with an escape.
  const std::string dup_exp = absl::StrCat("{\"exp\":1,", claims.substr(1));
  const std::string escaped_exp = absl::StrCat("{\"e\\u0078p\":", exp, ",", claims.substr(1));
  // Duplicate member inside a nested object.
  const std::string nested = absl::StrCat("{\"ctx\":{\"a\":1,\"a\":2},", claims.substr(1));
  for (const std::string& bad_claims : {dup_exp, escaped_exp, nested}) {
    EXPECT_TRUE(
        RejectedFor(Verify(SignText(EcKey(), header, bad_claims)), VerifyReason::kMalformed))
        << bad_claims;
  }
  // Duplicate alg, in either order.
  for (const std::string& bad_header :
       {absl::StrCat("{\"alg\":\"none\",", header.substr(1)),
        absl::StrCat(header.substr(0, header.size() - 1), ",\"alg\":\"none\"}")}) {
    EXPECT_TRUE(
        RejectedFor(Verify(SignText(EcKey(), bad_header, claims)), VerifyReason::kMalformed))
        << bad_header;
  }
}

TEST_F(JwtAttackTest, RejectsCritAndForeignTypHeaders) {
  nlohmann::json header = HeaderFor(EcKey());
  header["crit"] = {"exp"};
  EXPECT_TRUE(
      RejectedFor(Verify(Sign(EcKey(), header, ValidClaims())), VerifyReason::kUnsupportedHeader));
  header["crit"] = nlohmann::json::array();
  EXPECT_TRUE(
      RejectedFor(Verify(Sign(EcKey(), header, ValidClaims())), VerifyReason::kUnsupportedHeader));
  header = HeaderFor(EcKey());
  header["typ"] = "at+jwt";
  EXPECT_TRUE(
      RejectedFor(Verify(Sign(EcKey(), header, ValidClaims())), VerifyReason::kUnsupportedHeader));
  header["typ"] = "jwt";  // typ is case-insensitive (RFC 7515 section 4.1.9).
  EXPECT_TRUE(AcceptedAs(Verify(Sign(EcKey(), header, ValidClaims())), 42));
  header["kid"] = 1;
  EXPECT_TRUE(
      RejectedFor(Verify(Sign(EcKey(), header, ValidClaims())), VerifyReason::kUnsupportedHeader));
}

TEST_F(JwtAttackTest, RejectsUnknownKidsAndAMissingKidWhenSeveralKeysExist) {
  nlohmann::json header = HeaderFor(EcKey());
  header["kid"] = "ec-unknown";
  EXPECT_TRUE(RejectedFor(Verify(Sign(EcKey(), header, ValidClaims())), VerifyReason::kUnknownKey));
  header.erase("kid");
  EXPECT_TRUE(RejectedFor(Verify(Sign(EcKey(), header, ValidClaims())), VerifyReason::kUnknownKey));
}

TEST(JwtKidTest, AMissingKidIsFineWhenTheJwksHoldsOneKey) {
  JwksFile jwks({EcKey()});
  std::unique_ptr<JwtVerifier> verifier = testing::MakeVerifier(jwks.path());
  nlohmann::json header = HeaderFor(EcKey());
  header.erase("kid");
  EXPECT_TRUE(AcceptedAs(verifier->Verify(Sign(EcKey(), header, ValidClaims()), kNow), 42));
}

TEST_F(JwtAttackTest, RejectsTokensOver8KiBBeforeAnyOtherWork) {
  // Grow a valid token one claim byte at a time across the limit.
  nlohmann::json claims = ValidClaims();
  std::string last_accepted;
  for (size_t padding = 5800;; ++padding) {
    claims["pad"] = std::string(padding, 'x');
    const std::string token = Sign(EcKey(), HeaderFor(EcKey()), claims);
    if (token.size() > kMaxTokenBytes) {
      EXPECT_TRUE(RejectedFor(Verify(token), VerifyReason::kTooLarge));
      break;
    }
    last_accepted = token;
  }
  EXPECT_GE(last_accepted.size(), kMaxTokenBytes - 3);
  EXPECT_TRUE(AcceptedAs(Verify(last_accepted), 42));

  // An oversized token that would fail every other check fails on size alone, cheaply: no
  // base64, JSON or signature work shows in the counts.
  const int64_t bad_signatures = Count("bad_signature");
  const std::string huge(1 << 20, '.');
  EXPECT_TRUE(RejectedFor(Verify(huge), VerifyReason::kTooLarge));
  Parts forged = Split(last_accepted);
  forged.payload += std::string(8, 'A');
  EXPECT_TRUE(RejectedFor(Verify(forged.Join()), VerifyReason::kTooLarge));
  EXPECT_EQ(Count("bad_signature"), bad_signatures);
  EXPECT_EQ(Count("malformed"), 0);
}

TEST(JwtParserTest, ChecksSizeBeforeParsing) {
  ParsedJwt jwt;
  EXPECT_EQ(ParseJwt(std::string(kMaxTokenBytes + 1, 'a'), &jwt), VerifyReason::kTooLarge);
  EXPECT_EQ(ParseJwt(std::string(kMaxTokenBytes, 'a'), &jwt), VerifyReason::kMalformed);
}

}  // namespace
}  // namespace misc::auth
